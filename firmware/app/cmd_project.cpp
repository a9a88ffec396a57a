// lsedge project ensure: find-or-create a project by its formatted title.
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/labelstudio/projects.h"

namespace lsedge::app {
namespace {

constexpr std::string_view kProjectUsage =
    "usage: lsedge project ensure --title NAME [--task-id ID] [--label-config FILE] "
    "[--description TEXT]";

// Reads the label config file whole into the static buffer.
Result<std::string_view> read_label_config(hal::Storage& storage, std::string_view path) {
  const ByteSpan buffer = cli_label_config();
  auto read = storage.read_file(path, buffer);
  if (!read.ok()) {
    Error error(read.status() == Status::BufferTooSmall ? Status::UsageError : Status::FileError,
                "cannot read the label config ");
    error.detail.append_truncated(path);
    error.code = read.error().code;
    if (read.status() == Status::BufferTooSmall) {
      error.detail.append_truncated(" (larger than LSEDGE_LABEL_CONFIG_LIMIT)");
    }
    return error;
  }
  return as_text(ConstByteSpan(buffer.data(), *read));
}

Outcome ensure(const Options& options, PlatformServices& platform, LogSink& sink,
               Reporter& reporter) {
  CommandFlag flags[] = {{"--title", {}, false},
                         {"--task-id", {}, false},
                         {"--label-config", {}, false},
                         {"--description", {}, false}};
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 1, Span<CommandFlag>(flags), nullptr, 0, positional_count,
                                kProjectUsage));
  if (!flags[0].given) {
    return Error(Status::UsageError, kProjectUsage);
  }
  labelstudio::ProjectSpec spec;
  spec.name = flags[0].value;
  spec.task_id = flags[1].value;
  spec.description = flags[3].value;
  if (flags[2].given) {
    LSEDGE_TRY_ASSIGN(spec.label_config, read_label_config(platform.storage, flags[2].value));
  }
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  LSEDGE_TRY_ASSIGN(const labelstudio::EnsuredProject ensured,
                    labelstudio::ensure_project(session->client(), spec, cli_project_body(),
                                                session->request_deadline()));
  reporter.project(ensured);
  return {};
}

}  // namespace

Outcome cmd_project(const Options& options, PlatformServices& platform, LogSink& sink,
                    Reporter& reporter) {
  if (options.arg_count >= 1 && options.args[0] == "ensure") {
    return ensure(options, platform, sink, reporter);
  }
  return Error(Status::UsageError, kProjectUsage);
}

}  // namespace lsedge::app
