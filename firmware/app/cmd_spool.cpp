// lsedge spool add: queue a task file in a spool directory (no network).
#include <cstdint>
#include <new>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/core/log.h"
#include "firmware/spool/spool.h"

namespace lsedge::app {

namespace {

constexpr std::string_view kSpoolUsage =
    "usage: lsedge spool add --spool DIR [--batch-bytes N] FILE\n"
    "       lsedge spool rejected list --spool DIR\n"
    "       lsedge spool rejected requeue --spool DIR (--all | NAME...)";
constexpr size_t kMaxRequeueNames = 16;

// Adapts list_rejected()'s visitor to the reporter.
class RejectedPrinter final : public spool::RejectedVisitor {
 public:
  explicit RejectedPrinter(Reporter& reporter) : reporter_(reporter) {}
  void on_rejected(const spool::RejectedEntry& entry) override {
    reporter_.rejected_entry(entry);
    ++count_;
  }
  [[nodiscard]] uint64_t count() const { return count_; }

 private:
  Reporter& reporter_;
  uint64_t count_ = 0;
};

// `spool rejected list|requeue`: rejected/ read, or moved back to the queue (no network).
Outcome rejected(const Options& options, PlatformServices& platform, LogSink& sink,
                 Reporter& reporter) {
  const bool list = options.arg_count >= 2 && options.args[1] == "list";
  const bool requeue = options.arg_count >= 2 && options.args[1] == "requeue";
  if (!list && !requeue) {
    return Error(Status::UsageError, kSpoolUsage);
  }
  CommandFlag flags[] = {{"--spool", {}, false}, {"--all", {}, false, true}};
  std::string_view names[kMaxRequeueNames];
  size_t count = 0;
  LSEDGE_TRY(split_command_args(options, 2, Span<CommandFlag>(flags), names, kMaxRequeueNames,
                                count, kSpoolUsage));
  const bool all = flags[1].given;
  if (!flags[0].given || (list && (count != 0 || all)) || (requeue && all == (count != 0))) {
    return Error(Status::UsageError, kSpoolUsage);
  }
  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  const Outcome opened = spool.open(flags[0].value, Spool::Role::Producer);
  if (!opened.ok()) {
    return spool_option_error(opened.error(), flags[0].value);
  }
  if (list) {
    RejectedPrinter printer(reporter);
    return spool.list_rejected(printer);
  }
  LSEDGE_TRY_ASSIGN(const spool::RequeueResult result,
                    spool.requeue_rejected(Span<const std::string_view>(names, count)));
  reporter.requeued(result);
  return {};
}

Outcome add(const Options& options, PlatformServices& platform, LogSink& sink, Reporter& reporter) {
  CommandFlag flags[] = {{"--spool", {}, false}, {"--batch-bytes", {}, false}};
  std::string_view path;
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 1, Span<CommandFlag>(flags), &path, 1, positional_count,
                                kSpoolUsage));
  if (positional_count != 1 || !flags[0].given) {
    return Error(Status::UsageError, kSpoolUsage);
  }
  LSEDGE_TRY_ASSIGN(const uint64_t budget, parse_batch_bytes(flags[1]));
  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  const Outcome opened = spool.open(flags[0].value, Spool::Role::Producer);
  if (!opened.ok()) {
    return spool_option_error(opened.error(), flags[0].value);
  }
  auto added = spool.add(path, budget);
  if (!added.ok()) {
    return reporter.input_error(task_file_error(added.error(), path), "the task file", path);
  }
  reporter.spool_added(*added);
  return {};
}

}  // namespace

// Placement new into the command arena (static memory sized for a Spool): not heap.
CliSpool::CliSpool(PlatformServices& platform, LogSink& sink)
    : spool_(new (cli_spool_memory())
                 Spool(platform.storage, platform.entropy, Logger(&sink, "spool"))) {}
CliSpool::~CliSpool() {
  spool_->~Spool();
}

Outcome cmd_spool(const Options& options, PlatformServices& platform, LogSink& sink,
                  Reporter& reporter) {
  if (options.arg_count >= 1 && options.args[0] == "add") {
    return add(options, platform, sink, reporter);
  }
  if (options.arg_count >= 1 && options.args[0] == "rejected") {
    return rejected(options, platform, sink, reporter);
  }
  return Error(Status::UsageError, kSpoolUsage);
}

}  // namespace lsedge::app
