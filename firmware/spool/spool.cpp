#include "firmware/spool/spool.h"

#include <optional>

#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

Spool::Spool(hal::Storage& storage, hal::Entropy& entropy, Logger log)
    : storage_(storage), entropy_(entropy), log_(log) {}

Spool::~Spool() {
  close();
}

void Spool::close() {
  if (lock_.valid()) {
    storage_.close(lock_);
  }
  lock_ = hal::FileHandle{};
  record_ = InFlight();
  record_slot_ = 0;
  open_ = false;
}

Outcome Spool::require_open() const {
  if (!open_) {
    return Error(Status::InvalidArgument, "the spool is not open");
  }
  return {};
}

Outcome Spool::open(std::string_view directory, Role role) {
  close();
  serving_.clear();
  LSEDGE_TRY(set_directory(directory));
  LSEDGE_TRY(prepare_directory(role));
  LSEDGE_TRY(make_layout());
  if (role == Role::Consumer) {
    return open_consumer();
  }
  open_ = true;
  return {};
}

Outcome Spool::open_consumer() {
  // Before anything is cleaned or recovered: a second consumer must touch nothing.
  LSEDGE_TRY(take_lock());
  LSEDGE_TRY(load_record());
  open_ = true;
  LSEDGE_TRY(collect_garbage());
  LSEDGE_TRY(recover_splits());
  return report_queue();
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

namespace {

Error about_directory(Status status, std::string_view dir, std::string_view why) {
  Error error(status, dir);
  error.detail.append_truncated(why);
  return error;
}

}  // namespace

Outcome Spool::prepare_directory(Role role) {
  const Result<hal::FileInfo> info = storage_.info(dir_.view());
  if (!info.ok() && info.status() == Status::FileNotFound) {
    if (role == Role::Consumer) {
      // A typo in --spool would otherwise wait forever on an empty queue.
      return about_directory(Status::SpoolNotFound, dir_.view(), ": no such directory");
    }
    LSEDGE_TRY(storage_.make_directory(dir_.view()));
    return check_contents(true);
  }
  if (!info.ok()) {
    return info.error();
  }
  if (info->kind != hal::FileInfo::Kind::Directory) {
    return about_directory(Status::NotADirectory, dir_.view(),
                           " is a file or device, not a directory");
  }
  return check_contents(false);
}

// A spool holds the marker. Without one, only an empty directory (or one this call created) and
// an earlier release's spool (nothing but queue/, tmp/, rejected/) become spools: anything else
// may be the user's files, and lsedge writes nothing there.
Outcome Spool::check_contents(bool created) {
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(dir_.view()));
  hal::DirectoryEntry entry;
  bool marked = false;
  bool old_spool = false;
  FixedString<hal::kFileNameCapacity> foreign;
  while (reader.next(entry)) {
    const std::string_view name = entry.name.view();
    if (name == kSpoolMarker) {
      marked = true;
    } else if (entry.is_directory && is_spool_subdirectory(name)) {
      old_spool = true;
    } else if (foreign.empty()) {
      (void)foreign.assign(name);
    }
  }
  LSEDGE_TRY(reader.status());
  Path marker;
  LSEDGE_TRY(join(marker, dir_.view(), kSpoolMarker));
  if (marked) {
    return check_marker(marker.view());
  }
  if (!foreign.empty()) {
    Error refused = about_directory(Status::NotASpool, dir_.view(),
                                    " is not empty and is not an lsedge spool (no lsedge-spool "
                                    "marker; it holds \"");
    refused.detail.append_truncated(foreign.view());
    refused.detail.append_truncated("\"); nothing in it was touched");
    return refused;
  }
  LSEDGE_TRY(write_marker());
  // Said where it is seen by default: a mistyped --spool of `spool add` is noticed at once.
  if (created) {
    log_.warn("created spool %s (it did not exist)", dir_.c_str());
  } else if (old_spool) {
    log_.warn("adopted %s, a spool of an earlier lsedge release: marked it as a spool (%s)",
              dir_.c_str(), marker.c_str());
  } else {
    log_.info("made the empty directory %s a spool", dir_.c_str());
  }
  return {};
}

