#include "firmware/spool/spool.h"

#include <optional>

#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers
using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::TaskBatch;

// --- add() ---

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
  BatchBodyReader body(storage_, file, batch, ByteSpan(body_chunk_),
                       taskfile::BodyCheck::Revalidate);
  LSEDGE_TRY_ASSIGN(const uint64_t written,
                    copy_entry_body(body, out.get(), task_file, path.view()));
  if (written != batch.body_size) {
    return Error(Status::TaskFileInvalid, "task file changed while it was spooled");
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

namespace {

// DIR/sequence: the last SEQ an add took, as 20 digits and a newline, rewritten in place (so a
// full disk never stops an add at it). Older spools have none: a scan initialises it.
constexpr std::string_view kSequenceFile = "sequence";
constexpr size_t kSequenceFileBytes = kSequenceDigits + 1;

}  // namespace

// The counter file, created if missing, locked (waiting for other adders): held across the read,
// the publishing rename and the write, so no two adds take one number and numbers only grow.
Result<hal::FileHandle> Spool::lock_sequence(std::string_view path) {
  Result<hal::FileHandle> created = storage_.create_new(path);
  if (created.ok()) {
    // Empty: read as missing, initialised from a scan. Not synced: if a power loss takes it, the
    // scan again (the counter only has to be above every SEQ still on disk).
    storage_.close(*created);
  } else if (created.status() != Status::FileExists) {
    return created.error();
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle locked, storage_.lock_file(path, hal::LockWait::Wait));
  if (!locked.valid()) {
    return Error(Status::FileError, path);  // Wait returns a held lock or an error
  }
  return locked;
}

// The last SEQ taken: the counter, or (missing, unreadable) the highest SEQ in queue/ and
// rejected/ (one scan).
Result<uint64_t> Spool::read_sequence(hal::FileHandle counter) {
  char text[kSequenceFileBytes + 1] = {};
  Result<size_t> got =
      storage_.read_at(counter, 0, ByteSpan(reinterpret_cast<uint8_t*>(text), sizeof(text)));
  if (got.ok() && *got == kSequenceFileBytes && text[kSequenceDigits] == '\n') {
    const std::optional<uint64_t> last = parse_group(std::string_view(text, kSequenceDigits));
    if (last) {
      return *last;
    }
  }
  if (got.ok() && *got != 0) {
    log_.warn("%s/%s is unreadable; the next sequence number comes from a scan of the queue",
              dir_.c_str(), kSequenceFile.data());
  }
  return highest_sequence();
}

// Records `sequence` as taken, durably, before it is used: the counter is never below a
// published group, whatever a crash interrupts.
Outcome Spool::write_sequence(hal::FileHandle counter, std::string_view path, uint64_t sequence) {
  Name text;
  (void)append_padded(text, sequence, kSequenceDigits);
  (void)text.append('\n');
  Outcome written = storage_.write_at(counter, 0, as_bytes(text.view()));
  if (written.ok()) {
    written = storage_.sync(counter);
  }
  return written.ok() ? written : Outcome(at_path(written.error(), path));
}

Result<uint64_t> Spool::publish(std::string_view staging) {
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kSequenceFile));
  LSEDGE_TRY_ASSIGN(const hal::FileHandle locked, lock_sequence(path.view()));
  const hal::ScopedFile counter(storage_, locked);  // closing it releases the lock
  LSEDGE_TRY_ASSIGN(uint64_t last, read_sequence(locked));
  for (int attempt = 0; attempt < kPublishAttempts; ++attempt) {
    if (last == UINT64_MAX) {
      return Error(Status::FileError, "spool: sequence numbers exhausted");
    }
    const uint64_t sequence = last + 1;
    LSEDGE_TRY(write_sequence(locked, path.view(), sequence));
    LSEDGE_TRY_ASSIGN(const bool published, publish_as(staging, queue.view(), sequence));
    if (published) {
      return sequence;
    }
    // Taken: the counter is behind the queue (an adder of an older release, a restored copy).
    LSEDGE_TRY_ASSIGN(const uint64_t highest, highest_sequence());
    last = highest > sequence ? highest : sequence;
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

Result<uint64_t> Spool::publish_staged(std::string_view claim, std::string_view staging,
                                       Outcome filled) {
  Outcome done = filled;
  if (done.ok()) {
    done = storage_.sync_directory(staging);
  }
  Result<uint64_t> sequence = done.ok() ? publish(staging) : Result<uint64_t>(done.error());
  if (!sequence.ok()) {
    discard_staging(claim, staging);
    return sequence.error();
  }
  (void)storage_.remove(claim);  // a leftover claim is garbage, removed by the consumer
  return *sequence;
}

Result<SpoolAddResult> Spool::add(std::string_view task_file, uint64_t budget_bytes) {
  LSEDGE_TRY(require_open());
  const Result<hal::FileInfo> info = storage_.info(task_file);
  LSEDGE_TRY(check_room(info.ok() ? info->size : 0));  // a missing file fails just below
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(task_file));
  const hal::ScopedFile file(storage_, opened);

  Path claim;
  Path staging;
  LSEDGE_TRY(claim_staging(claim, staging));
  SpoolAddResult result;
  LSEDGE_TRY_ASSIGN(
      result.sequence,
      publish_staged(claim.view(), staging.view(),
                     write_entries(task_file, file.get(), staging.view(), budget_bytes, result)));
  log_.info("queued %llu tasks from %.*s as %llu entries (group %llu)",
            static_cast<unsigned long long>(result.tasks), static_cast<int>(task_file.size()),
            task_file.data(), static_cast<unsigned long long>(result.entries),
            static_cast<unsigned long long>(result.sequence));
  return result;
}

}  // namespace lsedge::spool
