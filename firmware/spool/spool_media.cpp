// Media entries (issue #13): a directory "<BATCH>-1.media" in a group, holding one media file
// under the name it was added with (Label Studio shows that name on the task).
#include "firmware/core/utf8.h"
#include "firmware/spool/spool.h"
#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

namespace {

std::string_view basename_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The media file keeps its name (Label Studio shows it on the task); the entry's own files in
// its directory start with '.', so a media file's name must not.
Outcome check_media_name(std::string_view path) {
  const std::string_view name = basename_of(path);
  Error refused(Status::UsageError, "");
  if (name.empty()) {
    refused.detail.append_truncated("not a file name: ");
  } else if (name.front() == '.') {
    refused.detail.append_truncated("a media file's name must not start with '.': ");
  } else if (!utf8_valid(name)) {
    refused = Error(Status::InvalidUtf8, "a media file's name must be UTF-8: ");
  } else {
    return {};
  }
  refused.detail.append_truncated(path);
  return refused;
}

// staging/<BATCH>-1.media for the entry at `index` of an add, made.
Outcome make_media_directory(hal::Storage& storage, std::string_view staging, uint64_t index,
                             Path& directory) {
  Name name;
  if (append_padded(name, index, kBatchDigits) != Status::Ok || name.append("-1") != Status::Ok ||
      name.append(kMediaSuffix) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool entry name too long");
  }
  LSEDGE_TRY(join(directory, staging, name.view()));
  return storage.make_directory(directory.view());
}

// What an add of `files` will queue, for the size cap (a missing file fails when it is copied).
uint64_t bytes_of(hal::Storage& storage, Span<const MediaFile> files) {
  uint64_t bytes = 0;
  for (const MediaFile& file : files) {
    for (const std::string_view path : {file.path, file.predictions}) {
      const Result<hal::FileInfo> info =
          path.empty() ? Result<hal::FileInfo>(hal::FileInfo()) : storage.info(path);
      bytes += info.ok() ? info->size : 0;
    }
  }
  return bytes;
}

}  // namespace

Result<SpoolAddResult> Spool::add_media(Span<const MediaFile> files, uint64_t predictions_budget) {
  LSEDGE_TRY(require_open());
  if (files.empty()) {
    return Error(Status::InvalidArgument, "add_media: no media files");
  }
  for (const MediaFile& file : files) {
    LSEDGE_TRY(check_media_name(file.path));
  }
  LSEDGE_TRY(check_room(bytes_of(storage_, files)));
  Path claim;
  Path staging;
  LSEDGE_TRY(claim_staging(claim, staging));
  SpoolAddResult result;
  result.media = true;
  linked_ = 0;
  Outcome filled;
  for (size_t i = 0; i < files.size() && filled.ok(); ++i) {
    Result<uint64_t> size = write_media_entry(files[i], staging.view(), i, predictions_budget);
    if (size.ok()) {
      result.body_bytes += *size;
      ++result.entries;
    } else {
      filled = size.error();
    }
  }
  LSEDGE_TRY_ASSIGN(result.sequence, publish_staged(claim.view(), staging.view(), filled));
  result.tasks = result.entries;
  result.linked = linked_;
  log_.info("queued %llu media files as group %llu (%llu hard-linked, the others copied)",
            static_cast<unsigned long long>(result.entries),
            static_cast<unsigned long long>(result.sequence),
            static_cast<unsigned long long>(result.linked));
  return result;
}

Result<uint64_t> Spool::write_media_entry(const MediaFile& media, std::string_view staging,
                                          uint64_t index, uint64_t predictions_budget) {
  Path directory;
  LSEDGE_TRY(make_media_directory(storage_, staging, index, directory));
  Path target;
  LSEDGE_TRY(join(target, directory.view(), basename_of(media.path)));
  LSEDGE_TRY_ASSIGN(const uint64_t size, place_media(media.path, target.view()));
  if (size == 0) {
    Error empty(Status::EmptyInput, "the media file is empty (0 bytes): ");
    empty.detail.append_truncated(media.path);
    return empty;
  }
  if (!media.predictions.empty()) {
    LSEDGE_TRY(join(target, directory.view(), kPredictionsFile));
    LSEDGE_TRY(write_predictions(media.predictions, target.view(), predictions_budget));
  }
  const Outcome synced = storage_.sync_directory(directory.view());
  if (!synced.ok()) {
    return at_path(synced.error(), directory.view());
  }
  return size;
}

