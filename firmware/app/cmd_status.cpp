// lsedge status: what an operator asks first about a gateway's spool, without the network and
// without the consumer's lock (issue #13): the queue from the spool's directories, the last
// upload and error from DIR/run-state (written by `run`); --prometheus writes the same as metrics
// for node-exporter's textfile collector.
#include <new>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/app/run_state.h"
#include "firmware/app/status_text.h"
#include "firmware/spool/spool.h"

namespace lsedge::app {

namespace {

constexpr std::string_view kStatusUsage = "usage: lsedge status --spool DIR [--prometheus FILE]";

using Metrics = FixedString<2048>;

// A label value: backslash, double quote and newline escaped (the text format's rules).
void append_label_value(Metrics& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      (void)out.append('\\');
      (void)out.append(c);
    } else if (c == '\n') {
      (void)out.append("\\n");
    } else {
      (void)out.append(c);
    }
  }
}

void append_metric(Metrics& out, std::string_view name, std::string_view help,
                   std::string_view spool, int64_t value) {
  (void)out.append("# HELP ");
  (void)out.append(name);
  (void)out.append(' ');
  (void)out.append(help);
  (void)out.append("\n# TYPE ");
  (void)out.append(name);
  (void)out.append(" gauge\n");
  (void)out.append(name);
  (void)out.append("{spool=\"");
  append_label_value(out, spool);
  (void)out.append("\"} ");
  (void)out.append_int(value);
  (void)out.append('\n');
}

Outcome format_metrics(const StatusReport& r, Metrics& out) {
  const auto count = [](uint64_t value) { return static_cast<int64_t>(value); };
  append_metric(out, "lsedge_spool_entries", "Entries queued in the spool.", r.spool,
                count(r.counts.queued_entries));
  append_metric(out, "lsedge_spool_tasks", "Tasks in the queued entries.", r.spool,
                count(r.counts.queued_tasks));
  append_metric(out, "lsedge_spool_bytes", "Bytes of the queued entries.", r.spool,
                count(r.counts.queued_bytes));
  append_metric(out, "lsedge_spool_max_bytes",
                "The spool's size cap (0: none); spool add refuses past it.", r.spool,
                count(r.max_bytes));
  append_metric(out, "lsedge_spool_oldest_entry_age_seconds",
                "Age of the oldest queued entry (0: none), by the device's clock.", r.spool,
                r.oldest_entry_unix == 0 ? 0 : r.now_unix - r.oldest_entry_unix);
  append_metric(out, "lsedge_spool_rejected_entries",
                "Entries the server refused, kept in rejected/.", r.spool,
                count(r.counts.rejected_entries));
  append_metric(out, "lsedge_spool_outcome_unknown_entries",
                "Entries whose last request may have reached the server.", r.spool,
                count(r.counts.outcome_unknown));
  append_metric(out, "lsedge_upload_last_success_timestamp_seconds",
                "When run last stored an entry on the server (0: never).", r.spool,
                r.state.last_success_unix);
  append_metric(out, "lsedge_upload_last_error_timestamp_seconds",
                "When run last failed or was refused (0: never).", r.spool,
                r.state.last_error_unix);
  if (out.size() == Metrics::capacity()) {  // appends stop at the capacity: cut short
    return Error(Status::BufferTooSmall, "the metrics text");
  }
  return {};
}

// A spool is only read here: a directory without the marker is not made one.
Outcome require_spool(hal::Storage& storage, std::string_view directory) {
  LSEDGE_TRY_ASSIGN(const bool exists, spool::Spool::is_spool(storage, directory));
  if (!exists) {
    Error error(Status::SpoolNotFound, "no lsedge spool at ");
    error.detail.append_truncated(directory);
    error.detail.append_truncated(" (no lsedge-spool marker); check --spool");
    return error;
  }
  return {};
}

// A metrics file that cannot be written is a setting to fix (exit 2), named with the reason.
Error metrics_error(const Error& error, std::string_view path) {
  const std::string_view problem = file_problem(error.status);
  if (problem.empty()) {
    return error;
  }
  Error usage(Status::UsageError, "--prometheus: cannot write the metrics file ");
  usage.detail.append_truncated(path);
  usage.detail.append_truncated(": ");
  usage.detail.append_truncated(problem);
  usage.detail.append_truncated(" (its directory must exist and be writable)");
  return usage;
}

}  // namespace

Outcome cmd_status(const Options& options, PlatformServices& platform, LogSink& sink,
                   Reporter& reporter) {
  CommandFlag flags[] = {{"--spool", {}, false}, {"--prometheus", {}, false}};
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 0, Span<CommandFlag>(flags), nullptr, 0, positional_count,
                                kStatusUsage));
  if (!flags[0].given || (flags[1].given && flags[1].value.empty())) {
    return Error(Status::UsageError, kStatusUsage);
  }
  const std::string_view directory = flags[0].value;
  LSEDGE_TRY(require_spool(platform.storage, directory));
  const CliSpool spool_slot(platform, sink);
  spool::Spool& spool = spool_slot.spool();
  LSEDGE_TRY(spool_slot.open(directory, spool::Spool::Role::Producer));
  StatusReport report;
  report.spool = directory;
  LSEDGE_TRY_ASSIGN(report.counts, spool.counts(true));
  LSEDGE_TRY_ASSIGN(report.oldest_entry_unix, spool.oldest_entry_unix());
  LSEDGE_TRY_ASSIGN(report.max_bytes, spool.max_bytes());
  report.now_unix = platform.wall_clock.unix_seconds();
  Result<RunState> state = read_run_state(platform.storage, directory);
  report.has_state = state.ok();
  if (state.ok()) {
    report.state = *state;
  } else if (state.status() != Status::FileNotFound) {
    report.state_damaged = true;
    Logger(&sink, "status")
        .warn("cannot read %.*s/%.*s (%s); the last upload and error are not shown",
              static_cast<int>(directory.size()), directory.data(),
              static_cast<int>(kRunStateFile.size()), kRunStateFile.data(),
              status_name(state.status()));
  }
  if (flags[1].given) {
    Metrics metrics;
    LSEDGE_TRY(format_metrics(report, metrics));
    // FILE.new, then renamed: the collector never reads half a file (it reads only *.prom).
    const Outcome written = replace_file(platform.storage, flags[1].value, metrics.view());
    if (!written.ok()) {
      return metrics_error(written.error(), flags[1].value);
    }
  }
  reporter.status(report);
  return {};
}

}  // namespace lsedge::app
