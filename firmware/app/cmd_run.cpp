// lsedge run: the uploader daemon. Sends the spool's entries in order, consecutive small task
// entries together in one import request up to --batch-bytes (issue #13), and removes an entry
// only after the server stored it. Transient failures are retried forever
// with capped exponential backoff and full jitter (or the server's Retry-After). What the server
// refused in part is divided (spool split): a 400's refused tasks go to rejected/ alone and the
// rest is sent again; a proxy's 413 halves the entry. A queued (asynchronous) import is polled
// until it completes or fails, and never sent again. An entry on which Label Studio fails again
// and again while it answers other requests is set aside, so it cannot block the queue.
#include <cinttypes>
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/app/run_state.h"
#include "firmware/app/session.h"
#include "firmware/app/split_plans.h"
#include "firmware/core/backoff.h"
#include "firmware/core/log.h"
#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/import_refusal.h"
#include "firmware/labelstudio/multipart.h"
#include "firmware/labelstudio/projects.h"
#include "firmware/labelstudio/upload.h"
#include "firmware/spool/spool.h"
#include "firmware/spool/upload_policy.h"

namespace lsedge::app {

using spool::PredictionsBody;
using spool::SpoolBatch;
using spool::SpoolBatchBody;
using spool::SpoolEntry;
using spool::SpoolEntryBody;
using spool::upload_action;
using spool::upload_outcome_unknown;
using spool::UploadAction;
namespace {

constexpr std::string_view kRunUsage =
    "usage: lsedge run --spool DIR [--project ID] [--once] [--poll-ms MS] [--retry-base-ms MS] "
    "[--retry-cap-ms MS] [--poison-after N] [--import-timeout-s S] [--batch-bytes N]";
constexpr uint64_t kDefaultPollMs = 1000;
constexpr uint64_t kMaxPollMs = 3600000;
constexpr uint64_t kMaxPoisonAfter = 1000;
// Waits are cut into slices so a stop request is noticed even if its signal raced the sleep.
constexpr uint32_t kWaitSliceMs = 250;
constexpr uint32_t kBatchEntries = LSEDGE_SPOOL_BATCH_ENTRIES;

// How the uploader loop ended without an error.
enum class End : uint8_t { Stopped, Drained };

bool is_json_type(std::string_view content_type) {
  constexpr std::string_view kJson = "application/json";
  if (content_type.size() < kJson.size()) {
    return false;
  }
  for (size_t i = 0; i < kJson.size(); ++i) {
    const char c = content_type[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kJson[i]) {
      return false;
    }
  }
  return content_type.size() == kJson.size() || content_type[kJson.size()] == ';' ||
         content_type[kJson.size()] == ' ';
}

// Thread-safety: the CLI thread only.
class Uploader {
 public:
  struct Settings {
    int64_t project = 0;  // 0: ensure `project_title` first (LABEL_STUDIO_PROJECT)
    std::string_view project_title;
    uint64_t poll_ms = kDefaultPollMs;
    bool once = false;
    uint32_t poison_after = spool::kDefaultPoisonAfter;
    BackoffPolicy policy;
    uint64_t batch_bytes = LSEDGE_IMPORT_BATCH_BUDGET;  // one request's body, small entries joined
  };

  Uploader(PlatformServices& platform, Reporter& reporter, Session& session, Spool& spool,
           LogSink& sink, const Settings& settings)
      : platform_(platform),
        reporter_(reporter),
        session_(session),
        spool_(spool),
        log_(&sink, "run"),
        sink_(sink),
        project_(settings.project),
        project_title_(settings.project_title),
        poll_ms_(settings.poll_ms),
        once_(settings.once),
        poison_after_(settings.poison_after),
        policy_(settings.policy),
        batch_bytes_(settings.batch_bytes) {}

  Outcome run() {
    const Result<End> ended = serve();
    if (!ended.ok()) {
      return stop_with(ended.error());
    }
    return finish(*ended == End::Drained ? "drained" : "stopped");
  }

 private:
  // Sends entries until the queue is drained (--once) or a stop is requested; an error that
  // retrying cannot fix ends it.
  Result<End> serve() {
    load_state();
    LSEDGE_TRY(report_queue("started"));
    LSEDGE_TRY_ASSIGN(const bool checked, check_project());
    if (!checked) {
      return End::Stopped;
    }
    for (;;) {
      if (platform_.stop.requested()) {
        return End::Stopped;
      }
      LSEDGE_TRY_ASSIGN(const bool found, next_request());
      if (!found) {
        if (once_) {
          return End::Drained;
        }
        (void)wait_ms(poll_ms_);  // a stop is seen at the top of the loop
        continue;
      }
      LSEDGE_TRY_ASSIGN(const bool go_on, serve_request());
      if (!go_on) {
        return End::Stopped;
      }
    }
  }

  // The request being handled carries several entries (batch_: its head and the others).
  bool in_batch() const { return batch_.count > 1; }

  // The request next_request() found: sent, or (a queued import: after a restart, or a stop
  // while polling) polled, never sent again. False if a stop was requested.
  Result<bool> serve_request() {
    const SpoolEntry& entry = batch_.head;
    return entry.import_id != 0 ? poll_import(entry, platform_.clock.now_ms(), false) : send(entry);
  }

