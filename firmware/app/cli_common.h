// What the lsedge commands share: parsed options, argument helpers, settings, static buffers.
// Internal to the CLI (cli.cpp, session.cpp, cmd_*.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/config.h"
#include "firmware/app/console.h"
#include "firmware/app/platform_services.h"
#include "firmware/app/reporter.h"
#include "firmware/app/status_text.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/log_sink.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::spool {
class Spool;
}
namespace lsedge::taskfile {
struct TaskBatch;
}

namespace lsedge::app {

using spool::Spool;

inline constexpr size_t kMaxPositional = 64;

// The command line after parsing. Thread-safety: a value type (views into argv).
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
  std::string_view args[kMaxPositional];  // the command's words, its own --options and values
  size_t arg_count = 0;
};

// One "--name VALUE" option of a command. Thread-safety: a value type.
struct CommandFlag {
  std::string_view name;
  std::string_view value;
  bool given = false;
  bool is_switch = false;  // takes no value (e.g. --once)
};

// Splits options.args[first..] into the listed flags (each followed by its value) and
// positionals (at most `positional_capacity`). An unknown --option, a flag without value or too
// many positionals → UsageError with `usage` as the detail.
[[nodiscard]] Outcome split_command_args(const Options& options, size_t first,
                                         Span<CommandFlag> flags, std::string_view* positional,
                                         size_t positional_capacity, size_t& positional_count,
                                         std::string_view usage);

// Parses a decimal option value in [min, max]; UsageError naming `option` otherwise.
[[nodiscard]] Result<uint64_t> parse_count(std::string_view text, uint64_t min, uint64_t max,
                                           std::string_view option);
// An optional decimal flag: `fallback` when not given, else parse_count of its value.
[[nodiscard]] Result<uint64_t> parse_count_flag(const CommandFlag& flag, uint64_t fallback,
                                                uint64_t min, uint64_t max);
// --batch-bytes N of import and spool add: 4..LSEDGE_IMPORT_BATCH_BUDGET, default the latter.
[[nodiscard]] Result<uint64_t> parse_batch_bytes(const CommandFlag& flag);
// A required --project ID (a positive JSON-safe integer); UsageError with `usage` if missing.
[[nodiscard]] Result<int64_t> parse_project_id(const CommandFlag& flag, std::string_view usage);
// The same for commands that may take LABEL_STUDIO_PROJECT instead: 0 when --project is not
// given (choose_project decides once the settings are loaded).
[[nodiscard]] Result<int64_t> parse_project_flag(const CommandFlag& flag, std::string_view usage);

// A task file's own faults (the scanner's JsonInvalid, ValidationFailed and EmptyInput: not the
// server's) as TaskFileInvalid, and storage errors prefixed with "task file PATH"; others as
// they are.
[[nodiscard]] Error task_file_error(const Error& error, std::string_view path);
// A --spool value the spool refuses as an argument (InvalidArgument: empty, too long) as a
// UsageError naming the value; others as they are.
[[nodiscard]] Error spool_option_error(const Error& error, std::string_view directory);

// Reads the .env file (static buffer, wiped after) and the environment into `config`.
// The same with a command's own settings on top (e.g. --import-timeout-s).
[[nodiscard]] Outcome load_settings(const Options& options, PlatformServices& platform,
                                    Config& config, const ConfigOverrides& command_overrides);
[[nodiscard]] Outcome load_settings(const Options& options, PlatformServices& platform,
                                    Config& config);

// The process's one Config (static; it holds the token until Session::open takes it).
[[nodiscard]] Config& cli_config();

// Static file buffers the commands use (one command runs per process): carved on first use from
// one arena that run_cli resets before each command.
void reset_command_buffers();
[[nodiscard]] ByteSpan cli_file_chunk();     // LSEDGE_FILE_CHUNK_BYTES, scanning task files
[[nodiscard]] ByteSpan cli_batch_scratch();  // LSEDGE_FILE_CHUNK_BYTES, BatchBodyReader's
// LSEDGE_IMPORT_PLAN_BATCHES batches planned while the task file is validated.
[[nodiscard]] Span<taskfile::TaskBatch> cli_import_plan();

// The commands (cmd_*.cpp): each reports its results through `reporter` and returns its error,
// which run_cli reports and maps to the exit code. Thread-safety: CLI thread only.
using CommandFn = Outcome (*)(const Options& options, PlatformServices& platform, LogSink& sink,
                              Reporter& reporter);
[[nodiscard]] Outcome cmd_title(const Options& options, PlatformServices& platform, LogSink& sink,
                                Reporter& reporter);
[[nodiscard]] Outcome cmd_whoami(const Options& options, PlatformServices& platform, LogSink& sink,
                                 Reporter& reporter);
// `check [--count N] [--interval-ms MS]`: whoami N times on one connection.
[[nodiscard]] Outcome cmd_check(const Options& options, PlatformServices& platform, LogSink& sink,
                                Reporter& reporter);
[[nodiscard]] Outcome cmd_project(const Options& options, PlatformServices& platform, LogSink& sink,
                                  Reporter& reporter);
[[nodiscard]] Outcome cmd_import(const Options& options, PlatformServices& platform, LogSink& sink,
                                 Reporter& reporter);
[[nodiscard]] Outcome cmd_upload(const Options& options, PlatformServices& platform, LogSink& sink,
                                 Reporter& reporter);
[[nodiscard]] Outcome cmd_spool(const Options& options, PlatformServices& platform, LogSink& sink,
                                Reporter& reporter);
[[nodiscard]] Outcome cmd_status(const Options& options, PlatformServices& platform, LogSink& sink,
                                 Reporter& reporter);
[[nodiscard]] Outcome cmd_run(const Options& options, PlatformServices& platform, LogSink& sink,
                              Reporter& reporter);

// The command's Spool (it holds three file chunks), in the command arena, alive while this
// object is.
// Thread-safety: the CLI thread only; one at a time.
class CliSpool {
 public:
  CliSpool(PlatformServices& platform, LogSink& sink);
  ~CliSpool();
  CliSpool(const CliSpool&) = delete;
  CliSpool& operator=(const CliSpool&) = delete;
  [[nodiscard]] Spool& spool() const { return *spool_; }
  // Opens the spool at --spool's `directory`; its errors are worded for that option.
  [[nodiscard]] Outcome open(std::string_view directory, spool::Spool::Role role) const;

 private:
  Spool* spool_;
};

// Memory for one Spool in the command arena (nullptr if it is taken).
[[nodiscard]] void* cli_spool_memory();

}  // namespace lsedge::app
