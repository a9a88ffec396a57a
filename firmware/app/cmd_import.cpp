// lsedge import (task files in batches) and lsedge upload (media files).
#include <cinttypes>
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"

#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/core/log.h"
#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/upload.h"
#include "firmware/taskfile/task_file.h"

namespace lsedge::app {

using taskfile::BatchBodyReader;
using taskfile::plan_task_file;
using taskfile::TaskBatch;
using taskfile::TaskElement;
using taskfile::TaskFileSummary;
using taskfile::TaskReader;
namespace {

constexpr std::string_view kImportUsage =
    "usage: lsedge import [--project ID] [--batch-bytes N] [--import-timeout-s S] FILE";
constexpr std::string_view kUploadUsage =
    "usage: lsedge upload [--project ID] [--import-timeout-s S] MEDIA_FILE...";

// HTTP 413: a proxy in front of Label Studio (nginx client_max_body_size) refused the body;
// Label Studio's own size limits answer 400.
constexpr uint16_t kPayloadTooLarge = 413;

ConfigOverrides timeout_override(const CommandFlag& flag) {
  ConfigOverrides overrides;
  if (flag.given) {
    overrides.import_timeout_s = flag.value;
  }
  return overrides;
}

// The tasks of a file from task `first_task` on, grouped as the plan groups them (a task larger
// than the budget goes alone: the file scan already checked it against the user's --batch-bytes).
// It reads the file again, so it serves only past the planned batches and after a 413 (with a
// smaller budget). Thread-safety: the command's thread only.
class TaskBatcher {
 public:
  TaskBatcher(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk, uint64_t first_task,
              uint64_t budget)
      : reader_(storage, file, chunk), first_task_(first_task), grouper_(budget) {}

  // True with the next batch; false after the last.
  [[nodiscard]] Result<bool> next(TaskBatch& batch) {
    TaskElement task;
    for (;;) {
      LSEDGE_TRY_ASSIGN(const bool more, reader_.next(task));
      if (!more) {
        return grouper_.take_open(batch);
      }
      if (task.index >= first_task_ && grouper_.add(task, batch)) {
        return true;
      }
    }
  }

 private:
  TaskReader reader_;
  uint64_t first_task_;
  taskfile::BatchGrouper grouper_;
};

// "tasks 3-7" (1-based, as people count them) or "task 3".
FixedString<48> task_range(const TaskBatch& batch) {
  FixedString<48> text;
  text.append_truncated(batch.task_count == 1 ? "task " : "tasks ");
  (void)text.append_uint(batch.first_task + 1);
  if (batch.task_count > 1) {
    text.append_truncated("-");
    (void)text.append_uint(batch.first_task + batch.task_count);
  }
  return text;
}

// Waits for a queued import (Label Studio Enterprise / SaaS) within the import timeout: its
// outcome decides. A failed one is ValidationFailed with the server's reason; `what` names the
// import's contents ("tasks 1-50", a file name). Returns the server's task count, else
// `expected_tasks`.
Result<int64_t> wait_for_outcome(Session& session, PlatformServices& platform, int64_t project,
                                 int64_t import_id, std::string_view what, int64_t expected_tasks) {
  labelstudio::ClockPause pause(platform.clock);
  LSEDGE_TRY_ASSIGN(const labelstudio::ImportStatus status,
                    labelstudio::wait_for_import(
                        session.client(), project, import_id, session.import_deadline(),
                        labelstudio::ImportPollPolicy(), platform.clock, platform.entropy, pause));
  if (status.state == labelstudio::ImportStatus::State::Failed) {
    Error error(Status::ValidationFailed, "the server's import ");
    (void)error.detail.append_int(import_id);
    error.detail.append_truncated(" of ");
    error.detail.append_truncated(what);
    error.detail.append_truncated(" failed: ");
    error.detail.append_truncated(status.error.empty() ? "(no reason given)" : status.error.view());
    return error;
  }
  return status.task_count.value_or(expected_tasks);
}

// Sends a task file's batches one import request each, waits for queued imports, and splits a
// batch a proxy refuses as too large (413). Thread-safety: the command's thread only.
class ImportSender {
 public:
  // `plan`: the first batches of the file under `budget`, planned when it was validated.
  ImportSender(Session& session, PlatformServices& platform, Reporter& reporter, LogSink& sink,
               hal::FileHandle file, int64_t project, uint64_t total_tasks, uint64_t budget,
               Span<const TaskBatch> plan)
      : session_(session),
        platform_(platform),
        reporter_(reporter),
        log_(&sink, "import"),
        file_(file),
        project_(project),
        total_tasks_(total_tasks),
        budget_(budget),
        plan_(plan) {}

