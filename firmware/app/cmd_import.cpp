// lsedge import (task files in batches) and lsedge upload (media files).
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"

#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/upload.h"
#include "firmware/taskfile/task_file.h"

namespace lsedge::app {

using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::scan_task_file;
using taskfile::TaskBatch;
namespace {

constexpr std::string_view kImportUsage =
    "usage: lsedge import --project ID [--batch-bytes N] FILE";
constexpr std::string_view kUploadUsage = "usage: lsedge upload --project ID MEDIA_FILE...";

// Sends each planned batch as one import request. Thread-safety: the command's thread only.
class BatchSender {
 public:
  BatchSender(Session& session, PlatformServices& platform, Reporter& reporter,
              hal::FileHandle file, int64_t project, uint64_t total_tasks)
      : session_(session),
        platform_(platform),
        reporter_(reporter),
        file_(file),
        project_(project),
        total_tasks_(total_tasks) {}

  [[nodiscard]] Outcome send(const TaskBatch& batch) {
    BatchBodyReader body(platform_.storage, file_, batch, cli_batch_scratch());
    ++requests_;
    LSEDGE_TRY_ASSIGN(
        const labelstudio::ImportResult result,
        labelstudio::import_tasks(session_.client(), project_, body, session_.request_deadline()));
    tasks_ += result.task_count > 0 ? static_cast<uint64_t>(result.task_count) : 0;
    sent_tasks_ += batch.task_count;
    reporter_.import_progress(sent_tasks_, total_tasks_, requests_);
    return {};
  }

  [[nodiscard]] uint64_t tasks() const { return tasks_; }
  [[nodiscard]] uint64_t requests() const { return requests_; }
  [[nodiscard]] uint64_t sent_tasks() const { return sent_tasks_; }

 private:
  Session& session_;
  PlatformServices& platform_;
  Reporter& reporter_;
  hal::FileHandle file_;
  int64_t project_;
  uint64_t total_tasks_;
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

Outcome cmd_import(const Options& options, PlatformServices& platform, LogSink& sink,
                   Reporter& reporter) {
  CommandFlag flags[] = {{"--project", {}, false}, {"--batch-bytes", {}, false}};
  std::string_view path;
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), &path, 1, positional_count,
                                kImportUsage));
  if (positional_count != 1) {
    return Error(Status::UsageError, kImportUsage);
  }
  LSEDGE_TRY_ASSIGN(const int64_t project, parse_project_id(flags[0], kImportUsage));
  LSEDGE_TRY_ASSIGN(const uint64_t budget, parse_batch_bytes(flags[1]));

  // The whole file is validated before anything is sent: an invalid file imports nothing.
  LSEDGE_TRY_ASSIGN(const hal::FileHandle file, platform.storage.open_read(path));
  const hal::ScopedFile guard(platform.storage, file);
  auto summary = scan_task_file(platform.storage, file, cli_file_chunk(), budget - 2);
  if (!summary.ok()) {
    return reporter.input_error(summary.error(), "the task file", path);
  }

  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  BatchSender sender(*session, platform, reporter, file, project, summary->tasks);
  BatchPlanner planner(platform.storage, file, cli_file_chunk(), budget);
  const Outcome planned = send_batches(planner, sender);
  reporter.import_progress_end();
  if (!planned.ok()) {
    if (sender.requests() > 1) {
      reporter.import_interrupted(sender.sent_tasks(), sender.requests() - 1);
    }
    return planned.error();
  }
  reporter.imported(sender.tasks(), sender.requests());
  return {};
}

Outcome cmd_upload(const Options& options, PlatformServices& platform, LogSink& sink,
                   Reporter& reporter) {
  CommandFlag flags[] = {{"--project", {}, false}};
  std::string_view paths[kMaxPositional];
  size_t count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), paths, kMaxPositional, count,
                                kUploadUsage));
  if (count == 0) {
    return Error(Status::UsageError, kUploadUsage);
  }
  LSEDGE_TRY_ASSIGN(const int64_t project, parse_project_id(flags[0], kUploadUsage));
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  for (size_t i = 0; i < count; ++i) {
    LSEDGE_TRY_ASSIGN(
        const labelstudio::ImportResult result,
        labelstudio::upload_media(session->client(), project, platform.storage, platform.entropy,
                                  paths[i], session->request_deadline()));
    reporter.uploaded(paths[i], result);
  }
  return {};
}

}  // namespace lsedge::app
