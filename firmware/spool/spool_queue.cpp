#include "firmware/spool/spool.h"

#include <optional>

#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers
using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::TaskBatch;
using taskfile::TaskElement;

// --- next() and counts() ---

// What next() found in the oldest group.
enum class Spool::GroupVisit : uint8_t {
  EntryFound,  // its oldest entry
  Removed,     // no entries, and the group is gone: look for the next oldest group
  Refilled,    // an adder may have just published a new group under its number: look again
  Skipped,     // no entries, but it stays (logged): look past it
};

Result<bool> Spool::next(SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  LSEDGE_TRY_ASSIGN(const bool serving, next_in_serving_group(queue.view(), entry));
  if (serving) {
    return true;
  }
  Name cursor;  // groups at or below it were skipped
  bool retried = false;
  for (;;) {
    Name group;
    uint64_t sequence = 0;
    LSEDGE_TRY_ASSIGN(const bool found,
                      find_oldest_group(storage_, queue.view(), cursor.view(), group, sequence));
    if (!found) {
      return false;
    }
    LSEDGE_TRY_ASSIGN(const GroupVisit visit,
                      visit_group(queue.view(), group.view(), sequence, !retried, entry));
    switch (visit) {
      case GroupVisit::EntryFound:
        (void)serving_.assign(group.view());
        return true;
      case GroupVisit::Removed:
        continue;
      case GroupVisit::Refilled:
        retried = true;
        continue;
      case GroupVisit::Skipped:
        break;
    }
    (void)cursor.assign(group.view());
    retried = false;
  }
}

// An add computes its SEQ from a listing; if that listing predates the removal of groups the
// consumer finished meanwhile, the add can publish below the group being served. It then waits
// behind that group instead of cutting into it: adds stay contiguous.
Result<bool> Spool::next_in_serving_group(std::string_view queue, SpoolEntry& entry) {
  if (serving_.empty()) {
    return false;
  }
  const std::optional<uint64_t> sequence = parse_group(serving_.view());
  Result<GroupVisit> visit =
      sequence ? visit_group(queue, serving_.view(), *sequence, false, entry) : GroupVisit::Skipped;
  if (!visit.ok() && !is_gone(visit.error())) {
    return visit.error();
  }
  if (visit.ok() && *visit == GroupVisit::EntryFound) {
    return true;
  }
  serving_.clear();  // finished: the oldest group is next
  return false;
}

Result<Spool::GroupVisit> Spool::visit_group(std::string_view queue, std::string_view group,
                                             uint64_t sequence, bool may_be_refilled,
                                             SpoolEntry& entry) {
  Path group_path;
  LSEDGE_TRY(join(group_path, queue, group));
  GroupScan scan;
  LSEDGE_TRY(scan_group(storage_, group_path.view(), scan));
  if (!scan.split.empty()) {
    // A split this process left after a storage failure (a crash's are recovered by open()):
    // finished, so its parts come first, or undone.
    LSEDGE_TRY(recover_group_splits(group, group_path.view()));
    scan = GroupScan();
    LSEDGE_TRY(scan_group(storage_, group_path.view(), scan));
  }
  if (!scan.oldest.empty()) {
    LSEDGE_TRY(fill_entry(group, sequence, group_path.view(), scan.oldest.view(), entry));
    entry.batch = scan.batch;
    entry.tasks = scan.tasks;
    return checked_visit(reject_if_corrupt(entry));
  }
  if (scan.foreign) {
    log_.warn("%s holds files the spool did not write; skipped", group_path.c_str());
    return GroupVisit::Skipped;
  }
  return remove_empty_group(queue, group_path.view(), may_be_refilled);
}

Result<Spool::GroupVisit> Spool::checked_visit(const Result<bool>& corrupt) {
  if (!corrupt.ok()) {
    return corrupt.error();
  }
  return *corrupt ? GroupVisit::Refilled : GroupVisit::EntryFound;
}

Outcome Spool::fill_entry(std::string_view group, uint64_t sequence, std::string_view group_path,
                          std::string_view name, SpoolEntry& entry) {
  entry = SpoolEntry();
  (void)entry.group.assign(group);
  (void)entry.name.assign(name);
  LSEDGE_TRY(join(entry.path, group_path, name));
  entry.sequence = sequence;
  LSEDGE_TRY_ASSIGN(entry.outcome_unknown, is_in_flight(group, name));
  return read_import_record(entry);
}

// A group without entries: everything in it was confirmed or rejected. Its leftover markers
// go, then the group.
Result<Spool::GroupVisit> Spool::remove_empty_group(std::string_view queue,
                                                    std::string_view group_path,
                                                    bool may_be_refilled) {
  LSEDGE_TRY(drop_markers(storage_, group_path));
  const Outcome removed = storage_.remove(group_path);
  if (removed.ok()) {
    (void)storage_.sync_directory(queue);
    return GroupVisit::Removed;
  }
  if (may_be_refilled && is_taken(removed)) {
    return GroupVisit::Refilled;
  }
  if (!is_gone(removed)) {
    log_.warn("cannot remove the empty group %.*s: %s", static_cast<int>(group_path.size()),
              group_path.data(), status_name(removed.status()));
  }
  return GroupVisit::Skipped;
}

Result<SpoolCounts> Spool::counts() {
  LSEDGE_TRY(require_open());
  SpoolCounts counts;
  counts.possible_duplicates = possible_duplicates_;
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kQueue));
  LSEDGE_TRY(count_queue(storage_, path.view(), counts));
  LSEDGE_TRY_ASSIGN(const uint64_t in_record, unknown_in_record());
  counts.outcome_unknown += in_record;
  LSEDGE_TRY(join(path, dir_.view(), kRejected));
  LSEDGE_TRY_ASSIGN(counts.rejected_entries, count_rejected(storage_, path.view()));
  return counts;
}

}  // namespace lsedge::spool