  // The entries of the next request: the oldest, with the small ones after it (issue #13). The
  // entries of a batch the server refused are sent one by one (each then gets the answer it
  // would have had alone), up to that batch's last entry.
  Result<bool> next_request() {
    const bool alone = !alone_until_group_.empty();
    LSEDGE_TRY_ASSIGN(const bool found,
                      spool_.next_batch(batch_, batch_budget(), alone ? 1 : kBatchEntries));
    const SpoolEntry& head = batch_.head;
    if (!found || !alone ||
        !spool::entry_before(alone_until_group_.view(), alone_until_name_.view(), head.group.view(),
                             head.name.view())) {
      return found;
    }
    alone_until_group_.clear();
    alone_until_name_.clear();
    return spool_.next_batch(batch_, batch_budget(), kBatchEntries);
  }

  // --batch-bytes, or after a proxy refused a body (413) what is known to fit (halving until
  // one does).
  uint64_t batch_budget() const {
    if (refused_bytes_ == 0) {
      return batch_bytes_;
    }
    const uint64_t fits = suggested_batch_bytes(largest_sent_bytes_, refused_bytes_);
    return fits < batch_bytes_ ? fits : batch_bytes_;
  }

  // The error for a project that is gone or hidden from this token (exit 2).
  Error project_missing() const {
    Error config(Status::UsageError, "project ");
    (void)config.detail.append_int(project_);
    config.detail.append_truncated(
        " does not exist or this token cannot see it; check --project (or LABEL_STUDIO_PROJECT)");
    return config;
  }

  // Confirms the project exists and the token may use it before touching the queue, so a wrong
  // --project or a revoked token stops at once. False if a stop was requested meanwhile.
  Result<bool> check_project() {
    uint32_t attempt = 0;
    for (;;) {
      if (project_ == 0) {  // LABEL_STUDIO_PROJECT is a title: found or created once online
        auto ensured = ensure_project_title(session_, sink_, project_title_);
        if (ensured.ok()) {
          project_ = *ensured;
          return true;
        }
        if (upload_action(ensured.error()) != UploadAction::Retry) {
          return ensured.error();
        }
        if (!back_off(ensured.error(), attempt++, nullptr, false)) {
          return false;
        }
        continue;
      }
      auto project =
          labelstudio::get_project(session_.client(), project_, session_.request_deadline());
      if (project.ok()) {
        log_.info("uploading to project %" PRId64 " \"%s\"", project_, project->title.c_str());
        return true;
      }
      const Error& error = project.error();
      if (error.status == Status::NotFound) {
        return project_missing();
      }
      if (upload_action(error) != UploadAction::Retry) {
        return error;
      }
      if (!back_off(error, attempt++, nullptr, false)) {
        return false;
      }
    }
  }

  // One request for `entry` (batch_'s head). False if a stop was requested.
  Result<bool> send(const SpoolEntry& entry) {
    if (entry.media) {
      return send_media(entry);
    }
    // One entry's file as it is, or several entries' tasks joined (issue #13): confirmed
    // together, or on a refusal sent again one by one.
    LSEDGE_TRY(spool_.mark_sending(batch_));
    SpoolEntryBody file(platform_.storage);
    SpoolBatchBody joined(platform_.storage, spool_.directory());
    BodySource& body = in_batch() ? static_cast<BodySource&>(joined) : file;
    const Outcome opened = in_batch() ? joined.open(batch_) : file.open(entry);
    if (!opened.ok()) {
      (void)spool_.release(batch_);
      return opened.error();
    }
    body_bytes_ = body.size();
    const uint64_t started = platform_.clock.now_ms();
    auto imported =
        labelstudio::import_tasks(session_.client(), project_, body, session_.import_deadline());
    file.close();
    joined.close();
    return answered(entry, imported, started);
  }

  // The import's answer: stored (confirmed) or queued by the server (polled), else the failure.
  Result<bool> answered(const SpoolEntry& entry, const Result<labelstudio::ImportResult>& imported,
                        uint64_t started) {
    const uint64_t elapsed = platform_.clock.now_ms() - started;
    if (!imported.ok()) {
      return failed(entry, imported.error(), elapsed);
    }
    if (imported->queued) {
      return queued(entry, imported->import_id, started);
    }
    LSEDGE_TRY(confirm(entry, imported->task_count, elapsed));
    return true;
  }

  // A media entry: its file uploaded as multipart, as `lsedge upload` does. A file Label Studio
  // would not take (only if the entry was changed after `spool add` checked it) is rejected.
  Result<bool> send_media(const SpoolEntry& entry) {
    if (entry.task_id > 0) {
      return send_predictions(entry);  // uploaded before a restart or a requeue
    }
    const Outcome importable = labelstudio::check_importable(entry.media_path.view());
    if (!importable.ok()) {
      LSEDGE_TRY(spool_.reject(entry, importable.error().detail.view()));
      ++totals_.rejected;
      reporter_.run_rejected(entry, importable.error(), spool_.directory());
      return true;
    }
    const Result<hal::FileInfo> info = platform_.storage.info(entry.media_path.view());
    body_bytes_ = info.ok() ? info->size : 0;
    LSEDGE_TRY(spool_.mark_sending(entry));
    const uint64_t started = platform_.clock.now_ms();
    const auto imported = labelstudio::upload_media(
        session_.client(), project_, platform_.storage, platform_.entropy, entry.media_path.view(),
        session_.import_deadline(), false, entry.predictions);
    if (entry.predictions && imported.ok() && !imported->queued) {
      return task_created(entry, imported->first_task_id);
    }
    return answered(entry, imported, started);
  }

