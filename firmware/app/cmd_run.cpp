// lsedge run: the uploader daemon. Sends the spool's entries in order, one import request each,
// and removes an entry only after the server answered 2xx. Transient failures are retried
// forever with capped exponential backoff and full jitter (or the server's Retry-After).
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/core/backoff.h"
#include "firmware/core/log.h"
#include "firmware/http/http.h"
#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/projects.h"
#include "firmware/spool/spool.h"
#include "firmware/spool/upload_policy.h"

namespace lsedge::app {

using spool::SpoolEntry;
using spool::SpoolEntryBody;
using spool::upload_action;
using spool::upload_outcome_unknown;
using spool::UploadAction;
namespace {

constexpr std::string_view kRunUsage =
    "usage: lsedge run --spool DIR --project ID [--once] [--poll-ms MS] [--retry-base-ms MS] "
    "[--retry-cap-ms MS]";
constexpr uint64_t kDefaultPollMs = 1000;
constexpr uint64_t kMaxPollMs = 3600000;
// Waits are cut into slices so a stop request is noticed even if its signal raced the sleep.
constexpr uint32_t kWaitSliceMs = 250;

// A spool entry as a request body.
class EntryBody final : public http::BodySource {
 public:
  explicit EntryBody(SpoolEntryBody& body) : body_(body) {}
  Result<size_t> read(ByteSpan out) override { return body_.read(out); }
  Outcome rewind() override { return body_.rewind(); }
  uint64_t size() const override { return body_.size(); }

 private:
  SpoolEntryBody& body_;
};

// Appends `,"key":value` to a JSON event line.
void field(Line& line, std::string_view key, uint64_t value) {
  line.append_truncated(",\"");
  line.append_truncated(key);
  line.append_truncated("\":");
  (void)line.append_uint(value);
}
void field_int(Line& line, std::string_view key, int64_t value) {
  line.append_truncated(",\"");
  line.append_truncated(key);
  line.append_truncated("\":");
  (void)line.append_int(value);
}

// LSEDGE_TRY for Uploader's int-returning members: report, then exit with the error's code.
#define LSEDGE_TRY_EXIT(expr)              \
  do {                                     \
    const Outcome try_exit_ = (expr);      \
    if (!try_exit_.ok()) {                 \
      return stop_with(try_exit_.error()); \
    }                                      \
  } while (false)

// Thread-safety: the CLI thread only.
class Uploader {
 public:
  Uploader(const Options& options, PlatformServices& platform, Session& session, Spool& spool,
           LogSink& sink, int64_t project, uint64_t poll_ms, bool once, BackoffPolicy policy)
      : options_(options),
        platform_(platform),
        session_(session),
        spool_(spool),
        log_(&sink, "run"),
        project_(project),
        poll_ms_(poll_ms),
        once_(once),
        policy_(policy) {}

  int run() {
    LSEDGE_TRY_EXIT(report_queue("started"));
    const int checked = check_project();
    if (checked >= 0) {
      return checked;
    }
    for (;;) {
      if (platform_.stop.requested()) {
        return finish("stopped");
      }
      SpoolEntry entry;
      Result<bool> found = spool_.next(entry);
      if (!found.ok()) {
        return stop_with(found.error());
      }
      if (!*found) {
        if (once_) {
          return finish("drained");
        }
        wait_ms(poll_ms_);
        continue;
      }
      const int result = send(entry);
      if (result >= 0) {
        return result;
      }
    }
  }

 private:
  // Confirms the project exists and the token may use it before touching the queue, so a wrong
  // --project or a revoked token stops at once. -1: go on; otherwise the exit code.
  int check_project() {
    uint32_t attempt = 0;
    for (;;) {
      auto project =
          labelstudio::get_project(session_.client(), project_, session_.request_deadline());
      if (project.ok()) {
        Line line;
        line.append_truncated("project ");
        (void)line.append_int(project_);
        line.append_truncated(" \"");
        line.append_truncated(project->title.view());
        line.append_truncated("\"");
        log_.info("uploading to %s", line.c_str());
        return -1;
      }
      Error error = project.error();
      if (error.status == Status::NotFound) {
        Error config(Status::UsageError, "project ");
        (void)config.detail.append_int(project_);
        config.detail.append_truncated(
            " does not exist or this token cannot see it; check --project");
        return stop_with(config);
      }
      if (upload_action(error) != UploadAction::Retry) {
        return stop_with(error);
      }
      if (!back_off(error, attempt++, nullptr, false)) {
        return finish("stopped");
      }
    }
  }

