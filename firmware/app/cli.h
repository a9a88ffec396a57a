// The lsedge command line: parses arguments, runs one command, returns the exit code.
#pragma once

#include "firmware/app/platform_services.h"

namespace lsedge::app {

// Exit codes: 0 ok, 2 usage or configuration, 3 authentication, 4 network or TLS,
// 5 server or other. Thread-safety: call from one thread (it uses static buffers).
[[nodiscard]] int run_cli(int argc, const char* const* argv, PlatformServices& platform);

}  // namespace lsedge::app
