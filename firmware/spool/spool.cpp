#include "firmware/spool/spool.h"

#include <optional>

namespace lsedge::spool {

using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::TaskBatch;
namespace {

constexpr std::string_view kQueue = "queue";
constexpr std::string_view kTmp = "tmp";
constexpr std::string_view kRejected = "rejected";
constexpr std::string_view kEntrySuffix = ".json";
constexpr std::string_view kMarkerSuffix = ".sending";
constexpr std::string_view kClaimSuffix = ".claim";
constexpr std::string_view kGarbageSuffix = ".garbage";
constexpr std::string_view kReasonSuffix = ".reason.txt";
constexpr size_t kSequenceDigits = 20;
constexpr size_t kBatchDigits = 10;
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

// "<BATCH>-<TASKS>.json" -> batch, tasks (tasks > 0).
bool parse_entry(std::string_view name, uint64_t& batch, uint64_t& tasks) {
  if (!ends_with(name, kEntrySuffix) || name.size() < kBatchDigits + 2 + kEntrySuffix.size() ||
      name[kBatchDigits] != '-') {
    return false;
  }
  const std::optional<uint64_t> b = parse_number(name.substr(0, kBatchDigits), kBatchDigits);
  const std::optional<uint64_t> t = parse_number(
      name.substr(kBatchDigits + 1, name.size() - kBatchDigits - 1 - kEntrySuffix.size()));
  if (!b || !t || *t == 0) {
    return false;
  }
  batch = *b;
  tasks = *t;
  return true;
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
  bool foreign = false;  // something other than entries and markers
};

void note_group_member(const hal::DirectoryEntry& entry, GroupScan& scan) {
  const std::string_view name = entry.name.view();
  uint64_t batch = 0;
  uint64_t tasks = 0;
  if (!entry.is_directory && parse_entry(name, batch, tasks)) {
    if (scan.oldest.empty() || name < scan.oldest.view()) {
      (void)scan.oldest.assign(name);
      scan.batch = batch;
      scan.tasks = tasks;
    }
  } else if (entry.is_directory || !ends_with(name, kMarkerSuffix)) {
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

// Removes the markers left in a group whose entries are all gone (best effort).
Outcome drop_markers(hal::Storage& storage, std::string_view group_path) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(group_path));
  hal::DirectoryEntry entry;
  Path marker;
  while (reader.next(entry)) {
    if (ends_with(entry.name.view(), kMarkerSuffix) &&
        join(marker, group_path, entry.name.view()).ok()) {
      (void)storage.remove(marker.view());
    }
  }
  return reader.status();
}

// Counts one file of a group: an entry, or a marker whose entry is still queued (see confirm()).
Outcome count_group_file(hal::Storage& storage, std::string_view group_path, std::string_view name,
                         SpoolCounts& counts) {
  uint64_t batch = 0;
  uint64_t tasks = 0;
  if (parse_entry(name, batch, tasks)) {
    ++counts.queued_entries;
    counts.queued_tasks += tasks;
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

Outcome reject_paths(std::string_view dir, const SpoolEntry& entry, RejectPaths& paths) {
  std::string_view stem = entry.name.view();
  stem.remove_suffix(kEntrySuffix.size());
  Name name;
  if (name.append(entry.group.view()) != Status::Ok || name.append('-') != Status::Ok ||
      name.append(stem) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool entry name too long");
  }
  LSEDGE_TRY(join(paths.reason_tmp, dir, kTmp, name.view(), kReasonSuffix));
  LSEDGE_TRY(join(paths.reason, dir, kRejected, name.view(), kReasonSuffix));
  LSEDGE_TRY(join(paths.moved, dir, kRejected, name.view(), kEntrySuffix));
  LSEDGE_TRY(join(paths.rejected, dir, kRejected));
  return join(paths.group, dir, kQueue, entry.group.view());
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
  LSEDGE_TRY(set_directory(directory));
  LSEDGE_TRY(make_layout());
  open_ = true;
  if (role == Role::Consumer) {
    LSEDGE_TRY(collect_garbage());
    LSEDGE_TRY(report_queue());
  }
  return {};
}

Outcome Spool::set_directory(std::string_view directory) {
  while (directory.size() > 1 && directory.back() == '/') {
    directory.remove_suffix(1);
  }
  // The longest path below DIR: queue/<SEQ>/<BATCH>-<TASKS>.json.sending.
  constexpr size_t kLongestBelow = 1 + 8 + 1 + kSequenceDigits + 1 + kBatchDigits + 1 + 20 +
                                   kEntrySuffix.size() + kMarkerSuffix.size();
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

Result<Spool::GroupVisit> Spool::visit_group(std::string_view queue, std::string_view group,
                                             uint64_t sequence, bool may_be_refilled,
                                             SpoolEntry& entry) {
  Path group_path;
  LSEDGE_TRY(join(group_path, queue, group));
  GroupScan scan;
  LSEDGE_TRY(scan_group(storage_, group_path.view(), scan));
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
  return {};
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
  Path marker;
  LSEDGE_TRY(join(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  (void)storage_.remove(marker.view());
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
  LSEDGE_TRY(write_reason(paths.reason_tmp.view(), server_message));
  LSEDGE_TRY(storage_.rename(paths.reason_tmp.view(), paths.reason.view()));
  LSEDGE_TRY(storage_.rename(entry.path.view(), paths.moved.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  Path marker;
  LSEDGE_TRY(join(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  (void)storage_.remove(marker.view());
  log_.warn("the server rejected %s/%s (%llu tasks); moved to %s", entry.group.c_str(),
            entry.name.c_str(), static_cast<unsigned long long>(entry.tasks), paths.moved.c_str());
  return {};
}

Outcome Spool::write_reason(std::string_view path, std::string_view server_message) {
  LSEDGE_TRY(unless_gone(storage_.remove(path)));  // left by an interrupted reject
  LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage_.create_new(path));
  const hal::ScopedFile out(storage_, created);
  const std::string_view text =
      server_message.empty() ? std::string_view("(the server gave no message)") : server_message;
  Outcome written = storage_.append(out.get(), as_bytes(text));
  if (written.ok() && text.back() != '\n') {
    written = storage_.append(out.get(), as_bytes("\n"));
  }
  if (written.ok()) {
    written = storage_.sync(out.get());
  }
  if (!written.ok()) {
    (void)storage_.remove(path);
    return at_path(written.error(), path);
  }
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