  // One request for `entry`. -1: go on with the next entry; otherwise the exit code.
  int send(const SpoolEntry& entry) {
    LSEDGE_TRY_EXIT(spool_.mark_sending(entry));
    SpoolEntryBody file(platform_.storage);
    const Outcome opened = file.open(entry);
    if (!opened.ok()) {
      (void)spool_.release(entry);
      return stop_with(opened.error());
    }
    EntryBody body(file);
    const uint64_t started = platform_.clock.now_ms();
    auto imported =
        labelstudio::import_tasks(session_.client(), project_, body, session_.request_deadline());
    file.close();
    const uint64_t elapsed = platform_.clock.now_ms() - started;

    const UploadAction action =
        imported.ok() ? UploadAction::Confirm : upload_action(imported.error());
    if (action == UploadAction::Confirm) {
      if (!imported.ok()) {
        // The server stored the tasks (2xx) but its answer is not an import result.
        log_.warn("%s/%s: the server answered %u with an unreadable body; counted as sent",
                  entry.group.c_str(), entry.name.c_str(),
                  static_cast<unsigned>(imported.error().http_status));
      }
      LSEDGE_TRY_EXIT(spool_.confirm(entry));
      attempt_ = 0;
      ++sent_entries_;
      sent_tasks_ += entry.tasks;
      if (entry.outcome_unknown) {
        ++possible_duplicates_;
      }
      report_sent(entry, imported.ok() ? imported->task_count : -1, elapsed);
      return -1;
    }

    const Error& error = imported.error();
    const bool unknown = upload_outcome_unknown(error, session_.connection().sent_any());
    if (unknown) {
      ++unknown_outcomes_;
    } else {
      LSEDGE_TRY_EXIT(spool_.release(entry));
    }
    switch (action) {
      case UploadAction::Retry:
        if (!back_off(error, attempt_++, &entry, unknown)) {
          return finish("stopped");
        }
        return -1;
      case UploadAction::Reject:
        LSEDGE_TRY_EXIT(spool_.reject(entry, error.detail.view()));
        attempt_ = 0;
        ++rejected_;
        report_rejected(entry, error);
        return -1;
      case UploadAction::Confirm:
      case UploadAction::Stop:
        break;
    }
    return stop_with(error);
  }