  // The upload of a media entry with predictions created its task (`task_id`, 0 when the server
  // did not say): the id is kept, then the predictions are sent. Without an id they cannot be
  // attached: the entry is set aside with the reason (the media is on the server).
  Result<bool> task_created(const SpoolEntry& entry, int64_t task_id) {
    if (task_id <= 0) {
      const Error unknown(Status::ValidationFailed,
                          "Label Studio stored the media file but named no task id "
                          "(return_task_ids), so its predictions could not be attached; the "
                          "media is on the server, so do not requeue this entry");
      LSEDGE_TRY(reject(entry, unknown));  // reject() clears the in-flight record
      return true;
    }
    LSEDGE_TRY(spool_.mark_task_created(entry, task_id));
    SpoolEntry created = entry;
    created.task_id = task_id;
    created.outcome_unknown = false;  // the upload's outcome is known; the predictions' is new
    return send_predictions(created);
  }

  // The predictions of a media entry whose task exists, attached with import/predictions.
  Result<bool> send_predictions(const SpoolEntry& entry) {
    PredictionsBody body(platform_.storage);
    const Outcome opened = body.open(entry);
    if (!opened.ok()) {
      if (opened.status() != Status::TaskFileInvalid) {
        return opened.error();
      }
      LSEDGE_TRY(reject(entry, opened.error()));
      return true;
    }
    body_bytes_ = body.size();
    LSEDGE_TRY(spool_.mark_sending(entry));
    const uint64_t started = platform_.clock.now_ms();
    const auto created = labelstudio::import_predictions(session_.client(), project_, body,
                                                         session_.import_deadline());
    const uint64_t elapsed = platform_.clock.now_ms() - started;
    if (!created.ok()) {
      return failed(entry, created.error(), elapsed);
    }
    if (static_cast<uint64_t>(*created) < body.predictions()) {
      LSEDGE_TRY(partly_stored(entry, *created, body.predictions()));
      return true;
    }
    LSEDGE_TRY(confirm(entry, 1, elapsed));
    return true;
  }

  // Label Studio without its prediction validation skips predictions that do not fit the label
  // config, and only the count it answers says so: the entry is set aside with that reason.
  Outcome partly_stored(const SpoolEntry& entry, int64_t created, uint64_t sent) {
    Error partial(Status::ValidationFailed, "Label Studio stored ");
    (void)partial.detail.append_int(created);
    partial.detail.append_truncated(" of ");
    (void)partial.detail.append_uint(sent);
    partial.detail.append_truncated(" predictions for task ");
    (void)partial.detail.append_int(entry.task_id);
    partial.detail.append_truncated(
        "; it skips predictions that do not fit the project's label config (from_name, "
        "to_name, type, labels). The media and its task are on the server");
    partial.http_status = 201;
    return reject(entry, partial);  // reject() clears the in-flight record
  }

  // The server stored the entry's tasks: the entry leaves the queue.
  Outcome confirm(const SpoolEntry& entry, int64_t imported, uint64_t elapsed_ms) {
    LSEDGE_TRY(in_batch() ? spool_.confirm(batch_) : spool_.confirm(entry));
    attempt_ = 0;
    const uint64_t entries = in_batch() ? batch_.count : 1;
    const uint64_t tasks = in_batch() ? batch_.tasks : entry.tasks;
    totals_.sent_entries += entries;
    totals_.sent_tasks += tasks;
    ++totals_.requests;
    if (entry.outcome_unknown) {
      totals_.possible_duplicates += entries;
    }
    reporter_.run_sent(entry, imported, elapsed_ms, in_batch() ? &batch_ : nullptr);
    note_success(entry, tasks);
    if (entry.import_id == 0 && !entry.media && body_bytes_ > largest_sent_bytes_) {
      largest_sent_bytes_ = body_bytes_;
    }
    if (refused_bytes_ != 0 && !hinted_) {
      hint_batch_bytes();  // now an entry that fits is known
    }
    return {};
  }

  // The request for `entry` failed: confirm, retry, split, reject or stop (upload_policy).
  Result<bool> failed(const SpoolEntry& entry, const Error& error, uint64_t elapsed_ms) {
    if (in_batch()) {
      return batch_failed(entry, error, elapsed_ms);
    }
    const UploadAction action = classify(entry, error);
    if (action == UploadAction::Confirm) {
      // The server stored the tasks (2xx) but its answer is not an import result.
      log_.warn("%s/%s: the server answered %u with an unreadable body; counted as sent",
                entry.group.c_str(), entry.name.c_str(), static_cast<unsigned>(error.http_status));
      LSEDGE_TRY(confirm(entry, -1, elapsed_ms));
      return true;
    }
    if (action != UploadAction::Probe || !(streak_entry_ == entry.path.view())) {
      streak_ = 0;  // "in a row" means for this entry, without another kind of failure between
      streak_entry_ = entry.path;
    }
    const bool unknown = upload_outcome_unknown(error, session_.connection().sent_any());
    if (unknown) {
      ++totals_.unknown_outcomes;
    } else {
      LSEDGE_TRY(spool_.release(entry));
    }
    return act(entry, error, action, unknown);
  }

