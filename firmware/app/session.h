// A CLI command's connection to Label Studio: credentials, transport, connection, client.
#pragma once

#include <optional>

#include "firmware/app/cli_common.h"
#include "firmware/app/config.h"
#include "firmware/app/pem_file.h"
#include "firmware/app/platform_services.h"
#include "firmware/auth/token_manager.h"
#include "firmware/core/deadline.h"
#include "firmware/core/log.h"
#include "firmware/core/log_sink.h"
#include "firmware/core/result.h"
#include "firmware/http/connection.h"
#include "firmware/labelstudio/client.h"
#include "firmware/net/tcp_transport.h"
#include "firmware/net/tls_transport.h"

namespace lsedge::app {

// Everything one command needs to talk to the server, on the CLI's static HTTP buffers (so one
// Session per process at a time). Thread-safety: one thread (the CLI's).
class Session;

// Loads the settings (environment, .env, command line) into the CLI's static Config, then makes
// and opens `out`. Thread-safety: the CLI thread only.
[[nodiscard]] Outcome start_session(const Options& options, PlatformServices& platform,
                                    LogSink& sink, std::optional<Session>& out);
// The same with a command's own settings on top (e.g. import's --import-timeout-s); the global
// options' --url and --ca-file still apply.
[[nodiscard]] Outcome start_session(const Options& options, PlatformServices& platform,
                                    LogSink& sink, std::optional<Session>& out,
                                    const ConfigOverrides& command_overrides);
// Makes and opens `out` from the settings load_settings() already put in the CLI's Config (read
// once: a command that checks a setting before its own work does not read them again).
[[nodiscard]] Outcome open_session(PlatformServices& platform, LogSink& sink,
                                   std::optional<Session>& out);

class Session;

// The project a command uses, known before any request: --project when given (`from_flag`
// non-zero), else LABEL_STUDIO_PROJECT's id, else its title (id 0) to ensure. UsageError with
// `usage` and a hint at the setting when neither is set. Thread-safety: a value type.
struct ProjectChoice {
  int64_t id = 0;
  std::string_view title;
};
[[nodiscard]] Result<ProjectChoice> choose_project(int64_t from_flag, const Config& config,
                                                   std::string_view usage);
// Finds the project titled `title` exactly, or creates it (labelstudio::ensure_project), and
// logs which (info). Thread-safety: the session's thread.
[[nodiscard]] Result<int64_t> ensure_project_title(Session& session, LogSink& sink,
                                                   std::string_view title);

class Session {
 public:
  Session(PlatformServices& platform, LogSink& sink, Config& config);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Takes the token out of the config (wiping it there) and sets up TLS.
  [[nodiscard]] Outcome open();

  [[nodiscard]] Deadline request_deadline() const;
  // For an import request: the server parses and stores the whole batch before it answers, so
  // this is longer than request_deadline() (LSEDGE_IMPORT_TIMEOUT_S, default
  // LSEDGE_IMPORT_TIMEOUT_MS). Connecting stays bounded by LSEDGE_CONNECT_TIMEOUT_MS.
  [[nodiscard]] Deadline import_deadline() const;
  // The configured import timeout (also the longest wait for a queued import's outcome).
  [[nodiscard]] uint32_t import_timeout_ms() const { return config_.import_timeout_ms; }
  labelstudio::Client& client() { return client_; }
  [[nodiscard]] const http::Connection& connection() const { return connection_; }

 private:
  [[nodiscard]] bool https() const { return config_.url.scheme == Scheme::Https; }
  net::Transport& transport();

  PlatformServices& platform_;
  Config& config_;
  Logger log_;
  auth::TokenManager tokens_;
  // The CA file, read again by tls_ for each trusted root it looks up (on the start-up scratch,
  // free once the .env was read).
  PemFileSource ca_;
  net::TcpTransport tcp_;
  net::TlsTransport tls_;
  http::Connection connection_;
  labelstudio::Client client_;
};

}  // namespace lsedge::app
