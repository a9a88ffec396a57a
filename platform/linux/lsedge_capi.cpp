// liblsedge: the C API (include/lsedge.h) over the spool, the title formatter and Linux's HAL.
// No heap: one Spool lives in static memory, used by one call at a time under g_mutex.
#include "lsedge.h"

#include <cstring>
#include <new>
#include <string_view>

#include "firmware/app/run_state.h"
#include "firmware/labelstudio/multipart.h"
#include "firmware/labelstudio/title.h"
#include "firmware/spool/spool.h"
#include "platform/linux/linux_entropy.h"
#include "platform/linux/linux_storage.h"
#include "platform/linux/linux_sync.h"

namespace lsedge::capi {
namespace {

using spool::Spool;

// Serves one caller buffer as a read-only file at kBufferPath; everything else is the disk's.
// Thread-safety: used under g_mutex only.
class BufferedStorage final : public hal::Storage {
 public:
  static constexpr std::string_view kBufferPath = "<lsedge_spool_add_tasks buffer>";

  explicit BufferedStorage(hal::Storage& disk) : disk_(disk) {}
  void serve(ConstByteSpan buffer) { buffer_ = buffer; }

  Result<size_t> read_file(std::string_view path, ByteSpan buffer) override {
    return disk_.read_file(path, buffer);
  }
  Result<hal::FileHandle> open_read(std::string_view path) override {
    return path == kBufferPath ? Result<hal::FileHandle>(hal::FileHandle{kBufferHandle})
                               : disk_.open_read(path);
  }
  Result<hal::FileHandle> create_new(std::string_view path) override {
    return disk_.create_new(path);
  }
  Result<size_t> read_at(hal::FileHandle file, uint64_t offset, ByteSpan buffer) override {
    if (file.value != kBufferHandle) {
      return disk_.read_at(file, offset, buffer);
    }
    if (offset >= buffer_.size()) {
      return size_t{0};
    }
    const size_t left = buffer_.size() - static_cast<size_t>(offset);
    const size_t n = left < buffer.size() ? left : buffer.size();
    std::memcpy(buffer.data(), buffer_.data() + offset, n);
    return n;
  }
  Outcome append(hal::FileHandle file, ConstByteSpan data) override {
    return disk_.append(file, data);
  }
  Result<uint64_t> size(hal::FileHandle file) override {
    return file.value == kBufferHandle ? Result<uint64_t>(uint64_t{buffer_.size()})
                                       : disk_.size(file);
  }
  Outcome write_at(hal::FileHandle file, uint64_t offset, ConstByteSpan data) override {
    return disk_.write_at(file, offset, data);
  }
  Outcome sync(hal::FileHandle file) override { return disk_.sync(file); }
  void close(hal::FileHandle file) override {
    if (file.value != kBufferHandle) {
      disk_.close(file);
    }
  }
  Outcome rename(std::string_view from, std::string_view to) override {
    return disk_.rename(from, to);
  }
  Outcome link(std::string_view from, std::string_view to) override { return disk_.link(from, to); }
  Outcome remove(std::string_view path) override { return disk_.remove(path); }
  Outcome make_directory(std::string_view path) override { return disk_.make_directory(path); }
  Outcome sync_directory(std::string_view directory) override {
    return disk_.sync_directory(directory);
  }
  Result<hal::DirectoryHandle> open_directory(std::string_view directory) override {
    return disk_.open_directory(directory);
  }
  Result<bool> next_entry(hal::DirectoryHandle directory, hal::DirectoryEntry& entry) override {
    return disk_.next_entry(directory, entry);
  }
  void close_directory(hal::DirectoryHandle directory) override {
    disk_.close_directory(directory);
  }
  Result<bool> exists(std::string_view path) override {
    return path == kBufferPath ? Result<bool>(true) : disk_.exists(path);
  }
  Result<hal::FileInfo> info(std::string_view path) override {
    if (path != kBufferPath) {
      return disk_.info(path);
    }
    hal::FileInfo info;
    info.kind = hal::FileInfo::Kind::Regular;
    info.size = buffer_.size();
    return info;
  }
  uint32_t caller_uid() override { return disk_.caller_uid(); }
  Result<hal::FileHandle> lock_file(std::string_view path, hal::LockWait wait) override {
    return disk_.lock_file(path, wait);
  }

 private:
  static constexpr int32_t kBufferHandle = 0x7FFF0001;  // never a file descriptor
  hal::Storage& disk_;
  ConstByteSpan buffer_;
};

platform::LinuxMutex g_mutex;
platform::LinuxStorage g_disk;
platform::LinuxEntropy g_entropy;
BufferedStorage g_storage(g_disk);
alignas(Spool) unsigned char g_spool_memory[sizeof(Spool)];

// The static Spool, opened as a producer at `dir`, for the length of one call.
class SpoolCall {
 public:
  SpoolCall() : spool_(new (g_spool_memory) Spool(g_storage, g_entropy, Logger(nullptr, "capi"))) {}
  ~SpoolCall() { spool_->~Spool(); }
  SpoolCall(const SpoolCall&) = delete;
  SpoolCall& operator=(const SpoolCall&) = delete;
  Spool& operator*() { return *spool_; }
  Spool* operator->() { return spool_; }

