// Shared by the spool's source files: names on disk, number formats and small storage helpers.
// Thread-safety: functions of their arguments only.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "firmware/core/decimal.h"
#include "firmware/spool/spool.h"

namespace lsedge::spool::detail {

constexpr std::string_view kQueue = "queue";
constexpr std::string_view kTmp = "tmp";
constexpr std::string_view kRejected = "rejected";
constexpr std::string_view kEntrySuffix = ".json";
// A media entry is a directory "<BATCH>-1.media" holding the media file under its own name
// and, optionally, its predictions (issue #13).
constexpr std::string_view kMediaSuffix = ".media";
constexpr std::string_view kPredictionsFile = ".predictions.json";
// In a media entry: the task its upload created ("<id>\n"), once the predictions are pending;
// written as tmp/<SEQ>-<STEM>.task first.
constexpr std::string_view kTaskFile = ".task";
constexpr std::string_view kMarkerSuffix = ".sending";
constexpr std::string_view kClaimSuffix = ".claim";
constexpr std::string_view kGarbageSuffix = ".garbage";
constexpr std::string_view kReasonSuffix = ".reason.txt";
constexpr std::string_view kImportSuffix = ".import";
constexpr std::string_view kSplitSuffix = ".split";
// In a split's staging directory: the entry itself, moved there as the split's commit.
constexpr std::string_view kSplitOriginal = "original";
constexpr std::string_view kItemInfix = ".item";
// An import record's flag: the request that got the import id resent an outcome-unknown entry.
constexpr std::string_view kImportAfterUnknown = " outcome-unknown";
// DIR/lsedge-spool marks a directory as a spool; its one line names the format's version.
constexpr std::string_view kSpoolMarker = "lsedge-spool";
constexpr std::string_view kSpoolMarkerPrefix = "lsedge spool ";
constexpr uint64_t kSpoolVersion = 2;
constexpr std::string_view kSpoolMarkerText = "lsedge spool 2\n";
// DIR/consumer.lock: flock()ed by the one consumer; its bytes are the in-flight record, two
// slots written in turn in place (no new inode or byte is ever needed to send).
constexpr std::string_view kConsumerLock = "consumer.lock";
constexpr size_t kRecordSlotBytes = 256;
constexpr size_t kRecordSlots = 2;
constexpr size_t kRecordBytes = kRecordSlotBytes * kRecordSlots;
// The random name of an add's staging directory and claim in tmp/: 16 hex digits.
constexpr size_t kTokenDigits = 16;
constexpr size_t kSequenceDigits = 20;
constexpr size_t kBatchDigits = 10;
constexpr size_t kFirstDigits = 10;
constexpr uint64_t kFirstLimit = 10000000000ULL;  // 10^kFirstDigits
constexpr size_t kMaxNumberDigits = 20;
// The longest entry stem: "<BATCH>.<FIRST>-<TASKS>".
constexpr size_t kLongestStem = kBatchDigits + 1 + kFirstDigits + 1 + kMaxNumberDigits;
// A split makes at most this many parts (halving needs 2; more only spreads one refusal thin).
constexpr uint32_t kMaxSplitParts = 8;
// Interrupted splits finished or undone in one group before next() gives up (one per entry).
constexpr int kMaxSplitRecoveries = 64;
constexpr int kPublishAttempts = 64;
// Deeper than anything the spool creates: remove_tree() refuses it.
constexpr int kMaxTreeDepth = 3;

using Name = FixedString<kSpoolNameCapacity>;
using Path = FixedString<LSEDGE_PATH_CAPACITY>;
static_assert(kListedNameCapacity == kSequenceDigits + 1 + kLongestStem + kItemInfix.size() +
                                         kMaxNumberDigits + kEntrySuffix.size(),
              "kListedNameCapacity: the longest rejected/ name");
using ListedName = FixedString<kListedNameCapacity>;

// Ordering for the windows below: numbers, and names as text.
inline bool before(uint64_t a, uint64_t b) {
  return a < b;
}
template <size_t N>
bool before(const FixedString<N>& a, const FixedString<N>& b) {
  return a.view() < b.view();
}

// Keeps the `capacity` smallest values seen in `window` (`count` of them), as a max-heap while a
// listing runs (O(log capacity) per name, whatever order the directory lists them in);
// sort_window() then puts them in ascending order.
template <typename T>
void keep_smallest(T* window, uint32_t& count, uint32_t capacity, const T& value) {
  const auto less = [](const T& x, const T& y) { return before(x, y); };
  if (count < capacity) {
    window[count++] = value;
    std::push_heap(window, window + count, less);
    return;
  }
  if (!before(value, window[0])) {
    return;  // not below the largest kept
  }
  std::pop_heap(window, window + count, less);
  window[count - 1] = value;
  std::push_heap(window, window + count, less);
}

template <typename T>
void sort_window(T* window, uint32_t count) {
  std::sort_heap(window, window + count, [](const T& x, const T& y) { return before(x, y); });
}

// Which names of a directory a scan takes (a plain function: no heap, no std::function).
using NameFilter = bool (*)(std::string_view name, bool is_directory);
// The `capacity` smallest names in `directory` above `after` that `accept` takes, ascending, in
// `window`; how many. One listing per window: for directories whose names cannot all be held.
[[nodiscard]] Result<uint32_t> smallest_names_above(hal::Storage& storage,
                                                    std::string_view directory,
                                                    std::string_view after, NameFilter accept,
                                                    ListedName* window, uint32_t capacity);

inline bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Exactly `digits` decimal digits (any count from 1 to 20 when digits == 0).
inline std::optional<uint64_t> parse_number(std::string_view text, size_t digits = 0) {
  return parse_decimal(text, digits);
}

inline std::optional<uint64_t> parse_group(std::string_view name) {
  return parse_number(name, kSequenceDigits);
}

// The SEQ of a rejected/ file "<SEQ>-<BATCH>-<TASKS>...".
inline std::optional<uint64_t> parse_rejected_group(std::string_view name) {
  if (name.size() <= kSequenceDigits || name[kSequenceDigits] != '-') {
    return std::nullopt;
  }
  return parse_group(name.substr(0, kSequenceDigits));
}

// An entry's name: "<BATCH>-<TASKS>.json" as added, or "<BATCH>.<FIRST>-<TASKS>.json" for a
// part made by split(). FIRST (10 digits) orders the parts of one batch: see docs/spool.md.
struct EntryName {
  uint64_t batch = 0;
  uint64_t first = 0;
  uint64_t tasks = 0;  // > 0
  bool part = false;
};

// The name without ".json" (strict: anything else is not an entry).
inline bool parse_stem(std::string_view stem, EntryName& out) {
  if (stem.size() < kBatchDigits + 2) {
    return false;
  }
  EntryName parsed;
  const std::optional<uint64_t> batch = parse_number(stem.substr(0, kBatchDigits), kBatchDigits);
  std::string_view rest = stem.substr(kBatchDigits);
  if (rest.front() == '.') {
    const std::optional<uint64_t> first =
        rest.size() > kFirstDigits + 2 ? parse_number(rest.substr(1, kFirstDigits), kFirstDigits)
                                       : std::nullopt;
    if (!first) {
      return false;
    }
    parsed.first = *first;
    parsed.part = true;
    rest.remove_prefix(1 + kFirstDigits);
  }
  if (!batch || rest.front() != '-') {
    return false;
  }
  const std::optional<uint64_t> tasks = parse_number(rest.substr(1));
  if (!tasks || *tasks == 0 || (parsed.part && *tasks > kFirstLimit - parsed.first)) {
    return false;
  }
  parsed.batch = *batch;
  parsed.tasks = *tasks;
  out = parsed;
  return true;
}

inline bool parse_entry(std::string_view name, EntryName& out) {
  return ends_with(name, kEntrySuffix) &&
         parse_stem(name.substr(0, name.size() - kEntrySuffix.size()), out);
}

// A media entry's directory name: "<BATCH>-1.media" (one task, never a split's part).
inline bool parse_media_entry(std::string_view name, EntryName& out) {
  EntryName parsed;
  if (!ends_with(name, kMediaSuffix) ||
      !parse_stem(name.substr(0, name.size() - kMediaSuffix.size()), parsed) || parsed.part ||
      parsed.tasks != 1) {
    return false;
  }
  out = parsed;
  return true;
}

// Any queue entry: a task entry is a file, a media entry a directory.
inline bool parse_any_entry(std::string_view name, bool is_directory, EntryName& out) {
  return is_directory ? parse_media_entry(name, out) : parse_entry(name, out);
}

inline bool is_media_name(std::string_view name) {
  return ends_with(name, kMediaSuffix);
}

// An entry's suffix: ".json" for tasks, ".media" for media.
inline std::string_view entry_suffix(std::string_view name) {
  return is_media_name(name) ? kMediaSuffix : kEntrySuffix;
}

// An entry's name without ".json" or ".media".
inline std::string_view stem_of(std::string_view name) {
  const std::string_view suffix = entry_suffix(name);
  return ends_with(name, suffix) ? name.substr(0, name.size() - suffix.size()) : name;
}

// NameFilters for smallest_names_above(): a group in queue/; an entry in a group.
inline bool is_group_dir(std::string_view name, bool is_directory) {
  return is_directory && parse_group(name).has_value();
}
inline bool is_entry_name(std::string_view name, bool is_directory) {
  EntryName parsed;
  return parse_any_entry(name, is_directory, parsed);
}

// Names listed per window by walk_record() and next_batch().
constexpr uint32_t kWalkWindow = 16;

// A split's staging directory in a group: "<STEM>.split".
inline bool is_split_name(std::string_view name) {
  EntryName ignored;
  return ends_with(name, kSplitSuffix) &&
         parse_stem(name.substr(0, name.size() - kSplitSuffix.size()), ignored);
}

inline Status append_padded(Name& out, uint64_t value, size_t width) {
  FixedString<20> digits;
  (void)digits.append_uint(value);
  for (size_t i = digits.size(); i < width; ++i) {
    if (out.append('0') != Status::Ok) {
      return Status::BufferTooSmall;
    }
  }
  return out.append(digits.view());
}

// `a`/`b`/`c` followed by `d` (a suffix), each part only if not empty.
inline Outcome join(Path& out, std::string_view a, std::string_view b = {}, std::string_view c = {},
                    std::string_view d = {}) {
  out.clear();
  if (out.append(a) != Status::Ok || (!b.empty() && out.append('/') != Status::Ok) ||
      out.append(b) != Status::Ok || (!c.empty() && out.append('/') != Status::Ok) ||
      out.append(c) != Status::Ok || out.append(d) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

// Nothing at the path: removed or consumed meanwhile, which the spool treats as done.
inline bool is_gone(const Outcome& result) {
  return result.status() == Status::FileNotFound;
}
inline Outcome unless_gone(const Outcome& outcome) {
  return is_gone(outcome) ? Outcome() : outcome;
}

// A name another process took first: a rename onto, or a removal of, a directory that is not
// empty (the Storage reports POSIX's EEXIST for these as DirectoryNotEmpty too).
inline bool is_taken(const Outcome& result) {
  return result.status() == Status::DirectoryNotEmpty;
}

inline bool is_storage_failure(Status status) {
  return status == Status::FileError || status == Status::FileNotFound ||
         status == Status::FileExists || status == Status::DirectoryNotEmpty ||
         status == Status::NoSpace;
}

// The storage's error with `path` as its detail ("disk full: <path>" when it is one); for calls
// on handles, whose errors cannot name the file.
inline Error at_path(Error error, std::string_view path) {
  if (!is_storage_failure(error.status)) {
    return error;
  }
  error.detail.clear();
  if (error.status == Status::NoSpace) {
    error.detail.append_truncated("disk full: ");
  }
  error.detail.append_truncated(path);
  return error;
}

// The directory holding `path` ("." for a bare name).
inline std::string_view parent_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

// The highest SEQ named in `directory` (0 if none), read with `parse`.
inline Result<uint64_t> highest_sequence_in(hal::Storage& storage, std::string_view directory,
                                            std::optional<uint64_t> (*parse)(std::string_view)) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(directory));
  hal::DirectoryEntry entry;
  uint64_t highest = 0;
  while (reader.next(entry)) {
    const std::optional<uint64_t> sequence = parse(entry.name.view());
    if (sequence && *sequence > highest) {
      highest = *sequence;
    }
  }
  LSEDGE_TRY(reader.status());
  return highest;
}

// The oldest group of queue/ after `cursor` (any when empty); false when there is none.
inline Result<bool> find_oldest_group(hal::Storage& storage, std::string_view queue,
                                      std::string_view cursor, Name& group, uint64_t& sequence) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(queue));
  hal::DirectoryEntry entry;
  group.clear();
  while (reader.next(entry)) {
    const std::string_view name = entry.name.view();
    const std::optional<uint64_t> parsed = parse_group(name);
    if (entry.is_directory && parsed && (cursor.empty() || name > cursor) &&
        (group.empty() || name < group.view())) {
      (void)group.assign(name);
      sequence = *parsed;
    }
  }
  LSEDGE_TRY(reader.status());
  return !group.empty();
}

