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

namespace lsedge::app {
namespace {

constexpr std::string_view kUsage =
    "usage: lsedge [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  whoami              show the user the API token belongs to (id, email, username)\n"
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
uint8_t g_request_head[LSEDGE_HTTP_REQUEST_HEAD_CAPACITY];
uint8_t g_response_headers[LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT];
uint8_t g_response_body[LSEDGE_HTTP_RESPONSE_BODY_LIMIT];
uint8_t g_receive_chunk[LSEDGE_HTTP_RECEIVE_CHUNK];
StaticArena<LSEDGE_JSON_ARENA_BYTES> g_json_arena;
Config g_config;

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
  LSEDGE_TRY(loaded);
  if (config.url.scheme == Scheme::Https) {
    return Error(Status::ConfigInvalid,
                 "LABEL_STUDIO_URL: https:// needs the TLS transport, which this build does not "
                 "have yet; use http:// to a loopback server");
  }
  return {};
}

int cmd_whoami(const Options& options, PlatformServices& platform, hal::LogSink& sink) {
  if (options.arg_count != 0) {
    return fail(platform.console, Error(Status::UsageError, "usage: lsedge whoami"), options.json);
  }
  Config& config = g_config;
  const Outcome settings = load_settings(options, platform, config);
  if (!settings.ok()) {
    return fail(platform.console, settings.error(), options.json);
  }
  const Logger app_log(&sink, "app");
  if (config.allow_insecure_http && !config.url.host_is_loopback) {
    app_log.warn("plain HTTP to %s: the token crosses the network unencrypted",
                 config.url.host.c_str());
  }

  auth::TokenManager tokens(platform.clock, platform.token_mutex, platform.token_condition,
                            Logger(&sink, "auth"));
  const Outcome credential = tokens.set_credential(config.token.expose());
  config.token.wipe();
  if (!credential.ok()) {
    return fail(platform.console, credential.error(), options.json);
  }

  net::TcpTransport transport(platform.socket);
  http::Connection connection(
      transport, platform.clock, http::Endpoint{config.url.host.view(), config.url.port},
      http::ConnectionBuffers{ByteSpan(g_request_head), ByteSpan(g_response_headers),
                              ByteSpan(g_response_body), ByteSpan(g_receive_chunk)},
      Logger(&sink, "http"));
  labelstudio::Client client(connection, tokens, platform.clock, config.url.base_path.view(),
                             g_json_arena, Logger(&sink, "client"));

  const Deadline deadline = Deadline::after(platform.clock.now_ms(), LSEDGE_REQUEST_TIMEOUT_MS);
  auto user = client.whoami(deadline);
  connection.close();
  if (!user.ok()) {
    return fail(platform.console, user.error(), options.json);
  }
  Line line;
  if (options.json) {
    line.append_truncated("{\"id\":");
    (void)line.append_int(user->id);
    line.append_truncated(",\"email\":");
    print_json_string(line, user->email.view());
    line.append_truncated(",\"username\":");
    print_json_string(line, user->username.view());
    line.append_truncated("}\n");
  } else {
    line.append_truncated("id: ");
    (void)line.append_int(user->id);
    line.append_truncated("\nemail: ");
    line.append_truncated(user->email.view());
    line.append_truncated("\nusername: ");
    line.append_truncated(user->username.view());
    line.append_truncated("\n");
  }
  platform.console.out(line.view());
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
    return cmd_whoami(options, platform, sink);
  }
  Error error(Status::UsageError, "unknown command ");
  error.detail.append_truncated(options.command);
  return fail(platform.console, error, options.json);
}

}  // namespace lsedge::app