// Checked as a task file is (JSON, UTF-8, objects at the top level) and stored as one batch
// "[p1,p2,...]", so PredictionsBody finds each prediction's first byte with the same scanner.
Outcome Spool::write_predictions(std::string_view from, std::string_view to, uint64_t budget) {
  const auto named = [from](const Error& error) {
    Error out(error.status, "predictions file ");
    out.detail.append_truncated(from);
    out.detail.append_truncated(": ");
    out.detail.append_truncated(error.detail.view());
    return out;
  };
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(from));
  const hal::ScopedFile file(storage_, opened);
  taskfile::BatchPlanner planner(storage_, file.get(), ByteSpan(scan_chunk_), budget);
  taskfile::TaskBatch batch;
  const Result<bool> first = planner.next(batch);
  if (!first.ok()) {
    return named(first.error());
  }
  taskfile::TaskBatch second;
  const Result<bool> another = *first ? planner.next(second) : Result<bool>(false);
  if (!another.ok()) {
    return named(another.error());
  }
  if (!*first || *another) {  // an empty file is EmptyInput above; more than one request's worth
    return named(Error(Status::ValidationFailed, "more predictions than one request takes"));
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage_.create_new(to));
  const hal::ScopedFile out(storage_, created);
  taskfile::BatchBodyReader body(storage_, file.get(), batch, ByteSpan(body_chunk_),
                                 taskfile::BodyCheck::Revalidate);
  LSEDGE_TRY_ASSIGN(const uint64_t written, copy_entry_body(body, out.get(), from, to));
  if (written != batch.body_size) {
    return Error(Status::TaskFileInvalid, "predictions file changed while it was spooled");
  }
  const Outcome synced = storage_.sync(out.get());
  return synced.ok() ? synced : Outcome(at_path(synced.error(), to));
}

// A hard link shares the file's data, owner and mode: only when the consumer can read it as it
// is (the spool is private to its owner, or the file is in the spool's group and
// group-readable), and only for the caller's own file (fs.protected_hardlinks refuses others).
bool Spool::may_link(std::string_view from) {
  const Result<hal::FileInfo> source = storage_.info(from);
  const Result<hal::FileInfo> spool = storage_.info(dir_.view());
  if (!source.ok() || !spool.ok() || source->kind != hal::FileInfo::Kind::Regular ||
      source->owner_uid != storage_.caller_uid()) {
    return false;
  }
  return (spool->mode & 0077u) == 0 ||
         (source->group_gid == spool->group_gid && (source->mode & 0040u) != 0);
}

Result<uint64_t> Spool::place_media(std::string_view from, std::string_view to) {
  if (!may_link(from) || !storage_.link(from, to).ok()) {
    return copy_file(from, to);  // another file system, or not readable as it is: a copy
  }
  ++linked_;
  // The capture app may not have synced what it wrote: the entry's data must be durable.
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(to));
  const hal::ScopedFile file(storage_, opened);
  Outcome synced = storage_.sync(file.get());
  Result<uint64_t> size =
      synced.ok() ? storage_.size(file.get()) : Result<uint64_t>(synced.error());
  return size.ok() ? size : Result<uint64_t>(at_path(size.error(), to));
}

// `from` copied to the new file `to` through write_chunk_, synced; its size.
Result<uint64_t> Spool::copy_file(std::string_view from, std::string_view to) {
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(from));
  const hal::ScopedFile in(storage_, opened);
  LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage_.create_new(to));
  const hal::ScopedFile out(storage_, created);
  uint64_t copied = 0;
  for (;;) {
    Result<size_t> got = storage_.read_at(in.get(), copied, ByteSpan(write_chunk_));
    if (!got.ok()) {
      return at_path(got.error(), from);
    }
    if (*got == 0) {
      break;
    }
    const Outcome appended = storage_.append(out.get(), ConstByteSpan(write_chunk_, *got));
    if (!appended.ok()) {
      return at_path(appended.error(), to);
    }
    copied += *got;
  }
  const Outcome synced = storage_.sync(out.get());
  if (!synced.ok()) {
    return at_path(synced.error(), to);
  }
  return copied;
}

// The directory goes to tmp/<SEQ>-<STEM>.media.garbage in one rename, made durable before
// the record is cleared, so a crash never leaves half of an entry in the queue; the consumer's
// open() removes garbage a crash left.
Outcome Spool::confirm_media(const SpoolEntry& entry, std::string_view group_path) {
  Name key;
  LSEDGE_TRY(entry_key(entry, key));
  Path tmp;
  LSEDGE_TRY(join(tmp, dir_.view(), kTmp));
  Path garbage;
  LSEDGE_TRY(join(garbage, tmp.view(), key.view(), {}, kMediaSuffix));
  LSEDGE_TRY(join(garbage, Path(garbage).view(), {}, {}, kGarbageSuffix));
  LSEDGE_TRY(storage_.rename(entry.path.view(), garbage.view()));
  LSEDGE_TRY(storage_.sync_directory(group_path));
  LSEDGE_TRY(clear_record_of(entry, false));
  const Outcome removed = remove_tree(garbage.view(), 0);
  if (!removed.ok()) {
    log_.warn("cannot remove %s (%s); the next run removes it", garbage.c_str(),
              status_name(removed.status()));
  }
  return {};
}