 private:
  Spool* spool_;
};

class Locked {
 public:
  Locked() { g_mutex.lock(); }
  ~Locked() { g_mutex.unlock(); }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
};

lsedge_status to_c(Status status) {
  switch (status) {
    case Status::Ok:
      return LSEDGE_OK;
    case Status::InvalidArgument:
      return LSEDGE_INVALID_ARGUMENT;
    case Status::BufferTooSmall:
      return LSEDGE_BUFFER_TOO_SMALL;
    case Status::UsageError:
    case Status::EmptyInput:
    case Status::InvalidUtf8:
    case Status::TaskFileInvalid:
    case Status::ValidationFailed:
    case Status::JsonInvalid:
      return LSEDGE_INVALID_INPUT;
    case Status::NotASpool:
    case Status::SpoolNotFound:
    case Status::NotADirectory:
      return LSEDGE_NOT_A_SPOOL;
    case Status::SpoolFull:
      return LSEDGE_SPOOL_FULL;
    case Status::NoSpace:
      return LSEDGE_NO_SPACE;
    case Status::FileError:
    case Status::FileNotFound:
    case Status::FileExists:
    case Status::DirectoryNotEmpty:
    case Status::NotARegularFile:
    case Status::FileAccessDenied:
      return LSEDGE_STORAGE_ERROR;
    default:
      return LSEDGE_INTERNAL_ERROR;
  }
}

// The error's code and detail into the caller's lsedge_error (if any); returns the code.
lsedge_status fail(const Error& error, lsedge_error* out) {
  const lsedge_status status = to_c(error.status);
  if (out != nullptr) {
    out->status = status;
    const std::string_view detail = error.detail.view();
    const size_t n =
        detail.size() < sizeof(out->detail) - 1 ? detail.size() : sizeof(out->detail) - 1;
    std::memcpy(out->detail, detail.data(), n);
    out->detail[n] = '\0';
  }
  return status;
}

lsedge_status succeed(lsedge_error* out) {
  if (out != nullptr) {
    out->status = LSEDGE_OK;
    out->detail[0] = '\0';
  }
  return LSEDGE_OK;
}

lsedge_status invalid(const char* what, lsedge_error* out) {
  return fail(Error(Status::InvalidArgument, what), out);
}

void fill(const spool::SpoolAddResult& added, lsedge_add_result* result) {
  if (result != nullptr) {
    result->sequence = added.sequence;
    result->entries = added.entries;
    result->tasks = added.tasks;
    result->bytes = added.body_bytes;
  }
}

constexpr size_t kMaxMediaPerCall = 64;

}  // namespace
}  // namespace lsedge::capi

using lsedge::Error;
using lsedge::Outcome;
using lsedge::Result;
using lsedge::Status;
using namespace lsedge::capi;  // NOLINT(google-build-using-namespace): this file's own helpers

