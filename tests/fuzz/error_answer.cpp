// Label Studio's error envelope and the other refusals (error_from_response, html_instead_of_api,
// refresh_failure_hint): any body, status, Content-Type and Retry-After. Checked: no crash or
// sanitizer report; the error of a 4xx or 5xx is never Ok and its detail stays within its capacity.
#include <string>

#include "firmware/core/arena.h"
#include "firmware/labelstudio/api_error.h"
#include "tests/fuzz/fuzz_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsedge;
  static StaticArena<65536> arena;
  FuzzedDataProvider input(data, size);
  static constexpr const char* kTypes[] = {"application/json", "text/html; charset=utf-8",
                                           "application/problem+json", "", "text/plain"};
  http::Response response;
  response.status = input.ConsumeIntegralInRange<uint16_t>(100, 999);
  const std::string content_type = kTypes[input.ConsumeIntegralInRange<size_t>(0, 4)];
  const std::string retry_after = input.ConsumeRandomLengthString(24);
  response.truncated = input.ConsumeBool();
  const std::string body = input.ConsumeRemainingBytesAsString();
  response.content_type = content_type;
  response.retry_after = retry_after;
  response.body = as_bytes(body);
  arena.reset();
  const Error error = labelstudio::error_from_response(response, arena, "/api/fuzz/");
  LSEDGE_FUZZ_CHECK(response.status < 400 || error.status != Status::Ok);
  LSEDGE_FUZZ_CHECK(error.detail.size() <= error.detail.capacity());
  (void)labelstudio::html_instead_of_api(response, "/api/fuzz/");
  (void)labelstudio::is_json_answer(response);
  (void)labelstudio::status_for_http(response.status);
  (void)labelstudio::refresh_failure_hint(error.detail.view());
  return 0;
}
