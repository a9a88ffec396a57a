// The lsedge command line: option parsing and dispatch to the commands (cmd_*.cpp).
#include "firmware/app/cli.h"

#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/core/log_sink.h"
#include "firmware/core/result.h"

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
    "  project ensure --title NAME [--task-id ID] [--label-config FILE] [--description TEXT]\n"
    "                      find the project titled \"NAME (ID[:8])\" or create it; prints its id\n"
    "  import [--project ID] [--batch-bytes N] [--import-timeout-s S] FILE\n"
    "                      import the tasks of FILE (JSON array, one object, or NDJSON) in\n"
    "                      requests of at most N bytes (default 1 MiB); the whole file is\n"
    "                      checked first, so an invalid file sends nothing. A queued import\n"
    "                      (Label Studio Enterprise) is waited for; a request a proxy refuses\n"
    "                      as too large (413) is split. S: see LSEDGE_IMPORT_TIMEOUT_S\n"
    "  upload [--project ID] [--import-timeout-s S] MEDIA_FILE...\n"
    "                      upload media files into the project (one task per file)\n"
    "  spool add --spool DIR [--batch-bytes N] FILE\n"
    "                      queue the tasks of FILE in the spool directory DIR (no network)\n"
    "  spool add --spool DIR --media MEDIA_FILE [--predictions FILE] [MEDIA_FILE ...]\n"
    "                      queue media files, each with the predictions after it (Label\n"
    "                      Studio's format), to be uploaded and attached to its task\n"
    "  spool limit --spool DIR [--max-bytes N]\n"
    "                      the spool's size cap: spool add refuses past it (exit 6); 0: none\n"
    "  spool rejected list --spool DIR | requeue --spool DIR (--all | NAME...)\n"
    "                      what the server refused, with its reason; put it back in the queue\n"
    "  status --spool DIR [--prometheus FILE]\n"
    "                      queued and rejected entries, the oldest one's age, the last upload\n"
    "                      and the last error (no network); FILE: the same as metrics for\n"
    "                      node-exporter's textfile collector\n"
    "  run --spool DIR [--project ID] [--once] [--poll-ms MS] [--retry-base-ms MS]\n"
    "      [--retry-cap-ms MS] [--poison-after N] [--import-timeout-s S] [--batch-bytes N]\n"
    "                      the uploader: send the spool's entries in order, consecutive\n"
    "                      small ones together in requests of at most N bytes (default\n"
    "                      1 MiB), retrying until the server stored them; --once\n"
    "                      drains the queue and exits; SIGTERM/SIGINT finish the request\n"
    "                      in flight, then stop\n"
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
    "  LABEL_STUDIO_PROJECT    project for import/upload/run without --project: an id, or a\n"
    "                          title (found, or created when missing)\n"
    "  LSEDGE_IMPORT_TIMEOUT_S seconds one import request may take, and the longest wait for a\n"
    "                          queued import (default 300; other requests: 60 s)\n"
    "\n"
    "Exit codes: 0 ok, 2 usage or configuration (also a bad task file, a path that is not a\n"
    "regular file), 3 authentication (401/403), 4 network or TLS, 5 server or other error.\n";

// A global option followed by its value.
struct ValueOption {
  std::string_view name;
  std::string_view Options::*into;
};
constexpr ValueOption kValueOptions[] = {
    {"--env-file", &Options::env_file}, {"--url", &Options::url}, {"--ca-file", &Options::ca_file}};

// A global option without value; false if `arg` is none of them.
bool apply_switch(std::string_view arg, Options& options) {
  if (arg == "--allow-insecure-http") {
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
    return false;
  }
  return true;
}

Error usage_error(std::string_view what, std::string_view arg) {
  Error error(Status::UsageError, what);
  error.detail.append_truncated(arg);
  return error;
}

// argv[i], an option; moves i past its value if it takes one.
Outcome parse_option(int argc, const char* const* argv, int& i, Options& options) {
  const std::string_view arg = argv[i];
  for (const ValueOption& option : kValueOptions) {
    if (arg == option.name) {
      if (i + 1 >= argc) {
        return usage_error("option needs a value: ", arg);
      }
      options.*option.into = argv[++i];
      options.env_file_given = options.env_file_given || option.into == &Options::env_file;
      return {};
    }
  }
  if (apply_switch(arg, options)) {
    return {};
  }
  if (!options.command.empty() && arg.size() > 2 && arg[1] == '-' &&
      options.arg_count < kMaxPositional) {
    options.args[options.arg_count++] = arg;  // the command's own option
    return {};
  }
  return usage_error("unknown option ", arg);
}

// The command's name, then its words.
Outcome add_word(std::string_view arg, Options& options) {
  if (options.command.empty()) {
    options.command = arg;
  } else if (options.arg_count < kMaxPositional) {
    options.args[options.arg_count++] = arg;
  } else {
    return Error(Status::UsageError, "too many arguments");
  }
  return {};
}

Outcome parse_options(int argc, const char* const* argv, Options& options) {
  bool only_positional = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    if (only_positional || arg.size() < 2 || arg[0] != '-') {
      LSEDGE_TRY(add_word(arg, options));
    } else if (arg == "--") {
      only_positional = true;
    } else {
      LSEDGE_TRY(parse_option(argc, argv, i, options));
    }
  }
  return {};
}

