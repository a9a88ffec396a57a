// lsedge project ensure: find-or-create a project by its formatted title.
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/labelstudio/projects.h"

namespace lsedge::app {
namespace {

constexpr std::string_view kProjectUsage =
    "usage: lsedge project ensure --title NAME [--task-id ID] [--label-config FILE] "
    "[--description TEXT]";

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
    if (flags[2].value.empty()) {
      return Error(Status::UsageError, kProjectUsage);
    }
    // Streamed from the file into the request (checked before anything is sent): its size is
    // bounded by no board buffer.
    spec.label_config_file = flags[2].value;
    spec.storage = &platform.storage;
  }
  labelstudio::ProjectTitle title;  // a title the server would refuse stops here, before a connect
  LSEDGE_TRY(labelstudio::format_project_title(spec.name, spec.task_id, title));
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  LSEDGE_TRY_ASSIGN(
      const labelstudio::EnsuredProject ensured,
      labelstudio::ensure_project(session->client(), spec, session->request_deadline()));
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