// What one group directory holds.
struct GroupScan {
  Name oldest;  // the oldest entry's name; empty when the group has none
  uint64_t batch = 0;
  uint64_t tasks = 0;
  Name split;            // a split's staging directory (one of them), if any
  bool foreign = false;  // something other than entries, markers, import records and splits
};

inline void note_group_member(const hal::DirectoryEntry& entry, GroupScan& scan) {
  const std::string_view name = entry.name.view();
  EntryName parsed;
  if (parse_any_entry(name, entry.is_directory, parsed)) {
    if (scan.oldest.empty() || name < scan.oldest.view()) {
      (void)scan.oldest.assign(name);
      scan.batch = parsed.batch;
      scan.tasks = parsed.tasks;
    }
  } else if (entry.is_directory) {
    if (!is_split_name(name)) {
      scan.foreign = true;
    } else if (scan.split.empty()) {
      (void)scan.split.assign(name);
    }
  } else if (!ends_with(name, kMarkerSuffix) && !ends_with(name, kImportSuffix)) {
    scan.foreign = true;
  }
}

inline Outcome scan_group(hal::Storage& storage, std::string_view group_path, GroupScan& scan) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(group_path));
  hal::DirectoryEntry entry;
  while (reader.next(entry)) {
    note_group_member(entry, scan);
  }
  return reader.status();
}

