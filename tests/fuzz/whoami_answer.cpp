// The whoami answer (GET /api/current-user/whoami): any body with any status through the real
// Client (legacy key). Checked: no crash or sanitizer report; a success needs a 2xx answer and
// gives fields inside their capacities; the key never reaches the log or the error.
#include <string>

#include "tests/fuzz/api_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsedge;
  FuzzedDataProvider input(data, size);
  const int status = fuzz::pick_status(input);
  const uint32_t seed = input.ConsumeIntegral<uint32_t>();
  fuzz::ApiRig rig(fuzz::pick_body_limit(input));
  const std::string body = input.ConsumeRemainingBytesAsString();
  rig.legacy();
  rig.answer({fuzz::http_answer(status, body)}, seed);
  const Result<labelstudio::User> user = rig.client->whoami(rig.deadline());
  if (user.ok()) {
    LSEDGE_FUZZ_CHECK(status / 100 == 2);
    LSEDGE_FUZZ_CHECK(user->email.size() <= user->email.capacity());
  }
  fuzz::check_no_secret(rig, user.ok() ? std::string_view() : user.error().detail.view(), body);
  return 0;
}
