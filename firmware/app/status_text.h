// What a Status means to the person running lsedge: a sentence that says what happened and what
// to do (naming lsedge's settings and commands), and the process exit code.
#pragma once

#include "firmware/core/status.h"

namespace lsedge::app {

// A short sentence: what happened and what to do. Never contains secrets.
// Thread-safety: pure function.
[[nodiscard]] const char* status_message(Status status);
// 0 ok, 2 usage/config, 3 authentication, 4 network/TLS, 5 server or other.
// Thread-safety: pure function.
[[nodiscard]] int exit_code_for(Status status);

}  // namespace lsedge::app