  // A request of several entries failed. Retried, confirmed or stopped on as one entry would be;
  // anything the server refused (or failed on) is sent again entry by entry, since only alone
  // does each entry get its own verdict, split, rejection or poison count.
  Result<bool> batch_failed(const SpoolEntry& head, const Error& error, uint64_t elapsed_ms) {
    const UploadAction action = classify(head, error);
    if (action == UploadAction::Confirm) {
      log_.warn(
          "%s/%s and %u more: the server answered %u with an unreadable body; counted as sent",
          head.group.c_str(), head.name.c_str(), static_cast<unsigned>(batch_.count - 1),
          static_cast<unsigned>(error.http_status));
      LSEDGE_TRY(confirm(head, -1, elapsed_ms));
      return true;
    }
    const bool unknown = upload_outcome_unknown(error, session_.connection().sent_any());
    if (unknown) {
      ++totals_.unknown_outcomes;
    } else {
      LSEDGE_TRY(spool_.release(batch_));
    }
    if (action == UploadAction::Retry) {
      return back_off(error, attempt_++, &head, unknown);
    }
    if (action == UploadAction::Stop) {
      return stop_error(error);
    }
    if (action == UploadAction::SplitItems) {
      LSEDGE_TRY_ASSIGN(const bool settled, settle_batch_items(error));
      if (settled) {
        return true;  // the rest is gathered again
      }
    }
    if (error.http_status == 413 && head.stateless()) {
      // The next batch is made within what the proxy takes (batch_budget()).
      log_.warn(
          "a proxy refused %u entries in one request of %llu bytes (HTTP 413); sending "
          "at most %llu bytes per request",
          static_cast<unsigned>(batch_.count), static_cast<unsigned long long>(body_bytes_),
          static_cast<unsigned long long>(batch_budget()));
      return true;
    }
    FixedString<64> answer;
    answer.append_truncated("answered HTTP ");
    (void)answer.append_uint(error.http_status);
    answer.append_truncated(" (");
    answer.append_truncated(status_name(error.status));
    answer.append_truncated(")");
    send_alone(answer.view());
    note_error(error);
    return true;
  }

  // A 400 listing a verdict per task of a batch (index-aligned over its tasks in order): each
  // entry whose tasks all have a verdict is settled as if it had been sent alone (its refused
  // tasks to rejected/ with their own messages, the good ones queued again in its place); the
  // others stay queued as they were. False when no entry had a refused task (nothing would
  // change): the caller sends them one by one.
  Result<bool> settle_batch_items(const Error& error) {
    const labelstudio::ImportRefusal whole = refusal_;
    bool refused_any = false;
    uint64_t offset = 0;
    SpoolEntry member;
    for (uint32_t i = 0; i < batch_.count; ++i) {
      LSEDGE_TRY(spool_.member_entry(batch_, i, member));
      if (offset + member.tasks > whole.known) {
        break;  // the list was cut before its end: it is sent again and gets its own verdicts
      }
      refusal_ = verdicts_of(whole, offset, member.tasks);
      offset += member.tasks;
      if (refusal_.refused_count == 0) {
        continue;
      }
      refused_any = true;
      // As if the entry had been sent alone: its refused tasks (or it, when it has one) go to
      // rejected/, the good ones stay queued in its place.
      LSEDGE_TRY(member.tasks == 1 ? reject(member, error) : split_by_items(member, error));
    }
    refusal_ = whole;
    return refused_any;
  }

  // The verdicts of `tasks` tasks from `offset` of a batch's refusal, as one entry's.
  static labelstudio::ImportRefusal verdicts_of(const labelstudio::ImportRefusal& whole,
                                                uint64_t offset, uint64_t tasks) {
    labelstudio::ImportRefusal part;
    part.item_list = true;
    part.known = static_cast<size_t>(tasks);
    for (size_t k = 0; k < part.known; ++k) {
      part.verdicts[k] = whole.verdicts[offset + k];
      part.refused_count += part.verdicts[k].refused ? 1 : 0;
    }
    return part;
  }

  // The batch's entries are sent one by one from now on, up to its last.
  void send_alone(std::string_view answer) {
    const SpoolEntry& head = batch_.head;
    const spool::BatchMember& last = batch_.members[batch_.count - 1];
    spool::format_group(last.sequence, alone_until_group_);
    (void)alone_until_name_.assign(last.name.view());
    log_.warn(
        "%u entries sent as one request (%s/%s .. %s/%s): the server %.*s; sending them "
        "one by one",
        static_cast<unsigned>(batch_.count), head.group.c_str(), head.name.c_str(),
        alone_until_group_.c_str(), alone_until_name_.c_str(), static_cast<int>(answer.size()),
        answer.data());
  }

  // A queued import of several entries failed. Label Studio validates before it stores (in one
  // transaction), so nothing of it was stored: each entry is sent alone, to get its own verdict.
  Outcome batch_import_failed(const SpoolEntry& head, std::string_view server_error) {
    // An earlier request's outcome may still be unknown: then the entries stay marked.
    LSEDGE_TRY(head.outcome_unknown ? spool_.mark_sending(batch_) : spool_.release(batch_));
    FixedString<kErrorDetailCapacity> answer;
    answer.append_truncated("failed their queued import ");
    (void)answer.append_int(head.import_id);
    answer.append_truncated(" (");
    answer.append_truncated(server_error);
    answer.append_truncated(")");
    send_alone(answer.view());
    return {};
  }

  // Carries out the policy's action for a failed request (Confirm is done by the caller).
  Result<bool> act(const SpoolEntry& entry, const Error& error, UploadAction action, bool unknown) {
    Outcome done;
    switch (action) {
      case UploadAction::Retry:
        return back_off(error, attempt_++, &entry, unknown);
      case UploadAction::Probe:
        return probed(entry, error, unknown);
      case UploadAction::Reject:
        done = reject(entry, error);
        break;
      case UploadAction::SplitItems:
        done = split_by_items(entry, error);
        break;
      case UploadAction::Split:
        done = split_in_halves(entry, error, "too_large");
        break;
      case UploadAction::Confirm:
      case UploadAction::Stop:
        return stop_error(error);
    }
    LSEDGE_TRY(done);
    return true;
  }

