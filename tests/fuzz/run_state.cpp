// DIR/run-state's parser (`lsedge status` reads a file `run` wrote, or whatever a crash, a full
// disk or a person left there): any bytes. Checked: no crash or sanitizer report; what parses
// formats again within kRunStateMaxBytes, and that text parses to the same fields (so `run`
// can always write back what `status` read).
#include <string_view>

#include "firmware/app/run_state.h"
#include "tests/fuzz/fuzz_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsedge;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<app::RunState> parsed = app::parse_run_state(text);
  if (!parsed.ok()) {
    LSEDGE_FUZZ_CHECK(parsed.status() == Status::ConfigInvalid);
    return 0;
  }
  char out[app::kRunStateMaxBytes];
  size_t length = 0;
  LSEDGE_FUZZ_CHECK(app::format_run_state(*parsed, Span<char>(out, sizeof(out)), length).ok());
  const Result<app::RunState> again = app::parse_run_state(std::string_view(out, length));
  LSEDGE_FUZZ_CHECK(again.ok());
  const app::RunState& a = *parsed;
  const app::RunState& b = *again;
  LSEDGE_FUZZ_CHECK(a.updated_unix == b.updated_unix);
  LSEDGE_FUZZ_CHECK(a.last_success_unix == b.last_success_unix);
  if (a.last_success_unix != 0) {
    LSEDGE_FUZZ_CHECK(a.last_success_tasks == b.last_success_tasks);
  }
  LSEDGE_FUZZ_CHECK(a.last_error_unix == b.last_error_unix);
  if (a.last_error_unix != 0) {
    LSEDGE_FUZZ_CHECK(a.last_error_http_status == b.last_error_http_status);
  }
  return 0;
}
