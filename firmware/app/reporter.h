// Every line lsedge prints: commands report events (a result, a retry, an error) and the
// Reporter decides the text: for people, or (--json) one JSON object per line, built on
// json::Writer so it stays valid JSON whatever a detail holds.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/app/console.h"
#include "firmware/app/run_state.h"
#include "firmware/core/log_sink.h"
#include "firmware/core/result.h"
#include "firmware/labelstudio/client.h"
#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/projects.h"
#include "firmware/spool/spool.h"

namespace lsedge::app {

// What one `lsedge run` did so far (its summary lines). Thread-safety: a value type.
struct RunTotals {
  uint64_t sent_entries = 0;
  uint64_t sent_tasks = 0;
  uint64_t requests = 0;  // the import requests that stored them (several entries may share one)
  uint64_t rejected = 0;
  uint64_t unknown_outcomes = 0;
  uint64_t possible_duplicates = 0;
  uint64_t split_entries = 0;  // entries replaced by parts (a 400's verdicts, halves)
};

// Results go to stdout; errors, retries and notes to stderr. With JSON, notes meant for people
// only (an interrupted import's count, run's "stopped") are left out.
// Thread-safety: the CLI thread only.
class Reporter {
 public:
  Reporter(Console& console, bool json) : console_(console), json_(json) {}
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // Command results.
  void title(std::string_view title, uint64_t characters);
  void user(const labelstudio::User& user);
  void check_ok(uint64_t number, std::string_view username);
  void project(const labelstudio::EnsuredProject& ensured);
  void imported(uint64_t tasks, uint64_t requests);
  // The import's progress bar, redrawn in place: for people at a terminal only.
  void import_progress(uint64_t sent_tasks, uint64_t total_tasks, uint64_t requests);
  // Ends the bar's line, if one was drawn.
  void import_progress_end();
  void uploaded(std::string_view path, const labelstudio::ImportResult& result);
  void spool_added(const spool::SpoolAddResult& added);
  // `spool rejected list`: one line per entry; `spool rejected requeue`: what was moved back.
  void rejected_entry(const spool::RejectedEntry& entry);
  void requeued(const spool::RequeueResult& result);
  // `status`: the spool and what `run` last did.
  void status(const StatusReport& report);
  // `spool limit`: the spool's size cap (0: none).
  void spool_limit(std::string_view spool, uint64_t max_bytes);

  // lsedge run's events. `event`: started, drained, stopped or failed.
  void run_queue(std::string_view event, const spool::SpoolCounts& counts, const RunTotals& totals);
  // `batch`: the entries sent with `entry` (its head) in one request, or nullptr.
  void run_sent(const spool::SpoolEntry& entry, int64_t imported, uint64_t ms,
                const spool::SpoolBatch* batch = nullptr);
  // `entry` is null while the project is checked, before any entry is taken.
  void run_retry(const Error& error, uint64_t attempt, uint64_t delay_ms,
                 const spool::SpoolEntry* entry, bool outcome_unknown);
  void run_rejected(const spool::SpoolEntry& entry, const Error& error,
                    std::string_view spool_directory);
  // A 400's item list divided `entry`: `refused` tasks to rejected/ (each with its own reason),
  // `requeued` queued again in its place.
  void run_items_rejected(const spool::SpoolEntry& entry, uint64_t refused, uint64_t requeued,
                          std::string_view first_reason, std::string_view spool_directory);
  // `entry` (`bytes` long) was split in halves. `cause`: too_large (413), cut_item_list (a 400
  // whose list holds no verdict), no_verdicts (a 400 that lists no refused item).
  void run_split(const spool::SpoolEntry& entry, std::string_view cause, uint16_t http_status,
                 uint64_t bytes);
  // Label Studio failed on `entry` `failures` times in a row while it answered other requests:
  // moved to rejected/.
  void run_poisoned(const spool::SpoolEntry& entry, const Error& error, uint64_t failures,
                    std::string_view spool_directory);
  // The server queued `entry`'s import (asynchronous import); it is polled.
  void run_import_queued(const spool::SpoolEntry& entry, int64_t import_id);
  // A poll's answer: `state` created, in_progress, completed or failed; the next poll in
  // `next_poll_ms` (0 when the import ended).
  void run_import_polled(const spool::SpoolEntry& entry, int64_t import_id, std::string_view state,
                         uint64_t next_poll_ms);
  // Once per run after a proxy's 413: a --batch-bytes that fits.
  void run_batch_bytes_hint(uint64_t refused_bytes, uint64_t suggested_bytes);
  // After the error that stopped the uploader.
  void run_stopped();

  // The usage text, when no command was given (JSON: a UsageError).
  void usage(std::string_view text);

  // The error on stderr; marks it reported.
  void error(const Error& error);
  // Reports `error` unless the command already did, and returns its exit code.
  [[nodiscard]] int fail(const Error& error);
  // The command printed all its failure needs (run's summary): fail() adds nothing.
  void mark_reported() { reported_ = true; }
  // Reports `error`, which came from reading an input file, and returns it: for people, a content
  // error (a JsonInvalid would otherwise read as the server's fault) reads "cannot use <what>
  // <path>".
  [[nodiscard]] Error input_error(const Error& error, std::string_view what, std::string_view path);

  // An import that stopped part-way, before its error: `requests` requests imported `sent_tasks`
  // of the file's `total_tasks`; `unknown_count` tasks from task `unknown_first` (1-based) were in
  // a request whose answer was lost after it was sent (they may be on the server). For people on
  // stderr, with JSON on stdout: {"tasks","requests","total_tasks","complete":false[,
  // "unknown_first_task","unknown_tasks"]}.
  void import_stopped(uint64_t sent_tasks, uint64_t total_tasks, uint64_t requests,
                      uint64_t unknown_first, uint64_t unknown_count);

 private:
  void write_error(const Error& error);

  Console& console_;
  bool json_;
  bool reported_ = false;
  bool progress_drawn_ = false;
};

// With --json, log lines become {"log":{"level":..,"component":..,"message":..}} on the
// console's stderr, so stderr carries only JSON; `next` still decides which levels are enabled.
// Thread-safety: each line is one Console::err call; as safe as the Console.
class JsonLogSink final : public LogSink {
 public:
  JsonLogSink(LogSink& next, Console& console) : next_(next), console_(console) {}
  [[nodiscard]] bool enabled(LogLevel level) const override { return next_.enabled(level); }
  void write(LogLevel level, std::string_view component, std::string_view message) override;

 private:
  LogSink& next_;
  Console& console_;
};

}  // namespace lsedge::app
