// lsedge import (task files in batches) and lsedge upload (media files).
#include <cstdint>
#include <string_view>

#include <optional>
#include "board_sizes.h"

#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/http/http.h"
#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/upload.h"
#include "firmware/taskfile/task_file.h"

namespace lsedge::app {

using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::scan_task_file;
using taskfile::task_file_format_name;
using taskfile::TaskBatch;
using taskfile::TaskFileFormat;
using taskfile::TaskFileSummary;
namespace {

constexpr std::string_view kImportUsage =
    "usage: lsedge import --project ID [--batch-bytes N] FILE";
constexpr std::string_view kUploadUsage = "usage: lsedge upload --project ID MEDIA_FILE...";

// Sends each planned batch as one import request. Thread-safety: the command's thread only.
class BatchSender {
 public:
  BatchSender(Session& session, PlatformServices& platform, hal::FileHandle file, int64_t project,
              uint64_t total_tasks)
      : session_(session),
        platform_(platform),
        file_(file),
        project_(project),
        total_tasks_(total_tasks),
        progress_(platform.console.err_is_terminal()) {}

  [[nodiscard]] Outcome send(const TaskBatch& batch) {
    BatchBodyReader body(platform_.storage, file_, batch, cli_batch_scratch());
    ++requests_;
    LSEDGE_TRY_ASSIGN(
        const auto result,
        labelstudio::import_tasks(session_.client(), project_, body, session_.request_deadline()));
    tasks_ += result.task_count > 0 ? static_cast<uint64_t>(result.task_count) : 0;
    sent_tasks_ += batch.task_count;
    if (progress_) {
      // "\r[#########           ] 45% 4500/10000 tasks, 5 requests"
      constexpr uint64_t kWidth = 30;
      const uint64_t filled = total_tasks_ > 0 ? sent_tasks_ * kWidth / total_tasks_ : kWidth;
      Line line;
      line.append_truncated("\r[");
      for (uint64_t i = 0; i < kWidth; ++i) {
        line.append_truncated(i < filled ? "#" : " ");
      }
      line.append_truncated("] ");
      (void)line.append_uint(total_tasks_ > 0 ? sent_tasks_ * 100 / total_tasks_ : 100);
      line.append_truncated("% ");
      (void)line.append_uint(sent_tasks_);
      line.append_truncated("/");
      (void)line.append_uint(total_tasks_);
      line.append_truncated(" tasks, ");
      (void)line.append_uint(requests_);
      line.append_truncated(" requests");
      platform_.console.err(line.view());
    }
    return {};
  }

  void end_progress() {
    if (progress_ && requests_ > 0) {
      platform_.console.err("\n");
    }
  }
  [[nodiscard]] uint64_t tasks() const { return tasks_; }
  [[nodiscard]] uint64_t requests() const { return requests_; }
  [[nodiscard]] uint64_t sent_tasks() const { return sent_tasks_; }

 private:
  Session& session_;
  PlatformServices& platform_;
  hal::FileHandle file_;
  int64_t project_;
  uint64_t total_tasks_;
  bool progress_;
  uint64_t tasks_ = 0;       // as the server counted them
  uint64_t sent_tasks_ = 0;  // in batches it answered 2xx
  uint64_t requests_ = 0;
};

// Plans the file's batches and sends each as soon as it is planned; stops at the first failure.
Outcome send_batches(BatchPlanner& planner, BatchSender& sender) {
  TaskBatch batch;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const bool more, planner.next(batch));
    if (!more) {
      return {};
    }
    LSEDGE_TRY(sender.send(batch));
  }
}

}  // namespace

