#include "firmware/spool/spool.h"

#include <optional>

namespace lsedge::spool {

using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::TaskBatch;
using taskfile::TaskElement;
namespace {

constexpr std::string_view kQueue = "queue";
constexpr std::string_view kTmp = "tmp";
constexpr std::string_view kRejected = "rejected";
constexpr std::string_view kEntrySuffix = ".json";
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

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Exactly `digits` decimal digits (any count from 1 to 20 when digits == 0).
std::optional<uint64_t> parse_number(std::string_view text, size_t digits = 0) {
  if (text.empty() || (digits != 0 && text.size() != digits) || text.size() > 20) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

std::optional<uint64_t> parse_group(std::string_view name) {
  return parse_number(name, kSequenceDigits);
}

// The SEQ of a rejected/ file "<SEQ>-<BATCH>-<TASKS>...".
std::optional<uint64_t> parse_rejected_group(std::string_view name) {
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
bool parse_stem(std::string_view stem, EntryName& out) {
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

bool parse_entry(std::string_view name, EntryName& out) {
  return ends_with(name, kEntrySuffix) &&
         parse_stem(name.substr(0, name.size() - kEntrySuffix.size()), out);
}

// An entry's name without ".json".
std::string_view stem_of(std::string_view name) {
  return ends_with(name, kEntrySuffix) ? name.substr(0, name.size() - kEntrySuffix.size()) : name;
}

// A split's staging directory in a group: "<STEM>.split".
bool is_split_name(std::string_view name) {
  EntryName ignored;
  return ends_with(name, kSplitSuffix) &&
         parse_stem(name.substr(0, name.size() - kSplitSuffix.size()), ignored);
}

Status append_padded(Name& out, uint64_t value, size_t width) {
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
Outcome join(Path& out, std::string_view a, std::string_view b = {}, std::string_view c = {},
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
bool is_gone(const Outcome& result) {
  return result.status() == Status::FileNotFound;
}
Outcome unless_gone(const Outcome& outcome) {
  return is_gone(outcome) ? Outcome() : outcome;
}

// A name another process took first: a rename onto, or a removal of, a directory that is not
// empty (the Storage reports POSIX's EEXIST for these as DirectoryNotEmpty too).
bool is_taken(const Outcome& result) {
  return result.status() == Status::DirectoryNotEmpty;
}

bool is_storage_failure(Status status) {
  return status == Status::FileError || status == Status::FileNotFound ||
         status == Status::FileExists || status == Status::DirectoryNotEmpty ||
         status == Status::NoSpace;
}

// The storage's error with `path` as its detail ("disk full: <path>" when it is one); for calls
// on handles, whose errors cannot name the file.
Error at_path(Error error, std::string_view path) {
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
std::string_view parent_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  return slash == 0 ? std::string_view("/") : path.substr(0, slash);
}

// The highest SEQ named in `directory` (0 if none), read with `parse`.
Result<uint64_t> highest_sequence_in(hal::Storage& storage, std::string_view directory,
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
Result<bool> find_oldest_group(hal::Storage& storage, std::string_view queue,
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

void note_group_member(const hal::DirectoryEntry& entry, GroupScan& scan) {
  const std::string_view name = entry.name.view();
  EntryName parsed;
  if (entry.is_directory) {
    if (!is_split_name(name)) {
      scan.foreign = true;
    } else if (scan.split.empty()) {
      (void)scan.split.assign(name);
    }
  } else if (parse_entry(name, parsed)) {
    if (scan.oldest.empty() || name < scan.oldest.view()) {
      (void)scan.oldest.assign(name);
      scan.batch = parsed.batch;
      scan.tasks = parsed.tasks;
    }
  } else if (!ends_with(name, kMarkerSuffix) && !ends_with(name, kImportSuffix)) {
    scan.foreign = true;
  }
}

Outcome scan_group(hal::Storage& storage, std::string_view group_path, GroupScan& scan) {
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
Outcome drop_markers(hal::Storage& storage, std::string_view group_path) {
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

// Counts one file of a group: an entry, or a marker whose entry is still queued (see confirm()).
Outcome count_group_file(hal::Storage& storage, std::string_view group_path, std::string_view name,
                         SpoolCounts& counts) {
  EntryName parsed;
  if (parse_entry(name, parsed)) {
    ++counts.queued_entries;
    counts.queued_tasks += parsed.tasks;
    return {};
  }
  if (!ends_with(name, kMarkerSuffix)) {
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

Outcome count_group(hal::Storage& storage, std::string_view group_path, SpoolCounts& counts) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(group_path));
  hal::DirectoryEntry entry;
  while (reader.next(entry)) {
    if (!entry.is_directory) {
      LSEDGE_TRY(count_group_file(storage, group_path, entry.name.view(), counts));
    }
  }
  return reader.status();
}

Outcome count_queue(hal::Storage& storage, std::string_view queue, SpoolCounts& counts) {
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
    LSEDGE_TRY(unless_gone(count_group(storage, group_path.view(), counts)));
  }
  return reader.status();
}

Result<uint64_t> count_rejected(hal::Storage& storage, std::string_view rejected) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(rejected));
  hal::DirectoryEntry entry;
  uint64_t count = 0;
  while (reader.next(entry)) {
    if (!entry.is_directory && ends_with(entry.name.view(), kEntrySuffix)) {
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
Outcome entry_key(const SpoolEntry& entry, Name& name) {
  name.clear();
  if (name.append(entry.group.view()) != Status::Ok || name.append('-') != Status::Ok ||
      name.append(stem_of(entry.name.view())) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool entry name too long");
  }
  return {};
}

Outcome reject_paths(std::string_view dir, const SpoolEntry& entry, RejectPaths& paths) {
  Name name;
  LSEDGE_TRY(entry_key(entry, name));
  LSEDGE_TRY(join(paths.reason_tmp, dir, kTmp, name.view(), kReasonSuffix));
  LSEDGE_TRY(join(paths.reason, dir, kRejected, name.view(), kReasonSuffix));
  LSEDGE_TRY(join(paths.moved, dir, kRejected, name.view(), kEntrySuffix));
  LSEDGE_TRY(join(paths.rejected, dir, kRejected));
  return join(paths.group, dir, kQueue, entry.group.view());
}

// The server's message as a reason file's text (the newline is added by write_text_file).
std::string_view reason_text(std::string_view server_message) {
  return server_message.empty() ? std::string_view("(the server gave no message)") : server_message;
}

// `text` and a final newline (unless it has one), written and synced at `path` (replacing a file
// an interrupted earlier attempt left there).
Outcome write_text_file(hal::Storage& storage, std::string_view path, std::string_view text) {
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
void remove_entry_notes(hal::Storage& storage, std::string_view entry_path) {
  Path path;
  for (const std::string_view suffix : {kMarkerSuffix, kImportSuffix}) {
    if (join(path, entry_path, {}, {}, suffix).ok()) {
      (void)storage.remove(path.view());
    }
  }
}

// Sixteen random hex digits, the name of an add's staging directory.
Outcome random_token(hal::Entropy& entropy, Name& token) {
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

}  // namespace

// What next() found in the oldest group.
enum class Spool::GroupVisit : uint8_t {
  EntryFound,  // its oldest entry
  Removed,     // no entries, and the group is gone: look for the next oldest group
  Refilled,    // an adder may have just published a new group under its number: look again
  Skipped,     // no entries, but it stays (logged): look past it
};

Spool::Spool(hal::Storage& storage, hal::Entropy& entropy, Logger log)
    : storage_(storage), entropy_(entropy), log_(log) {}

Outcome Spool::require_open() const {
  if (!open_) {
    return Error(Status::InvalidArgument, "the spool is not open");
  }
  return {};
}

Outcome Spool::open(std::string_view directory, Role role) {
  open_ = false;
  serving_.clear();
  LSEDGE_TRY(set_directory(directory));
  LSEDGE_TRY(make_layout());
  open_ = true;
  if (role == Role::Consumer) {
    LSEDGE_TRY(collect_garbage());
    LSEDGE_TRY(recover_splits());
    LSEDGE_TRY(report_queue());
  }
  return {};
}

Outcome Spool::set_directory(std::string_view directory) {
  while (directory.size() > 1 && directory.back() == '/') {
    directory.remove_suffix(1);
  }
  // The longest path below DIR: a rejected task's reason in a split's staging directory,
  // queue/<SEQ>/<STEM>.split/<SEQ>-<STEM>.item<K>.reason.txt.
  constexpr size_t kLongestBelow = 1 + kQueue.size() + 1 + kSequenceDigits + 1 + kLongestStem +
                                   kSplitSuffix.size() + 1 + kSequenceDigits + 1 + kLongestStem +
                                   kItemInfix.size() + kMaxNumberDigits + kReasonSuffix.size();
  if (directory.empty() || directory.size() + kLongestBelow > LSEDGE_PATH_CAPACITY ||
      dir_.assign(directory) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool directory is empty or too long");
  }
  return {};
}

Outcome Spool::make_layout() {
  Path path;
  LSEDGE_TRY(storage_.make_directory(dir_.view()));
  for (const std::string_view sub : {kQueue, kTmp, kRejected}) {
    LSEDGE_TRY(join(path, dir_.view(), sub));
    LSEDGE_TRY(storage_.make_directory(path.view()));
  }
  LSEDGE_TRY(storage_.sync_directory(dir_.view()));
  // DIR's own entry in its parent, in case it was just created.
  return storage_.sync_directory(parent_of(dir_.view()));
}

Outcome Spool::report_queue() {
  LSEDGE_TRY_ASSIGN(const SpoolCounts now, counts());
  if (now.outcome_unknown > 0) {
    log_.warn(
        "%llu spool entries were being sent when the last run stopped; their outcome is "
        "unknown and a resend may duplicate them",
        static_cast<unsigned long long>(now.outcome_unknown));
  }
  log_.info("spool %s: %llu entries (%llu tasks) queued, %llu rejected", dir_.c_str(),
            static_cast<unsigned long long>(now.queued_entries),
            static_cast<unsigned long long>(now.queued_tasks),
            static_cast<unsigned long long>(now.rejected_entries));
  return {};
}

Outcome Spool::remove_tree(std::string_view path, int depth) {
  if (depth > kMaxTreeDepth) {
    return Error(Status::FileError, path);  // deeper than anything the spool creates
  }
  hal::DirectoryReader reader(storage_);
  const Outcome opened = reader.open(path);
  if (!opened.ok()) {
    return unless_gone(opened);
  }
  hal::DirectoryEntry entry;
  Outcome first_failure;
  Path child;
  while (reader.next(entry)) {
    if (!join(child, path, entry.name.view()).ok()) {
      continue;
    }
    const Outcome removed =
        entry.is_directory ? remove_tree(child.view(), depth + 1) : storage_.remove(child.view());
    if (first_failure.ok()) {
      first_failure = unless_gone(removed);
    }
  }
  if (!reader.status().ok()) {
    return unless_gone(reader.status());
  }
  LSEDGE_TRY(first_failure);
  return unless_gone(storage_.remove(path));
}

Outcome Spool::collect_garbage() {
  Path tmp;
  LSEDGE_TRY(join(tmp, dir_.view(), kTmp));
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(tmp.view()));
  hal::DirectoryEntry entry;
  Path path;
  uint64_t removed = 0;
  while (reader.next(entry)) {
    if (!join(path, tmp.view(), entry.name.view()).ok()) {
      continue;
    }
    const Outcome done = remove_leftover(tmp.view(), entry, path.view());
    if (done.ok()) {
      ++removed;
    } else if (!is_gone(done)) {
      log_.warn("cannot remove %s (%s): %s", path.c_str(), status_name(done.status()),
                done.error().detail.c_str());
    }
  }
  LSEDGE_TRY(reader.status());
  if (removed > 0) {
    log_.info("removed %llu leftovers of interrupted adds from tmp/",
              static_cast<unsigned long long>(removed));
    LSEDGE_TRY(storage_.sync_directory(tmp.view()));
  }
  return {};
}

Outcome Spool::remove_leftover(std::string_view tmp, const hal::DirectoryEntry& entry,
                               std::string_view path) {
  if (!entry.is_directory) {
    return storage_.remove(path);  // a claim
  }
  if (ends_with(entry.name.view(), kGarbageSuffix)) {
    return remove_tree(path, 0);
  }
  // A staging directory is first renamed away, so an add still writing into it fails at its
  // own rename instead of publishing a half-deleted group.
  Path garbage;
  if (!join(garbage, tmp, entry.name.view(), {}, kGarbageSuffix).ok()) {
    return {};
  }
  Outcome moved = storage_.rename(path, garbage.view());
  if (is_taken(moved)) {
    (void)remove_tree(garbage.view(), 0);  // left by an interrupted cleanup
    moved = storage_.rename(path, garbage.view());
  }
  LSEDGE_TRY(moved);
  return remove_tree(garbage.view(), 0);
}

Outcome Spool::claim_staging(Path& claim, Path& staging) {
  Path tmp;
  LSEDGE_TRY(join(tmp, dir_.view(), kTmp));
  Name token;
  for (int attempt = 0; attempt < 8; ++attempt) {
    LSEDGE_TRY(random_token(entropy_, token));
    LSEDGE_TRY(join(claim, tmp.view(), token.view(), {}, kClaimSuffix));
    LSEDGE_TRY(join(staging, tmp.view(), token.view()));
    LSEDGE_TRY_ASSIGN(const bool claimed, claim_as(claim.view(), staging.view()));
    if (claimed) {
      return {};
    }
  }
  return Error(Status::FileError, "spool: no free staging name in tmp/");
}

Result<bool> Spool::claim_as(std::string_view claim, std::string_view staging) {
  Result<hal::FileHandle> created = storage_.create_new(claim);
  if (created.status() == Status::FileExists) {
    return false;
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle file, std::move(created));
  storage_.close(file);
  const Outcome made = storage_.make_directory(staging);
  if (!made.ok()) {
    (void)storage_.remove(claim);
    return made.error();
  }
  return true;
}

void Spool::discard_staging(std::string_view claim, std::string_view staging) {
  const Outcome removed = remove_tree(staging, 0);
  if (!removed.ok()) {
    log_.warn("cannot remove %.*s (%s); the next run removes it", static_cast<int>(staging.size()),
              staging.data(), status_name(removed.status()));
  }
  (void)storage_.remove(claim);
}

Outcome Spool::write_entries(std::string_view task_file, hal::FileHandle file,
                             std::string_view staging, uint64_t budget_bytes,
                             SpoolAddResult& result) {
  BatchPlanner planner(storage_, file, ByteSpan(scan_chunk_), budget_bytes);
  TaskBatch batch;
  for (;;) {
    const Result<bool> more = planner.next(batch);
    if (!more.ok()) {
      // A failed read of the task file names it (the storage can only name the handle).
      return more.status() == Status::FileError && more.error().code != 0 &&
                     more.error().detail.view().rfind("file handle", 0) == 0
                 ? at_path(more.error(), task_file)
                 : more.error();
    }
    if (!*more) {
      break;
    }
    LSEDGE_TRY(write_entry(task_file, file, staging, batch));
    result.entries += 1;
    result.tasks += batch.task_count;
    result.body_bytes += batch.body_size;
  }
  result.format = planner.summary().format;
  return {};
}

// One batch into staging/<BATCH>-<TASKS>.json, synced.
Outcome Spool::write_entry(std::string_view task_file, hal::FileHandle file,
                           std::string_view staging, const TaskBatch& batch) {
  Name name;
  if (append_padded(name, batch.index, kBatchDigits) != Status::Ok ||
      name.append('-') != Status::Ok || name.append_uint(batch.task_count) != Status::Ok ||
      name.append(kEntrySuffix) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool entry name too long");
  }
  Path path;
  LSEDGE_TRY(join(path, staging, name.view()));
  LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage_.create_new(path.view()));
  const hal::ScopedFile out(storage_, created);
  BatchBodyReader body(storage_, file, batch, ByteSpan(body_chunk_));
  LSEDGE_TRY_ASSIGN(const uint64_t written,
                    copy_entry_body(body, out.get(), task_file, path.view()));
  if (written != batch.body_size) {
    return Error(Status::JsonInvalid, "task file changed while it was spooled");
  }
  const Outcome synced = storage_.sync(out.get());
  if (!synced.ok()) {
    return at_path(synced.error(), path.view());
  }
  return {};
}

// Appends the whole of `body` to `out` through write_chunk_; returns the bytes written.
Result<uint64_t> Spool::copy_entry_body(BatchBodyReader& body, hal::FileHandle out,
                                        std::string_view task_file, std::string_view path) {
  uint64_t written = 0;
  for (;;) {
    Result<size_t> got = body.read(ByteSpan(write_chunk_));
    if (!got.ok()) {
      return at_path(got.error(), task_file);
    }
    if (*got == 0) {
      return written;
    }
    const Outcome appended = storage_.append(out, ConstByteSpan(write_chunk_, *got));
    if (!appended.ok()) {
      return at_path(appended.error(), path);
    }
    written += *got;
  }
}

Result<uint64_t> Spool::highest_sequence() {
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kQueue));
  LSEDGE_TRY_ASSIGN(const uint64_t queued, highest_sequence_in(storage_, path.view(), parse_group));
  LSEDGE_TRY(join(path, dir_.view(), kRejected));
  LSEDGE_TRY_ASSIGN(const uint64_t rejected,
                    highest_sequence_in(storage_, path.view(), parse_rejected_group));
  return queued > rejected ? queued : rejected;
}

Result<uint64_t> Spool::publish(std::string_view staging) {
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  for (int attempt = 0; attempt < kPublishAttempts; ++attempt) {
    LSEDGE_TRY_ASSIGN(const uint64_t highest, highest_sequence());
    if (highest == UINT64_MAX) {
      return Error(Status::FileError, "spool: sequence numbers exhausted");
    }
    LSEDGE_TRY_ASSIGN(const bool published, publish_as(staging, queue.view(), highest + 1));
    if (published) {
      return highest + 1;
    }
  }
  return Error(Status::FileError, "spool: too many concurrent adds; try again");
}

Result<bool> Spool::publish_as(std::string_view staging, std::string_view queue,
                               uint64_t sequence) {
  Name group;
  (void)append_padded(group, sequence, kSequenceDigits);
  Path target;
  LSEDGE_TRY(join(target, queue, group.view()));
  // rename(2) replaces only an empty directory: a group another adder published first makes
  // this fail, and the next number is tried.
  const Outcome moved = storage_.rename(staging, target.view());
  if (is_taken(moved)) {
    return false;
  }
  LSEDGE_TRY(moved);
  const Outcome synced = storage_.sync_directory(queue);
  if (!synced.ok()) {
    // Not durable, so not reported as added: take it back if nothing has touched it yet.
    if (!storage_.rename(target.view(), staging).ok()) {
      log_.error("%s could not be made durable nor taken back; it may be uploaded", target.c_str());
    }
    return synced.error();
  }
  return true;
}

Result<SpoolAddResult> Spool::add(std::string_view task_file, uint64_t budget_bytes) {
  LSEDGE_TRY(require_open());
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(task_file));
  const hal::ScopedFile file(storage_, opened);

  Path claim;
  Path staging;
  LSEDGE_TRY(claim_staging(claim, staging));
  SpoolAddResult result;
  Outcome done = write_entries(task_file, file.get(), staging.view(), budget_bytes, result);
  if (done.ok()) {
    done = storage_.sync_directory(staging.view());
  }
  if (done.ok()) {
    Result<uint64_t> sequence = publish(staging.view());
    if (sequence.ok()) {
      result.sequence = *sequence;
    } else {
      done = sequence.error();
    }
  }
  if (!done.ok()) {
    discard_staging(claim.view(), staging.view());
    return done.error();
  }
  (void)storage_.remove(claim.view());  // a leftover claim is garbage, removed by the consumer
  log_.info("queued %llu tasks from %.*s as %llu entries (group %llu)",
            static_cast<unsigned long long>(result.tasks), static_cast<int>(task_file.size()),
            task_file.data(), static_cast<unsigned long long>(result.entries),
            static_cast<unsigned long long>(result.sequence));
  return result;
}

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
    // A split that failed after its commit in this process: its parts come first.
    LSEDGE_TRY(recover_group_splits(group, group_path.view()));
    scan = GroupScan();
    LSEDGE_TRY(scan_group(storage_, group_path.view(), scan));
  }
  if (!scan.oldest.empty()) {
    LSEDGE_TRY(fill_entry(group, sequence, group_path.view(), scan.oldest.view(), entry));
    entry.batch = scan.batch;
    entry.tasks = scan.tasks;
    return GroupVisit::EntryFound;
  }
  if (scan.foreign) {
    log_.warn("%s holds files the spool did not write; skipped", group_path.c_str());
    return GroupVisit::Skipped;
  }
  return remove_empty_group(queue, group_path.view(), may_be_refilled);
}

Outcome Spool::fill_entry(std::string_view group, uint64_t sequence, std::string_view group_path,
                          std::string_view name, SpoolEntry& entry) {
  entry = SpoolEntry();
  (void)entry.group.assign(group);
  (void)entry.name.assign(name);
  LSEDGE_TRY(join(entry.path, group_path, name));
  entry.sequence = sequence;
  Path marker;
  LSEDGE_TRY(join(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  LSEDGE_TRY_ASSIGN(entry.outcome_unknown, storage_.exists(marker.view()));
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

Outcome Spool::mark_sending(const SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  Path marker;
  LSEDGE_TRY(join(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  Result<hal::FileHandle> created = storage_.create_new(marker.view());
  if (created.ok()) {
    storage_.close(*created);
  } else if (created.status() != Status::FileExists) {
    return created.error();
  }
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, entry.group.view()));
  LSEDGE_TRY(storage_.sync_directory(group_path.view()));
  if (entry.outcome_unknown) {
    log_.warn(
        "resending %s/%s (%llu tasks); an earlier request for it may have reached "
        "the server, so this may duplicate them",
        entry.group.c_str(), entry.name.c_str(), static_cast<unsigned long long>(entry.tasks));
  }
  return {};
}

Outcome Spool::confirm(const SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, entry.group.view()));
  LSEDGE_TRY(storage_.remove(entry.path.view()));
  LSEDGE_TRY(storage_.sync_directory(group_path.view()));
  // The marker goes only after the removal is durable: a crash in between leaves an orphan
  // marker (removed later), never an unmarked entry that was already sent.
  remove_entry_notes(storage_, entry.path.view());
  if (entry.outcome_unknown) {
    ++possible_duplicates_;
    log_.warn(
        "possible duplicate: %s/%s (%llu tasks) was sent again after an earlier "
        "request with an unknown outcome",
        entry.group.c_str(), entry.name.c_str(), static_cast<unsigned long long>(entry.tasks));
  }
  return {};
}

Outcome Spool::reject(const SpoolEntry& entry, std::string_view server_message) {
  LSEDGE_TRY(require_open());
  RejectPaths paths;
  LSEDGE_TRY(reject_paths(dir_.view(), entry, paths));
  // The reason first (written in tmp/, then renamed), so a rejected entry never lacks it.
  LSEDGE_TRY(write_text_file(storage_, paths.reason_tmp.view(), reason_text(server_message)));
  LSEDGE_TRY(storage_.rename(paths.reason_tmp.view(), paths.reason.view()));
  LSEDGE_TRY(storage_.rename(entry.path.view(), paths.moved.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  remove_entry_notes(storage_, entry.path.view());
  log_.warn("the server rejected %s/%s (%llu tasks); moved to %s", entry.group.c_str(),
            entry.name.c_str(), static_cast<unsigned long long>(entry.tasks), paths.moved.c_str());
  return {};
}

Outcome Spool::release(const SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  if (entry.outcome_unknown) {
    return {};  // an earlier request's outcome is still unknown: the mark must stay
  }
  Path marker;
  LSEDGE_TRY(join(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  LSEDGE_TRY(unless_gone(storage_.remove(marker.view())));
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, entry.group.view()));
  return storage_.sync_directory(group_path.view());
}

// --- split() -----------------------------------------------------------------------------------

namespace {

// How split() divides an entry, checked before anything is written.
struct SplitLayout {
  struct Part {
    uint64_t first = 0;  // 0-based index, in the entry, of its first task
    uint64_t tasks = 0;  // 0: an empty part, left out
  };
  uint64_t batch = 0;
  uint64_t first = 0;  // the entry's own FIRST (0 for an entry as added)
  uint64_t tasks = 0;
  Part parts[kMaxSplitParts];
  uint32_t part_count = 0;
  uint64_t rejected = 0;
};

Error plan_error(const char* what) {
  return Error(Status::InvalidArgument, what);
}

Outcome layout_split(std::string_view name, uint64_t file_size, const SplitPlan& plan,
                     SplitLayout& layout) {
  EntryName parsed;
  if (!parse_entry(name, parsed)) {
    return plan_error("split: not the name of a spool entry");
  }
  // "[t1,...,tN]" with each task at least "{}": a name claiming more tasks is not this file.
  if (file_size < 4 || parsed.tasks > (file_size - 1) / 3) {
    return Error(Status::JsonInvalid, "spool entry holds fewer tasks than its name says");
  }
  if (parsed.first + parsed.tasks > kFirstLimit) {
    return plan_error("split: the entry has too many tasks to name its parts");
  }
  layout.batch = parsed.batch;
  layout.first = parsed.first;
  layout.tasks = parsed.tasks;
  layout.part_count = plan.part_count();
  if (layout.part_count == 0 || layout.part_count > kMaxSplitParts) {
    return plan_error("split: a plan has 1 to 8 parts");
  }
  uint32_t last = 0;
  for (uint64_t index = 0; index < layout.tasks; ++index) {
    const uint32_t part = plan.part_of(index);
    if (part == SplitPlan::kRejectTask) {
      ++layout.rejected;
      continue;
    }
    // Parts keep the tasks' order, so their FIRSTs order them (docs/spool.md).
    if (part >= layout.part_count || part < last) {
      return plan_error("split: a task's part is out of range or out of the tasks' order");
    }
    SplitLayout::Part& into = layout.parts[part];
    into.first = into.tasks == 0 ? index : into.first;
    ++into.tasks;
    last = part;
  }
  if (layout.rejected == 0 && layout.parts[last].tasks == layout.tasks) {
    return plan_error("split: the plan puts every task in one part, which changes nothing");
  }
  return {};
}

// "<SEQ>-<STEM>.item<K><suffix>": task K (0-based, as sent) of the entry <STEM>, rejected alone.
Outcome rejected_item_path(Path& out, std::string_view directory, std::string_view group,
                           std::string_view stem, uint64_t index, std::string_view suffix) {
  LSEDGE_TRY(join(out, directory, group));
  if (out.append('-') != Status::Ok || out.append(stem) != Status::Ok ||
      out.append(kItemInfix) != Status::Ok || out.append_uint(index) != Status::Ok ||
      out.append(suffix) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

// What a file in a split's staging directory is.
enum class SplitFile : uint8_t {
  Part,          // "<BATCH>.<FIRST>-<TASKS>.json", goes to the group
  Reason,        // "<SEQ>-<STEM>.item<K>.reason.txt", goes to rejected/ ...
  RejectedTask,  // "<SEQ>-<STEM>.item<K>.json", ... after its reason
  Other,         // the original, or garbage
};

SplitFile split_file_kind(std::string_view name, std::string_view group) {
  EntryName parsed;
  if (parse_entry(name, parsed)) {
    return SplitFile::Part;
  }
  if (name.size() <= group.size() + 1 || name.substr(0, group.size()) != group ||
      name[group.size()] != '-') {
    return SplitFile::Other;
  }
  if (ends_with(name, kReasonSuffix)) {
    return SplitFile::Reason;
  }
  return ends_with(name, kEntrySuffix) ? SplitFile::RejectedTask : SplitFile::Other;
}

// Where a file of a split's staging directory goes in one of finish_split()'s two passes (the
// parts and reasons, then the rejected tasks); empty: it stays (the original, or garbage removed
// with the directory).
std::string_view split_file_target(SplitFile kind, bool reasons_and_parts,
                                   std::string_view group_path, std::string_view rejected) {
  switch (kind) {
    case SplitFile::Part:
      return reasons_and_parts ? group_path : std::string_view();
    case SplitFile::Reason:
      return reasons_and_parts ? rejected : std::string_view();
    case SplitFile::RejectedTask:
      return reasons_and_parts ? std::string_view() : rejected;
    case SplitFile::Other:
      break;
  }
  return {};
}

Outcome move_file(hal::Storage& storage, std::string_view from_directory, std::string_view name,
                  std::string_view to_directory) {
  Path from;
  Path to;
  LSEDGE_TRY(join(from, from_directory, name));
  LSEDGE_TRY(join(to, to_directory, name));
  return storage.rename(from.view(), to.view());
}

// "<STEM>.split" for the entry `name`.
Outcome split_name_of(std::string_view name, Name& split_name) {
  split_name.clear();
  if (split_name.append(stem_of(name)) != Status::Ok ||
      split_name.append(kSplitSuffix) != Status::Ok || !is_split_name(split_name.view())) {
    return plan_error("split: not the name of a spool entry");
  }
  return {};
}

// Where the split `split_name` of an entry of `group` works.
struct SplitPaths {
  Path group;     // DIR/queue/<SEQ>
  Path staging;   // DIR/queue/<SEQ>/<STEM>.split
  Path rejected;  // DIR/rejected
  Path entry;     // DIR/queue/<SEQ>/<STEM>.json, the entry split
};

Outcome split_paths(std::string_view dir, std::string_view group, std::string_view split_name,
                    SplitPaths& out) {
  LSEDGE_TRY(join(out.group, dir, kQueue, group));
  LSEDGE_TRY(join(out.staging, out.group.view(), split_name));
  LSEDGE_TRY(join(out.rejected, dir, kRejected));
  return join(out.entry, out.group.view(),
              split_name.substr(0, split_name.size() - kSplitSuffix.size()), {}, kEntrySuffix);
}

// A split is committed once its entry left the group for the staging directory (as
// kSplitOriginal). Either side of that rename shows it, so it counts even if a power loss kept
// only one side (see docs/spool.md).
Result<bool> split_committed(hal::Storage& storage, const SplitPaths& paths) {
  Path original;
  LSEDGE_TRY(join(original, paths.staging.view(), kSplitOriginal));
  LSEDGE_TRY_ASSIGN(const bool moved, storage.exists(original.view()));
  if (moved) {
    return true;
  }
  LSEDGE_TRY_ASSIGN(const bool queued, storage.exists(paths.entry.view()));
  return !queued;
}

// Writes a split's parts and rejected tasks into its staging directory, each file synced, in one
// pass over the entry's tasks (the plan keeps the tasks' order, so one part is open at a time).
// Thread-safety: one thread at a time.
class SplitStager {
 public:
  SplitStager(hal::Storage& storage, const SpoolEntry& entry, const SplitLayout& layout,
              std::string_view staging, hal::FileHandle source, ByteSpan chunk)
      : storage_(storage),
        entry_(entry),
        layout_(layout),
        staging_(staging),
        source_(source),
        chunk_(chunk) {}
  ~SplitStager() { close_out(); }
  SplitStager(const SplitStager&) = delete;
  SplitStager& operator=(const SplitStager&) = delete;

  // Task `index` of the entry, at `task` in its file.
  [[nodiscard]] Outcome task(const SplitPlan& plan, uint64_t index, const TaskElement& task) {
    const uint32_t part = plan.part_of(index);
    if (part == SplitPlan::kRejectTask) {
      return reject(plan, index, task);
    }
    if (part >= layout_.part_count || (open_ && part < part_)) {
      return plan_error("split: the plan changed while the entry was split");
    }
    if (!open_ || part != part_) {
      LSEDGE_TRY(close_part());
      LSEDGE_TRY(open_part(part));
    } else {
      LSEDGE_TRY(put(out_, ",", out_path_.view()));
    }
    ++written_;
    return copy(task, out_, out_path_.view());
  }
  // Closes the last part.
  [[nodiscard]] Outcome finish() { return close_part(); }

 private:
  [[nodiscard]] Outcome open_part(uint32_t part) {
    const SplitLayout::Part& planned = layout_.parts[part];
    Name name;
    if (append_padded(name, layout_.batch, kBatchDigits) != Status::Ok ||
        name.append('.') != Status::Ok ||
        append_padded(name, layout_.first + planned.first, kFirstDigits) != Status::Ok ||
        name.append('-') != Status::Ok || name.append_uint(planned.tasks) != Status::Ok ||
        name.append(kEntrySuffix) != Status::Ok) {
      return Error(Status::InvalidArgument, "spool entry name too long");
    }
    LSEDGE_TRY(join(out_path_, staging_, name.view()));
    LSEDGE_TRY_ASSIGN(out_, storage_.create_new(out_path_.view()));
    open_ = true;
    part_ = part;
    written_ = 0;
    return put(out_, "[", out_path_.view());
  }

  [[nodiscard]] Outcome close_part() {
    if (!open_) {
      return {};
    }
    if (written_ != layout_.parts[part_].tasks) {
      return plan_error("split: the plan changed while the entry was split");
    }
    LSEDGE_TRY(put(out_, "]", out_path_.view()));
    const Outcome synced = storage_.sync(out_);
    close_out();
    return synced.ok() ? synced : at_path(synced.error(), out_path_.view());
  }

  void close_out() {
    if (out_.valid()) {
      storage_.close(out_);
    }
    out_ = hal::FileHandle{};
    open_ = false;
  }

  // Task `index` alone as `[task]`, with the server's message beside it.
  [[nodiscard]] Outcome reject(const SplitPlan& plan, uint64_t index, const TaskElement& task) {
    const std::string_view stem = stem_of(entry_.name.view());
    Path path;
    LSEDGE_TRY(rejected_item_path(path, staging_, entry_.group.view(), stem, index, kReasonSuffix));
    LSEDGE_TRY(write_text_file(storage_, path.view(), reason_text(plan.reason(index))));
    LSEDGE_TRY(rejected_item_path(path, staging_, entry_.group.view(), stem, index, kEntrySuffix));
    // The part being written stays open: a rejected task between two of its tasks is fine.
    LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage_.create_new(path.view()));
    const hal::ScopedFile file(storage_, created);
    LSEDGE_TRY(put(file.get(), "[", path.view()));
    LSEDGE_TRY(copy(task, file.get(), path.view()));
    LSEDGE_TRY(put(file.get(), "]", path.view()));
    const Outcome synced = storage_.sync(file.get());
    return synced.ok() ? synced : at_path(synced.error(), path.view());
  }

  [[nodiscard]] Outcome put(hal::FileHandle out, std::string_view text, std::string_view path) {
    const Outcome appended = storage_.append(out, as_bytes(text));
    return appended.ok() ? appended : at_path(appended.error(), path);
  }

  // The task's bytes from the entry file to `out` (at `path`).
  [[nodiscard]] Outcome copy(const TaskElement& task, hal::FileHandle out, std::string_view path) {
    uint64_t at = task.offset;
    const uint64_t end = task.offset + task.length;
    while (at < end) {
      const uint64_t left = end - at;
      const size_t want = left < chunk_.size() ? static_cast<size_t>(left) : chunk_.size();
      Result<size_t> got = storage_.read_at(source_, at, chunk_.first(want));
      if (!got.ok()) {
        return at_path(got.error(), entry_.path.view());
      }
      if (*got == 0) {
        return Error(Status::FileError, "spool entry shorter than when it was scanned");
      }
      const Outcome appended = storage_.append(out, ConstByteSpan(chunk_.data(), *got));
      if (!appended.ok()) {
        return at_path(appended.error(), path);
      }
      at += *got;
    }
    return {};
  }

  hal::Storage& storage_;
  const SpoolEntry& entry_;
  const SplitLayout& layout_;
  std::string_view staging_;
  hal::FileHandle source_;
  ByteSpan chunk_;
  hal::FileHandle out_;
  Path out_path_;
  bool open_ = false;
  uint32_t part_ = 0;
  uint64_t written_ = 0;
};

// Stages every task of the entry (scanned by `file`) as the plan says.
Outcome stage_tasks(hal::Storage& storage, const SpoolEntry& entry, const SplitPlan& plan,
                    const SplitLayout& layout, std::string_view staging, hal::FileHandle file,
                    ByteSpan scan_chunk, ByteSpan copy_chunk) {
  // A second handle copies the tasks' bytes while the reader scans with its own.
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage.open_read(entry.path.view()));
  const hal::ScopedFile source(storage, opened);
  SplitStager stager(storage, entry, layout, staging, source.get(), copy_chunk);
  taskfile::TaskReader reader(storage, file, scan_chunk);
  taskfile::TaskElement task;
  uint64_t index = 0;
  for (;;) {
    Result<bool> more = reader.next(task);
    if (!more.ok()) {
      return at_path(more.error(), entry.path.view());
    }
    if (!*more || index == layout.tasks) {
      break;  // more tasks than the name says are refused below
    }
    LSEDGE_TRY(stager.task(plan, index, task));
    ++index;
  }
  if (index != layout.tasks || reader.summary().tasks != layout.tasks) {
    return Error(Status::JsonInvalid, "spool entry holds other tasks than its name says");
  }
  return stager.finish();
}

}  // namespace

Outcome Spool::split(const SpoolEntry& entry, const SplitPlan& plan) {
  LSEDGE_TRY(require_open());
  Name split_name;
  SplitPaths paths;
  LSEDGE_TRY(split_name_of(entry.name.view(), split_name));
  LSEDGE_TRY(split_paths(dir_.view(), entry.group.view(), split_name.view(), paths));
  LSEDGE_TRY(check_splittable(entry, paths.group.view(), split_name.view()));
  SplitCounts made;
  const Outcome staged = stage_split(entry, plan, paths.staging.view(), made);
  if (!staged.ok()) {
    discard_split(entry.group.view(), split_name.view());
    return staged;
  }
  // The commit is durable with the group directory (the staging directory's files already are).
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  LSEDGE_TRY(finish_split(entry.group.view(), split_name.view()));
  log_.info("split %s/%s (%llu tasks) into %u parts; %llu refused tasks moved to %s",
            entry.group.c_str(), entry.name.c_str(), static_cast<unsigned long long>(entry.tasks),
            made.parts, static_cast<unsigned long long>(made.rejected), paths.rejected.c_str());
  return {};
}

Outcome Spool::check_splittable(const SpoolEntry& entry, std::string_view group_path,
                                std::string_view split_name) {
  if (entry.import_id != 0) {
    return plan_error("split: an entry whose import the server queued is polled, never split");
  }
  // Left by an earlier attempt that failed: finished if it had committed (then the entry is no
  // longer queued and opening it fails), else undone.
  Path path;
  LSEDGE_TRY(join(path, group_path, split_name));
  LSEDGE_TRY_ASSIGN(const bool leftover, storage_.exists(path.view()));
  if (leftover) {
    LSEDGE_TRY(recover_split(entry.group.view(), split_name));
  }
  LSEDGE_TRY(join(path, entry.path.view(), {}, {}, kImportSuffix));
  LSEDGE_TRY_ASSIGN(const bool imported, storage_.exists(path.view()));
  if (imported) {
    return plan_error("split: an entry whose import the server queued is polled, never split");
  }
  return {};
}

// Everything up to and including the commit: the rename of the entry into `staging`.
Outcome Spool::stage_split(const SpoolEntry& entry, const SplitPlan& plan, std::string_view staging,
                           SplitCounts& made) {
  SplitLayout layout;
  {
    LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(entry.path.view()));
    const hal::ScopedFile file(storage_, opened);
    Result<uint64_t> size = storage_.size(file.get());
    if (!size.ok()) {
      return at_path(size.error(), entry.path.view());
    }
    LSEDGE_TRY(layout_split(entry.name.view(), *size, plan, layout));
    for (uint32_t part = 0; part < layout.part_count; ++part) {
      made.parts += layout.parts[part].tasks > 0 ? 1 : 0;
    }
    made.rejected = layout.rejected;
    LSEDGE_TRY(storage_.make_directory(staging));
    LSEDGE_TRY(stage_tasks(storage_, entry, plan, layout, staging, file.get(),
                           ByteSpan(scan_chunk_), ByteSpan(write_chunk_)));
  }
  LSEDGE_TRY(storage_.sync_directory(staging));
  Path original;
  LSEDGE_TRY(join(original, staging, kSplitOriginal));
  return storage_.rename(entry.path.view(), original.view());
}

// A split that failed before its commit: its staging directory goes (one that did commit stays,
// for next() to finish).
void Spool::discard_split(std::string_view group, std::string_view split_name) {
  SplitPaths paths;
  if (!split_paths(dir_.view(), group, split_name, paths).ok()) {
    return;
  }
  const Result<bool> committed = split_committed(storage_, paths);
  if (committed.ok() && !*committed) {
    (void)remove_tree(paths.staging.view(), 0);
  }
}

Outcome Spool::finish_split(std::string_view group, std::string_view split_name) {
  SplitPaths paths;
  LSEDGE_TRY(split_paths(dir_.view(), group, split_name, paths));
  // Reasons before their tasks, so a rejected task never lacks its reason.
  for (const bool reasons_and_parts : {true, false}) {
    LSEDGE_TRY(move_split_files(group, paths.group.view(), paths.staging.view(),
                                paths.rejected.view(), reasons_and_parts));
  }
  LSEDGE_TRY(storage_.sync_directory(paths.rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  // The entry's marker and import record do not carry to its parts: the server refused it, a
  // known outcome.
  remove_entry_notes(storage_, paths.entry.view());
  Path original;
  LSEDGE_TRY(join(original, paths.staging.view(), kSplitOriginal));
  LSEDGE_TRY(unless_gone(storage_.remove(original.view())));
  // Not synced: if a power loss brings the staging directory back, open() removes it again.
  return remove_tree(paths.staging.view(), 0);
}

Outcome Spool::move_split_files(std::string_view group, std::string_view group_path,
                                std::string_view staging, std::string_view rejected,
                                bool reasons_and_parts) {
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(staging));
  hal::DirectoryEntry file;
  while (reader.next(file)) {
    const std::string_view name = file.name.view();
    const SplitFile kind = file.is_directory ? SplitFile::Other : split_file_kind(name, group);
    const std::string_view target =
        split_file_target(kind, reasons_and_parts, group_path, rejected);
    if (!target.empty()) {
      LSEDGE_TRY(move_file(storage_, staging, name, target));
    }
  }
  return reader.status();
}

Outcome Spool::recover_split(std::string_view group, std::string_view split_name) {
  SplitPaths paths;
  LSEDGE_TRY(split_paths(dir_.view(), group, split_name, paths));
  LSEDGE_TRY_ASSIGN(const bool committed, split_committed(storage_, paths));
  if (committed) {
    LSEDGE_TRY(finish_split(group, split_name));
    log_.info("finished the interrupted split of %s", paths.entry.c_str());
    return {};
  }
  LSEDGE_TRY(remove_tree(paths.staging.view(), 0));  // not synced: undone again if it comes back
  log_.info("undid an interrupted split of %s; the entry stays queued whole", paths.entry.c_str());
  return {};
}

Outcome Spool::recover_group_splits(std::string_view group, std::string_view group_path) {
  for (int round = 0; round < kMaxSplitRecoveries; ++round) {
    GroupScan scan;
    LSEDGE_TRY(scan_group(storage_, group_path, scan));
    if (scan.split.empty()) {
      return {};
    }
    LSEDGE_TRY(recover_split(group, scan.split.view()));
  }
  return Error(Status::FileError, group_path);  // splits that reappear: not the spool's doing
}

// open(Consumer): every split a crash interrupted is finished or undone before anything is
// counted or sent.
Outcome Spool::recover_splits() {
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(queue.view()));
  hal::DirectoryEntry group;
  Path group_path;
  while (reader.next(group)) {
    if (group.is_directory && parse_group(group.name.view()) &&
        join(group_path, queue.view(), group.name.view()).ok()) {
      LSEDGE_TRY(unless_gone(recover_group_splits(group.name.view(), group_path.view())));
    }
  }
  return reader.status();
}

// --- mark_imported() ---------------------------------------------------------------------------

namespace {

// The record of mark_imported(): written in tmp/, renamed beside the entry, durable. It also
// keeps whether the request that got the id resent an outcome-unknown entry.
Outcome write_import_record(hal::Storage& storage, std::string_view dir, const SpoolEntry& entry,
                            int64_t import_id) {
  Name key;
  LSEDGE_TRY(entry_key(entry, key));
  Path staged;
  LSEDGE_TRY(join(staged, dir, kTmp, key.view(), kImportSuffix));
  Path record;
  LSEDGE_TRY(join(record, entry.path.view(), {}, {}, kImportSuffix));
  FixedString<48> text;
  (void)text.append_int(import_id);
  if (entry.outcome_unknown) {
    (void)text.append(kImportAfterUnknown);
  }
  LSEDGE_TRY(write_text_file(storage, staged.view(), text.view()));
  LSEDGE_TRY(storage.rename(staged.view(), record.view()));
  return storage.sync_directory(parent_of(record.view()));
}

}  // namespace

Outcome Spool::mark_imported(const SpoolEntry& entry, int64_t import_id) {
  LSEDGE_TRY(require_open());
  if (import_id <= 0) {
    return plan_error("mark_imported: an import id is positive");
  }
  LSEDGE_TRY_ASSIGN(const bool queued, storage_.exists(entry.path.view()));
  if (!queued) {
    return Error(Status::FileNotFound, entry.path.view());
  }
  LSEDGE_TRY(write_import_record(storage_, dir_.view(), entry, import_id));
  // The request's outcome is known now (the server has it), so the mark goes as release() takes
  // it; only after the record is durable: a crash in between leaves both, and the record decides.
  LSEDGE_TRY(release(entry));
  log_.info("the server queued the import of %s/%s as import %lld; its outcome is polled",
            entry.group.c_str(), entry.name.c_str(), static_cast<long long>(import_id));
  return {};
}

Outcome Spool::read_import_record(SpoolEntry& entry) {
  Path record;
  LSEDGE_TRY(join(record, entry.path.view(), {}, {}, kImportSuffix));
  uint8_t buffer[48];
  Result<size_t> got = storage_.read_file(record.view(), ByteSpan(buffer));
  if (is_gone(got.ok() ? Outcome() : Outcome(got.error()))) {
    return {};
  }
  if (!got.ok() && got.status() != Status::BufferTooSmall) {
    return got.error();
  }
  std::string_view text(reinterpret_cast<const char*>(buffer), got.ok() ? *got : 0);
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  const size_t space = text.find(' ');
  const std::optional<uint64_t> id = parse_number(text.substr(0, space));
  const std::string_view flag =
      space == std::string_view::npos ? std::string_view() : text.substr(space);
  if (!got.ok() || !id || *id == 0 || *id > static_cast<uint64_t>(INT64_MAX) ||
      (!flag.empty() && flag != kImportAfterUnknown)) {
    log_.warn("cannot read the import record %s; the entry is sent again and may be duplicated",
              record.c_str());
    entry.outcome_unknown = true;
    return {};
  }
  entry.import_id = static_cast<int64_t>(*id);
  entry.outcome_unknown = !flag.empty();
  return {};
}

Result<SpoolCounts> Spool::counts() {
  LSEDGE_TRY(require_open());
  SpoolCounts counts;
  counts.possible_duplicates = possible_duplicates_;
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kQueue));
  LSEDGE_TRY(count_queue(storage_, path.view(), counts));
  LSEDGE_TRY(join(path, dir_.view(), kRejected));
  LSEDGE_TRY_ASSIGN(counts.rejected_entries, count_rejected(storage_, path.view()));
  return counts;
}

Outcome SpoolEntryBody::open(const SpoolEntry& entry) {
  close();
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(entry.path.view()));
  Result<uint64_t> size = storage_.size(opened);
  if (!size.ok()) {
    storage_.close(opened);
    return at_path(size.error(), entry.path.view());
  }
  file_ = opened;
  size_ = *size;
  position_ = 0;
  return {};
}

Result<size_t> SpoolEntryBody::read(ByteSpan out) {
  if (!file_.valid()) {
    return Error(Status::InvalidArgument, "SpoolEntryBody is not open");
  }
  if (out.empty()) {
    return Error(Status::InvalidArgument, "SpoolEntryBody::read needs a non-empty buffer");
  }
  const uint64_t left = size_ - position_;
  if (left == 0) {
    return size_t{0};
  }
  const size_t want = left < out.size() ? static_cast<size_t>(left) : out.size();
  LSEDGE_TRY_ASSIGN(const size_t got, storage_.read_at(file_, position_, out.first(want)));
  if (got == 0) {
    return Error(Status::FileError, "spool entry shorter than when it was opened");
  }
  position_ += got;
  return got;
}

Outcome SpoolEntryBody::rewind() {
  if (!file_.valid()) {
    return Error(Status::InvalidArgument, "SpoolEntryBody is not open");
  }
  position_ = 0;
  return {};
}

void SpoolEntryBody::close() {
  if (file_.valid()) {
    storage_.close(file_);
  }
  file_ = hal::FileHandle{};
  size_ = 0;
  position_ = 0;
}

}  // namespace lsedge::spool