  // Sends every task of the file: the planned batches, then (past them, or after a 413) batches
  // planned again from the file. Stops at the first failure.
  [[nodiscard]] Outcome send_all() {
    uint64_t first_task = 0;
    LSEDGE_TRY_ASSIGN(bool refused, send_planned(first_task));
    while (refused || first_task < total_tasks_) {
      LSEDGE_TRY_ASSIGN(refused, send_until_refused(first_task));
    }
    return {};
  }

  // After send_all: says which --batch-bytes would have avoided the 413s, if there were any.
  void warn_about_proxy_limit() const {
    if (smallest_refused_ == UINT64_MAX) {
      return;
    }
    // A size that went through is proven; one far below the refused size (a small last batch)
    // says little, so then half the refused size is the better guess.
    const uint64_t half = half_budget(smallest_refused_);
    const uint64_t fits = largest_sent_ >= half ? largest_sent_ : half;
    log_.warn("the server's proxy refused a %" PRIu64
              "-byte import request (HTTP 413: its body size limit, e.g. nginx "
              "client_max_body_size); use --batch-bytes %" PRIu64 " or raise the proxy's limit",
              smallest_refused_, fits);
  }

  [[nodiscard]] uint64_t tasks() const { return tasks_; }
  [[nodiscard]] uint64_t requests() const { return requests_; }
  [[nodiscard]] uint64_t sent_tasks() const { return sent_tasks_; }
  // The tasks (first one 1-based, count) of the failed request whose outcome is unknown.
  [[nodiscard]] uint64_t unknown_first() const { return unknown_first_; }
  [[nodiscard]] uint64_t unknown_count() const { return unknown_count_; }

 private:
  static uint64_t half_budget(uint64_t bytes) { return bytes / 2 >= 4 ? bytes / 2 : 4; }

  // Sends the planned batches until the last (false: `first_task` is the first task after them)
  // or a 413 (true: `first_task` is the refused batch's first task, the budget is halved).
  [[nodiscard]] Result<bool> send_planned(uint64_t& first_task) {
    for (const TaskBatch& batch : plan_) {
      LSEDGE_TRY_ASSIGN(const bool refused, send_or_split(batch));
      if (refused) {
        first_task = batch.first_task;
        return true;
      }
      first_task = batch.first_task + batch.task_count;
    }
    return false;
  }

  // Plans from `first_task` on and sends until the end (false) or a 413 (true, as above).
  [[nodiscard]] Result<bool> send_until_refused(uint64_t& first_task) {
    TaskBatcher batcher(platform_.storage, file_, cli_file_chunk(), first_task, budget_);
    TaskBatch batch;
    for (;;) {
      LSEDGE_TRY_ASSIGN(const bool more, batcher.next(batch));
      if (!more) {
        first_task = total_tasks_;
        return false;
      }
      LSEDGE_TRY_ASSIGN(const bool refused, send_or_split(batch));
      if (refused) {
        first_task = batch.first_task;
        return true;
      }
    }
  }

  // True when a proxy refused the batch as too large (413) and the budget was halved for it.
  [[nodiscard]] Result<bool> send_or_split(const TaskBatch& batch) {
    const Outcome sent = send(batch);
    if (sent.ok()) {
      return false;
    }
    if (sent.error().http_status != kPayloadTooLarge) {
      return sent.error();
    }
    LSEDGE_TRY(split(batch));
    return true;
  }