  // Reports the failure and waits before retry `attempt`. False if a stop was requested.
  bool back_off(const Error& error, uint32_t attempt, const SpoolEntry* entry, bool unknown) {
    uint32_t random = 0;
    if (platform_.entropy.fill(ByteSpan(reinterpret_cast<uint8_t*>(&random), sizeof random)) !=
        Status::Ok) {
      random = static_cast<uint32_t>(platform_.clock.now_ms());  // still spreads devices out
    }
    const std::optional<uint64_t> retry_after =
        error.retry_after_ms > 0 ? std::optional<uint64_t>(error.retry_after_ms) : std::nullopt;
    const uint64_t delay = retry_delay_ms(policy_, attempt, random, retry_after);
    Line line;
    if (options_.json) {
      line.append_truncated("{\"event\":\"retry\"");
      append_entry_json(line, entry);
      line.append_truncated(",\"status\":\"");
      line.append_truncated(status_name(error.status));
      line.append_truncated("\",\"http_status\":");
      (void)line.append_uint(error.http_status);
      line.append_truncated(",\"detail\":");
      print_json_string(line, error.detail.view());
      field(line, "attempt", attempt + 1);
      field(line, "delay_ms", delay);
      line.append_truncated(unknown ? ",\"outcome_unknown\":true}\n"
                                    : ",\"outcome_unknown\":false}\n");
      platform_.console.out(line.view());
    } else {
      line.append_truncated("lsedge run: ");
      line.append_truncated(status_message(error.status));
      if (!error.detail.empty()) {
        line.append_truncated(" (");
        line.append_truncated(error.detail.view());
        line.append_truncated(")");
      }
      line.append_truncated("; retry ");
      (void)line.append_uint(attempt + 1);
      line.append_truncated(" in ");
      (void)line.append_uint(delay);
      line.append_truncated(" ms");
      if (unknown && entry != nullptr) {
        line.append_truncated("; the request may have reached the server, so the resend of ");
        line.append_truncated(entry->group.view());
        line.append_truncated("/");
        line.append_truncated(entry->name.view());
        line.append_truncated(" may duplicate its tasks");
      }
      line.append_truncated("\n");
      platform_.console.err(line.view());
    }
    return wait_ms(delay);
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

  static void append_entry_json(Line& line, const SpoolEntry* entry) {
    if (entry == nullptr) {
      return;
    }
    line.append_truncated(",\"entry\":");
    Line name;
    name.append_truncated(entry->group.view());
    name.append_truncated("/");
    name.append_truncated(entry->name.view());
    print_json_string(line, name.view());
    field(line, "tasks", entry->tasks);
  }

  void report_sent(const SpoolEntry& entry, int64_t imported, uint64_t elapsed_ms) {
    Line line;
    if (options_.json) {
      line.append_truncated("{\"event\":\"sent\"");
      append_entry_json(line, &entry);
      field_int(line, "imported", imported);
      field(line, "ms", elapsed_ms);
      line.append_truncated(entry.outcome_unknown ? ",\"possible_duplicate\":true}\n"
                                                  : ",\"possible_duplicate\":false}\n");
    } else {
      line.append_truncated("sent ");
      line.append_truncated(entry.group.view());
      line.append_truncated("/");
      line.append_truncated(entry.name.view());
      line.append_truncated(": ");
      (void)line.append_uint(entry.tasks);
      line.append_truncated(" tasks in ");
      (void)line.append_uint(elapsed_ms);
      line.append_truncated(" ms");
      if (entry.outcome_unknown) {
        line.append_truncated(" (possible duplicate: an earlier request's outcome was unknown)");
      }
      line.append_truncated("\n");
    }
    platform_.console.out(line.view());
  }

  void report_rejected(const SpoolEntry& entry, const Error& error) {
    Line line;
    if (options_.json) {
      line.append_truncated("{\"event\":\"rejected\"");
      append_entry_json(line, &entry);
      field(line, "http_status", error.http_status);
      line.append_truncated(",\"detail\":");
      print_json_string(line, error.detail.view());
      line.append_truncated("}\n");
      platform_.console.out(line.view());
      return;
    }
    line.append_truncated("lsedge run: the server refused ");
    line.append_truncated(entry.group.view());
    line.append_truncated("/");
    line.append_truncated(entry.name.view());
    line.append_truncated(" (HTTP ");
    (void)line.append_uint(error.http_status);
    line.append_truncated("): ");
    line.append_truncated(error.detail.view());
    line.append_truncated("; moved to ");
    line.append_truncated(spool_.directory());
    line.append_truncated("/rejected/ with the reason beside it\n");
    platform_.console.err(line.view());
  }

  // The queue as it stands, on the log (and as a JSON event).
  Outcome report_queue(std::string_view event) {
    auto counts = spool_.counts();
    LSEDGE_TRY(counts);
    Line line;
    if (options_.json) {
      line.append_truncated("{\"event\":\"");
      line.append_truncated(event);
      line.append_truncated("\",\"queued_entries\":");
      (void)line.append_uint(counts->queued_entries);
      field(line, "queued_tasks", counts->queued_tasks);
      field(line, "rejected_entries", counts->rejected_entries);
      field(line, "outcome_unknown", counts->outcome_unknown);
      field(line, "sent_entries", sent_entries_);
      field(line, "sent_tasks", sent_tasks_);
      field(line, "rejected", rejected_);
      field(line, "unknown_outcomes", unknown_outcomes_);
      field(line, "possible_duplicates", possible_duplicates_);
      line.append_truncated("}\n");
    } else {
      line.append_truncated(event);
      line.append_truncated(": ");
      (void)line.append_uint(counts->queued_entries);
      line.append_truncated(" entries (");
      (void)line.append_uint(counts->queued_tasks);
      line.append_truncated(" tasks) queued, ");
      (void)line.append_uint(counts->rejected_entries);
      line.append_truncated(" in rejected/");
      if (event == "started") {
        line.append_truncated(", ");
        (void)line.append_uint(counts->outcome_unknown);
        line.append_truncated(" with an unknown outcome from before\n");
      } else {
        line.append_truncated("; this run sent ");
        (void)line.append_uint(sent_entries_);
        line.append_truncated(" entries (");
        (void)line.append_uint(sent_tasks_);
        line.append_truncated(" tasks), rejected ");
        (void)line.append_uint(rejected_);
        line.append_truncated(", lost the answer to ");
        (void)line.append_uint(unknown_outcomes_);
        line.append_truncated(" requests and resent ");
        (void)line.append_uint(possible_duplicates_);
        line.append_truncated(" entries that may be duplicates\n");
      }
    }
    platform_.console.out(line.view());
    return {};
  }

  int finish(std::string_view event) {
    const Outcome reported = report_queue(event);
    if (!reported.ok()) {
      return fail(platform_.console, reported.error(), options_.json);
    }
    if (once_ && rejected_ > 0) {
      return exit_code_for(Status::ValidationFailed);
    }
    return 0;
  }

  // A failure retrying cannot fix: says so, says the queue is intact, exits.
  int stop_with(const Error& error) {
    const int code = fail(platform_.console, error, options_.json);
    if (!options_.json) {
      platform_.console.err("lsedge run: stopped; every entry not yet confirmed is still queued\n");
    }
    (void)report_queue("failed");
    return code;
  }
  const Options& options_;
  PlatformServices& platform_;
  Session& session_;
  Spool& spool_;
  Logger log_;
  int64_t project_;
  uint64_t poll_ms_;
  bool once_;
  BackoffPolicy policy_;
  uint32_t attempt_ = 0;
  uint64_t sent_entries_ = 0;
  uint64_t sent_tasks_ = 0;
  uint64_t rejected_ = 0;
  uint64_t unknown_outcomes_ = 0;
  uint64_t possible_duplicates_ = 0;
};

#undef LSEDGE_TRY_EXIT

}  // namespace

int cmd_run(const Options& options, PlatformServices& platform, LogSink& sink) {
  CommandFlag flags[] = {{"--spool", {}, false},         {"--project", {}, false},
                         {"--poll-ms", {}, false},       {"--once", {}, false, true},
                         {"--retry-base-ms", {}, false}, {"--retry-cap-ms", {}, false}};
  std::string_view unused;
  size_t positional_count = 0;
  const Outcome split = split_command_args(options, 0, Span<CommandFlag>(flags), &unused, 0,
                                           positional_count, kRunUsage);
  if (!split.ok()) {
    return fail(platform.console, split.error(), options.json);
  }
  if (!flags[0].given) {
    return fail(platform.console, Error(Status::UsageError, kRunUsage), options.json);
  }
  auto project = parse_project_id(flags[1], kRunUsage);
  if (!project.ok()) {
    return fail(platform.console, project.error(), options.json);
  }
  auto poll_ms = parse_count_flag(flags[2], kDefaultPollMs, 10, kMaxPollMs);
  auto base_ms = parse_count_flag(flags[4], BackoffPolicy().base_ms, 1, kMaxPollMs);
  auto cap_ms = parse_count_flag(flags[5], BackoffPolicy().cap_ms, 1, kMaxPollMs);
  for (const Result<uint64_t>* parsed : {&poll_ms, &base_ms, &cap_ms}) {
    if (!parsed->ok()) {
      return fail(platform.console, parsed->error(), options.json);
    }
  }
  BackoffPolicy policy;
  policy.base_ms = static_cast<uint32_t>(*base_ms);
  policy.cap_ms = static_cast<uint32_t>(*cap_ms);
  if (!flags[4].given && policy.base_ms > policy.cap_ms) {
    policy.base_ms = policy.cap_ms;  // only the cap was given
  }
  if (policy.base_ms > policy.cap_ms) {
    return fail(platform.console,
                Error(Status::UsageError, "--retry-base-ms must not exceed --retry-cap-ms"),
                options.json);
  }

  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  const Outcome opened = spool.open(flags[0].value, Spool::Role::Consumer);
  if (!opened.ok()) {
    return fail(platform.console, opened.error(), options.json);
  }
  // From here a SIGTERM/SIGINT lets the request in flight finish, then stops.
  platform.stop.arm();
  std::optional<Session> session;
  const Outcome started = start_session(options, platform, sink, session);
  if (!started.ok()) {
    return fail(platform.console, started.error(), options.json);
  }
  Uploader uploader(options, platform, *session, spool, sink, *project, *poll_ms, flags[3].given,
                    policy);
  return uploader.run();
}

}  // namespace lsedge::app
