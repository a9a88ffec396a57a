#include "firmware/app/cli.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <config.h>  // board sizes
#include "firmware/app/config.h"
#include "firmware/auth/token_manager.h"
#include "firmware/core/arena.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/log.h"
#include "firmware/http/connection.h"
#include "firmware/json/json.h"
#include "firmware/labelstudio/api_error.h"
#include "firmware/labelstudio/client.h"
#include "firmware/labelstudio/title.h"
#include "firmware/net/tcp_transport.h"
#include "firmware/net/tls_transport.h"

namespace lsedge::app {
namespace {

constexpr std::string_view kUsage =
    "usage: lsedge [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  whoami              show the user the API token belongs to (id, email, username)\n"
    "  check [--count N] [--interval-ms MS]\n"
    "                      check URL, TLS and credentials: whoami N times (default 1) on one\n"
    "                      connection, MS milliseconds apart; stops at the first failure\n"
    "  title NAME [ID]     print the Label Studio project title for NAME and task ID\n"
    "                      (at most 50 characters: the name is cut and '...' appended)\n"
    "\n"
    "Options:\n"
    "  --env-file FILE     read settings from FILE (default: ./.env when it exists)\n"
    "  --url URL           Label Studio URL (overrides LABEL_STUDIO_URL)\n"
    "  --ca-file FILE      CA certificates to trust (overrides LABEL_STUDIO_CA_FILE)\n"
    "  --allow-insecure-http  allow http:// to a host that is not loopback\n"
    "  --json              print results (and errors, on stderr) as JSON\n"
    "  -v, --verbose       more log output on stderr (twice: debug)\n"
    "  -q, --quiet         only errors on stderr\n"
    "  -h, --help          show this help\n"
    "  --version           show the version\n"
    "\n"
    "Settings (environment, or the .env file; the environment wins):\n"
    "  LABEL_STUDIO_URL        e.g. https://label-studio.example.com or http://127.0.0.1:8080/ls\n"
    "  LABEL_STUDIO_API_TOKEN  Personal Access Token (or legacy token); LABEL_STUDIO_API_KEY too\n"
    "  LABEL_STUDIO_CA_FILE    PEM file of CA certificates to trust\n"
    "  LABEL_STUDIO_ALLOW_INSECURE_HTTP=1  allow http:// to a non-loopback host\n"
    "  LABEL_STUDIO_PIN_SHA256 base64 SHA-256 of the server's public key, checked as well\n"
    "\n"
    "Exit codes: 0 ok, 2 usage or configuration, 3 authentication, 4 network or TLS,\n"
    "5 server or other error.\n";

constexpr size_t kMaxPositional = 8;

struct Options {
  std::string_view env_file;
  bool env_file_given = false;
  std::string_view url;
  std::string_view ca_file;
  bool allow_insecure_http = false;
  bool json = false;
  bool help = false;
  bool version = false;
  int verbosity = 0;  // -1 quiet, 0 warnings, 1 info, 2 debug
  std::string_view command;
  std::string_view args[kMaxPositional];
  size_t arg_count = 0;
};

Outcome parse_options(int argc, const char* const* argv, Options& options) {
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    const auto needs_value = [&](std::string_view& into) -> Outcome {
      if (i + 1 >= argc) {
        Error error(Status::UsageError, "option needs a value: ");
        error.detail.append_truncated(arg);
        return error;
      }
      into = argv[++i];
      return {};
    };
    if (!only_positional && arg.size() > 1 && arg[0] == '-') {
      if (arg == "--") {
        only_positional = true;
      } else if (arg == "--env-file") {
        LSEDGE_TRY(needs_value(options.env_file));
        options.env_file_given = true;
      } else if (arg == "--url") {
        LSEDGE_TRY(needs_value(options.url));
      } else if (arg == "--ca-file") {
        LSEDGE_TRY(needs_value(options.ca_file));
      } else if (arg == "--allow-insecure-http") {
        options.allow_insecure_http = true;
      } else if (arg == "--json") {
        options.json = true;
      } else if (arg == "-v" || arg == "--verbose") {
        options.verbosity = options.verbosity < 0 ? 1 : options.verbosity + 1;
      } else if (arg == "-vv") {
        options.verbosity = 2;
      } else if (arg == "-q" || arg == "--quiet") {
        options.verbosity = -1;
      } else if (arg == "-h" || arg == "--help") {
        options.help = true;
      } else if (arg == "--version") {
        options.version = true;
      } else if (!options.command.empty() && arg.size() > 2 && arg[1] == '-' &&
                 options.arg_count < kMaxPositional) {
        options.args[options.arg_count++] = arg;  // the command's own option
      } else {
        Error error(Status::UsageError, "unknown option ");
        error.detail.append_truncated(arg);
        return error;
      }
      continue;
    }
    if (options.command.empty()) {
      options.command = arg;
    } else if (options.arg_count < kMaxPositional) {
      options.args[options.arg_count++] = arg;
    } else {
      return Error(Status::UsageError, "too many arguments");
    }
  }
  return {};
}

// Drops lines below the level chosen with -v/-q before they reach the platform's sink.
class LevelFilterSink final : public hal::LogSink {
 public:
  LevelFilterSink(hal::LogSink& next, hal::LogLevel max_level) : next_(next), max_(max_level) {}
  bool enabled(hal::LogLevel level) const override { return level <= max_ && next_.enabled(level); }
  void write(hal::LogLevel level, std::string_view component, std::string_view message) override {
    if (enabled(level)) {
      next_.write(level, component, message);
    }
  }

