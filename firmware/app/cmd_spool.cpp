// lsedge spool add: queue a task file in a spool directory (no network).
#include <cstdint>
#include <new>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/core/log.h"
#include "firmware/labelstudio/multipart.h"
#include "firmware/spool/spool.h"

namespace lsedge::app {

namespace {

constexpr std::string_view kSpoolUsage =
    "usage: lsedge spool add --spool DIR [--batch-bytes N] FILE\n"
    "       lsedge spool add --spool DIR --media MEDIA_FILE [--predictions FILE] "
    "[MEDIA_FILE [--predictions FILE]]...\n"
    "       lsedge spool limit --spool DIR [--max-bytes N]\n"
    "       lsedge spool rejected list --spool DIR\n"
    "       lsedge spool rejected requeue --spool DIR (--all | NAME...)";
constexpr size_t kMaxRequeueNames = 16;
constexpr size_t kMaxMediaFiles = kMaxPositional;  // per `spool add --media`

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
  LSEDGE_TRY(spool_slot.open(flags[0].value, Spool::Role::Producer));
  if (list) {
    RejectedPrinter printer(reporter);
    return spool.list_rejected(printer);
  }
  LSEDGE_TRY_ASSIGN(const spool::RequeueResult result,
                    spool.requeue_rejected(Span<const std::string_view>(names, count)));
  reporter.requeued(result);
  return {};
}

bool has_media_flag(const Options& options) {
  for (size_t i = 1; i < options.arg_count; ++i) {
    if (options.args[i] == "--media") {
      return true;
    }
  }
  return false;
}

// One word of `spool add --media ...`: --spool's and --predictions' values (a --predictions
// belongs to the media file before it), or a media file. `i` moves past what was taken.
Outcome take_media_arg(const Options& options, size_t& i, std::string_view& spool_dir,
                       spool::MediaFile* files, size_t& count) {
  const std::string_view arg = options.args[i];
  if (arg == "--media") {
    return {};
  }
  if (arg == "--spool" || arg == "--predictions") {
    if (i + 1 >= options.arg_count) {
      return Error(Status::UsageError, kSpoolUsage);
    }
    const std::string_view value = options.args[++i];
    if (arg == "--spool") {
      spool_dir = value;
    } else if (count == 0 || !files[count - 1].predictions.empty()) {
      return Error(Status::UsageError,
                   "--predictions FILE follows the media file it belongs to, once per file");
    } else {
      files[count - 1].predictions = value;
    }
    return {};
  }
  if (arg.size() > 2 && arg[0] == '-' && arg[1] == '-') {
    return Error(Status::UsageError, kSpoolUsage);
  }
  files[count++].path = arg;  // fewer files than words: no bound to check
  return {};
}

// `spool add --media`: each file's type is checked first (nothing is queued if one is refused).
Outcome add_media(const Options& options, PlatformServices& platform, LogSink& sink,
                  Reporter& reporter) {
  spool::MediaFile files[kMaxMediaFiles];
  size_t count = 0;
  std::string_view spool_dir;
  for (size_t i = 1; i < options.arg_count; ++i) {
    LSEDGE_TRY(take_media_arg(options, i, spool_dir, files, count));
  }
  if (count == 0 || spool_dir.empty()) {
    return Error(Status::UsageError, kSpoolUsage);
  }
  for (size_t i = 0; i < count; ++i) {
    LSEDGE_TRY(labelstudio::check_media_file(files[i].path));
  }
  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  LSEDGE_TRY(spool_slot.open(spool_dir, Spool::Role::Producer));
  LSEDGE_TRY_ASSIGN(const spool::SpoolAddResult queued,
                    spool.add_media(Span<const spool::MediaFile>(files, count)));
  reporter.spool_added(queued);
  return {};
}

// `spool limit`: the spool's size cap, set (0 removes it) or shown.
Outcome limit(const Options& options, PlatformServices& platform, LogSink& sink,
              Reporter& reporter) {
  CommandFlag flags[] = {{"--spool", {}, false}, {"--max-bytes", {}, false}};
  size_t positional_count = 0;
  LSEDGE_TRY(split_command_args(options, 1, Span<CommandFlag>(flags), nullptr, 0, positional_count,
                                kSpoolUsage));
  if (!flags[0].given) {
    return Error(Status::UsageError, kSpoolUsage);
  }
  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  LSEDGE_TRY(spool_slot.open(flags[0].value, Spool::Role::Producer));
  if (flags[1].given) {
    LSEDGE_TRY_ASSIGN(const uint64_t cap,
                      parse_count(flags[1].value, 0, UINT64_MAX, "--max-bytes"));
    LSEDGE_TRY(spool.set_max_bytes(cap));
  }
  LSEDGE_TRY_ASSIGN(const uint64_t cap, spool.max_bytes());
  reporter.spool_limit(flags[0].value, cap);
  return {};
}

Outcome add(const Options& options, PlatformServices& platform, LogSink& sink, Reporter& reporter) {
  if (has_media_flag(options)) {
    return add_media(options, platform, sink, reporter);
  }
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
  LSEDGE_TRY(spool_slot.open(flags[0].value, Spool::Role::Producer));
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

Outcome CliSpool::open(std::string_view directory, Spool::Role role) const {
  const Outcome opened = spool_->open(directory, role);
  return opened.ok() ? opened : Outcome(spool_option_error(opened.error(), directory));
}

Outcome cmd_spool(const Options& options, PlatformServices& platform, LogSink& sink,
                  Reporter& reporter) {
  if (options.arg_count >= 1 && options.args[0] == "add") {
    return add(options, platform, sink, reporter);
  }
  if (options.arg_count >= 1 && options.args[0] == "limit") {
    return limit(options, platform, sink, reporter);
  }
  if (options.arg_count >= 1 && options.args[0] == "rejected") {
    return rejected(options, platform, sink, reporter);
  }
  return Error(Status::UsageError, kSpoolUsage);
}

}  // namespace lsedge::app