extern "C" {

const char* lsedge_version(void) {
  return "lsedge " LSEDGE_VERSION;
}

const char* lsedge_status_name(lsedge_status status) {
  static constexpr const char* kNames[] = {
      "ok",         "invalid_argument", "buffer_too_small", "invalid_input", "not_a_spool",
      "spool_full", "no_space",         "storage_error",    "internal_error"};
  const auto index = static_cast<size_t>(status);
  return index < sizeof(kNames) / sizeof(kNames[0]) ? kNames[index] : "unknown";
}

const char* lsedge_status_message(lsedge_status status) {
  static constexpr const char* kMessages[] = {
      "done: the call did what it says",
      "an argument is missing or out of range (a NULL pointer, a zero count): fix the call",
      "the output buffer is too small for the result: give a larger one",
      "the tasks, media file, predictions or title are not usable (see the detail): fix the "
      "input; nothing was queued",
      "the directory is not an lsedge spool, or does not exist: check the spool path",
      "the spool is at its size cap: nothing was queued and nothing queued was dropped; keep the "
      "capture and try again once the service has uploaded, or raise the cap (lsedge spool limit)",
      "the disk is full: nothing was queued; free space on the device",
      "a local file could not be read or written (see the detail): check the path and its "
      "permissions",
      "an unexpected error (see the detail)"};
  const auto index = static_cast<size_t>(status);
  return index < sizeof(kMessages) / sizeof(kMessages[0]) ? kMessages[index] : "unknown status";
}

lsedge_status lsedge_spool_add_tasks(const char* spool_dir, const char* json, size_t size,
                                     lsedge_add_result* result, lsedge_error* error) {
  if (spool_dir == nullptr || (json == nullptr && size != 0)) {
    return invalid("lsedge_spool_add_tasks: spool_dir and json are required", error);
  }
  const Locked locked;
  g_storage.serve(lsedge::ConstByteSpan(reinterpret_cast<const uint8_t*>(json), size));
  SpoolCall spool;
  Outcome opened = spool->open(spool_dir, Spool::Role::Producer);
  if (!opened.ok()) {
    return fail(opened.error(), error);
  }
  Result<lsedge::spool::SpoolAddResult> added = spool->add(BufferedStorage::kBufferPath);
  g_storage.serve({});
  if (!added.ok()) {
    return fail(added.error(), error);
  }
  fill(*added, result);
  return succeed(error);
}

lsedge_status lsedge_spool_add_media(const char* spool_dir, const char* const* media_paths,
                                     const char* const* predictions, size_t count,
                                     lsedge_add_result* result, lsedge_error* error) {
  if (spool_dir == nullptr || media_paths == nullptr || count == 0 || count > kMaxMediaPerCall) {
    return invalid("lsedge_spool_add_media: spool_dir, 1 to 64 media paths", error);
  }
  lsedge::spool::MediaFile files[kMaxMediaPerCall];
  for (size_t i = 0; i < count; ++i) {
    if (media_paths[i] == nullptr) {
      return invalid("lsedge_spool_add_media: a media path is NULL", error);
    }
    files[i].path = media_paths[i];
    files[i].predictions =
        predictions != nullptr && predictions[i] != nullptr ? predictions[i] : "";
    const Outcome checked = lsedge::labelstudio::check_media_file(files[i].path);
    if (!checked.ok()) {
      return fail(checked.error(), error);
    }
  }
  const Locked locked;
  SpoolCall spool;
  const Outcome opened = spool->open(spool_dir, Spool::Role::Producer);
  if (!opened.ok()) {
    return fail(opened.error(), error);
  }
  Result<lsedge::spool::SpoolAddResult> added =
      spool->add_media(lsedge::Span<const lsedge::spool::MediaFile>(files, count));
  if (!added.ok()) {
    return fail(added.error(), error);
  }
  fill(*added, result);
  return succeed(error);
}

lsedge_status lsedge_spool_get_status(const char* spool_dir, lsedge_spool_status* status,
                                      lsedge_error* error) {
  if (spool_dir == nullptr || status == nullptr) {
    return invalid("lsedge_spool_get_status: spool_dir and status are required", error);
  }
  const Locked locked;
  const Result<bool> is_spool = Spool::is_spool(g_disk, spool_dir);
  if (!is_spool.ok() || !*is_spool) {
    Error missing(Status::NotASpool, "no lsedge spool at ");
    missing.detail.append_truncated(spool_dir);
    return fail(is_spool.ok() ? missing : is_spool.error(), error);
  }
  SpoolCall spool;
  const Outcome opened = spool->open(spool_dir, Spool::Role::Producer);
  if (!opened.ok()) {
    return fail(opened.error(), error);
  }
  const Result<lsedge::spool::SpoolCounts> counts = spool->counts(true);
  const Result<int64_t> oldest = counts.ok() ? spool->oldest_entry_unix() : Result<int64_t>(0);
  const Result<uint64_t> cap = counts.ok() ? spool->max_bytes() : Result<uint64_t>(0);
  if (!counts.ok() || !oldest.ok() || !cap.ok()) {
    return fail(!counts.ok() ? counts.error() : !oldest.ok() ? oldest.error() : cap.error(), error);
  }
  *status = lsedge_spool_status{};
  status->queued_entries = counts->queued_entries;
  status->queued_tasks = counts->queued_tasks;
  status->queued_bytes = counts->queued_bytes;
  status->max_bytes = *cap;
  status->rejected_entries = counts->rejected_entries;
  status->outcome_unknown = counts->outcome_unknown;
  status->oldest_entry_unix = *oldest;
  const Result<lsedge::app::RunState> state = lsedge::app::read_run_state(g_disk, spool_dir);
  if (state.ok()) {
    status->last_success_unix = state->last_success_unix;
    status->last_error_unix = state->last_error_unix;
  }
  return succeed(error);
}

lsedge_status lsedge_format_title(const char* name, const char* id, char* out, size_t out_size,
                                  lsedge_error* error) {
  if (name == nullptr || out == nullptr || out_size == 0) {
    return invalid("lsedge_format_title: name and an output buffer are required", error);
  }
  lsedge::labelstudio::ProjectTitle title;
  const Outcome formatted =
      lsedge::labelstudio::format_project_title(name, id != nullptr ? id : "", title);
  if (!formatted.ok()) {
    return fail(formatted.error(), error);
  }
  if (title.size() >= out_size) {
    Error small(Status::BufferTooSmall, "the title needs ");
    (void)small.detail.append_uint(title.size() + 1);
    small.detail.append_truncated(" bytes");
    return fail(small, error);
  }
  std::memcpy(out, title.view().data(), title.size());
  out[title.size()] = '\0';
  return succeed(error);
}

}  // extern "C"
