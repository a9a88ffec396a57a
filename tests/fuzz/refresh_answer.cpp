// The answer to the PAT refresh (POST /api/token/refresh/): any body with any status, then a
// whoami that succeeds, through the real Client, TokenExchange and TokenManager. Checked: no crash
// or sanitizer report; a success needs a 2xx refresh answer; the PAT never reaches the log or
// the error.
#include <string>

#include "tests/fuzz/api_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsedge;
  FuzzedDataProvider input(data, size);
  const int status = fuzz::pick_status(input);
  const uint32_t seed = input.ConsumeIntegral<uint32_t>();
  fuzz::ApiRig rig(fuzz::pick_body_limit(input));
  const std::string body = input.ConsumeRemainingBytesAsString();
  rig.pat();
  const std::string whoami = R"({"id":7,"username":"edge","email":"e@example.com"})";
  rig.answer({fuzz::http_answer(status, body), fuzz::http_answer(200, whoami)}, seed);
  const Result<labelstudio::User> user = rig.client->whoami(rig.deadline());
  if (user.ok()) {
    LSEDGE_FUZZ_CHECK(status / 100 == 2);
  } else {
    LSEDGE_FUZZ_CHECK(!user.error().detail.empty() || user.status() != Status::Ok);
  }
  fuzz::check_no_secret(rig, user.ok() ? std::string_view() : user.error().detail.view(), body);
  return 0;
}