Outcome Spool::find_media_file(SpoolEntry& entry) {
  entry.media = true;
  entry.media_path.clear();
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(entry.path.view()));
  hal::DirectoryEntry listed;
  uint32_t files = 0;
  bool task_noted = false;
  while (reader.next(listed)) {
    const std::string_view name = listed.name.view();
    if (!listed.is_directory && !name.empty() && name.front() != '.') {
      ++files;
      LSEDGE_TRY(join(entry.media_path, entry.path.view(), name));
    }
    entry.predictions = entry.predictions || name == kPredictionsFile;
    task_noted = task_noted || name == kTaskFile;
  }
  LSEDGE_TRY(reader.status());
  if (files != 1) {
    entry.media_path.clear();  // none, or more than the one an add puts there: corrupt
  }
  return task_noted ? read_task_id(entry) : Outcome();
}

Outcome Spool::read_task_id(SpoolEntry& entry) {
  Path path;
  LSEDGE_TRY(join(path, entry.path.view(), kTaskFile));
  uint8_t buffer[24];
  const Result<size_t> got = storage_.read_file(path.view(), ByteSpan(buffer));
  std::string_view text(reinterpret_cast<const char*>(buffer), got.ok() ? *got : 0);
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  const std::optional<uint64_t> id = parse_number(text);
  if (got.ok() && id && *id > 0 && *id <= static_cast<uint64_t>(INT64_MAX)) {
    entry.task_id = static_cast<int64_t>(*id);
    return {};
  }
  // Unreadable: the upload is done but its task is not known, so the entry is set aside
  // (check_media_entry) rather than uploaded again.
  entry.task_id = -1;
  return {};
}

Outcome Spool::mark_task_created(const SpoolEntry& entry, int64_t task_id) {
  LSEDGE_TRY(require_consumer());
  if (!entry.media || task_id <= 0) {
    return plan_error("mark_task_created: a media entry and a positive task id");
  }
  Name key;
  LSEDGE_TRY(entry_key(entry, key));
  Path staged;
  LSEDGE_TRY(join(staged, dir_.view(), kTmp, key.view(), kTaskFile));
  Path target;
  LSEDGE_TRY(join(target, entry.path.view(), kTaskFile));
  FixedString<24> text;
  (void)text.append_int(task_id);
  LSEDGE_TRY(write_text_file(storage_, staged.view(), text.view()));
  const Outcome moved = storage_.rename(staged.view(), target.view());
  if (!moved.ok()) {
    (void)storage_.remove(staged.view());
    return at_path(moved.error(), target.view());
  }
  LSEDGE_TRY(storage_.sync_directory(entry.path.view()));
  log_.info("%s/%s: the upload created task %lld; its predictions are sent next",
            entry.group.c_str(), entry.name.c_str(), static_cast<long long>(task_id));
  // The upload's outcome is known now: a resend is of the predictions only.
  return clear_record_of(entry, true);
}

Outcome Spool::check_media_entry(const SpoolEntry& entry, Error& corrupt) {
  corrupt = Error();
  if (entry.media_path.empty()) {
    corrupt = Error(Status::TaskFileInvalid,
                    "the media entry does not hold exactly one media file (it was changed "
                    "after it was queued)");
    return {};
  }
  const Result<hal::FileInfo> info = storage_.info(entry.media_path.view());
  if (!info.ok()) {
    return at_path(info.error(), entry.media_path.view());
  }
  if (info->kind != hal::FileInfo::Kind::Regular || info->size == 0) {
    corrupt = Error(Status::TaskFileInvalid, "the media file is empty or not a regular file");
  } else if (entry.task_id < 0) {
    corrupt = Error(Status::TaskFileInvalid,
                    "the upload created a task but its id in the entry's .task file is "
                    "unreadable, so the predictions cannot be attached (the media is on the "
                    "server)");
  } else if (entry.task_id > 0 && !entry.predictions) {
    corrupt = Error(Status::TaskFileInvalid,
                    "the upload created a task but the entry's predictions are gone");
  }
  return {};
}