  // The error a request's Stop ends the daemon with. A 404 (JSON, or a page: NoApiAtUrl) means
  // the project was deleted (or hidden from this token) since the start: exit 2 as for a wrong
  // --project, once the project itself answers 404 too (a 404 of anything else keeps its error).
  Error stop_error(const Error& error) {
    if (error.http_status != 404) {
      return error;
    }
    const auto project =
        labelstudio::get_project(session_.client(), project_, session_.request_deadline());
    if (!project.ok() && project.error().status == Status::NotFound) {
      return project_missing();
    }
    return error;
  }

  // The policy's action, from the error and what the answer looked like. A 400's item list is
  // read now, while the response body is still the connection's latest.
  UploadAction classify(const SpoolEntry& entry, const Error& error) {
    spool::UploadAnswer answer;
    answer.tasks = in_batch() ? batch_.tasks : entry.tasks;
    const http::Response& response = session_.client().last_response();
    answer.json = error.http_status != 0 && response.status == error.http_status &&
                  is_json_type(response.content_type);
    refusal_ = labelstudio::ImportRefusal();
    if (error.http_status == 400 && response.status == 400) {
      refusal_ = labelstudio::parse_import_refusal(response.body, response.truncated, answer.tasks);
      answer.item_list = refusal_.item_list;
    }
    if (error.http_status == 413 && !entry.media &&
        (refused_bytes_ == 0 || body_bytes_ < refused_bytes_)) {
      refused_bytes_ = body_bytes_;
    }
    return upload_action(error, answer);
  }

  // Label Studio answered this entry with its JSON 5xx: a cheap authenticated request tells
  // whether the server answers others. If it does, N such failures in a row set the entry aside;
  // if not, it is an outage and everything waits.
  Result<bool> probed(const SpoolEntry& entry, const Error& error, bool unknown) {
    const auto project =
        labelstudio::get_project(session_.client(), project_, session_.request_deadline());
    if (!project.ok()) {
      log_.info("after a %u for %s/%s the server did not answer a probe either (%s): waiting",
                static_cast<unsigned>(error.http_status), entry.group.c_str(), entry.name.c_str(),
                status_name(project.error().status));
    }
    if (spool::poison_action(project.ok(), streak_, poison_after_) != UploadAction::Reject) {
      return back_off(error, attempt_++, &entry, unknown);
    }
    FixedString<kErrorDetailCapacity + 200> reason;
    reason.append_truncated("Label Studio failed on this entry ");
    (void)reason.append_uint(streak_);
    reason.append_truncated(" times in a row (HTTP ");
    (void)reason.append_uint(error.http_status);
    reason.append_truncated(
        ") while it answered other requests; it was set aside so that the "
        "queue moves on. The server said: ");
    reason.append_truncated(error.detail.view());
    LSEDGE_TRY(spool_.reject(entry, reason.view()));
    attempt_ = 0;
    ++totals_.rejected;
    reporter_.run_poisoned(entry, error, streak_, spool_.directory());
    note_error(error);
    streak_ = 0;
    return true;
  }

  // The whole entry goes to rejected/ with the server's message (a 413 of one task: a reason
  // that names the proxy's limit).
  Outcome reject(const SpoolEntry& entry, const Error& error) {
    Error refused = error;
    if (error.http_status == 413 && entry.tasks == 1) {
      refused.with_detail(entry.media
                              ? "a proxy in front of Label Studio refused this media file of "
                              : "a proxy in front of Label Studio refused this one task of ");
      (void)refused.detail.append_uint(body_bytes_);
      refused.detail.append_truncated(
          " bytes as too large (HTTP 413, e.g. nginx client_max_body_size); raise the proxy's "
          "limit or make it smaller");
    } else if (error.http_status == 400 && entry.tasks == 1 && refusal_.known == 1 &&
               refusal_.verdicts[0].refused) {
      const VerdictPlan plan(refusal_, 1);
      refused.with_detail(plan.reason(0));  // the item's own message, not the envelope's
    }
    LSEDGE_TRY(spool_.reject(entry, refused.detail.view()));
    attempt_ = 0;
    ++totals_.rejected;
    reporter_.run_rejected(entry, refused, spool_.directory());
    note_error(refused);
    return {};
  }

  // A 400 with an item list: refused tasks to rejected/, each with its own message; the good
  // ones (and the tasks after a cut list) queued again in their place.
  Outcome split_by_items(const SpoolEntry& entry, const Error& error) {
    const VerdictPlan plan(refusal_, entry.tasks);
    if (!plan.divides()) {
      return split_in_halves(entry, error, refusal_.known == 0 ? "cut_item_list" : "no_verdicts");
    }
    LSEDGE_TRY_ASSIGN(const bool divided, split(entry, plan, error));
    if (!divided) {
      return {};
    }
    const uint64_t refused = plan.refused();
    totals_.rejected += refused;
    ++totals_.split_entries;
    reporter_.run_items_rejected(entry, refused, entry.tasks - refused, plan.first_reason(),
                                 spool_.directory());
    note_error(Error(error.status, plan.first_reason()).with_http_status(error.http_status));
    return {};
  }

  // Two halves in the entry's place, each sent (and if need be split) on its own.
  Outcome split_in_halves(const SpoolEntry& entry, const Error& error, std::string_view cause) {
    LSEDGE_TRY_ASSIGN(const bool divided, split(entry, HalvesPlan(entry.tasks), error));
    if (divided) {
      ++totals_.split_entries;
      reporter_.run_split(entry, cause, error.http_status, body_bytes_);
    }
    return {};
  }