LogLevel level_for(int verbosity) {
  if (verbosity < 0) {
    return LogLevel::Error;
  }
  constexpr LogLevel kLevels[] = {LogLevel::Warn, LogLevel::Info, LogLevel::Debug};
  return kLevels[verbosity < 2 ? verbosity : 2];
}

// The command's function, or nullptr. Code, not a table: a table's function pointers would each
// need a relocation at start-up.
CommandFn find_command(std::string_view name) {
  if (name == "title") {
    return cmd_title;
  }
  if (name == "project") {
    return cmd_project;
  }
  if (name == "import") {
    return cmd_import;
  }
  if (name == "upload") {
    return cmd_upload;
  }
  if (name == "spool") {
    return cmd_spool;
  }
  if (name == "run") {
    return cmd_run;
  }
  if (name == "whoami") {
    return cmd_whoami;
  }
  if (name == "status") {
    return cmd_status;
  }
  return name == "check" ? cmd_check : nullptr;
}

// Drops lines below the level chosen with -v/-q before they reach the platform's sink.
class LevelFilterSink final : public LogSink {
 public:
  LevelFilterSink(LogSink& next, LogLevel max_level) : next_(next), max_(max_level) {}
  bool enabled(LogLevel level) const override { return level <= max_ && next_.enabled(level); }
  void write(LogLevel level, std::string_view component, std::string_view message) override {
    if (enabled(level)) {
      next_.write(level, component, message);
    }
  }

 private:
  LogSink& next_;
  LogLevel max_;
};

// The scanner's faults of a task file's content (the file, not the server, is wrong).
bool task_content_fault(Status status) {
  return status == Status::TaskFileInvalid || status == Status::JsonInvalid ||
         status == Status::ValidationFailed || status == Status::EmptyInput;
}

bool storage_fault(Status status) {
  return status == Status::FileNotFound || status == Status::FileAccessDenied ||
         status == Status::NotARegularFile || status == Status::NotADirectory ||
         status == Status::FileError;
}

}  // namespace

Error task_file_error(const Error& error, std::string_view path) {
  if (error.status == Status::InvalidArgument && (path.empty() || error.detail.view() == path)) {
    // The storage refuses an empty path, or one longer than LSEDGE_PATH_CAPACITY: the user's.
    Error usage(Status::UsageError, "the task file's path is empty or longer than ");
    (void)usage.detail.append_uint(LSEDGE_PATH_CAPACITY);
    usage.detail.append_truncated(" bytes");
    return usage;
  }
  // A storage error names its path: only one about this file is the task file's.
  const bool unusable = storage_fault(error.status) && error.detail.view() == path;
  if (!task_content_fault(error.status) && !unusable) {
    return error;
  }
  Error named(unusable ? error.status : Status::TaskFileInvalid, "task file ");
  named.code = error.code;
  named.detail.append_truncated(path);
  named.detail.append_truncated(": ");
  std::string_view detail = unusable ? file_problem(error.status) : error.detail.view();
  constexpr std::string_view kScannerPrefix = "task file: ";
  if (detail.substr(0, kScannerPrefix.size()) == kScannerPrefix) {
    detail.remove_prefix(kScannerPrefix.size());
  }
  named.detail.append_truncated(detail);
  return named;
}

Error spool_option_error(const Error& error, std::string_view directory) {
  if (error.status != Status::InvalidArgument) {
    return error;
  }
  Error usage(Status::UsageError, "--spool \"");
  usage.detail.append_truncated(directory);
  usage.detail.append_truncated("\": ");
  usage.detail.append_truncated(directory.empty() ? std::string_view("give a directory's path")
                                                  : error.detail.view());
  return usage;
}

int run_cli(int argc, const char* const* argv, PlatformServices& platform) {
  reset_command_buffers();
  Options options;
  const Outcome parsed = parse_options(argc, argv, options);
  Reporter reporter(platform.console, options.json);
  if (!parsed.ok()) {
    return reporter.fail(parsed.error());
  }
  if (options.help || options.command == "help") {
    platform.console.out(kUsage);
    return 0;
  }
  if (options.version) {
    platform.console.out("lsedge " LSEDGE_VERSION " (board " LSEDGE_BOARD_NAME ")\n");
    return 0;
  }
  if (options.command.empty()) {
    reporter.usage(kUsage);
    return exit_code_for(Status::UsageError);
  }
  // With --json, log lines are JSON as well: stderr carries nothing else.
  JsonLogSink json_log(platform.log, platform.console);
  LevelFilterSink sink(options.json ? static_cast<LogSink&>(json_log) : platform.log,
                       level_for(options.verbosity));
  const CommandFn run = find_command(options.command);
  if (run == nullptr) {
    return reporter.fail(usage_error("unknown command ", options.command));
  }
  const Outcome outcome = run(options, platform, sink, reporter);
  return outcome.ok() ? 0 : reporter.fail(outcome.error());
}

}  // namespace lsedge::app