 private:
  hal::LogSink& next_;
  hal::LogLevel max_;
};

// --allow-insecure-http shadows the environment's setting.
class OverrideLookup final : public EnvLookup {
 public:
  OverrideLookup(const EnvLookup& next, const Options& options) : next_(next), options_(options) {}
  std::optional<std::string_view> get(std::string_view key) const override {
    if (key == kAllowInsecureHttpKey && options_.allow_insecure_http) {
      return std::string_view("1");
    }
    return next_.get(key);
  }

 private:
  const EnvLookup& next_;
  const Options& options_;
};

// Output helpers: short lines assembled in a fixed buffer.
using Line = FixedString<1024>;

void print_json_string(Line& line, std::string_view text) {
  uint8_t buffer[Line::kCapacity];
  json::Writer writer{ByteSpan(buffer)};
  (void)writer.string(text);  // errors stick: finish() reports them
  auto size = writer.finish();
  if (size.ok()) {
    line.append_truncated(as_text(ConstByteSpan(buffer, *size)));
  } else {
    line.append_truncated("null");
  }
}

void report_error(Console& console, const Error& error, bool as_json) {
  Line line;
  if (as_json) {
    line.append_truncated("{\"error\":{\"status\":\"");
    line.append_truncated(status_name(error.status));
    line.append_truncated("\",\"message\":");
    print_json_string(line, status_message(error.status));
    line.append_truncated(",\"detail\":");
    print_json_string(line, error.detail.view());
    line.append_truncated(",\"http_status\":");
    (void)line.append_uint(error.http_status);
    line.append_truncated(",\"exit_code\":");
    (void)line.append_uint(static_cast<uint64_t>(exit_code_for(error.status)));
    line.append_truncated("}}\n");
    console.err(line.view());
    return;
  }
  line.append_truncated("lsedge: ");
  line.append_truncated(status_message(error.status));
  line.append_truncated("\n");
  if (!error.detail.empty()) {
    line.append_truncated(error.status == Status::RefreshRejected || error.http_status != 0
                              ? "  server said: "
                              : "  detail: ");
    line.append_truncated(error.detail.view());
    line.append_truncated("\n");
  }
  if (error.status == Status::RefreshRejected) {
    line.append_truncated("  what to do: ");
    line.append_truncated(labelstudio::refresh_failure_hint(error.detail.view()));
    line.append_truncated("\n");
  }
  console.err(line.view());
}

int fail(Console& console, const Error& error, bool as_json) {
  report_error(console, error, as_json);
  return exit_code_for(error.status);
}

int cmd_title(const Options& options, Console& console) {
  if (options.arg_count < 1 || options.arg_count > 2) {
    return fail(console, Error(Status::UsageError, "usage: lsedge title NAME [ID]"), options.json);
  }
  labelstudio::ProjectTitle title;
  const std::string_view id = options.arg_count == 2 ? options.args[1] : std::string_view();
  const Outcome outcome = labelstudio::format_project_title(options.args[0], id, title);
  if (!outcome.ok()) {
    return fail(console, outcome.error(), options.json);
  }
  Line line;
  if (options.json) {
    line.append_truncated("{\"title\":");
    print_json_string(line, title.view());
    line.append_truncated(",\"characters\":");
    (void)line.append_uint(labelstudio::count_code_points(title.view()));
    line.append_truncated("}\n");
  } else {
    line.append_truncated(title.view());
    line.append_truncated("\n");
  }
  console.out(line.view());
  return 0;
}

// Static buffers: sized by the board, allocated once, never on the heap.
uint8_t g_env_file[LSEDGE_ENV_FILE_LIMIT];
uint8_t g_ca_bundle[LSEDGE_CA_BUNDLE_LIMIT + 1];  // + the NUL Mbed TLS wants after PEM
uint8_t g_request_head[LSEDGE_HTTP_REQUEST_HEAD_CAPACITY];
uint8_t g_response_headers[LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT];
uint8_t g_response_body[LSEDGE_HTTP_RESPONSE_BODY_LIMIT];
uint8_t g_receive_chunk[LSEDGE_HTTP_RECEIVE_CHUNK];
uint8_t g_send_chunk[LSEDGE_HTTP_SEND_CHUNK];
StaticArena<LSEDGE_JSON_ARENA_BYTES> g_json_arena;
Config g_config;

constexpr std::string_view kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

Outcome load_settings(const Options& options, PlatformServices& platform, Config& config) {
  std::string_view dotenv;
  std::string_view env_path = options.env_file_given ? options.env_file : ".env";
  auto read = platform.storage.read_file(env_path, ByteSpan(g_env_file));
  if (read.ok()) {
    dotenv = as_text(ConstByteSpan(g_env_file, *read));
  } else if (options.env_file_given || read.status() != Status::FileError ||
             read.error().code != 2 /* ENOENT: no ./.env is fine */) {
    Error error(Status::ConfigInvalid, "cannot read the env file ");
    error.detail.append_truncated(env_path);
    error.code = read.error().code;
    if (read.status() == Status::BufferTooSmall) {
      error.detail.append_truncated(" (larger than LSEDGE_ENV_FILE_LIMIT)");
    }
    return error;
  }
  const OverrideLookup lookup(platform.environment, options);
  ConfigOverrides overrides;
  if (!options.url.empty()) {
    overrides.url = options.url;
  }
  if (!options.ca_file.empty()) {
    overrides.ca_file = options.ca_file;
  }
  const Outcome loaded = load_config(lookup, dotenv, config, overrides);
  secure_wipe(g_env_file, sizeof(g_env_file));  // it may have held the token
  return loaded;
}

// Reads the CA bundle (LABEL_STUDIO_CA_FILE, or the system's) into g_ca_bundle, NUL-terminated.
Result<ConstByteSpan> load_ca_bundle(const Config& config, hal::Storage& storage) {
  const std::string_view path = config.ca_file.empty() ? kSystemCaBundle : config.ca_file.view();
  auto read = storage.read_file(path, ByteSpan(g_ca_bundle, LSEDGE_CA_BUNDLE_LIMIT));
  if (!read.ok()) {
    Error error(Status::ConfigInvalid, config.ca_file.empty()
                                           ? "cannot read the system CA bundle "
                                           : "cannot read LABEL_STUDIO_CA_FILE ");
    error.detail.append_truncated(path);
    error.code = read.error().code;
    if (read.status() == Status::BufferTooSmall) {
      error.detail.append_truncated(" (larger than LSEDGE_CA_BUNDLE_LIMIT)");
    }
    return error;
  }
  g_ca_bundle[*read] = 0;
  return ConstByteSpan(g_ca_bundle, *read + 1);
}

// Everything one command needs to talk to the server: credentials, transport, connection,
// client. Thread-safety: one thread (the CLI's).
class Session {
 public:
  Session(PlatformServices& platform, hal::LogSink& sink, Config& config)
      : platform_(platform),
        config_(config),
        log_(&sink, "app"),
        tokens_(platform.clock, platform.token_mutex, platform.token_condition,
                Logger(&sink, "auth")),
        tcp_(platform.socket),
        tls_(platform.socket, platform.entropy, platform.clock, Logger(&sink, "tls")),
        connection_(transport(), platform.clock,
                    http::Endpoint{config.url.host.view(), config.url.port,
                                   static_cast<uint16_t>(https() ? 443 : 80)},
                    http::ConnectionBuffers{ByteSpan(g_request_head), ByteSpan(g_response_headers),
                                            ByteSpan(g_response_body), ByteSpan(g_receive_chunk),
                                            ByteSpan(g_send_chunk)},
                    Logger(&sink, "http")),
        client_(connection_, tokens_, platform.clock, config.url.base_path.view(), g_json_arena,
                Logger(&sink, "client")) {}
  ~Session() { connection_.close(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Takes the token out of the config (wiping it there) and sets up TLS.
  [[nodiscard]] Outcome open() {
    if (config_.url.scheme == Scheme::Http && !config_.url.host_is_loopback) {
      log_.warn(
          "plain HTTP to %s (insecure HTTP allowed): the token crosses the network "
          "unencrypted",
          config_.url.host.c_str());
    }
    const Outcome credential = tokens_.set_credential(config_.token.expose());
    config_.token.wipe();
    LSEDGE_TRY(credential);
    if (!https()) {
      return {};
    }
    auto ca = load_ca_bundle(config_, platform_.storage);
    LSEDGE_TRY(ca);
    net::TlsSettings settings;
    settings.server_name = config_.url.host.view();
    settings.ca_pem = *ca;
    settings.ca_label = config_.ca_file.empty() ? kSystemCaBundle : config_.ca_file.view();
    settings.pin_sha256 = config_.pin_sha256;
    return tls_.configure(settings);
  }

  [[nodiscard]] Deadline request_deadline() const {
    return Deadline::after(platform_.clock.now_ms(), LSEDGE_REQUEST_TIMEOUT_MS);
  }
  labelstudio::Client& client() { return client_; }

 private:
  [[nodiscard]] bool https() const { return config_.url.scheme == Scheme::Https; }
  net::Transport& transport() {
    if (https()) {
      return tls_;
    }
    return tcp_;
  }

  PlatformServices& platform_;
  Config& config_;
  Logger log_;
  auth::TokenManager tokens_;
  net::TcpTransport tcp_;
  net::TlsTransport tls_;
  http::Connection connection_;
  labelstudio::Client client_;
};

void print_user(Console& console, const labelstudio::User& user, bool as_json) {
  Line line;
  if (as_json) {
    line.append_truncated("{\"id\":");
    (void)line.append_int(user.id);
    line.append_truncated(",\"email\":");
    print_json_string(line, user.email.view());
    line.append_truncated(",\"username\":");
    print_json_string(line, user.username.view());
    line.append_truncated("}\n");
  } else {
    line.append_truncated("id: ");
    (void)line.append_int(user.id);
    line.append_truncated("\nemail: ");
    line.append_truncated(user.email.view());
    line.append_truncated("\nusername: ");
    line.append_truncated(user.username.view());
    line.append_truncated("\n");
  }
  console.out(line.view());
}

// Parses a decimal option value in [min, max].
Result<uint64_t> parse_count(std::string_view text, uint64_t min, uint64_t max,
                             std::string_view option) {
  uint64_t value = 0;
  bool digits = false;
  for (const char c : text) {
    if (c < '0' || c > '9' || value > (UINT64_MAX - 9) / 10) {
      digits = false;
      break;
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
    digits = true;
  }
  if (!digits || value < min || value > max) {
    Error error(Status::UsageError, option);
    error.detail.append_truncated(" needs a whole number from ");
    (void)error.detail.append_uint(min);
    error.detail.append_truncated(" to ");
    (void)error.detail.append_uint(max);
    return error;
  }
  return value;
}

// whoami, once; or `check`: whoami `count` times, `interval_ms` apart, on one session (one
// kept-alive connection, access tokens refreshed as they come due).
int cmd_whoami(const Options& options, PlatformServices& platform, hal::LogSink& sink, bool check) {
  uint64_t count = 1;
  uint64_t interval_ms = 0;
  const Error usage(Status::UsageError, check ? "usage: lsedge check [--count N] [--interval-ms MS]"
                                              : "usage: lsedge whoami");
  if (!check && options.arg_count != 0) {
    return fail(platform.console, usage, options.json);
  }
  for (size_t i = 0; check && i < options.arg_count; i += 2) {
    const std::string_view flag = options.args[i];
    if (i + 1 >= options.arg_count || (flag != "--count" && flag != "--interval-ms")) {
      return fail(platform.console, usage, options.json);
    }
    auto value = flag == "--count" ? parse_count(options.args[i + 1], 1, 1000000, flag)
                                   : parse_count(options.args[i + 1], 0, 86400000, flag);
    if (!value.ok()) {
      return fail(platform.console, value.error(), options.json);
    }
    (flag == "--count" ? count : interval_ms) = *value;
  }
  Config& config = g_config;
  const Outcome settings = load_settings(options, platform, config);
  if (!settings.ok()) {
    return fail(platform.console, settings.error(), options.json);
  }
  Session session(platform, sink, config);
  const Outcome opened = session.open();
  if (!opened.ok()) {
    return fail(platform.console, opened.error(), options.json);
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (i > 0 && interval_ms > 0) {
      platform.clock.sleep_ms(static_cast<uint32_t>(interval_ms));
    }
    auto user = session.client().whoami(session.request_deadline());
    if (!user.ok()) {
      return fail(platform.console, user.error(), options.json);
    }
    if (!check) {
      print_user(platform.console, *user, options.json);
    } else {
      Line line;
      line.append_truncated(options.json ? "{\"check\":" : "check ");
      (void)line.append_uint(i + 1);
      line.append_truncated(options.json ? ",\"ok\":true,\"username\":" : ": ok, user ");
      if (options.json) {
        print_json_string(line, user->username.view());
        line.append_truncated("}");
      } else {
        line.append_truncated(user->username.view());
      }
      line.append_truncated("\n");
      platform.console.out(line.view());
    }
  }
  return 0;
}

}  // namespace

int run_cli(int argc, const char* const* argv, PlatformServices& platform) {
  Options options;
  const Outcome parsed = parse_options(argc, argv, options);
  if (!parsed.ok()) {
    return fail(platform.console, parsed.error(), options.json);
  }
  if (options.help || options.command == "help") {
    platform.console.out(kUsage);
    return 0;
  }
  if (options.version) {
    platform.console.out("lsedge " LSEDGE_VERSION " (board " LSEDGE_BOARD_NAME ")\n");
    return 0;
  }
  hal::LogLevel level = hal::LogLevel::Warn;
  if (options.verbosity < 0) {
    level = hal::LogLevel::Error;
  } else if (options.verbosity == 1) {
    level = hal::LogLevel::Info;
  } else if (options.verbosity >= 2) {
    level = hal::LogLevel::Debug;
  }
  LevelFilterSink sink(platform.log, level);

  if (options.command.empty()) {
    platform.console.err(kUsage);
    return 2;
  }
  if (options.command == "title") {
    return cmd_title(options, platform.console);
  }
  if (options.command == "whoami") {
    return cmd_whoami(options, platform, sink, false);
  }
  if (options.command == "check") {
    return cmd_whoami(options, platform, sink, true);
  }
  Error error(Status::UsageError, "unknown command ");
  error.detail.append_truncated(options.command);
  return fail(platform.console, error, options.json);
}

}  // namespace lsedge::app
