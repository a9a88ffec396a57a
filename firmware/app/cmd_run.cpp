// lsedge run: the uploader daemon. Sends the spool's entries in order, one import request each,
// and removes an entry only after the server answered 2xx. Transient failures are retried
// forever with capped exponential backoff and full jitter (or the server's Retry-After).
#include <cinttypes>
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/app/session.h"
#include "firmware/core/backoff.h"
#include "firmware/core/log.h"
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

// How the uploader loop ended without an error.
enum class End : uint8_t { Stopped, Drained };

// Thread-safety: the CLI thread only.
class Uploader {
 public:
  Uploader(PlatformServices& platform, Reporter& reporter, Session& session, Spool& spool,
           LogSink& sink, int64_t project, uint64_t poll_ms, bool once, BackoffPolicy policy)
      : platform_(platform),
        reporter_(reporter),
        session_(session),
        spool_(spool),
        log_(&sink, "run"),
        project_(project),
        poll_ms_(poll_ms),
        once_(once),
        policy_(policy) {}

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
    LSEDGE_TRY(report_queue("started"));
    LSEDGE_TRY_ASSIGN(const bool checked, check_project());
    if (!checked) {
      return End::Stopped;
    }
    for (;;) {
      if (platform_.stop.requested()) {
        return End::Stopped;
      }
      SpoolEntry entry;
      LSEDGE_TRY_ASSIGN(const bool found, spool_.next(entry));
      if (!found) {
        if (once_) {
          return End::Drained;
        }
        (void)wait_ms(poll_ms_);  // a stop is seen at the top of the loop
        continue;
      }
      LSEDGE_TRY_ASSIGN(const bool go_on, send(entry));
      if (!go_on) {
        return End::Stopped;
      }
    }
  }

  // Confirms the project exists and the token may use it before touching the queue, so a wrong
  // --project or a revoked token stops at once. False if a stop was requested meanwhile.
  Result<bool> check_project() {
    uint32_t attempt = 0;
    for (;;) {
      auto project =
          labelstudio::get_project(session_.client(), project_, session_.request_deadline());
      if (project.ok()) {
        log_.info("uploading to project %" PRId64 " \"%s\"", project_, project->title.c_str());
        return true;
      }
      const Error& error = project.error();
      if (error.status == Status::NotFound) {
        Error config(Status::UsageError, "project ");
        (void)config.detail.append_int(project_);
        config.detail.append_truncated(
            " does not exist or this token cannot see it; check --project");
        return config;
      }
      if (upload_action(error) != UploadAction::Retry) {
        return error;
      }
      if (!back_off(error, attempt++, nullptr, false)) {
        return false;
      }
    }
  }

  // One request for `entry`. False if a stop was requested.
  Result<bool> send(const SpoolEntry& entry) {
    LSEDGE_TRY(spool_.mark_sending(entry));
    SpoolEntryBody body(platform_.storage);
    const Outcome opened = body.open(entry);
    if (!opened.ok()) {
      (void)spool_.release(entry);
      return opened.error();
    }
    const uint64_t started = platform_.clock.now_ms();
    auto imported =
        labelstudio::import_tasks(session_.client(), project_, body, session_.request_deadline());
    body.close();
    const uint64_t elapsed = platform_.clock.now_ms() - started;
    if (imported.ok()) {
      LSEDGE_TRY(confirm(entry, imported->task_count, elapsed));
      return true;
    }
    return failed(entry, imported.error(), elapsed);
  }

  // The server answered 2xx: the entry leaves the queue.
  Outcome confirm(const SpoolEntry& entry, int64_t imported, uint64_t elapsed_ms) {
    LSEDGE_TRY(spool_.confirm(entry));
    attempt_ = 0;
    ++totals_.sent_entries;
    totals_.sent_tasks += entry.tasks;
    if (entry.outcome_unknown) {
      ++totals_.possible_duplicates;
    }
    reporter_.run_sent(entry, imported, elapsed_ms);
    return {};
  }

  // The request for `entry` failed: confirm, retry, reject or stop (upload_policy decides).
  Result<bool> failed(const SpoolEntry& entry, const Error& error, uint64_t elapsed_ms) {
    const UploadAction action = upload_action(error);
    if (action == UploadAction::Confirm) {
      // The server stored the tasks (2xx) but its answer is not an import result.
      log_.warn("%s/%s: the server answered %u with an unreadable body; counted as sent",
                entry.group.c_str(), entry.name.c_str(), static_cast<unsigned>(error.http_status));
      LSEDGE_TRY(confirm(entry, -1, elapsed_ms));
      return true;
    }
    const bool unknown = upload_outcome_unknown(error, session_.connection().sent_any());
    if (unknown) {
      ++totals_.unknown_outcomes;
    } else {
      LSEDGE_TRY(spool_.release(entry));
    }
    if (action == UploadAction::Retry) {
      return back_off(error, attempt_++, &entry, unknown);
    }
    if (action == UploadAction::Reject) {
      LSEDGE_TRY(spool_.reject(entry, error.detail.view()));
      attempt_ = 0;
      ++totals_.rejected;
      reporter_.run_rejected(entry, error, spool_.directory());
      return true;
    }
    return error;
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
    reporter_.run_retry(error, uint64_t{attempt} + 1, delay, entry, unknown);
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

  // The queue as it stands (started, drained, stopped, failed).
  Outcome report_queue(std::string_view event) {
    LSEDGE_TRY_ASSIGN(const spool::SpoolCounts counts, spool_.counts());
    reporter_.run_queue(event, counts, totals_);
    return {};
  }

  Outcome finish(std::string_view event) {
    LSEDGE_TRY(report_queue(event));
    if (once_ && totals_.rejected > 0) {
      reporter_.mark_reported();  // the summary says it: exit 5 without an error message
      return Error(Status::ValidationFailed, "the server refused entries");
    }
    return {};
  }

  // A failure retrying cannot fix: says so, says the queue is intact, exits.
  Outcome stop_with(const Error& error) {
    reporter_.error(error);
    reporter_.run_stopped();
    (void)report_queue("failed");
    return error;
  }

  PlatformServices& platform_;
  Reporter& reporter_;
  Session& session_;
  Spool& spool_;
  Logger log_;
  int64_t project_;
  uint64_t poll_ms_;
  bool once_;
  BackoffPolicy policy_;
  uint32_t attempt_ = 0;
  RunTotals totals_;
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
                         {"--retry-base-ms", {}, false}, {"--retry-cap-ms", {}, false}};
  std::string_view unused;
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), &unused, 0, positional_count,
                                kRunUsage));
  if (!flags[0].given) {
    return Error(Status::UsageError, kRunUsage);
  }
  LSEDGE_TRY_ASSIGN(const int64_t project, parse_project_id(flags[1], kRunUsage));
  LSEDGE_TRY_ASSIGN(const uint64_t poll_ms,
                    parse_count_flag(flags[2], kDefaultPollMs, 10, kMaxPollMs));
  LSEDGE_TRY_ASSIGN(const BackoffPolicy policy, parse_policy(flags[4], flags[5]));

  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  LSEDGE_TRY(spool.open(flags[0].value, Spool::Role::Consumer));
  // From here a SIGTERM/SIGINT lets the request in flight finish, then stops.
  platform.stop.arm();
  std::optional<Session> session;
  LSEDGE_TRY(start_session(options, platform, sink, session));
  Uploader uploader(platform, reporter, *session, spool, sink, project, poll_ms, flags[3].given,
                    policy);
  return uploader.run();
}

}  // namespace lsedge::app