// Removes the markers and import records left in a group whose entries are all gone (best
// effort).
inline Outcome drop_markers(hal::Storage& storage, std::string_view group_path) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(group_path));
  hal::DirectoryEntry entry;
  Path marker;
  while (reader.next(entry)) {
    const std::string_view name = entry.name.view();
    if ((ends_with(name, kMarkerSuffix) || ends_with(name, kImportSuffix)) &&
        join(marker, group_path, name).ok()) {
      (void)storage.remove(marker.view());
    }
  }
  return reader.status();
}

// The bytes an entry takes: its file, or the files in a media entry's directory. Entries
// consumed meanwhile count 0.
inline uint64_t entry_bytes(hal::Storage& storage, std::string_view path, bool is_directory) {
  if (!is_directory) {
    const Result<hal::FileInfo> info = storage.info(path);
    return info.ok() ? info->size : 0;
  }
  uint64_t bytes = 0;
  hal::DirectoryReader reader(storage);
  if (!reader.open(path).ok()) {
    return 0;
  }
  hal::DirectoryEntry entry;
  Path file;
  while (reader.next(entry)) {
    if (!entry.is_directory && join(file, path, entry.name.view()).ok()) {
      const Result<hal::FileInfo> info = storage.info(file.view());
      bytes += info.ok() ? info->size : 0;
    }
  }
  return bytes;
}