  // spool split(); false when the spool cannot divide this entry (a name with no room for its
  // parts' numbers): then it goes to rejected/ whole, as before splitting existed, so the queue
  // moves on.
  Result<bool> split(const SpoolEntry& entry, const spool::SplitPlan& plan, const Error& error) {
    const Outcome divided = spool_.split(entry, plan);
    attempt_ = 0;
    if (divided.ok()) {
      return true;
    }
    if (divided.status() != Status::InvalidArgument) {
      return divided.error();
    }
    log_.warn("%s/%s cannot be split (%s); moving it to rejected/ whole", entry.group.c_str(),
              entry.name.c_str(), divided.error().detail.c_str());
    LSEDGE_TRY(reject(entry, error));
    return false;
  }

  // The one warning about a proxy's body limit: which --batch-bytes would have fit.
  void hint_batch_bytes() {
    hinted_ = true;
    reporter_.run_batch_bytes_hint(refused_bytes_,
                                   suggested_batch_bytes(largest_sent_bytes_, refused_bytes_));
  }

  // The server queued the entry's import: recorded, then polled.
  Result<bool> queued(const SpoolEntry& entry, int64_t import_id, uint64_t started) {
    LSEDGE_TRY(in_batch() ? spool_.mark_imported(batch_, import_id)
                          : spool_.mark_imported(entry, import_id));
    batch_.head.import_id = import_id;  // the batch's state (entry may be its head)
    SpoolEntry marked = entry;
    marked.import_id = import_id;
    reporter_.run_import_queued(marked, import_id);
    return poll_import(marked, started, true);
  }

  // Polls the entry's queued import until it completed (confirm) or failed (reject with the
  // server's error). `just_queued`: the 201 came a moment ago, so the first poll waits too.
  // False if a stop was requested: the entry stays queued and marked, and the next run polls it.
  Result<bool> poll_import(const SpoolEntry& entry, uint64_t started, bool just_queued) {
    PollState poll;
    // Paced as `lsedge import` polls (0.5 s doubling to 10 s), never slower than --retry-cap-ms.
    if (policy_.cap_ms < poll.pacing.backoff.cap_ms) {
      poll.pacing.backoff.cap_ms = policy_.cap_ms;
      if (poll.pacing.backoff.base_ms > policy_.cap_ms) {
        poll.pacing.backoff.base_ms = policy_.cap_ms;
      }
    }
    if (just_queued &&
        !wait_ms(labelstudio::import_poll_delay_ms(poll.pacing, poll.polls++, random_u32()))) {
      return false;
    }
    for (;;) {
      if (platform_.stop.requested()) {
        return false;
      }
      LSEDGE_TRY_ASSIGN(const std::optional<bool> done, poll_once(entry, started, poll));
      if (done) {
        return *done;
      }
    }
  }

  // Where polling one import stands.
  struct PollState {
    labelstudio::ImportPollPolicy pacing;
    uint32_t polls = 0;     // answered polls (and the wait before the first)
    uint32_t failures = 0;  // polls in a row that got no status
  };

  // One poll, and the wait after it if the import is pending. nullopt: poll again; else the
  // poll loop's result.
  Result<std::optional<bool>> poll_once(const SpoolEntry& entry, uint64_t started,
                                        PollState& poll) {
    auto status = labelstudio::get_import_status(session_.client(), project_, entry.import_id,
                                                 session_.request_deadline());
    if (!status.ok()) {
      return poll_failed(entry, status.error(), poll.failures++);
    }
    poll.failures = 0;
    const char* state = labelstudio::import_state_name(status->state);
    if (status->finished()) {
      reporter_.run_import_polled(entry, entry.import_id, state, 0);
      LSEDGE_TRY_ASSIGN(const bool go_on, import_finished(entry, *status, started));
      return std::optional<bool>(go_on);
    }
    const uint32_t delay =
        labelstudio::import_poll_delay_ms(poll.pacing, poll.polls++, random_u32());
    reporter_.run_import_polled(entry, entry.import_id, state, delay);
    if (!wait_ms(delay)) {
      return std::optional<bool>(false);
    }
    return std::optional<bool>();
  }

  // A queued import ended: its entries confirmed, or set aside (one entry) or sent alone (a
  // batch) when it failed; a media entry's predictions follow. False if a stop was requested.
  Result<bool> import_finished(const SpoolEntry& entry, const labelstudio::ImportStatus& status,
                               uint64_t started) {
    if (status.state == labelstudio::ImportStatus::State::Failed) {
      LSEDGE_TRY(in_batch() ? batch_import_failed(entry, status.error.view())
                            : import_failed(entry, status.error.view()));
      return true;
    }
    if (entry.media && entry.predictions) {
      return task_created(entry, status.first_task_id.value_or(0));
    }
    LSEDGE_TRY(confirm(entry, status.task_count.value_or(-1), platform_.clock.now_ms() - started));
    return true;
  }

  // A poll that got no status. nullopt: poll again (after waiting); else the poll loop's result.
  Result<std::optional<bool>> poll_failed(const SpoolEntry& entry, const Error& error,
                                          uint32_t failures) {
    Error waited = error;
    if (error.status == Status::NotFound) {
      // The import or the project is gone. A gone project stops the daemon (exit 2); a gone
      // import leaves the outcome unknown: the entry is set aside with the reason, not resent.
      auto project =
          labelstudio::get_project(session_.client(), project_, session_.request_deadline());
      if (project.ok()) {
        FixedString<kErrorDetailCapacity> reason;
        reason.append_truncated("Label Studio no longer knows import ");
        (void)reason.append_int(entry.import_id);
        reason.append_truncated(
            " (HTTP 404): check whether its tasks arrived, and add this file again if not");
        LSEDGE_TRY(set_aside_import(entry, reason.view()));
        return std::optional<bool>(true);
      }
      if (project.error().status == Status::NotFound) {
        return project_missing();
      }
      waited = project.error();  // the server fails as a whole: wait, then ask again
    } else if (error.status == Status::JsonMissingField || error.status == Status::JsonInvalid) {
      // An answer without a known state (a newer server, a proxy's page): the import is still
      // the server's; wait, as for an outage, rather than stop or resend.
      waited.status = Status::ServerError;
    }
    if (upload_action(waited) != UploadAction::Retry) {
      return waited;
    }
    if (!back_off(waited, failures, &entry, false)) {
      return std::optional<bool>(false);
    }
    return std::optional<bool>();
  }