// --- PredictionsBody ---------------------------------------------------------------------------

namespace {

bool is_json_space(uint8_t byte) {
  return byte == ' ' || byte == '\t' || byte == '\n' || byte == '\r';
}

}  // namespace

Outcome PredictionsBody::open(const SpoolEntry& entry) {
  close();
  if (!entry.predictions || entry.task_id <= 0) {
    return Error(Status::InvalidArgument, "PredictionsBody: an entry with predictions and a task");
  }
  LSEDGE_TRY(join(path_, entry.path.view(), kPredictionsFile));
  (void)task_member_.append("\"task\":");
  (void)task_member_.append_int(entry.task_id);
  LSEDGE_TRY_ASSIGN(file_, storage_.open_read(path_.view()));
  // One pass to know the size (and that the file is what add_media() wrote).
  restart();
  uint64_t size = 0;
  uint8_t scratch[64];
  for (;;) {
    Result<size_t> got = read(ByteSpan(scratch));
    if (!got.ok()) {
      close();
      return got.error();
    }
    if (*got == 0) {
      break;
    }
    size += *got;
  }
  size_ = size;
  count_ = seen_;
  restart();
  return {};
}

void PredictionsBody::restart() {
  scanner_.emplace(taskfile::TaskScanner::Framing::File);
  read_offset_ = 0;
  inside_ = false;
  after_brace_ = false;
  ended_ = false;
  seen_ = 0;
  pending_size_ = 0;
  pending_at_ = 0;
  chunk_size_ = 0;
  chunk_at_ = 0;
}

Result<bool> PredictionsBody::next_byte(uint8_t& byte) {
  if (chunk_at_ == chunk_size_) {
    LSEDGE_TRY_ASSIGN(chunk_size_, storage_.read_at(file_, read_offset_, ByteSpan(chunk_)));
    read_offset_ += chunk_size_;
    chunk_at_ = 0;
    if (chunk_size_ == 0) {
      return false;
    }
  }
  byte = chunk_[chunk_at_++];
  return true;
}

Outcome PredictionsBody::transform(uint8_t byte) {
  const auto push = [this](std::string_view bytes) {
    for (const char c : bytes) {
      pending_[pending_size_++] = static_cast<uint8_t>(c);
    }
  };
  const taskfile::TaskScanner::Step step = scanner_->feed(byte);
  if (step == taskfile::TaskScanner::Step::Invalid) {
    Error changed(Status::TaskFileInvalid,
                  "the stored predictions are not the array that was "
                  "queued: ");
    changed.detail.append_truncated(scanner_->error().detail.view());
    return changed;
  }
  const char text[1] = {static_cast<char>(byte)};
  if (!inside_ && step == taskfile::TaskScanner::Step::Inside) {  // a prediction's '{'
    inside_ = true;
    after_brace_ = true;
    ++seen_;
    push(std::string_view(text, 1));
    push(task_member_.view());
    return {};
  }
  if (after_brace_ && !is_json_space(byte)) {
    after_brace_ = false;
    if (byte != '}') {
      push(",");
    }
  }
  inside_ = inside_ && step != taskfile::TaskScanner::Step::End;
  push(std::string_view(text, 1));
  return {};
}

Result<size_t> PredictionsBody::read(ByteSpan out) {
  if (!file_.valid()) {
    return Error(Status::InvalidArgument, "PredictionsBody is not open");
  }
  size_t filled = 0;
  while (filled < out.size()) {
    if (pending_at_ < pending_size_) {
      out[filled++] = pending_[pending_at_++];
      continue;
    }
    pending_at_ = 0;
    pending_size_ = 0;
    if (ended_) {
      break;
    }
    uint8_t byte = 0;
    const Result<bool> more = next_byte(byte);
    if (!more.ok()) {
      return at_path(more.error(), path_.view());
    }
    if (!*more) {
      ended_ = true;
      if (!scanner_->finish().ok()) {
        return Error(Status::TaskFileInvalid, "the stored predictions end early");
      }
      break;
    }
    LSEDGE_TRY(transform(byte));
  }
  return filled;
}

Outcome PredictionsBody::rewind() {
  if (!file_.valid()) {
    return Error(Status::InvalidArgument, "PredictionsBody is not open");
  }
  const uint64_t count = count_;
  restart();
  count_ = count;
  return {};
}

void PredictionsBody::close() {
  if (file_.valid()) {
    storage_.close(file_);
  }
  file_ = hal::FileHandle{};
  path_.clear();
  task_member_.clear();
  size_ = 0;
  count_ = 0;
}

}  // namespace lsedge::spool