// Counts one file of a group: an entry, or a marker whose entry is still queued (see confirm()).
// `with_bytes`: also the entries' bytes (one stat per entry, more for media: only when asked).
inline Outcome count_group_file(hal::Storage& storage, std::string_view group_path,
                                const hal::DirectoryEntry& listed, bool with_bytes,
                                SpoolCounts& counts) {
  const std::string_view name = listed.name.view();
  EntryName parsed;
  if (parse_any_entry(name, listed.is_directory, parsed)) {
    ++counts.queued_entries;
    counts.queued_tasks += parsed.tasks;
    if (with_bytes) {
      Path path;
      LSEDGE_TRY(join(path, group_path, name));
      counts.queued_bytes += entry_bytes(storage, path.view(), listed.is_directory);
    }
    return {};
  }
  if (listed.is_directory || !ends_with(name, kMarkerSuffix)) {
    return {};
  }
  Path entry_path;
  LSEDGE_TRY(join(entry_path, group_path, name.substr(0, name.size() - kMarkerSuffix.size())));
  LSEDGE_TRY_ASSIGN(const bool queued, storage.exists(entry_path.view()));
  if (queued) {
    ++counts.outcome_unknown;
  }
  return {};
}

inline Outcome count_group(hal::Storage& storage, std::string_view group_path, bool with_bytes,
                           SpoolCounts& counts) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(group_path));
  hal::DirectoryEntry entry;
  while (reader.next(entry)) {
    LSEDGE_TRY(count_group_file(storage, group_path, entry, with_bytes, counts));
  }
  return reader.status();
}

