// Session and the helpers the commands share (cli_common.h): the static buffers live here.
#include "firmware/app/session.h"

#include "firmware/app/pem_file.h"
#include "firmware/spool/spool.h"
#include "firmware/taskfile/task_file.h"

#include <cinttypes>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/arena.h"
#include "firmware/core/decimal.h"
#include "firmware/labelstudio/projects.h"

namespace lsedge::app {
namespace {

// Static buffers: sized by the board, allocated once, never on the heap.
// Start-up scratch: the .env file while the settings are read, then, for the Session's life, one
// CA certificate at a time whenever TLS looks a trusted root up (+1: the NUL PemFileSource puts
// after a block). Never both at once.
constexpr size_t kStartupScratch = LSEDGE_ENV_FILE_LIMIT > LSEDGE_CA_PEM_BLOCK_LIMIT + 1
                                       ? LSEDGE_ENV_FILE_LIMIT
                                       : LSEDGE_CA_PEM_BLOCK_LIMIT + 1;
uint8_t g_startup_scratch[kStartupScratch];
uint8_t g_request_head[LSEDGE_HTTP_REQUEST_HEAD_CAPACITY];
uint8_t g_response_headers[LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT];
uint8_t g_response_body[LSEDGE_HTTP_RESPONSE_BODY_LIMIT];
uint8_t g_receive_chunk[LSEDGE_HTTP_RECEIVE_CHUNK];
uint8_t g_send_chunk[LSEDGE_HTTP_SEND_CHUNK];

// Buffers only one command needs come from one arena sized for the hungriest command, instead of
// one array each (one command runs per process; run_cli resets it). Alignment slack: 16 per piece.
constexpr size_t kImportBuffers = 2 * (LSEDGE_FILE_CHUNK_BYTES + 16) +
                                  LSEDGE_IMPORT_PLAN_BATCHES * sizeof(taskfile::TaskBatch) + 16;
constexpr size_t kSpoolBuffers = sizeof(Spool) + alignof(Spool);
constexpr size_t max_of(size_t a, size_t b) {
  return a > b ? a : b;
}
StaticArena<max_of(kImportBuffers, kSpoolBuffers)> g_command_arena;
struct CommandBuffers {
  ByteSpan file_chunk;
  ByteSpan batch_scratch;
  Span<taskfile::TaskBatch> import_plan;
} g_command_buffers;

// The command's buffer in `slot`, carved from the arena on first use.
ByteSpan command_buffer(ByteSpan& slot, size_t size) {
  if (slot.empty()) {
    void* memory = g_command_arena.allocate(size, 16);
    // Cannot fail for the sets the commands use (sized above); empty makes the caller fail.
    slot = memory != nullptr ? ByteSpan(static_cast<uint8_t*>(memory), size) : ByteSpan();
  }
  return slot;
}
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

}  // namespace

void reset_command_buffers() {
  g_command_buffers = CommandBuffers();
  g_command_arena.reset();
}
void* cli_spool_memory() {
  return g_command_arena.allocate(sizeof(Spool), alignof(Spool));
}

Config& cli_config() {
  return g_config;
}
ByteSpan cli_file_chunk() {
  return command_buffer(g_command_buffers.file_chunk, LSEDGE_FILE_CHUNK_BYTES);
}
ByteSpan cli_batch_scratch() {
  return command_buffer(g_command_buffers.batch_scratch, LSEDGE_FILE_CHUNK_BYTES);
}
Span<taskfile::TaskBatch> cli_import_plan() {
  Span<taskfile::TaskBatch>& slot = g_command_buffers.import_plan;
  if (slot.empty()) {
    using taskfile::TaskBatch;
    void* memory = g_command_arena.allocate(LSEDGE_IMPORT_PLAN_BATCHES * sizeof(TaskBatch),
                                            alignof(TaskBatch));
    if (memory != nullptr) {
      auto* batches = static_cast<TaskBatch*>(memory);
      for (size_t i = 0; i < LSEDGE_IMPORT_PLAN_BATCHES; ++i) {
        new (&batches[i]) TaskBatch();  // placement: the arena's bytes become the array
      }
      slot = Span<TaskBatch>(batches, LSEDGE_IMPORT_PLAN_BATCHES);
    }
  }
  return slot;
}

namespace {

CommandFlag* find_flag(Span<CommandFlag> flags, std::string_view name) {
  for (CommandFlag& flag : flags) {
    if (flag.name == name) {
      return &flag;
    }
  }
  return nullptr;
}

Error flag_error(std::string_view what, std::string_view arg, std::string_view usage) {
  Error error(Status::UsageError, what);
  error.detail.append_truncated(arg);
  error.detail.append_truncated("; ");
  error.detail.append_truncated(usage);
  return error;
}

}  // namespace

Outcome split_command_args(const Options& options, size_t first, Span<CommandFlag> flags,
                           std::string_view* positional, size_t positional_capacity,
                           size_t& positional_count, std::string_view usage) {
  positional_count = 0;
  for (size_t i = first; i < options.arg_count; ++i) {
    const std::string_view arg = options.args[i];
    const bool is_flag = arg.size() > 2 && arg[0] == '-' && arg[1] == '-';
    if (!is_flag) {
      if (positional_count >= positional_capacity) {
        return Error(Status::UsageError, usage);
      }
      positional[positional_count++] = arg;
      continue;
    }
    CommandFlag* flag = find_flag(flags, arg);
    if (flag == nullptr) {
      return flag_error("unknown option ", arg, usage);
    }
    flag->given = true;
    if (!flag->is_switch) {
      if (i + 1 >= options.arg_count) {
        return flag_error("option needs a value: ", arg, usage);
      }
      flag->value = options.args[++i];
    }
  }
  return {};
}

Result<uint64_t> parse_count(std::string_view text, uint64_t min, uint64_t max,
                             std::string_view option) {
  const std::optional<uint64_t> value = parse_decimal(text);
  if (!value || *value < min || *value > max) {
    Error error(Status::UsageError, option);
    error.detail.append_truncated(" needs a whole number from ");
    (void)error.detail.append_uint(min);
    error.detail.append_truncated(" to ");
    (void)error.detail.append_uint(max);
    return error;
  }
  return *value;
}

Result<uint64_t> parse_count_flag(const CommandFlag& flag, uint64_t fallback, uint64_t min,
                                  uint64_t max) {
  if (!flag.given) {
    return fallback;
  }
  return parse_count(flag.value, min, max, flag.name);
}

Result<uint64_t> parse_batch_bytes(const CommandFlag& flag) {
  return parse_count_flag(flag, LSEDGE_IMPORT_BATCH_BUDGET, 4, LSEDGE_IMPORT_BATCH_BUDGET);
}

Result<int64_t> parse_project_id(const CommandFlag& flag, std::string_view usage) {
  if (!flag.given) {
    return Error(Status::UsageError, usage);
  }
  LSEDGE_TRY_ASSIGN(const uint64_t id, parse_count(flag.value, 1, kMaxProjectId, "--project"));
  return static_cast<int64_t>(id);
}

Result<int64_t> parse_project_flag(const CommandFlag& flag, std::string_view usage) {
  return flag.given ? parse_project_id(flag, usage) : Result<int64_t>(int64_t{0});
}

Result<ProjectChoice> choose_project(int64_t from_flag, const Config& config,
                                     std::string_view usage) {
  ProjectChoice choice;
  if (from_flag != 0) {
    choice.id = from_flag;
  } else if (config.project_id != 0) {
    choice.id = config.project_id;
  } else if (!config.project_title.empty()) {
    choice.title = config.project_title.view();
  } else {
    Error error(Status::UsageError, usage);
    error.detail.append_truncated(" (or set LABEL_STUDIO_PROJECT to a project id or title)");
    return error;
  }
  return choice;
}

Result<int64_t> ensure_project_title(Session& session, LogSink& sink, std::string_view title) {
  labelstudio::ProjectSpec spec;
  spec.name = title;
  LSEDGE_TRY_ASSIGN(
      const labelstudio::EnsuredProject ensured,
      labelstudio::ensure_project(session.client(), spec, session.request_deadline()));
  Logger log(&sink, "project");
  log.info("LABEL_STUDIO_PROJECT: %s project %" PRId64 " \"%s\"",
           ensured.created ? "created" : "found", ensured.project.id,
           ensured.project.title.c_str());
  return ensured.project.id;
}

namespace {

Outcome load_settings_with(const Options& options, PlatformServices& platform, Config& config,
                           const ConfigOverrides& command_overrides) {
  std::string_view dotenv;
  std::string_view env_path = options.env_file_given ? options.env_file : ".env";
  LSEDGE_TRY(check_settings_file(platform.storage, env_path));  // before a word of it is used
  auto read =
      platform.storage.read_file(env_path, ByteSpan(g_startup_scratch, LSEDGE_ENV_FILE_LIMIT));
  if (read.ok()) {
    dotenv = as_text(ConstByteSpan(g_startup_scratch, *read));
  } else if (options.env_file_given || read.status() != Status::FileNotFound /* no ./.env */) {
    Error error(Status::ConfigInvalid, "cannot read the env file ");
    error.detail.append_truncated(env_path);
    if (!file_problem(read.status()).empty()) {
      error.detail.append_truncated(": ");
      error.detail.append_truncated(file_problem(read.status()));
    }
    error.code = read.error().code;
    if (read.status() == Status::BufferTooSmall) {
      error.detail.append_truncated(" (larger than LSEDGE_ENV_FILE_LIMIT)");
    }
    return error;
  }
  const OverrideLookup lookup(platform.environment, options);
  ConfigOverrides overrides = command_overrides;
  if (!options.url.empty()) {
    overrides.url = options.url;
  }
  if (!options.ca_file.empty()) {
    overrides.ca_file = options.ca_file;
  }
  const Outcome loaded = load_config(lookup, dotenv, config, overrides);
  secure_wipe(g_startup_scratch, sizeof(g_startup_scratch));  // it may have held the token
  return loaded;
}

}  // namespace

Outcome load_settings(const Options& options, PlatformServices& platform, Config& config) {
  return load_settings_with(options, platform, config, ConfigOverrides());
}

Outcome load_settings(const Options& options, PlatformServices& platform, Config& config,
                      const ConfigOverrides& command_overrides) {
  return load_settings_with(options, platform, config, command_overrides);
}

Session::Session(PlatformServices& platform, LogSink& sink, Config& config)
    : platform_(platform),
      config_(config),
      log_(&sink, "app"),
      tokens_(platform.clock, platform.token_mutex, platform.token_condition,
              Logger(&sink, "auth")),
      ca_(platform.storage, ByteSpan(g_startup_scratch, LSEDGE_CA_PEM_BLOCK_LIMIT + 1)),
      tcp_(platform.socket),
      tls_(platform.socket, platform.entropy, platform.clock, Logger(&sink, "tls")),
      connection_(transport(), platform.clock,
                  http::Endpoint{config.url.host.view(), config.url.port,
                                 static_cast<uint16_t>(https() ? 443 : 80)},
                  http::ConnectionBuffers{ByteSpan(g_request_head), ByteSpan(g_response_headers),
                                          ByteSpan(g_response_body), ByteSpan(g_receive_chunk),
                                          ByteSpan(g_send_chunk)},
                  Logger(&sink, "http")),
      client_(connection_, tokens_, config.url.base_path.view(), g_json_arena,
              Logger(&sink, "client")) {}

Session::~Session() {
  connection_.close();
  // For sizing LSEDGE_JSON_ARENA_BYTES on a board (the footprint report reads it).
  log_.debug("JSON arena high-water: %zu of %zu bytes", g_json_arena.high_water(),
             g_json_arena.capacity());
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
  // LABEL_STUDIO_CA_FILE or the system's bundle, read one certificate at a time whenever the
  // transport looks a trusted root up.
  const std::string_view ca_path =
      config_.ca_file.empty() ? kSystemCaBundle : config_.ca_file.view();
  LSEDGE_TRY(ca_.open(
      ca_path, config_.ca_file.empty() ? CaFileOrigin::SystemBundle : CaFileOrigin::Setting));
  net::TlsSettings settings;
  settings.server_name = config_.url.host.view();
  settings.ca_source = &ca_;
  settings.ca_label = ca_path;
  settings.pin_sha256 = config_.pin_sha256;
  // Oversized blocks are warned about by the lookup, which reads the whole file.
  return tls_.configure(settings);
}

Deadline Session::request_deadline() const {
  return Deadline::after(platform_.clock.now_ms(), LSEDGE_REQUEST_TIMEOUT_MS);
}

Deadline Session::import_deadline() const {
  return Deadline::after(platform_.clock.now_ms(), config_.import_timeout_ms);
}

net::Transport& Session::transport() {
  if (https()) {
    return tls_;
  }
  return tcp_;
}

Outcome start_session(const Options& options, PlatformServices& platform, LogSink& sink,
                      std::optional<Session>& out) {
  return start_session(options, platform, sink, out, ConfigOverrides());
}

Outcome start_session(const Options& options, PlatformServices& platform, LogSink& sink,
                      std::optional<Session>& out, const ConfigOverrides& command_overrides) {
  LSEDGE_TRY(load_settings_with(options, platform, cli_config(), command_overrides));
  return open_session(platform, sink, out);
}

Outcome open_session(PlatformServices& platform, LogSink& sink, std::optional<Session>& out) {
  out.emplace(platform, sink, cli_config());
  return out->open();
}

}  // namespace lsedge::app
