// lsedge spool add: queue a task file in a spool directory (no network).
#include <cstdint>
#include <new>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/cli_common.h"
#include "firmware/core/log.h"
#include "firmware/spool/spool.h"

namespace lsedge::app {

using spool::SpoolAddResult;
using spool::SpoolCounts;
using taskfile::task_file_format_name;
namespace {

constexpr std::string_view kSpoolUsage =
    "usage: lsedge spool add --spool DIR [--batch-bytes N] FILE";

int add(const Options& options, PlatformServices& platform, LogSink& sink) {
  CommandFlag flags[] = {{"--spool", {}, false}, {"--batch-bytes", {}, false}};
  std::string_view path;
  size_t positional_count = 0;
  const Outcome split = split_command_args(options, 1, Span<CommandFlag>(flags), &path, 1,
                                           positional_count, kSpoolUsage);
  if (!split.ok()) {
    return fail(platform.console, split.error(), options.json);
  }
  if (positional_count != 1 || !flags[0].given) {
    return fail(platform.console, Error(Status::UsageError, kSpoolUsage), options.json);
  }
  auto parsed_budget = parse_batch_bytes(flags[1]);
  if (!parsed_budget.ok()) {
    return fail(platform.console, parsed_budget.error(), options.json);
  }
  const uint64_t budget = *parsed_budget;
  const CliSpool spool_slot(platform, sink);
  Spool& spool = spool_slot.spool();
  const Outcome opened = spool.open(flags[0].value, Spool::Role::Producer);
  if (!opened.ok()) {
    return fail(platform.console, opened.error(), options.json);
  }
  auto added = spool.add(path, budget);
  if (!added.ok()) {
    return fail_input(platform.console, added.error(), options.json, "the task file", path);
  }
  Line line;
  if (options.json) {
    line.append_truncated("{\"entries\":");
    (void)line.append_uint(added->entries);
    line.append_truncated(",\"tasks\":");
    (void)line.append_uint(added->tasks);
    line.append_truncated(",\"sequence\":");
    (void)line.append_uint(added->sequence);
    line.append_truncated(",\"format\":");
    print_json_string(line, task_file_format_name(added->format));
    line.append_truncated("}\n");
  } else {
    line.append_truncated("queued ");
    (void)line.append_uint(added->tasks);
    line.append_truncated(" tasks in ");
    (void)line.append_uint(added->entries);
    line.append_truncated(added->entries == 1 ? " entry (group " : " entries (group ");
    (void)line.append_uint(added->sequence);
    line.append_truncated(")\n");
  }
  platform.console.out(line.view());
  return 0;
}

}  // namespace

// Placement new into the command arena (static memory sized for a Spool): not heap.
CliSpool::CliSpool(PlatformServices& platform, LogSink& sink)
    : spool_(new (cli_spool_memory())
                 Spool(platform.storage, platform.entropy, Logger(&sink, "spool"))) {}
CliSpool::~CliSpool() {
  spool_->~Spool();
}

int cmd_spool(const Options& options, PlatformServices& platform, LogSink& sink) {
  if (options.arg_count >= 1 && options.args[0] == "add") {
    return add(options, platform, sink);
  }
  return fail(platform.console, Error(Status::UsageError, kSpoolUsage), options.json);
}

}  // namespace lsedge::app