Outcome Spool::check_marker(std::string_view marker) {
  uint8_t text[32];
  const Result<size_t> got = storage_.read_file(marker, ByteSpan(text));
  if (!got.ok() && got.status() != Status::BufferTooSmall &&
      got.status() != Status::NotARegularFile) {
    return got.error();
  }
  const std::string_view content(reinterpret_cast<const char*>(text), got.ok() ? *got : 0);
  // A marker being written by another process (or cut short by a crash) reads as a prefix.
  if (got.ok() && kSpoolMarkerText.substr(0, content.size()) == content) {
    return {};
  }
  std::optional<uint64_t> version;
  if (got.ok() && content.size() > kSpoolMarkerPrefix.size() + 1 && content.back() == '\n' &&
      content.substr(0, kSpoolMarkerPrefix.size()) == kSpoolMarkerPrefix) {
    version = parse_number(
        content.substr(kSpoolMarkerPrefix.size(), content.size() - kSpoolMarkerPrefix.size() - 1));
  }
  if (version && *version >= 1 && *version <= kSpoolVersion) {
    return {};
  }
  if (version && *version > kSpoolVersion) {
    Error newer =
        about_directory(Status::NotASpool, dir_.view(), " is a spool of a newer lsedge (format ");
    (void)newer.detail.append_uint(*version);
    newer.detail.append_truncated("; this lsedge reads up to format 2): use that release");
    return newer;
  }
  return about_directory(Status::NotASpool, marker, " is not an lsedge spool marker");
}

Outcome Spool::write_marker() {
  Path marker;
  LSEDGE_TRY(join(marker, dir_.view(), kSpoolMarker));
  Result<hal::FileHandle> created = storage_.create_new(marker.view());
  if (created.status() == Status::FileExists) {
    return check_marker(marker.view());  // another process made the spool just now
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle file, std::move(created));
  const hal::ScopedFile out(storage_, file);
  Outcome written = storage_.append(out.get(), as_bytes(kSpoolMarkerText));
  if (written.ok()) {
    written = storage_.sync(out.get());
  }
  if (!written.ok()) {
    (void)storage_.remove(marker.view());
    return at_path(written.error(), marker.view());
  }
  return {};
}

Outcome Spool::make_layout() {
  Path path;
  for (const std::string_view sub : {kQueue, kTmp, kRejected}) {
    LSEDGE_TRY(join(path, dir_.view(), sub));
    LSEDGE_TRY(storage_.make_directory(path.view()));
  }
  LSEDGE_TRY(make_lock_file());
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

namespace {

// What tmp/ cleanup removed and left (the names it left are reported once).
struct TmpSweep {
  uint64_t removed = 0;
  uint64_t left = 0;
  FixedString<hal::kFileNameCapacity> first_left;
  void note(bool was_removed, std::string_view name) {
    removed += was_removed ? 1 : 0;
    if (!was_removed && left++ == 0) {
      (void)first_left.assign(name);
    }
  }
  void report(const Logger& log, const char* tmp) const {
    if (left > 0) {
      log.warn("%s holds %llu names lsedge does not make there (first: \"%s\"); left alone", tmp,
               static_cast<unsigned long long>(left), first_left.c_str());
    }
    if (removed > 0) {
      log.info("removed %llu leftovers of interrupted adds from tmp/",
               static_cast<unsigned long long>(removed));
    }
  }
};

}  // namespace

Outcome Spool::collect_garbage() {
  Path tmp;
  LSEDGE_TRY(join(tmp, dir_.view(), kTmp));
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(tmp.view()));
  hal::DirectoryEntry entry;
  Path path;
  TmpSweep sweep;
  while (reader.next(entry)) {
    if (!join(path, tmp.view(), entry.name.view()).ok()) {
      continue;
    }
    const Result<bool> done = remove_leftover(tmp.view(), entry, path.view());
    if (done.ok()) {
      sweep.note(*done, entry.name.view());
    } else if (!is_gone(done.error())) {
      log_.warn("cannot remove %s (%s): %s", path.c_str(), status_name(done.status()),
                done.error().detail.c_str());
    }
  }
  LSEDGE_TRY(reader.status());
  sweep.report(log_, tmp.c_str());
  if (sweep.removed > 0) {
    LSEDGE_TRY(storage_.sync_directory(tmp.view()));
  }
  return {};
}

namespace {

// An add's staging directory holds entry files and nothing else.
Result<bool> holds_only_entries(hal::Storage& storage, std::string_view path) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(path));
  hal::DirectoryEntry entry;
  EntryName ignored;
  bool only_entries = true;
  while (reader.next(entry)) {
    only_entries = only_entries && parse_any_entry(entry.name.view(), entry.is_directory, ignored);
  }
  LSEDGE_TRY(reader.status());
  return only_entries;
}

// A claim or a note in tmp/: removed; anything else: false.
Result<bool> remove_tmp_file(hal::Storage& storage, std::string_view name, std::string_view path) {
  const bool claim =
      ends_with(name, kClaimSuffix) && is_token(name.substr(0, name.size() - kClaimSuffix.size()));
  if (!claim && !is_tmp_note(name)) {
    return false;
  }
  LSEDGE_TRY(storage.remove(path));
  return true;
}

}  // namespace