  // A queued import failed on the server: the entry goes to rejected/ with the server's error.
  Outcome import_failed(const SpoolEntry& entry, std::string_view server_error) {
    FixedString<kErrorDetailCapacity> reason;
    reason.append_truncated("Label Studio's import ");
    (void)reason.append_int(entry.import_id);
    reason.append_truncated(" failed: ");
    reason.append_truncated(server_error.empty() ? std::string_view("(no error given)")
                                                 : server_error);
    return set_aside_import(entry, reason.view());
  }

  Outcome set_aside_import(const SpoolEntry& entry, std::string_view reason) {
    LSEDGE_TRY(in_batch() ? spool_.reject(batch_, reason) : spool_.reject(entry, reason));
    attempt_ = 0;
    const Error refused(Status::ValidationFailed, reason);
    if (!in_batch()) {
      ++totals_.rejected;
      reporter_.run_rejected(entry, refused, spool_.directory());
      return {};
    }
    SpoolEntry member;
    for (uint32_t i = 0; i < batch_.count; ++i) {
      LSEDGE_TRY(spool_.member_entry(batch_, i, member));
      ++totals_.rejected;
      reporter_.run_rejected(member, refused, spool_.directory());
    }
    return {};
  }

  // Reports the failure and waits before retry `attempt`. False if a stop was requested.
  bool back_off(const Error& error, uint32_t attempt, const SpoolEntry* entry, bool unknown) {
    const std::optional<uint64_t> retry_after =
        error.retry_after_ms > 0 ? std::optional<uint64_t>(error.retry_after_ms) : std::nullopt;
    const uint64_t delay = retry_delay_ms(policy_, attempt, random_u32(), retry_after);
    reporter_.run_retry(error, uint64_t{attempt} + 1, delay, entry, unknown);
    note_error(error);
    return wait_ms(delay);
  }

  // A random value for jitter, from the HAL's entropy.
  uint32_t random_u32() {
    uint32_t random = 0;
    if (platform_.entropy.fill(ByteSpan(reinterpret_cast<uint8_t*>(&random), sizeof random)) !=
        Status::Ok) {
      random = static_cast<uint32_t>(platform_.clock.now_ms());  // still spreads devices out
    }
    return random;
  }

  // Sleeps `ms` in slices, so a stop request ends it early. False if a stop was requested.
  bool wait_ms(uint64_t ms) {
    const uint64_t end = platform_.clock.now_ms() + ms;
    for (;;) {
      if (platform_.stop.requested()) {
        return false;
      }
      const uint64_t now = platform_.clock.now_ms();
      if (now >= end) {
        return true;
      }
      const uint64_t left = end - now;
      platform_.clock.sleep_ms(static_cast<uint32_t>(left < kWaitSliceMs ? left : kWaitSliceMs));
    }
  }

  // DIR/run-state for `lsedge status` (best effort: a failure to write it is logged once and
  // changes nothing else). Kept across restarts: the last success stays until a newer one.
  void load_state() {
    Result<RunState> loaded = read_run_state(platform_.storage, spool_.directory());
    state_ = loaded.ok() ? *loaded : RunState();
    save_state();
  }
  void note_success(const SpoolEntry& entry, uint64_t tasks) {
    state_.last_success_unix = platform_.wall_clock.unix_seconds();
    state_.last_success_tasks = tasks;
    state_.last_success_entry.clear();
    state_.last_success_entry.append_truncated(entry.group.view());
    state_.last_success_entry.append_truncated("/");
    state_.last_success_entry.append_truncated(entry.name.view());
    save_state();
  }
  void note_error(const Error& error) {
    state_.last_error_unix = platform_.wall_clock.unix_seconds();
    (void)state_.last_error_status.assign(status_name(error.status));
    state_.last_error_http_status = error.http_status;
    state_.last_error.clear();
    state_.last_error.append_truncated(error.detail.view());
    save_state();
  }
  void save_state() {
    state_.updated_unix = platform_.wall_clock.unix_seconds();
    const Outcome saved = write_run_state(platform_.storage, spool_.directory(), state_);
    if (!saved.ok() && !state_warned_) {
      state_warned_ = true;
      log_.warn("cannot write %.*s/%.*s for `lsedge status` (%s: %s); uploading goes on",
                static_cast<int>(spool_.directory().size()), spool_.directory().data(),
                static_cast<int>(kRunStateFile.size()), kRunStateFile.data(),
                status_name(saved.status()), saved.error().detail.c_str());
    }
  }

  // The queue as it stands (started, drained, stopped, failed).
  Outcome report_queue(std::string_view event) {
    LSEDGE_TRY_ASSIGN(const spool::SpoolCounts counts, spool_.counts());
    reporter_.run_queue(event, counts, totals_);
    return {};
  }

  Outcome finish(std::string_view event) {
    if (refused_bytes_ != 0 && !hinted_) {
      hint_batch_bytes();
    }
    LSEDGE_TRY(report_queue(event));
    if (once_ && totals_.rejected > 0) {
      reporter_.mark_reported();  // the summary says it: exit 5 without an error message
      return Error(Status::ValidationFailed, "the server refused entries");
    }
    return {};
  }

