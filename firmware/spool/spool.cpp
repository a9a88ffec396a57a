#include "firmware/spool/spool.h"

#include <cerrno>
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

using Name = FixedString<kSpoolNameCapacity>;

// Adapts a lambda `Outcome(std::string_view name, bool is_directory)` to a DirectoryVisitor.
template <class F>
class Visitor final : public hal::DirectoryVisitor {
 public:
  explicit Visitor(F f) : f_(f) {}
  Outcome on_entry(std::string_view name, bool is_directory) override {
    return f_(name, is_directory);
  }

 private:
  F f_;
};
template <class F>
Visitor<F> visitor(F f) {
  return Visitor<F>(f);
}

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

bool is_errno(const Error& error, int err) {
  return error.status == Status::FileError && error.code == err;
}
template <class T>
bool is_errno(const Result<T>& result, int err) {
  return !result.ok() && is_errno(result.error(), err);
}

bool is_disk_full(const Error& error) {
  return error.status == Status::FileError &&
         (error.code == ENOSPC || error.code == EDQUOT || error.code == EFBIG);
}

// The storage's error with `path` as its detail ("disk full: <path>" when it is one); for calls
// on handles, whose errors cannot name the file.
Error at_path(Error error, std::string_view path) {
  if (error.status != Status::FileError) {
    return error;
  }
  error.detail.clear();
  if (is_disk_full(error)) {
    error.detail.append_truncated("disk full: ");
  }
  error.detail.append_truncated(path);
  return error;
}

}  // namespace

Spool::Spool(hal::Storage& storage, hal::Entropy& entropy, Logger log)
    : storage_(storage), entropy_(entropy), log_(log) {}

Outcome Spool::require_open() const {
  if (!open_) {
    return Error(Status::InvalidArgument, "the spool is not open");
  }
  return {};
}