int cmd_import(const Options& options, PlatformServices& platform, LogSink& sink) {
  CommandFlag flags[] = {{"--project", {}, false}, {"--batch-bytes", {}, false}};
  std::string_view path;
  size_t positional_count = 0;
  const Outcome split = split_command_args(options, 0, Span<CommandFlag>(flags), &path, 1,
                                           positional_count, kImportUsage);
  if (!split.ok()) {
    return fail(platform.console, split.error(), options.json);
  }
  if (positional_count != 1) {
    return fail(platform.console, Error(Status::UsageError, kImportUsage), options.json);
  }
  auto project = parse_project_id(flags[0], kImportUsage);
  if (!project.ok()) {
    return fail(platform.console, project.error(), options.json);
  }
  auto parsed_budget = parse_batch_bytes(flags[1]);
  if (!parsed_budget.ok()) {
    return fail(platform.console, parsed_budget.error(), options.json);
  }
  const uint64_t budget = *parsed_budget;

  // The whole file is validated before anything is sent: an invalid file imports nothing.
  auto opened_file = platform.storage.open_read(path);
  if (!opened_file.ok()) {
    return fail(platform.console, opened_file.error(), options.json);
  }
  const hal::FileHandle file = *opened_file;
  const hal::ScopedFile guard(platform.storage, file);
  auto summary = scan_task_file(platform.storage, file, cli_file_chunk(), budget - 2);
  if (!summary.ok()) {
    return fail_input(platform.console, summary.error(), options.json, "the task file", path);
  }

  std::optional<Session> session;
  const Outcome started = start_session(options, platform, sink, session);
  if (!started.ok()) {
    return fail(platform.console, started.error(), options.json);
  }
  BatchSender sender(*session, platform, file, *project, summary->tasks);
  BatchPlanner planner(platform.storage, file, cli_file_chunk(), budget);
  const Outcome planned = send_batches(planner, sender);
  sender.end_progress();
  if (!planned.ok()) {
    if (sender.requests() > 1 && !options.json) {
      Line line;
      line.append_truncated("lsedge: ");
      (void)line.append_uint(sender.sent_tasks());
      line.append_truncated(" tasks were imported before the failure, in ");
      (void)line.append_uint(sender.requests() - 1);
      line.append_truncated(" requests\n");
      platform.console.err(line.view());
    }
    return fail(platform.console, planned.error(), options.json);
  }
  Line line;
  if (options.json) {
    line.append_truncated("{\"tasks\":");
    (void)line.append_uint(sender.tasks());
    line.append_truncated(",\"requests\":");
    (void)line.append_uint(sender.requests());
    line.append_truncated("}\n");
  } else {
    line.append_truncated("imported ");
    (void)line.append_uint(sender.tasks());
    line.append_truncated(" tasks in ");
    (void)line.append_uint(sender.requests());
    line.append_truncated(sender.requests() == 1 ? " request\n" : " requests\n");
  }
  platform.console.out(line.view());
  return 0;
}

int cmd_upload(const Options& options, PlatformServices& platform, LogSink& sink) {
  CommandFlag flags[] = {{"--project", {}, false}};
  std::string_view paths[kMaxPositional];
  size_t count = 0;
  const Outcome split = split_command_args(options, 0, Span<CommandFlag>(flags), paths,
                                           kMaxPositional, count, kUploadUsage);
  if (!split.ok()) {
    return fail(platform.console, split.error(), options.json);
  }
  if (count == 0) {
    return fail(platform.console, Error(Status::UsageError, kUploadUsage), options.json);
  }
  auto project = parse_project_id(flags[0], kUploadUsage);
  if (!project.ok()) {
    return fail(platform.console, project.error(), options.json);
  }
  std::optional<Session> session;
  const Outcome started = start_session(options, platform, sink, session);
  if (!started.ok()) {
    return fail(platform.console, started.error(), options.json);
  }
  for (size_t i = 0; i < count; ++i) {
    auto result =
        labelstudio::upload_media(session->client(), *project, platform.storage, platform.entropy,
                                  paths[i], session->request_deadline());
    if (!result.ok()) {
      return fail(platform.console, result.error(), options.json);
    }
    Line line;
    if (options.json) {
      line.append_truncated("{\"file\":");
      print_json_string(line, paths[i]);
      line.append_truncated(",\"tasks\":");
      (void)line.append_int(result->task_count);
      line.append_truncated(",\"file_upload_id\":");
      (void)line.append_int(result->first_file_upload_id);
      line.append_truncated(result->queued ? ",\"queued\":true}\n" : ",\"queued\":false}\n");
    } else {
      line.append_truncated(paths[i]);
      line.append_truncated(": ");
      line.append_truncated(labelstudio::describe_import(*result).view());
      line.append_truncated("\n");
    }
    platform.console.out(line.view());
  }
  return 0;
}

}  // namespace lsedge::app