  // A 413 for `batch`: plan its tasks again with half its size as the budget, down to one task.
  [[nodiscard]] Outcome split(const TaskBatch& batch) {
    smallest_refused_ = batch.body_size < smallest_refused_ ? batch.body_size : smallest_refused_;
    if (batch.task_count == 1) {
      Error error(Status::ValidationFailed, task_range(batch).view());
      error.http_status = kPayloadTooLarge;
      error.detail.append_truncated(" (a ");
      (void)error.detail.append_uint(batch.body_size);
      error.detail.append_truncated(
          "-byte request) is larger than the server's proxy accepts (HTTP 413: its body size "
          "limit, e.g. nginx client_max_body_size); raise that limit or make the task smaller");
      return error;
    }
    budget_ = half_budget(batch.body_size);
    log_.info("HTTP 413 for %s (%" PRIu64
              " bytes): sending them again in requests of at most %" PRIu64 " bytes",
              task_range(batch).c_str(), batch.body_size, budget_);
    return {};
  }

  [[nodiscard]] Outcome send(const TaskBatch& batch) {
    BatchBodyReader body(platform_.storage, file_, batch, cli_batch_scratch(),
                         taskfile::BodyCheck::Boundaries);
    auto result =
        labelstudio::import_tasks(session_.client(), project_, body, session_.import_deadline());
    if (!result.ok()) {
      note_lost(batch, answer_lost(result.error()));
      return unknown_outcome(result.error(), batch);
    }
    int64_t imported = result->task_count;
    if (result->queued) {
      auto waited = wait_for(result->import_id, batch);
      if (!waited.ok()) {
        // The server took the batch; only an import that says it failed stored nothing.
        note_lost(batch, waited.status() != Status::ValidationFailed);
        return waited.error();
      }
      imported = *waited;
    }
    ++requests_;
    largest_sent_ = batch.body_size > largest_sent_ ? batch.body_size : largest_sent_;
    tasks_ += imported > 0 ? static_cast<uint64_t>(imported) : 0;
    sent_tasks_ += batch.task_count;
    reporter_.import_progress(sent_tasks_, total_tasks_, requests_);
    return {};
  }

  [[nodiscard]] Result<int64_t> wait_for(int64_t import_id, const TaskBatch& batch) {
    log_.info("import %" PRId64 " (%s) queued by the server; waiting for its outcome", import_id,
              task_range(batch).c_str());
    return wait_for_outcome(session_, platform_, project_, import_id, task_range(batch).view(),
                            static_cast<int64_t>(batch.task_count));
  }

  // Whether the request that failed with `error` may have been carried out: its answer was lost
  // after (some of) it was sent, or a 5xx (a proxy's or Label Studio's own) came instead.
  [[nodiscard]] bool answer_lost(const Error& error) const {
    if (error.http_status != 0) {
      return error.http_status >= 500;
    }
    return session_.connection().sent_any() && status_class(error.status) == StatusClass::Network;
  }

  void note_lost(const TaskBatch& batch, bool lost) {
    if (lost) {
      unknown_first_ = batch.first_task + 1;
      unknown_count_ = batch.task_count;
    }
  }

  // A request that timed out may have been carried out: say so, so nobody imports twice blindly.
  [[nodiscard]] Error unknown_outcome(const Error& error, const TaskBatch& batch) const {
    if (error.status != Status::Timeout) {
      return error;
    }
    Error annotated(Status::Timeout, "import of ");
    annotated.detail.append_truncated(task_range(batch).view());
    annotated.detail.append_truncated(": no answer within ");
    (void)annotated.detail.append_uint(session_.import_timeout_ms() / 1000);
    annotated.detail.append_truncated(
        " s (LSEDGE_IMPORT_TIMEOUT_S); the outcome is unknown, the server may have imported "
        "them: check the project before importing again");
    return annotated;
  }

