// Session and the helpers the commands share (cli_common.h): the static buffers live here.
#include "firmware/app/session.h"

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <config.h>  // board sizes
#include "firmware/core/arena.h"
#include "firmware/json/json.h"
#include "firmware/labelstudio/api_error.h"

namespace lsedge::app {
namespace {

// Static buffers: sized by the board, allocated once, never on the heap.
uint8_t g_env_file[LSEDGE_ENV_FILE_LIMIT];
uint8_t g_ca_bundle[LSEDGE_CA_BUNDLE_LIMIT + 1];  // + the NUL Mbed TLS wants after PEM
uint8_t g_request_head[LSEDGE_HTTP_REQUEST_HEAD_CAPACITY];
uint8_t g_response_headers[LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT];
uint8_t g_response_body[LSEDGE_HTTP_RESPONSE_BODY_LIMIT];
uint8_t g_receive_chunk[LSEDGE_HTTP_RECEIVE_CHUNK];
uint8_t g_send_chunk[LSEDGE_HTTP_SEND_CHUNK];
uint8_t g_file_chunk[LSEDGE_FILE_CHUNK_BYTES];
uint8_t g_batch_scratch[LSEDGE_FILE_CHUNK_BYTES];
uint8_t g_project_body[LSEDGE_PROJECT_BODY_CAPACITY];
uint8_t g_label_config[LSEDGE_LABEL_CONFIG_LIMIT];
StaticArena<LSEDGE_JSON_ARENA_BYTES> g_json_arena;
Config g_config;

constexpr std::string_view kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

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

}  // namespace

Config& cli_config() {
  return g_config;
}
ByteSpan cli_file_chunk() {
  return ByteSpan(g_file_chunk);
}
ByteSpan cli_batch_scratch() {
  return ByteSpan(g_batch_scratch);
}
ByteSpan cli_project_body() {
  return ByteSpan(g_project_body);
}
ByteSpan cli_label_config() {
  return ByteSpan(g_label_config);
}

Outcome split_command_args(const Options& options, size_t first, Span<CommandFlag> flags,
                           std::string_view* positional, size_t positional_capacity,
                           size_t& positional_count, std::string_view usage) {
  positional_count = 0;
  for (size_t i = first; i < options.arg_count; ++i) {
    const std::string_view arg = options.args[i];
    if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
      CommandFlag* match = nullptr;
      for (CommandFlag& flag : flags) {
        if (flag.name == arg) {
          match = &flag;
        }
      }
      if (match != nullptr && match->is_switch) {
        match->given = true;
        continue;
      }
      if (match == nullptr || i + 1 >= options.arg_count) {
        Error error(Status::UsageError,
                    match == nullptr ? "unknown option " : "option needs a value: ");
        error.detail.append_truncated(arg);
        error.detail.append_truncated("; ");
        error.detail.append_truncated(usage);
        return error;
      }
      match->value = options.args[++i];
      match->given = true;
    } else if (positional_count < positional_capacity) {
      positional[positional_count++] = arg;
    } else {
      return Error(Status::UsageError, usage);
    }
  }
  return {};
}

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

int fail_input(Console& console, const Error& error, bool as_json, std::string_view what,
               std::string_view path) {
  if (as_json || (error.status != Status::JsonInvalid && error.status != Status::ValidationFailed &&
                  error.status != Status::EmptyInput)) {
    return fail(console, error, as_json);
  }
  Line line;
  line.append_truncated("lsedge: cannot use ");
  line.append_truncated(what);
  line.append_truncated(" ");
  line.append_truncated(path);
  line.append_truncated("\n  detail: ");
  line.append_truncated(error.detail.view());
  line.append_truncated("\n");
  console.err(line.view());
  return exit_code_for(error.status);
}

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

Result<int64_t> parse_project_id(const CommandFlag& flag, std::string_view usage) {
  if (!flag.given) {
    return Error(Status::UsageError, usage);
  }
  // Label Studio ids are JSON numbers; json::Value reads whole numbers up to 2^53 - 1.
  constexpr uint64_t kMaxProjectId = (uint64_t{1} << 53) - 1;
  auto id = parse_count(flag.value, 1, kMaxProjectId, "--project");
  LSEDGE_TRY(id);
  return static_cast<int64_t>(*id);
}

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

Session::Session(PlatformServices& platform, hal::LogSink& sink, Config& config)
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

Session::~Session() {
  connection_.close();
}

Outcome Session::open() {
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

Deadline Session::request_deadline() const {
  return Deadline::after(platform_.clock.now_ms(), LSEDGE_REQUEST_TIMEOUT_MS);
}

net::Transport& Session::transport() {
  if (https()) {
    return tls_;
  }
  return tcp_;
}

Outcome start_session(const Options& options, PlatformServices& platform, hal::LogSink& sink,
                      std::optional<Session>& out) {
  Config& config = cli_config();
  LSEDGE_TRY(load_settings(options, platform, config));
  out.emplace(platform, sink, config);
  return out->open();
}

}  // namespace lsedge::app