Outcome Spool::remove_staged_entries(std::string_view path) {
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(path));
  hal::DirectoryEntry entry;
  Path child;
  EntryName ignored;
  while (reader.next(entry)) {
    // Entries only (another name may have appeared since the check: it stays).
    if (parse_any_entry(entry.name.view(), entry.is_directory, ignored) &&
        join(child, path, entry.name.view()).ok()) {
      LSEDGE_TRY(unless_gone(entry.is_directory ? remove_tree(child.view(), 1)
                                                : storage_.remove(child.view())));
    }
  }
  return reader.status();
}

Result<bool> Spool::remove_staging_dir(std::string_view path) {
  LSEDGE_TRY_ASSIGN(const bool only_entries, holds_only_entries(storage_, path));
  if (!only_entries) {
    return false;
  }
  LSEDGE_TRY(remove_staged_entries(path));
  const Outcome removed = storage_.remove(path);
  if (is_taken(removed)) {
    return false;
  }
  LSEDGE_TRY(unless_gone(removed));
  return true;
}

// Only names an add (claims, staging directories, their *.garbage) or reject()/an old
// mark_imported() (notes) makes in tmp/ are removed; a staging directory only if it holds
// nothing but entry files.
Result<bool> Spool::remove_leftover(std::string_view tmp, const hal::DirectoryEntry& entry,
                                    std::string_view path) {
  const std::string_view name = entry.name.view();
  if (!entry.is_directory) {
    return remove_tmp_file(storage_, name, path);
  }
  if (ends_with(name, kGarbageSuffix) &&
      is_token(name.substr(0, name.size() - kGarbageSuffix.size()))) {
    return remove_staging_dir(path);
  }
  if (is_media_garbage(name)) {  // a confirmed media entry (confirm_media())
    LSEDGE_TRY(remove_tree(path, 1));
    return true;
  }
  if (!is_token(name)) {
    return false;
  }
  LSEDGE_TRY_ASSIGN(const bool only_entries, holds_only_entries(storage_, path));
  if (!only_entries) {
    return false;
  }
  // A staging directory is first renamed away, so an add still writing into it fails at its
  // own rename instead of publishing a half-deleted group.
  Path garbage;
  LSEDGE_TRY(join(garbage, tmp, name, {}, kGarbageSuffix));
  Outcome moved = storage_.rename(path, garbage.view());
  if (is_taken(moved)) {
    LSEDGE_TRY_ASSIGN(const bool cleared, remove_staging_dir(garbage.view()));
    if (!cleared) {
      return false;
    }
    moved = storage_.rename(path, garbage.view());
  }
  LSEDGE_TRY(moved);
  return remove_staging_dir(garbage.view());
}

Outcome Spool::mark_sending(const SpoolEntry& entry) {
  LSEDGE_TRY(require_consumer());
  // Overwritten in place and synced: no new inode or byte, so a full disk still drains.
  LSEDGE_TRY(record_entry(InFlight::State::Sending, entry, 0));
  // An earlier release's marker: the record now says the same.
  Path marker;
  LSEDGE_TRY(join(marker, entry.path.view(), {}, {}, kMarkerSuffix));
  (void)storage_.remove(marker.view());
  if (entry.outcome_unknown) {
    log_.warn(
        "resending %s/%s (%llu tasks); an earlier request for it may have reached "
        "the server, so this may duplicate them",
        entry.group.c_str(), entry.name.c_str(), static_cast<unsigned long long>(entry.tasks));
  }
  return {};
}

Outcome Spool::confirm_file(const SpoolEntry& entry, std::string_view group_path) {
  LSEDGE_TRY(storage_.remove(entry.path.view()));
  LSEDGE_TRY(storage_.sync_directory(group_path));
  // The record goes only after the removal is durable: a crash in between leaves a record
  // naming an entry that is gone (ignored), never an unmarked entry that was already sent.
  // Not synced: if the clearing is lost, the record still names an entry that is gone.
  return clear_record_of(entry, false);
}

Outcome Spool::confirm(const SpoolEntry& entry) {
  LSEDGE_TRY(require_consumer());
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, entry.group.view()));
  LSEDGE_TRY(entry.media ? confirm_media(entry, group_path.view())
                         : confirm_file(entry, group_path.view()));
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
  LSEDGE_TRY(require_consumer());
  return move_to_rejected(entry, reason_text(server_message), "the server rejected");
}

