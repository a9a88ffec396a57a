// The import status answer (GET /api/projects/{pid}/imports/{id}/): any body with any status
// through the real Client (legacy key), and parse_import_status on the body whole and cut at
// any point (as a truncated body). Checked: no crash or sanitizer report; a success needs a 2xx
// answer; a Failed state keeps its error within its capacity.
#include <string>

#include "firmware/labelstudio/import.h"
#include "tests/fuzz/api_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsedge;
  FuzzedDataProvider input(data, size);
  const int status = fuzz::pick_status(input);
  const uint32_t seed = input.ConsumeIntegral<uint32_t>();
  const size_t cut = input.ConsumeIntegral<uint16_t>();
  fuzz::ApiRig rig(fuzz::pick_body_limit(input));
  const std::string body = input.ConsumeRemainingBytesAsString();
  rig.legacy();
  rig.answer({fuzz::http_answer(status, body)}, seed);
  const Result<labelstudio::ImportStatus> polled =
      labelstudio::get_import_status(*rig.client, 3, 17, rig.deadline());
  LSEDGE_FUZZ_CHECK(!polled.ok() || status / 100 == 2);
  fuzz::check_no_secret(rig, polled.ok() ? std::string_view() : polled.error().detail.view(), body);
  for (const bool truncated : {false, true}) {
    const std::string_view text =
        truncated ? std::string_view(body).substr(0, cut % (body.size() + 1)) : body;
    const Result<labelstudio::ImportStatus> parsed =
        labelstudio::parse_import_status(text, truncated);
    if (parsed.ok()) {
      (void)labelstudio::import_state_name(parsed->state);
      LSEDGE_FUZZ_CHECK(parsed->error.size() <= parsed->error.capacity());
    }
  }
  return 0;
}