  // A failure retrying cannot fix: says so, says the queue is intact, exits.
  Outcome stop_with(const Error& error) {
    if (refused_bytes_ != 0 && !hinted_) {
      hint_batch_bytes();
    }
    reporter_.error(error);
    reporter_.run_stopped();
    note_error(error);
    (void)report_queue("failed");
    return error;
  }

  PlatformServices& platform_;
  Reporter& reporter_;
  Session& session_;
  Spool& spool_;
  Logger log_;
  LogSink& sink_;
  int64_t project_;
  std::string_view project_title_;
  uint64_t poll_ms_;
  bool once_;
  uint32_t poison_after_;
  BackoffPolicy policy_;
  uint64_t batch_bytes_;
  // The request being handled: its entries (next_request()).
  SpoolBatch batch_;
  // While set: entries up to this one (a refused batch's last) are sent one by one.
  FixedString<spool::kSpoolNameCapacity> alone_until_group_;
  FixedString<spool::kSpoolNameCapacity> alone_until_name_;
  uint32_t attempt_ = 0;
  RunTotals totals_;
  // The last request's body size, the largest that was stored, the smallest a proxy refused.
  uint64_t body_bytes_ = 0;
  uint64_t largest_sent_bytes_ = 0;
  uint64_t refused_bytes_ = 0;
  bool hinted_ = false;
  RunState state_;
  bool state_warned_ = false;
  // Label Studio JSON 5xx answers in a row for `streak_entry_`, each while a probe was answered.
  uint32_t streak_ = 0;
  FixedString<LSEDGE_PATH_CAPACITY> streak_entry_;
  // The last 400's item verdicts (views into the response body, read before the next request).
  labelstudio::ImportRefusal refusal_;
};

// --retry-base-ms and --retry-cap-ms; a lone cap also lowers the default base.
Result<BackoffPolicy> parse_policy(const CommandFlag& base, const CommandFlag& cap) {
  LSEDGE_TRY_ASSIGN(const uint64_t base_ms,
                    parse_count_flag(base, BackoffPolicy().base_ms, 1, kMaxPollMs));
  LSEDGE_TRY_ASSIGN(const uint64_t cap_ms,
                    parse_count_flag(cap, BackoffPolicy().cap_ms, 1, kMaxPollMs));
  BackoffPolicy policy;
  policy.base_ms = static_cast<uint32_t>(base_ms);
  policy.cap_ms = static_cast<uint32_t>(cap_ms);
  if (!base.given && policy.base_ms > policy.cap_ms) {
    policy.base_ms = policy.cap_ms;  // only the cap was given
  }
  if (policy.base_ms > policy.cap_ms) {
    return Error(Status::UsageError, "--retry-base-ms must not exceed --retry-cap-ms");
  }
  return policy;
}

}  // namespace

Outcome cmd_run(const Options& options, PlatformServices& platform, LogSink& sink,
                Reporter& reporter) {
  CommandFlag flags[] = {{"--spool", {}, false},         {"--project", {}, false},
                         {"--poll-ms", {}, false},       {"--once", {}, false, true},
                         {"--retry-base-ms", {}, false}, {"--retry-cap-ms", {}, false},
                         {"--poison-after", {}, false},  {"--import-timeout-s", {}, false},
                         {"--batch-bytes", {}, false}};
  std::string_view unused;
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), &unused, 0, positional_count,
                                kRunUsage));
  if (!flags[0].given) {
    return Error(Status::UsageError, kRunUsage);
  }
  Uploader::Settings settings;
  LSEDGE_TRY_ASSIGN(const int64_t project_flag, parse_project_flag(flags[1], kRunUsage));
  LSEDGE_TRY_ASSIGN(settings.poll_ms, parse_count_flag(flags[2], kDefaultPollMs, 10, kMaxPollMs));
  settings.once = flags[3].given;
  LSEDGE_TRY_ASSIGN(settings.policy, parse_policy(flags[4], flags[5]));
  LSEDGE_TRY_ASSIGN(const uint64_t poison_after,
                    parse_count_flag(flags[6], spool::kDefaultPoisonAfter, 1, kMaxPoisonAfter));
  settings.poison_after = static_cast<uint32_t>(poison_after);
  LSEDGE_TRY_ASSIGN(settings.batch_bytes, parse_batch_bytes(flags[8]));

  ConfigOverrides overrides;
  if (flags[7].given) {
    overrides.import_timeout_s = flags[7].value;
  }
  // The settings are read once, before the spool is opened (which may make an empty directory a
  // spool): without --project, LABEL_STUDIO_PROJECT must be set, checked like the flag.
  LSEDGE_TRY(load_settings(options, platform, cli_config(), overrides));
  if (project_flag == 0) {
    const Result<ProjectChoice> chosen = choose_project(0, cli_config(), kRunUsage);
    if (!chosen.ok()) {
      return chosen.error();
    }
  }

  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  LSEDGE_TRY(spool_slot.open(flags[0].value, Spool::Role::Consumer));
  // From here a SIGTERM/SIGINT lets the request in flight finish, then stops.
  platform.stop.arm();
  std::optional<Session> session;
  LSEDGE_TRY(open_session(platform, sink, session));
  LSEDGE_TRY_ASSIGN(const ProjectChoice project,
                    choose_project(project_flag, cli_config(), kRunUsage));
  settings.project = project.id;
  settings.project_title = project.title;
  Uploader uploader(platform, reporter, *session, spool, sink, settings);
  return uploader.run();
}

}  // namespace lsedge::app
