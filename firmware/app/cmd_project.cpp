// lsedge project ensure: find-or-create a project by its formatted title.
#include <cstdint>
#include <string_view>

#include <optional>
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

int ensure(const Options& options, PlatformServices& platform, LogSink& sink) {
  CommandFlag flags[] = {{"--title", {}, false},
                         {"--task-id", {}, false},
                         {"--label-config", {}, false},
                         {"--description", {}, false}};
  size_t positional_count = 0;
  const Outcome split = split_command_args(options, 1, Span<CommandFlag>(flags), nullptr, 0,
                                           positional_count, kProjectUsage);
  if (!split.ok()) {
    return fail(platform.console, split.error(), options.json);
  }
  if (!flags[0].given) {
    return fail(platform.console, Error(Status::UsageError, kProjectUsage), options.json);
  }
  labelstudio::ProjectSpec spec;
  spec.name = flags[0].value;
  spec.task_id = flags[1].value;
  spec.description = flags[3].value;
  if (flags[2].given) {
    auto label_config = read_label_config(platform.storage, flags[2].value);
    if (!label_config.ok()) {
      return fail(platform.console, label_config.error(), options.json);
    }
    spec.label_config = *label_config;
  }
  std::optional<Session> session;
  const Outcome started = start_session(options, platform, sink, session);
  if (!started.ok()) {
    return fail(platform.console, started.error(), options.json);
  }
  auto ensured = labelstudio::ensure_project(session->client(), spec, cli_project_body(),
                                             session->request_deadline());
  if (!ensured.ok()) {
    return fail(platform.console, ensured.error(), options.json);
  }
  Line line;
  if (options.json) {
    line.append_truncated("{\"id\":");
    (void)line.append_int(ensured->project.id);
    line.append_truncated(",\"title\":");
    print_json_string(line, ensured->project.title.view());
    line.append_truncated(ensured->created ? ",\"created\":true}\n" : ",\"created\":false}\n");
  } else {
    (void)line.append_int(ensured->project.id);
    line.append_truncated("\n");
  }
  platform.console.out(line.view());
  return 0;
}

}  // namespace

int cmd_project(const Options& options, PlatformServices& platform, LogSink& sink) {
  if (options.arg_count >= 1 && options.args[0] == "ensure") {
    return ensure(options, platform, sink);
  }
  return fail(platform.console, Error(Status::UsageError, kProjectUsage), options.json);
}

}  // namespace lsedge::app
