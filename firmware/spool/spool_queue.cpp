#include "firmware/spool/spool.h"

#include <algorithm>
#include <optional>

#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

// --- next() and counts() ---
//
// next() never lists queue/ per entry: a window of the oldest groups is filled by one listing
// and used up before the next listing; the same within the group being served, with a window of
// its oldest entry names. This relies on adds taking ever higher SEQs (DIR/sequence), so a group
// published after a listing sorts after everything that listing found.

static_assert(kLongestStem + kEntrySuffix.size() <= kEntryWindowNameCapacity,
              "an entry name fits next()'s window");

// What next() found in a group.
enum class Spool::GroupVisit : uint8_t {
  EntryFound,  // its oldest entry
  Removed,     // no entries, and the group is gone: look for the next oldest group
  Refilled,    // an adder may have just published a new group under its number: look again
  Skipped,     // no entries, but it stays (logged): look past it
};

// What one listing of a group found besides the window's entries.
struct Spool::GroupListing {
  uint64_t entries = 0;  // every entry, at or below entries_floor_ too
  Name split;            // a split's staging directory (one of them), if any
  bool foreign = false;  // something other than entries, markers, import records and splits
};

namespace {

// serving_ between two groups (not a group's name; empty means open() ran since).
constexpr std::string_view kBetweenGroups = "-";

// FNV-1a of "directory/name".
uint64_t path_hash(std::string_view directory, std::string_view name) {
  uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::string_view text) {
    for (const char c : text) {
      hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211ULL;
    }
  };
  mix(directory);
  mix("/");
  mix(name);
  return hash;
}

}  // namespace

void Spool::reset_windows() {
  group_count_ = 0;
  group_head_ = 0;
  groups_floor_ = 0;
  forget_entries();
  (void)serving_.assign(kBetweenGroups);
}

void Spool::forget_entries() {
  entry_count_ = 0;
  entry_head_ = 0;
  entries_floor_.clear();
  head_checked_ = false;
}

Result<bool> Spool::next(SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  if (serving_.empty()) {
    reset_windows();  // opened since the last call: nothing remembered holds
  }
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  // The group being served is finished first: an add published under a lower SEQ (an adder of
  // an older release, or after DIR/sequence was lost) waits behind it instead of cutting in.
  const std::optional<uint64_t> serving = parse_group(serving_.view());
  if (serving) {
    Result<GroupVisit> visit = visit_group(queue.view(), serving_.view(), *serving, entry);
    if (!visit.ok() && !is_gone(visit.error())) {
      return visit.error();
    }
    if (visit.ok() && *visit == GroupVisit::EntryFound) {
      return true;
    }
    (void)serving_.assign(kBetweenGroups);
  }
  return next_group(queue.view(), entry);
}

Result<bool> Spool::next_group(std::string_view queue, SpoolEntry& entry) {
  bool wrapped = false;
  for (;;) {
    if (group_head_ == group_count_) {
      LSEDGE_TRY(refill_groups(queue));
      if (group_count_ == 0) {
        if (wrapped || groups_floor_ == 0) {
          return false;
        }
        // Nothing above the last group: once more from the start, for groups skipped before
        // (their foreign files may be gone) and any published below it.
        groups_floor_ = 0;
        wrapped = true;
        continue;
      }
    }
    const uint64_t sequence = groups_[group_head_++];
    groups_floor_ = sequence;
    Name group;
    (void)append_padded(group, sequence, kSequenceDigits);
    forget_entries();
    Result<GroupVisit> visit = visit_group(queue, group.view(), sequence, entry);
    if (!visit.ok() && !is_gone(visit.error())) {
      return visit.error();
    }
    if (visit.ok() && *visit == GroupVisit::EntryFound) {
      (void)serving_.assign(group.view());
      return true;
    }
  }
}

Outcome Spool::refill_groups(std::string_view queue) {
  group_count_ = 0;
  group_head_ = 0;
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(queue));
  hal::DirectoryEntry listed;
  while (reader.next(listed)) {
    const std::string_view name = listed.name.view();
    const std::optional<uint64_t> sequence = parse_group(name);
    if (!listed.is_directory || !sequence) {
      report_foreign(queue, name);
    } else if (*sequence > groups_floor_) {
      keep_smallest(groups_, group_count_, LSEDGE_SPOOL_WINDOW, *sequence);
    }
  }
  sort_window(groups_, group_count_);
  return reader.status();
}

Result<Spool::GroupVisit> Spool::visit_group(std::string_view queue, std::string_view group,
                                             uint64_t sequence, SpoolEntry& entry) {
  LSEDGE_TRY_ASSIGN(const GroupVisit visit, serve_group(queue, group, sequence, true, entry));
  if (visit != GroupVisit::Refilled) {
    return visit;
  }
  forget_entries();  // a new group under this number: from its start
  return serve_group(queue, group, sequence, false, entry);
}

Result<Spool::GroupVisit> Spool::serve_group(std::string_view queue, std::string_view group,
                                             uint64_t sequence, bool may_be_refilled,
                                             SpoolEntry& entry) {
  Path group_path;
  LSEDGE_TRY(join(group_path, queue, group));
  for (;;) {
    if (entry_head_ == entry_count_) {
      GroupListing listing;
      LSEDGE_TRY(refill_entries(group, group_path.view(), listing));
      if (entry_count_ == 0) {
        if (listing.foreign) {
          report_foreign(group_path.view(), {});
          return GroupVisit::Skipped;
        }
        return remove_empty_group(queue, group_path.view(), may_be_refilled);
      }
    }
    LSEDGE_TRY_ASSIGN(const bool served, serve_head(group, sequence, group_path.view(), entry));
    if (served) {
      return GroupVisit::EntryFound;
    }
  }
}