inline Outcome count_queue(hal::Storage& storage, std::string_view queue, bool with_bytes,
                           SpoolCounts& counts) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(queue));
  hal::DirectoryEntry entry;
  Path group_path;
  while (reader.next(entry)) {
    if (!entry.is_directory || !parse_group(entry.name.view())) {
      continue;
    }
    LSEDGE_TRY(join(group_path, queue, entry.name.view()));
    // A group consumed meanwhile is simply not counted.
    LSEDGE_TRY(unless_gone(count_group(storage, group_path.view(), with_bytes, counts)));
  }
  return reader.status();
}

inline Result<uint64_t> count_rejected(hal::Storage& storage, std::string_view rejected) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(rejected));
  hal::DirectoryEntry entry;
  uint64_t count = 0;
  while (reader.next(entry)) {
    const std::string_view name = entry.name.view();
    if (entry.is_directory ? ends_with(name, kMediaSuffix) : ends_with(name, kEntrySuffix)) {
      ++count;
    }
  }
  LSEDGE_TRY(reader.status());
  return count;
}

// Where reject() puts an entry: rejected/<SEQ>-<BATCH>-<TASKS>.json and .reason.txt, the
// reason written first as tmp/<SEQ>-<BATCH>-<TASKS>.reason.txt.
struct RejectPaths {
  Path reason_tmp;
  Path reason;
  Path moved;
  Path rejected;  // rejected/
  Path group;     // the entry's group in queue/
};

// "<SEQ>-<STEM>": an entry's name outside its group (in tmp/ and rejected/).
inline Outcome entry_key(const SpoolEntry& entry, Name& name) {
  name.clear();
  if (name.append(entry.group.view()) != Status::Ok || name.append('-') != Status::Ok ||
      name.append(stem_of(entry.name.view())) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool entry name too long");
  }
  return {};
}

inline Outcome reject_paths(std::string_view dir, const SpoolEntry& entry, RejectPaths& paths) {
  Name name;
  LSEDGE_TRY(entry_key(entry, name));
  LSEDGE_TRY(join(paths.reason_tmp, dir, kTmp, name.view(), kReasonSuffix));
  LSEDGE_TRY(join(paths.reason, dir, kRejected, name.view(), kReasonSuffix));
  LSEDGE_TRY(join(paths.moved, dir, kRejected, name.view(), entry_suffix(entry.name.view())));
  LSEDGE_TRY(join(paths.rejected, dir, kRejected));
  return join(paths.group, dir, kQueue, entry.group.view());
}

