// What a Status means to the person running lsedge: a sentence that says what happened and what
// to do (naming lsedge's settings and commands), and the process exit code.
#pragma once

#include <string_view>

#include "firmware/core/status.h"

namespace lsedge::app {

// A short sentence: what happened and what to do. Never contains secrets.
// Thread-safety: pure function.
[[nodiscard]] const char* status_message(Status status);
// 0 ok, 2 usage/config, 3 authentication, 4 network/TLS, 5 server or other.
// Thread-safety: pure function.
[[nodiscard]] int exit_code_for(Status status);

// Why a local path could not be used, in a few words ("no such file or directory"), for a
// detail that names the path under another status (a setting's file); "" for a status that is
// not a storage failure. Thread-safety: pure function.
[[nodiscard]] std::string_view file_problem(Status status);

}  // namespace lsedge::app