Outcome Spool::refill_entries(std::string_view group, std::string_view group_path,
                              GroupListing& listing) {
  LSEDGE_TRY(list_group(group_path, listing));
  if (!listing.split.empty()) {
    // A split this process left after a storage failure (a crash's are recovered by open()):
    // finished, so its parts come first, or undone.
    LSEDGE_TRY(recover_group_splits(group, group_path));
    forget_entries();
    listing = GroupListing();
    LSEDGE_TRY(list_group(group_path, listing));
  }
  if (entry_count_ == 0 && listing.entries > 0) {
    // Entries only below the last one passed: not written by the adds this window saw (a
    // split's parts are announced by forget_entries()), so from the group's start.
    forget_entries();
    listing = GroupListing();
    LSEDGE_TRY(list_group(group_path, listing));
  }
  return {};
}

Outcome Spool::list_group(std::string_view group_path, GroupListing& listing) {
  entry_count_ = 0;
  entry_head_ = 0;
  head_checked_ = false;
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(group_path));
  hal::DirectoryEntry listed;
  WindowName candidate;
  EntryName parsed;
  while (reader.next(listed)) {
    const std::string_view name = listed.name.view();
    if (parse_any_entry(name, listed.is_directory, parsed)) {
      ++listing.entries;
      if ((entries_floor_.empty() || name > entries_floor_.view()) &&
          candidate.assign(name) == Status::Ok) {
        keep_smallest(entries_, entry_count_, LSEDGE_SPOOL_ENTRY_WINDOW, candidate);
      }
    } else if (listed.is_directory) {
      if (!is_split_name(name)) {
        listing.foreign = true;
      } else if (listing.split.empty()) {
        (void)listing.split.assign(name);
      }
    } else if (!ends_with(name, kMarkerSuffix) && !ends_with(name, kImportSuffix)) {
      listing.foreign = true;
    }
  }
  sort_window(entries_, entry_count_);
  return reader.status();
}

Result<bool> Spool::serve_head(std::string_view group, uint64_t sequence,
                               std::string_view group_path, SpoolEntry& entry) {
  const std::string_view name = entries_[entry_head_].view();
  Path path;
  LSEDGE_TRY(join(path, group_path, name));
  LSEDGE_TRY_ASSIGN(const bool queued, storage_.exists(path.view()));
  if (!queued) {
    pass_head();  // confirmed, rejected or split since next() returned it
    return false;
  }
  LSEDGE_TRY(fill_entry(group, sequence, group_path, name, entry));
  if (!head_checked_) {
    LSEDGE_TRY_ASSIGN(const bool rejected, reject_if_corrupt(entry));
    if (rejected) {
      pass_head();
      return false;
    }
    head_checked_ = true;
  }
  return true;
}

void Spool::pass_head() {
  entries_floor_ = entries_[entry_head_];
  ++entry_head_;
  head_checked_ = false;
}

Outcome Spool::fill_entry(std::string_view group, uint64_t sequence, std::string_view group_path,
                          std::string_view name, SpoolEntry& entry) {
  entry = SpoolEntry();
  (void)entry.group.assign(group);
  (void)entry.name.assign(name);
  LSEDGE_TRY(join(entry.path, group_path, name));
  entry.sequence = sequence;
  EntryName parsed;
  if (parse_any_entry(name, is_media_name(name), parsed)) {
    entry.batch = parsed.batch;
    entry.tasks = parsed.tasks;
  }
  if (is_media_name(name)) {
    LSEDGE_TRY(find_media_file(entry));
  }
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

void Spool::report_foreign(std::string_view directory, std::string_view name) {
  const uint64_t hash = path_hash(directory, name);
  for (uint32_t i = 0; i < reported_count_; ++i) {
    if (reported_[i] == hash) {
      return;
    }
  }
  if (reported_count_ == kForeignReports) {
    if (!reported_overflow_) {
      reported_overflow_ = true;
      log_.warn("more files the spool did not write are in %s; not listed one by one",
                dir_.c_str());
    }
    return;
  }
  reported_[reported_count_++] = hash;
  if (name.empty()) {
    log_.warn("%.*s holds files the spool did not write; skipped until they are moved out",
              static_cast<int>(directory.size()), directory.data());
  } else {
    log_.warn("%.*s/%.*s was not written by the spool; ignored (move it out of the spool)",
              static_cast<int>(directory.size()), directory.data(), static_cast<int>(name.size()),
              name.data());
  }
}

Result<SpoolCounts> Spool::counts(bool with_bytes) {
  LSEDGE_TRY(require_open());
  SpoolCounts counts;
  counts.possible_duplicates = possible_duplicates_;
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kQueue));
  LSEDGE_TRY(count_queue(storage_, path.view(), with_bytes, counts));
  LSEDGE_TRY_ASSIGN(const uint64_t in_record, unknown_in_record());
  counts.outcome_unknown += in_record;
  LSEDGE_TRY(join(path, dir_.view(), kRejected));
  LSEDGE_TRY_ASSIGN(counts.rejected_entries, count_rejected(storage_, path.view()));
  return counts;
}

}  // namespace lsedge::spool
