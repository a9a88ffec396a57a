#include "firmware/spool/spool.h"

#include <optional>

#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers
using taskfile::BatchBodyReader;
using taskfile::BatchPlanner;
using taskfile::TaskBatch;
using taskfile::TaskElement;

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
  return move_to_rejected(entry, reason_text(server_message), "the server rejected");
}

Outcome Spool::move_to_rejected(const SpoolEntry& entry, std::string_view reason, const char* why) {
  RejectPaths paths;
  LSEDGE_TRY(reject_paths(dir_.view(), entry, paths));
  // The reason first (written in tmp/, then renamed), so a rejected entry never lacks it.
  LSEDGE_TRY(write_text_file(storage_, paths.reason_tmp.view(), reason));
  LSEDGE_TRY(storage_.rename(paths.reason_tmp.view(), paths.reason.view()));
  LSEDGE_TRY(storage_.rename(entry.path.view(), paths.moved.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  remove_entry_notes(storage_, entry.path.view());
  log_.warn("%s %s/%s (%llu tasks); moved to %s", why, entry.group.c_str(), entry.name.c_str(),
            static_cast<unsigned long long>(entry.tasks), paths.moved.c_str());
  return {};
}

// --- the in-flight record and the entry check ----------------------------------------------------

Result<bool> Spool::is_in_flight(std::string_view group, std::string_view name) {
  LSEDGE_TRY(require_open());
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, group));
  Path marker;
  LSEDGE_TRY(join(marker, group_path.view(), name, {}, kMarkerSuffix));
  return storage_.exists(marker.view());
}

namespace {

// A scanner's verdict on the bytes (as opposed to a storage failure while reading them).
bool is_scan_failure(Status status) {
  return status == Status::JsonInvalid || status == Status::EmptyInput ||
         status == Status::TaskFileInvalid || status == Status::ValidationFailed;
}

}  // namespace

Outcome Spool::check_entry_file(const SpoolEntry& entry, Error& corrupt) {
  corrupt = Error();
  EntryName parsed;
  if (!parse_entry(entry.name.view(), parsed)) {
    return plan_error("reject_if_corrupt: not a spool entry's name");
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(entry.path.view()));
  const hal::ScopedFile file(storage_, opened);
  Result<uint64_t> size = storage_.size(file.get());
  if (!size.ok()) {
    return at_path(size.error(), entry.path.view());
  }
  if (*size == 0) {
    corrupt = Error(Status::TaskFileInvalid, "the entry file is empty (0 bytes)");
    return {};
  }
  Result<taskfile::TaskFileSummary> summary =
      taskfile::scan_task_file(storage_, file.get(), ByteSpan(scan_chunk_));
  if (!summary.ok()) {
    if (!is_scan_failure(summary.status())) {
      return at_path(summary.error(), entry.path.view());
    }
    corrupt = Error(Status::TaskFileInvalid, "the entry file is not a JSON array of tasks: ");
    corrupt.detail.append_truncated(summary.error().detail.view());
    return {};
  }
  if (summary->format != taskfile::TaskFileFormat::JsonArray || summary->tasks != parsed.tasks) {
    corrupt = Error(Status::TaskFileInvalid, "the entry file holds ");
    (void)corrupt.detail.append_uint(summary->tasks);
    corrupt.detail.append_truncated(" tasks as a ");
    corrupt.detail.append_truncated(taskfile::task_file_format_name(summary->format));
    corrupt.detail.append_truncated(", its name says a JSON array of ");
    (void)corrupt.detail.append_uint(parsed.tasks);
  }
  return {};
}

Result<bool> Spool::reject_if_corrupt(const SpoolEntry& entry) {
  LSEDGE_TRY(require_open());
  Error corrupt;
  LSEDGE_TRY(check_entry_file(entry, corrupt));
  if (corrupt.status == Status::Ok) {
    return false;
  }
  FixedString<kErrorDetailCapacity + 64> reason;
  reason.append_truncated("corrupt spool entry, not sent: ");
  reason.append_truncated(corrupt.detail.view());
  log_.error("%s: %s", entry.path.c_str(), reason.c_str());
  LSEDGE_TRY(move_to_rejected(entry, reason.view(), "not sending the corrupt entry"));
  return true;
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