// The entry leaves the queue first (a rename needs no space); its reason is written after, so
// a full disk cannot keep a refused entry in the queue to be resent on every start.
Outcome Spool::move_to_rejected(const SpoolEntry& entry, std::string_view reason, const char* why) {
  RejectPaths paths;
  LSEDGE_TRY(reject_paths(dir_.view(), entry, paths));
  LSEDGE_TRY(storage_.rename(entry.path.view(), paths.moved.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  LSEDGE_TRY(clear_record_of(entry, false));
  remove_entry_notes(storage_, entry.path.view());
  log_.warn("%s %s/%s (%llu tasks); moved to %s", why, entry.group.c_str(), entry.name.c_str(),
            static_cast<unsigned long long>(entry.tasks), paths.moved.c_str());
  // Written in tmp/, then renamed: a reason file is never seen half written.
  Outcome noted = write_text_file(storage_, paths.reason_tmp.view(), reason);
  if (noted.ok()) {
    noted = storage_.rename(paths.reason_tmp.view(), paths.reason.view());
  }
  if (noted.ok()) {
    noted = storage_.sync_directory(paths.rejected.view());
  }
  if (!noted.ok()) {
    (void)storage_.remove(paths.reason_tmp.view());
    log_.warn("cannot write %s (%s: %s); the reason was: %.*s", paths.reason.c_str(),
              status_name(noted.status()), noted.error().detail.c_str(),
              static_cast<int>(reason.size()), reason.data());
  }
  return {};
}

Outcome Spool::release(const SpoolEntry& entry) {
  LSEDGE_TRY(require_consumer());
  if (entry.outcome_unknown) {
    return {};  // an earlier request's outcome is still unknown: the mark must stay
  }
  return clear_record_of(entry, true);
}

// --- mark_imported() ---------------------------------------------------------------------------

namespace {

// An earlier release's import record (displace_record() writes one too): written in tmp/,
// renamed beside the entry, durable. It also keeps whether the request that got the id resent
// an outcome-unknown entry.
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
  LSEDGE_TRY(require_consumer());
  if (import_id <= 0) {
    return plan_error("mark_imported: an import id is positive");
  }
  LSEDGE_TRY_ASSIGN(const bool queued, storage_.exists(entry.path.view()));
  if (!queued) {
    return Error(Status::FileNotFound, entry.path.view());
  }
  // In the in-flight record, in place: no inode needed after a full disk. It replaces the
  // sending mark in one step (a torn write leaves the previous slot: the entry stays marked).
  LSEDGE_TRY(record_entry(InFlight::State::Imported, entry, import_id));
  remove_entry_notes(storage_, entry.path.view());  // an earlier release's marker
  log_.info("the server queued the import of %s/%s as import %lld; its outcome is polled",
            entry.group.c_str(), entry.name.c_str(), static_cast<long long>(import_id));
  return {};
}

// The record names another entry that is still queued (only when an add published below the
// entry being sent, see docs/spool.md, or for the rest of a batch): its state moves to an
// earlier release's note beside it.
Outcome Spool::displace_entry(std::string_view group, std::string_view name) {
  SpoolEntry named;
  (void)named.group.assign(group);
  (void)named.name.assign(name);
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, named.group.view()));
  LSEDGE_TRY(join(named.path, group_path.view(), named.name.view()));
  LSEDGE_TRY_ASSIGN(const bool queued, storage_.exists(named.path.view()));
  if (!queued) {
    return {};
  }
  named.outcome_unknown = record_.after_unknown;
  if (record_.state == InFlight::State::Imported) {
    // Losing it would resend an import the server has: nothing is sent before it is kept.
    return write_import_record(storage_, dir_.view(), named, record_.import_id);
  }
  Path marker;
  LSEDGE_TRY(join(marker, named.path.view(), {}, {}, kMarkerSuffix));
  Result<hal::FileHandle> created = storage_.create_new(marker.view());
  const Outcome kept = created.ok() || created.status() == Status::FileExists
                           ? storage_.sync_directory(group_path.view())
                           : Outcome(created.error());
  if (created.ok()) {
    storage_.close(*created);
  }
  if (!kept.ok()) {
    log_.warn(
        "cannot keep the unknown outcome of %s (%s); if it is confirmed later, a duplicate "
        "is not counted",
        named.path.c_str(), status_name(kept.status()));
  }
  return {};
}

Outcome Spool::read_import_record(SpoolEntry& entry) {
  if (record_.covers(entry.group.view(), entry.name.view()) &&
      record_.state == InFlight::State::Imported) {
    entry.import_id = record_.import_id;
    entry.outcome_unknown = record_.after_unknown;
    return {};
  }
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

// --- the entry check -------------------------------------------------------------------------

namespace {

// A scanner's verdict on the bytes (as opposed to a storage failure while reading them).
bool is_scan_failure(Status status) {
  return status == Status::JsonInvalid || status == Status::EmptyInput ||
         status == Status::TaskFileInvalid || status == Status::ValidationFailed;
}

}  // namespace

Outcome Spool::check_entry_file(const SpoolEntry& entry, Error& corrupt, EntryShape* shape) {
  if (entry.media) {
    return check_media_entry(entry, corrupt);
  }
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
  if (shape != nullptr && corrupt.status == Status::Ok) {
    shape->bytes = *size;
    LSEDGE_TRY_ASSIGN(shape->bracketed, has_brackets(file.get(), *size));
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