// The server's message as a reason file's text (the newline is added by write_text_file).
inline std::string_view reason_text(std::string_view server_message) {
  return server_message.empty() ? std::string_view("(the server gave no message)") : server_message;
}

// `text` and a final newline (unless it has one), written and synced at `path` (replacing a file
// an interrupted earlier attempt left there).
inline Outcome write_text_file(hal::Storage& storage, std::string_view path,
                               std::string_view text) {
  LSEDGE_TRY(unless_gone(storage.remove(path)));
  LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage.create_new(path));
  const hal::ScopedFile out(storage, created);
  Outcome written = storage.append(out.get(), as_bytes(text));
  if (written.ok() && (text.empty() || text.back() != '\n')) {
    written = storage.append(out.get(), as_bytes("\n"));
  }
  if (written.ok()) {
    written = storage.sync(out.get());
  }
  if (!written.ok()) {
    (void)storage.remove(path);
    return at_path(written.error(), path);
  }
  return {};
}

// Removes an entry's marker and import record (best effort: orphans are ignored, and removed
// with their group).
inline void remove_entry_notes(hal::Storage& storage, std::string_view entry_path) {
  Path path;
  for (const std::string_view suffix : {kMarkerSuffix, kImportSuffix}) {
    if (join(path, entry_path, {}, {}, suffix).ok()) {
      (void)storage.remove(path.view());
    }
  }
}

// Sixteen random hex digits, the name of an add's staging directory.
inline Outcome random_token(hal::Entropy& entropy, Name& token) {
  uint8_t random[8];
  if (entropy.fill(ByteSpan(random)) != Status::Ok) {
    return Error(Status::EntropyFailure, "spool: naming a staging directory");
  }
  const char hex[] = "0123456789abcdef";
  token.clear();
  for (const uint8_t byte : random) {
    (void)token.append(hex[byte >> 4]);
    (void)token.append(hex[byte & 0x0F]);
  }
  return {};
}

// An add's staging name in tmp/ (random_token()).
inline bool is_token(std::string_view name) {
  if (name.size() != kTokenDigits) {
    return false;
  }
  for (const char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// A file reject(), mark_task_created() or an old release's mark_imported() writes in tmp/:
// "<SEQ>-<STEM><suffix>".
inline bool is_tmp_note(std::string_view name) {
  for (const std::string_view suffix : {kReasonSuffix, kImportSuffix, kTaskFile}) {
    EntryName ignored;
    if (ends_with(name, suffix) && parse_rejected_group(name) &&
        parse_stem(
            name.substr(kSequenceDigits + 1, name.size() - kSequenceDigits - 1 - suffix.size()),
            ignored)) {
      return true;
    }
  }
  return false;
}

// A confirmed media entry in tmp/: "<SEQ>-<BATCH>-1.media.garbage" (confirm_media()).
inline bool is_media_garbage(std::string_view name) {
  if (!ends_with(name, kGarbageSuffix) || !parse_rejected_group(name)) {
    return false;
  }
  EntryName ignored;
  return parse_media_entry(
      name.substr(kSequenceDigits + 1, name.size() - kSequenceDigits - 1 - kGarbageSuffix.size()),
      ignored);
}

// The names a spool holds directly in DIR (an old release's spool has only the three
// directories).
inline bool is_spool_subdirectory(std::string_view name) {
  return name == kQueue || name == kTmp || name == kRejected;
}

// FNV-1a, 32 bits: tells a whole in-flight record slot from a torn one.
inline uint32_t checksum(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (const char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

// A SplitPlan or argument the spool refuses (nothing changed): a bug in the caller.
inline Error plan_error(const char* what) {
  return Error(Status::InvalidArgument, what);
}

}  // namespace lsedge::spool::detail