  Session& session_;
  PlatformServices& platform_;
  Reporter& reporter_;
  Logger log_;
  hal::FileHandle file_;
  int64_t project_;
  uint64_t total_tasks_;
  uint64_t budget_;
  Span<const TaskBatch> plan_;
  uint64_t tasks_ = 0;       // as the server counted them
  uint64_t sent_tasks_ = 0;  // in batches the server imported
  uint64_t requests_ = 0;    // that imported their batch
  uint64_t largest_sent_ = 0;
  uint64_t smallest_refused_ = UINT64_MAX;  // a 413's body size
  uint64_t unknown_first_ = 0;
  uint64_t unknown_count_ = 0;
};

}  // namespace

namespace {

// --project, else LABEL_STUDIO_PROJECT's id, else its title found or created.
Result<int64_t> command_project(Session& session, LogSink& sink, int64_t from_flag,
                                std::string_view usage) {
  LSEDGE_TRY_ASSIGN(const ProjectChoice choice, choose_project(from_flag, cli_config(), usage));
  if (choice.id != 0) {
    return choice.id;
  }
  return ensure_project_title(session, sink, choice.title);
}

}  // namespace

Outcome cmd_import(const Options& options, PlatformServices& platform, LogSink& sink,
                   Reporter& reporter) {
  CommandFlag flags[] = {
      {"--project", {}, false}, {"--batch-bytes", {}, false}, {"--import-timeout-s", {}, false}};
  std::string_view path;
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), &path, 1, positional_count,
                                kImportUsage));
  if (positional_count != 1) {
    return Error(Status::UsageError, kImportUsage);
  }
  LSEDGE_TRY_ASSIGN(const int64_t project_flag, parse_project_flag(flags[0], kImportUsage));
  LSEDGE_TRY_ASSIGN(const uint64_t budget, parse_batch_bytes(flags[1]));

  // The whole file is validated before anything is sent: an invalid file imports nothing.
  const auto opened = platform.storage.open_read(path);
  if (!opened.ok()) {
    return task_file_error(opened.error(), path);
  }
  const hal::FileHandle file = *opened;
  const hal::ScopedFile guard(platform.storage, file);
  // Its batches are planned in the same read.
  const Span<TaskBatch> plan_memory = cli_import_plan();
  auto planned =
      plan_task_file(platform.storage, file, cli_file_chunk(), budget - 2, budget, plan_memory);
  if (!planned.ok()) {
    return reporter.input_error(task_file_error(planned.error(), path), "the task file", path);
  }
  const TaskFileSummary& summary = planned->summary;
  const Span<const TaskBatch> plan(plan_memory.data(), planned->kept);

  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session, timeout_override(flags[2])));
  LSEDGE_TRY_ASSIGN(const int64_t project,
                    command_project(*session, sink, project_flag, kImportUsage));
  ImportSender sender(*session, platform, reporter, sink, file, project, summary.tasks, budget,
                      plan);
  const Outcome sent = sender.send_all();
  reporter.import_progress_end();
  sender.warn_about_proxy_limit();
  if (!sent.ok()) {
    reporter.import_stopped(sender.sent_tasks(), summary.tasks, sender.requests(),
                            sender.unknown_first(), sender.unknown_count());
    return sent.error();
  }
  reporter.imported(sender.tasks(), sender.requests());
  return {};
}

Outcome cmd_upload(const Options& options, PlatformServices& platform, LogSink& sink,
                   Reporter& reporter) {
  CommandFlag flags[] = {{"--project", {}, false}, {"--import-timeout-s", {}, false}};
  std::string_view paths[kMaxPositional];
  size_t count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), paths, kMaxPositional, count,
                                kUploadUsage));
  if (count == 0) {
    return Error(Status::UsageError, kUploadUsage);
  }
  LSEDGE_TRY_ASSIGN(const int64_t project_flag, parse_project_flag(flags[0], kUploadUsage));
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session, timeout_override(flags[1])));
  LSEDGE_TRY_ASSIGN(const int64_t project,
                    command_project(*session, sink, project_flag, kUploadUsage));
  for (size_t i = 0; i < count; ++i) {
    LSEDGE_TRY_ASSIGN(
        labelstudio::ImportResult result,
        labelstudio::upload_media(session->client(), project, platform.storage, platform.entropy,
                                  paths[i], session->import_deadline()));
    if (result.queued) {  // one task per media file
      LSEDGE_TRY_ASSIGN(result.task_count, wait_for_outcome(*session, platform, project,
                                                            result.import_id, paths[i], 1));
      result.queued = false;
    }
    reporter.uploaded(paths[i], result);
  }
  return {};
}

}  // namespace lsedge::app