Outcome Spool::build(Path& out, std::string_view a, std::string_view b, std::string_view c,
                     std::string_view d) const {
  out.clear();
  if (out.append(a) != Status::Ok || (!b.empty() && out.append('/') != Status::Ok) ||
      out.append(b) != Status::Ok || (!c.empty() && out.append('/') != Status::Ok) ||
      out.append(c) != Status::Ok || out.append(d) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

Outcome Spool::open(std::string_view directory, Role role) {
  open_ = false;
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
  Path path;
  LSEDGE_TRY(storage_.make_directory(dir_.view()));
  for (const std::string_view sub : {kQueue, kTmp, kRejected}) {
    LSEDGE_TRY(build(path, dir_.view(), sub));
    LSEDGE_TRY(storage_.make_directory(path.view()));
  }
  LSEDGE_TRY(storage_.sync_directory(dir_.view()));
  // DIR's own entry in its parent, in case it was just created.
  const size_t slash = dir_.view().rfind('/');
  const std::string_view parent = slash == std::string_view::npos ? std::string_view(".")
                                  : slash == 0                    ? std::string_view("/")
                                                                  : dir_.view().substr(0, slash);
  LSEDGE_TRY(storage_.sync_directory(parent));
  open_ = true;

  if (role == Role::Consumer) {
    LSEDGE_TRY(collect_garbage());
    Result<SpoolCounts> now = counts();
    LSEDGE_TRY(now);
    if (now->outcome_unknown > 0) {
      log_.warn(
          "%llu spool entries were being sent when the last run stopped; their outcome is "
          "unknown and a resend may duplicate them",
          static_cast<unsigned long long>(now->outcome_unknown));
    }
    log_.info("spool %s: %llu entries (%llu tasks) queued, %llu rejected", dir_.c_str(),
              static_cast<unsigned long long>(now->queued_entries),
              static_cast<unsigned long long>(now->queued_tasks),
              static_cast<unsigned long long>(now->rejected_entries));
  }
  return {};
}

Outcome Spool::remove_tree(std::string_view path, int depth) {
  if (depth > 3) {
    return Error(Status::FileError, path);  // deeper than anything the spool creates
  }
  Outcome first_failure;
  Path child;
  auto remove_child = visitor([&](std::string_view name, bool is_directory) -> Outcome {
    if (!build(child, path, name).ok()) {
      return {};
    }
    Outcome removed =
        is_directory ? remove_tree(child.view(), depth + 1) : storage_.remove(child.view());
    if (!removed.ok() && !is_errno(removed.error(), ENOENT) && first_failure.ok()) {
      first_failure = removed;
    }
    return {};
  });
  Outcome listed = storage_.list_directory(path, remove_child);
  if (!listed.ok()) {
    return is_errno(listed.error(), ENOENT) ? Outcome() : listed;
  }
  LSEDGE_TRY(first_failure);
  Outcome removed = storage_.remove(path);
  if (!removed.ok() && !is_errno(removed.error(), ENOENT)) {
    return removed;
  }
  return {};
}

Outcome Spool::collect_garbage() {
  Path tmp;
  LSEDGE_TRY(build(tmp, dir_.view(), kTmp));
  Path path;
  Path garbage;
  uint64_t removed = 0;
  // A staging directory is first renamed away, so an add still writing into it fails at its
  // own rename instead of publishing a half-deleted group.
  auto clean = visitor([&](std::string_view name, bool is_directory) -> Outcome {
    if (!build(path, tmp.view(), name).ok()) {
      return {};
    }
    Outcome done;
    if (!is_directory) {
      done = storage_.remove(path.view());
    } else if (ends_with(name, kGarbageSuffix)) {
      done = remove_tree(path.view(), 0);
    } else if (build(garbage, tmp.view(), name, {}, kGarbageSuffix).ok()) {
      Outcome moved = storage_.rename(path.view(), garbage.view());
      if (!moved.ok() && (is_errno(moved.error(), ENOTEMPTY) || is_errno(moved.error(), EEXIST))) {
        (void)remove_tree(garbage.view(), 0);  // left by an interrupted cleanup
        moved = storage_.rename(path.view(), garbage.view());
      }
      done = moved.ok() ? remove_tree(garbage.view(), 0) : moved;
    }
    if (done.ok()) {
      ++removed;
    } else if (!is_errno(done.error(), ENOENT)) {
      log_.warn("cannot remove %s (%s): %s", path.c_str(), status_name(done.status()),
                done.error().detail.c_str());
    }
    return {};
  });
  LSEDGE_TRY(storage_.list_directory(tmp.view(), clean));
  if (removed > 0) {
    log_.info("removed %llu leftovers of interrupted adds from tmp/",
              static_cast<unsigned long long>(removed));
    LSEDGE_TRY(storage_.sync_directory(tmp.view()));
  }
  return {};
}

Outcome Spool::claim_staging(Path& claim, Path& staging) {
  Path tmp;
  LSEDGE_TRY(build(tmp, dir_.view(), kTmp));
  for (int attempt = 0; attempt < 8; ++attempt) {
    uint8_t random[8];
    if (entropy_.fill(ByteSpan(random)) != Status::Ok) {
      return Error(Status::EntropyFailure, "spool: naming a staging directory");
    }
    Name token;
    const char hex[] = "0123456789abcdef";
    for (const uint8_t byte : random) {
      (void)token.append(hex[byte >> 4]);
      (void)token.append(hex[byte & 0x0F]);
    }
    LSEDGE_TRY(build(claim, tmp.view(), token.view(), {}, kClaimSuffix));
    LSEDGE_TRY(build(staging, tmp.view(), token.view()));
    Result<hal::FileHandle> created = storage_.create_new(claim.view());
    if (is_errno(created, EEXIST)) {
      continue;
    }
    LSEDGE_TRY(created);
    storage_.close(*created);
    Outcome made = storage_.make_directory(staging.view());
    if (!made.ok()) {
      (void)storage_.remove(claim.view());
      return made;
    }
    return {};
  }
  return Error(Status::FileError, "spool: no free staging name in tmp/");
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
  LSEDGE_TRY(build(path, staging, name.view()));
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
  uint64_t highest = 0;
  auto in_queue = visitor([&](std::string_view name, bool) -> Outcome {
    const std::optional<uint64_t> sequence = parse_group(name);
    if (sequence && *sequence > highest) {
      highest = *sequence;
    }
    return {};
  });
  auto in_rejected = visitor([&](std::string_view name, bool) -> Outcome {
    if (name.size() > kSequenceDigits && name[kSequenceDigits] == '-') {
      const std::optional<uint64_t> sequence = parse_group(name.substr(0, kSequenceDigits));
      if (sequence && *sequence > highest) {
        highest = *sequence;
      }
    }
    return {};
  });
  Path path;
  LSEDGE_TRY(build(path, dir_.view(), kQueue));
  LSEDGE_TRY(storage_.list_directory(path.view(), in_queue));
  LSEDGE_TRY(build(path, dir_.view(), kRejected));
  LSEDGE_TRY(storage_.list_directory(path.view(), in_rejected));
  return highest;
}

Result<uint64_t> Spool::publish(std::string_view staging) {
  Path queue;
  LSEDGE_TRY(build(queue, dir_.view(), kQueue));
  Path target;
  for (int attempt = 0; attempt < kPublishAttempts; ++attempt) {
    Result<uint64_t> highest = highest_sequence();
    LSEDGE_TRY(highest);
    if (*highest == UINT64_MAX) {
      return Error(Status::FileError, "spool: sequence numbers exhausted");
    }
    const uint64_t sequence = *highest + 1;
    Name group;
    (void)append_padded(group, sequence, kSequenceDigits);
    LSEDGE_TRY(build(target, queue.view(), group.view()));
    // rename(2) replaces only an empty directory: a group another adder published first makes
    // this fail, and the next number is tried.
    const Outcome moved = storage_.rename(staging, target.view());
    if (!moved.ok()) {
      if (is_errno(moved.error(), ENOTEMPTY) || is_errno(moved.error(), EEXIST)) {
        continue;
      }
      return moved.error();
    }
    const Outcome synced = storage_.sync_directory(queue.view());
    if (!synced.ok()) {
      // Not durable, so not reported as added: take it back if nothing has touched it yet.
      if (!storage_.rename(target.view(), staging).ok()) {
        log_.error("%s could not be made durable nor taken back; it may be uploaded",
                   target.c_str());
      }
      return synced.error();
    }
    return sequence;
  }
  return Error(Status::FileError, "spool: too many concurrent adds; try again");
}

Result<SpoolAddResult> Spool::add(std::string_view task_file, uint64_t budget_bytes) {
  LSEDGE_TRY(require_open());
  Result<hal::FileHandle> opened = storage_.open_read(task_file);
  LSEDGE_TRY(opened);
  const hal::ScopedFile file(storage_, *opened);

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
  LSEDGE_TRY(build(queue, dir_.view(), kQueue));
  Name cursor;  // groups at or below it were skipped
  bool retried = false;
  for (;;) {
    Name group;
    uint64_t group_sequence = 0;
    auto oldest_group = visitor([&](std::string_view name, bool is_directory) -> Outcome {
      const std::optional<uint64_t> sequence = parse_group(name);
      if (is_directory && sequence && (cursor.empty() || name > cursor.view()) &&
          (group.empty() || name < group.view())) {
        (void)group.assign(name);
        group_sequence = *sequence;
      }
      return {};
    });
    LSEDGE_TRY(storage_.list_directory(queue.view(), oldest_group));
    if (group.empty()) {
      return false;
    }

    Path group_path;
    LSEDGE_TRY(build(group_path, queue.view(), group.view()));
    Name oldest;
    uint64_t batch = 0;
    uint64_t tasks = 0;
    bool foreign = false;
    auto oldest_entry = visitor([&](std::string_view name, bool is_directory) -> Outcome {
      uint64_t b = 0;
      uint64_t t = 0;
      if (!is_directory && parse_entry(name, b, t)) {
        if (oldest.empty() || name < oldest.view()) {
          (void)oldest.assign(name);
          batch = b;
          tasks = t;
        }
      } else if (is_directory || !ends_with(name, kMarkerSuffix)) {
        foreign = true;
      }
      return {};
    });
    LSEDGE_TRY(storage_.list_directory(group_path.view(), oldest_entry));

    if (!oldest.empty()) {
      entry = SpoolEntry();
      (void)entry.group.assign(group.view());
      (void)entry.name.assign(oldest.view());
      LSEDGE_TRY(build(entry.path, group_path.view(), oldest.view()));
      entry.sequence = group_sequence;
      entry.batch = batch;
      entry.tasks = tasks;
      Path marker;
      LSEDGE_TRY(build(marker, entry.path.view(), {}, {}, kMarkerSuffix));
      Result<bool> marked = storage_.exists(marker.view());
      LSEDGE_TRY(marked);
      entry.outcome_unknown = *marked;
      return true;
    }

    // A group without entries: everything in it was confirmed or rejected. Its leftover markers
    // go, then the group.
    if (!foreign) {
      Path marker;
      auto drop_marker = visitor([&](std::string_view name, bool) -> Outcome {
        if (ends_with(name, kMarkerSuffix) && build(marker, group_path.view(), name).ok()) {
          (void)storage_.remove(marker.view());
        }
        return {};
      });
      LSEDGE_TRY(storage_.list_directory(group_path.view(), drop_marker));
      const Outcome removed = storage_.remove(group_path.view());
      if (removed.ok()) {
        (void)storage_.sync_directory(queue.view());
        continue;
      }
      if (!retried && (is_errno(removed.error(), ENOTEMPTY) || is_errno(removed.error(), EEXIST))) {
        retried = true;  // an adder may have just published a group under this number
        continue;
      }
      if (!is_errno(removed.error(), ENOENT)) {
        log_.warn("cannot remove the empty group %s: %s", group_path.c_str(),
                  status_name(removed.status()));
      }
    } else {
      log_.warn("%s holds files the spool did not write; skipped", group_path.c_str());
    }
    (void)cursor.assign(group.view());
    retried = false;
  }
}

Outcome Spool::mark_sending(const SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  Path marker;
  LSEDGE_TRY(build(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  Result<hal::FileHandle> created = storage_.create_new(marker.view());
  if (created.ok()) {
    storage_.close(*created);
  } else if (!is_errno(created, EEXIST)) {
    return created.error();
  }
  Path group_path;
  LSEDGE_TRY(build(group_path, dir_.view(), kQueue, entry.group.view()));
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
  LSEDGE_TRY(build(group_path, dir_.view(), kQueue, entry.group.view()));
  LSEDGE_TRY(storage_.remove(entry.path.view()));
  LSEDGE_TRY(storage_.sync_directory(group_path.view()));
  // The marker goes only after the removal is durable: a crash in between leaves an orphan
  // marker (removed later), never an unmarked entry that was already sent.
  Path marker;
  LSEDGE_TRY(build(marker, entry.path.view(), {}, {}, kMarkerSuffix));
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
  std::string_view stem = entry.name.view();
  stem.remove_suffix(kEntrySuffix.size());
  Name rejected_name;
  if (rejected_name.append(entry.group.view()) != Status::Ok ||
      rejected_name.append('-') != Status::Ok || rejected_name.append(stem) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool entry name too long");
  }
  Path reason_tmp;
  Path reason;
  Path moved;
  Path group_path;
  Path rejected;
  LSEDGE_TRY(build(reason_tmp, dir_.view(), kTmp, rejected_name.view(), kReasonSuffix));
  LSEDGE_TRY(build(reason, dir_.view(), kRejected, rejected_name.view(), kReasonSuffix));
  LSEDGE_TRY(build(moved, dir_.view(), kRejected, rejected_name.view(), kEntrySuffix));
  LSEDGE_TRY(build(group_path, dir_.view(), kQueue, entry.group.view()));
  LSEDGE_TRY(build(rejected, dir_.view(), kRejected));

  // The reason first (written in tmp/, then renamed), so a rejected entry never lacks it.
  const Outcome stale = storage_.remove(reason_tmp.view());  // left by an interrupted reject
  if (!stale.ok() && !is_errno(stale.error(), ENOENT)) {
    return stale;
  }
  Result<hal::FileHandle> created = storage_.create_new(reason_tmp.view());
  LSEDGE_TRY(created);
  {
    const hal::ScopedFile out(storage_, *created);
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
      (void)storage_.remove(reason_tmp.view());
      return at_path(written.error(), reason_tmp.view());
    }
  }
  LSEDGE_TRY(storage_.rename(reason_tmp.view(), reason.view()));
  LSEDGE_TRY(storage_.rename(entry.path.view(), moved.view()));
  LSEDGE_TRY(storage_.sync_directory(rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(group_path.view()));
  Path marker;
  LSEDGE_TRY(build(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  (void)storage_.remove(marker.view());
  log_.warn("the server rejected %s/%s (%llu tasks); moved to %s", entry.group.c_str(),
            entry.name.c_str(), static_cast<unsigned long long>(entry.tasks), moved.c_str());
  return {};
}

Outcome Spool::release(const SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  if (entry.outcome_unknown) {
    return {};  // an earlier request's outcome is still unknown: the mark must stay
  }
  Path marker;
  LSEDGE_TRY(build(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  const Outcome removed = storage_.remove(marker.view());
  if (!removed.ok() && !is_errno(removed.error(), ENOENT)) {
    return removed;
  }
  Path group_path;
  LSEDGE_TRY(build(group_path, dir_.view(), kQueue, entry.group.view()));
  return storage_.sync_directory(group_path.view());
}

Result<SpoolCounts> Spool::counts() {
  LSEDGE_TRY(require_open());
  SpoolCounts counts;
  counts.possible_duplicates = possible_duplicates_;
  Path queue;
  LSEDGE_TRY(build(queue, dir_.view(), kQueue));
  Path group_path;
  Path entry_path;
  Outcome inner;
  auto in_group = visitor([&](std::string_view name, bool is_directory) -> Outcome {
    uint64_t batch = 0;
    uint64_t tasks = 0;
    if (is_directory) {
      return {};
    }
    if (parse_entry(name, batch, tasks)) {
      ++counts.queued_entries;
      counts.queued_tasks += tasks;
    } else if (ends_with(name, kMarkerSuffix)) {
      // Only a marker whose entry is still queued counts (see confirm()).
      LSEDGE_TRY(
          build(entry_path, group_path.view(), name.substr(0, name.size() - kMarkerSuffix.size())));
      Result<bool> queued = storage_.exists(entry_path.view());
      LSEDGE_TRY(queued);
      if (*queued) {
        ++counts.outcome_unknown;
      }
    }
    return {};
  });
  auto in_queue = visitor([&](std::string_view name, bool is_directory) -> Outcome {
    if (!is_directory || !parse_group(name)) {
      return {};
    }
    LSEDGE_TRY(build(group_path, queue.view(), name));
    const Outcome listed = storage_.list_directory(group_path.view(), in_group);
    if (!listed.ok() && !is_errno(listed.error(), ENOENT)) {  // ENOENT: consumed meanwhile
      return listed;
    }
    return {};
  });
  LSEDGE_TRY(storage_.list_directory(queue.view(), in_queue));
  Path rejected;
  LSEDGE_TRY(build(rejected, dir_.view(), kRejected));
  auto in_rejected = visitor([&](std::string_view name, bool is_directory) -> Outcome {
    if (!is_directory && ends_with(name, kEntrySuffix)) {
      ++counts.rejected_entries;
    }
    return {};
  });
  LSEDGE_TRY(storage_.list_directory(rejected.view(), in_rejected));
  return counts;
}

Outcome SpoolEntryBody::open(const SpoolEntry& entry) {
  close();
  Result<hal::FileHandle> opened = storage_.open_read(entry.path.view());
  LSEDGE_TRY(opened);
  Result<uint64_t> size = storage_.size(*opened);
  if (!size.ok()) {
    storage_.close(*opened);
    return at_path(size.error(), entry.path.view());
  }
  file_ = *opened;
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
  Result<size_t> got = storage_.read_at(file_, position_, out.first(want));
  LSEDGE_TRY(got);
  if (*got == 0) {
    return Error(Status::FileError, "spool entry shorter than when it was opened");
  }
  position_ += *got;
  return *got;
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
