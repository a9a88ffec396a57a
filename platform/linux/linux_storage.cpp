#include "platform/linux/linux_storage.h"

#include <dirent.h>  // DT_* record types
#include <fcntl.h>
#include <sys/file.h>  // flock(2)
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>  // rename(2)
#include <cstring>

#include "board_sizes.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/secure_wipe.h"
#include "platform/linux/errno_status.h"

namespace lsedge::platform {
namespace {

using CPath = FixedString<LSEDGE_PATH_CAPACITY>;

// Closes the descriptor on every return path.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// One read(2), retried on EINTR: bytes read, 0 at end of file, -1 with errno set.
ssize_t read_some(int fd, void* data, size_t size) {
  ssize_t n;
  do {
    n = ::read(fd, data, size);
  } while (n < 0 && errno == EINTR);
  return n;
}

// errno_error, with "disk full: " in front of `what` when the device (or a quota or a file size
// limit) has no room left.
Error file_error(int err, std::string_view what, ErrnoContext context = ErrnoContext::File) {
  Error error = errno_error(err, context, what);
  if (error.status == Status::NoSpace) {
    error.detail.clear();
    error.detail.append_truncated("disk full: ");
    error.detail.append_truncated(what);
  }
  return error;
}

// "file handle N", for failures of calls that have no path.
Error handle_error(int err, hal::FileHandle file) {
  FixedString<32> what;
  (void)what.append("file handle ");
  (void)what.append_int(file.value);
  return file_error(err, what.view());
}

// A NUL-terminated copy of `path`, or InvalidArgument.
Outcome to_c_path(std::string_view path, CPath& out) {
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    return Error(Status::InvalidArgument, "file path is empty or contains a NUL byte");
  }
  if (out.assign(path) != Status::Ok) {
    return Error(Status::InvalidArgument, path);  // longer than LSEDGE_PATH_CAPACITY
  }
  return {};
}

Outcome check_handle(hal::FileHandle file) {
  if (!file.valid()) {
    return Error(Status::InvalidArgument, "invalid file handle");
  }
  return {};
}

// New files and directories: the owner and the group as the process's umask allows, never
// others. A spool shared by a capture app and the service through a group (a setgid spool
// directory, both with umask 007: docs/spool.md) then needs no chmod; under the usual umask 022
// the group may read but not write, under 077 only the owner gets in.
constexpr mode_t kNewFileMode = 0660;
constexpr mode_t kNewDirectoryMode = 0770;

int open_retrying(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// Opens `path` for reading only if it is a regular file. O_NONBLOCK keeps a FIFO without a
// writer (or a device) from blocking the open; it is cleared again for the reads.
Result<int> open_regular(const char* path, std::string_view shown) {
  const int fd = open_retrying(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return file_error(errno, shown);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return file_error(err, shown);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(Status::NotARegularFile, shown);
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    const int err = errno;
    ::close(fd);
    return file_error(err, shown);
  }
  return fd;
}

// The kernel's directory record (getdents64(2)); glibc only declares it from 2.30 on.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

// One open directory: its descriptor and the getdents64(2) records not yet handed out. A slot
// is claimed with `in_use` (any thread); the rest belongs to the handle's one reader.
struct DirectorySlot {
  std::atomic<bool> in_use{false};
  int fd = -1;
  size_t filled = 0;  // bytes of records in `records`
  size_t at = 0;      // the next record
  // For error details, which hold at most kErrorDetailCapacity bytes: a longer path would only
  // be cut there, so the slot keeps no more (these slots are static).
  FixedString<kErrorDetailCapacity> path;
  alignas(8) unsigned char records[LSEDGE_DIRECTORY_LIST_BUFFER];
};

// Static, so reading a directory never allocates (libc's opendir(3) would).
DirectorySlot g_directories[LSEDGE_OPEN_DIRECTORIES];

Result<DirectorySlot*> claim_directory_slot(int32_t& index) {
  for (size_t i = 0; i < LSEDGE_OPEN_DIRECTORIES; ++i) {
    bool expected = false;
    if (g_directories[i].in_use.compare_exchange_strong(expected, true)) {
      index = static_cast<int32_t>(i);
      return &g_directories[i];
    }
  }
  return Error(Status::BufferTooSmall, "more than LSEDGE_OPEN_DIRECTORIES directories open");
}

Result<DirectorySlot*> find_directory_slot(hal::DirectoryHandle handle) {
  if (!handle.valid() || static_cast<size_t>(handle.value) >= LSEDGE_OPEN_DIRECTORIES ||
      !g_directories[handle.value].in_use.load()) {
    return Error(Status::InvalidArgument, "invalid directory handle");
  }
  return &g_directories[handle.value];
}

// Reads the next batch of records into the slot; false at the end of the directory.
Result<bool> refill(DirectorySlot& slot) {
  long n;
  do {
    n = ::syscall(SYS_getdents64, slot.fd, slot.records, sizeof(slot.records));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return file_error(errno, slot.path.view());
  }
  slot.filled = static_cast<size_t>(n);
  slot.at = 0;
  return n > 0;
}

// The next record of the slot, checked to lie within what the kernel filled in.
Result<const LinuxDirent64*> take_record(DirectorySlot& slot) {
  const size_t left = slot.filled - slot.at;
  const auto* record = reinterpret_cast<const LinuxDirent64*>(slot.records + slot.at);
  if (left <= offsetof(LinuxDirent64, d_name) ||
      record->d_reclen <= offsetof(LinuxDirent64, d_name) || record->d_reclen > left) {
    return file_error(EIO, slot.path.view());  // a malformed record; never walk past the buffer
  }
  slot.at += record->d_reclen;
  return record;
}

// Fills `entry` from `record`; false for records not to report ("." and "..", or an entry
// removed before its type could be asked for).
Result<bool> describe(const DirectorySlot& slot, const LinuxDirent64& record,
                      hal::DirectoryEntry& entry) {
  const size_t name_room = record.d_reclen - offsetof(LinuxDirent64, d_name);
  const std::string_view name(record.d_name, ::strnlen(record.d_name, name_room));
  if (name.empty() || name == "." || name == "..") {
    return false;
  }
  if (entry.name.assign(name) != Status::Ok) {
    return Error(Status::BufferTooSmall, slot.path.view());  // longer than NAME_MAX
  }
  entry.is_directory = record.d_type == DT_DIR;
  if (record.d_type != DT_UNKNOWN) {
    return true;
  }
  // Some filesystems leave the type out; ask for it (a symbolic link is not followed).
  struct stat st;
  if (::fstatat(slot.fd, entry.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return false;  // removed since the listing was read
    }
    return file_error(errno, slot.path.view());
  }
  entry.is_directory = S_ISDIR(st.st_mode);
  return true;
}

}  // namespace

Result<size_t> LinuxStorage::read_file(std::string_view path, ByteSpan buffer) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));

  LSEDGE_TRY_ASSIGN(const int raw_fd, open_regular(c_path.c_str(), path));
  const FileDescriptor fd(raw_fd);

  size_t total = 0;
  for (;;) {
    if (total == buffer.size()) {
      // Full: the file fits only if nothing follows.
      uint8_t probe;
      const ssize_t n = read_some(fd.get(), &probe, 1);
      if (n == 0) {
        return total;
      }
      const int err = errno;
      secure_wipe(buffer.data(), total);
      if (n > 0) {
        return Error(Status::BufferTooSmall, path);
      }
      return file_error(err, path);
    }
    const ssize_t n = read_some(fd.get(), buffer.data() + total, buffer.size() - total);
    if (n == 0) {
      return total;
    }
    if (n < 0) {
      const int err = errno;
      secure_wipe(buffer.data(), total);
      return file_error(err, path);
    }
    total += static_cast<size_t>(n);
  }
}

Result<hal::FileHandle> LinuxStorage::open_read(std::string_view path) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  LSEDGE_TRY_ASSIGN(const int fd, open_regular(c_path.c_str(), path));
  return hal::FileHandle{fd};
}

Result<hal::FileHandle> LinuxStorage::create_new(std::string_view path) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  const int fd = open_retrying(
      c_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOCTTY, kNewFileMode);
  if (fd < 0) {
    return file_error(errno, path);
  }
  return hal::FileHandle{fd};
}

Result<size_t> LinuxStorage::read_at(hal::FileHandle file, uint64_t offset, ByteSpan buffer) {
  LSEDGE_TRY(check_handle(file));
  if (offset > static_cast<uint64_t>(INT64_MAX)) {
    return Error(Status::InvalidArgument, "file offset out of range");
  }
  ssize_t n;
  do {
    n = ::pread(file.value, buffer.data(), buffer.size(), static_cast<off_t>(offset));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return handle_error(errno, file);
  }
  return static_cast<size_t>(n);
}

Outcome LinuxStorage::append(hal::FileHandle file, ConstByteSpan data) {
  LSEDGE_TRY(check_handle(file));
  struct stat before;
  if (::fstat(file.value, &before) != 0) {
    return handle_error(errno, file);
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(file.value, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      // write(2) returning 0 for a non-empty buffer means no progress is possible: a full disk.
      const int err = n < 0 ? errno : ENOSPC;
      if (done > 0) {
        // All-or-nothing: drop the part that did fit. Best effort; the error stands either way.
        int rc;
        do {
          rc = ::ftruncate(file.value, before.st_size);
        } while (rc != 0 && errno == EINTR);
      }
      return handle_error(err, file);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Outcome LinuxStorage::write_at(hal::FileHandle file, uint64_t offset, ConstByteSpan data) {
  LSEDGE_TRY(check_handle(file));
  if (offset > static_cast<uint64_t>(INT64_MAX) - data.size()) {
    return Error(Status::InvalidArgument, "file offset out of range");
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(file.value, data.data() + done, data.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return handle_error(n < 0 ? errno : ENOSPC, file);
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

Result<uint64_t> LinuxStorage::size(hal::FileHandle file) {
  LSEDGE_TRY(check_handle(file));
  struct stat st;
  if (::fstat(file.value, &st) != 0) {
    return handle_error(errno, file);
  }
  return static_cast<uint64_t>(st.st_size);
}

Outcome LinuxStorage::sync(hal::FileHandle file) {
  LSEDGE_TRY(check_handle(file));
  int rc;
  do {
    rc = ::fsync(file.value);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return handle_error(errno, file);
  }
  return {};
}

void LinuxStorage::close(hal::FileHandle file) {
  if (file.valid()) {
    // Never retried: on Linux the descriptor is released even when close(2) reports EINTR.
    ::close(file.value);
  }
}

Outcome LinuxStorage::rename(std::string_view from, std::string_view to) {
  CPath c_from;
  CPath c_to;
  LSEDGE_TRY(to_c_path(from, c_from));
  LSEDGE_TRY(to_c_path(to, c_to));
  if (::rename(c_from.c_str(), c_to.c_str()) != 0) {
    const int err = errno;
    // The target is named when it is the problem (it exists as a non-empty directory).
    return file_error(err, err == ENOTEMPTY || err == EEXIST || err == EISDIR ? to : from,
                      ErrnoContext::FileReplace);
  }
  return {};
}

Outcome LinuxStorage::link(std::string_view from, std::string_view to) {
  CPath c_from;
  CPath c_to;
  LSEDGE_TRY(to_c_path(from, c_from));
  LSEDGE_TRY(to_c_path(to, c_to));
  // AT_SYMLINK_FOLLOW: link(2) would name the symbolic link itself, not the file.
  if (::linkat(AT_FDCWD, c_from.c_str(), AT_FDCWD, c_to.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    const int err = errno;
    return file_error(err, err == EEXIST ? to : from);
  }
  return {};
}

Outcome LinuxStorage::remove(std::string_view path) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  if (::unlink(c_path.c_str()) == 0) {
    return {};
  }
  int err = errno;
  if (err == EISDIR || err == EPERM) {
    // Linux reports EISDIR for unlink(2) of a directory (POSIX allows EPERM).
    if (::rmdir(c_path.c_str()) == 0) {
      return {};
    }
    if (errno != ENOTDIR) {
      err = errno;  // else a file unlink(2) refused: keep its EPERM
    }
  }
  return file_error(err, path, ErrnoContext::FileReplace);
}

Outcome LinuxStorage::make_directory(std::string_view path) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  if (::mkdir(c_path.c_str(), kNewDirectoryMode) == 0) {
    return {};
  }
  const int err = errno;
  if (err == EEXIST) {
    struct stat st;
    if (::stat(c_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return {};
    }
  }
  return file_error(err, path);
}

Outcome LinuxStorage::sync_directory(std::string_view directory) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(directory, c_path));
  const int raw_fd = open_retrying(c_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (raw_fd < 0) {
    return file_error(errno, directory);
  }
  const FileDescriptor fd(raw_fd);
  int rc;
  do {
    rc = ::fsync(fd.get());
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    return file_error(errno, directory);
  }
  return {};
}

Result<hal::DirectoryHandle> LinuxStorage::open_directory(std::string_view directory) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(directory, c_path));
  int32_t index = -1;
  LSEDGE_TRY_ASSIGN(DirectorySlot * slot, claim_directory_slot(index));
  const int fd = open_retrying(c_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    slot->in_use.store(false);
    return file_error(err, directory);
  }
  slot->fd = fd;
  slot->filled = 0;
  slot->at = 0;
  slot->path.clear();
  slot->path.append_truncated(c_path.view());
  return hal::DirectoryHandle{index};
}

Result<bool> LinuxStorage::next_entry(hal::DirectoryHandle directory, hal::DirectoryEntry& entry) {
  LSEDGE_TRY_ASSIGN(DirectorySlot * slot, find_directory_slot(directory));
  for (;;) {
    if (slot->at == slot->filled) {
      LSEDGE_TRY_ASSIGN(const bool more, refill(*slot));
      if (!more) {
        return false;
      }
    }
    LSEDGE_TRY_ASSIGN(const LinuxDirent64* record, take_record(*slot));
    LSEDGE_TRY_ASSIGN(const bool reported, describe(*slot, *record, entry));
    if (reported) {
      return true;
    }
  }
}

void LinuxStorage::close_directory(hal::DirectoryHandle directory) {
  const Result<DirectorySlot*> slot = find_directory_slot(directory);
  if (!slot.ok()) {
    return;
  }
  ::close((*slot)->fd);  // never retried, as in close()
  (*slot)->fd = -1;
  (*slot)->in_use.store(false);
}

Result<bool> LinuxStorage::exists(std::string_view path) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  struct stat st;
  if (::stat(c_path.c_str(), &st) == 0) {
    return true;
  }
  const int err = errno;
  if (err == ENOENT || err == ENOTDIR) {
    return false;
  }
  return file_error(err, path);
}

Result<hal::FileInfo> LinuxStorage::info(std::string_view path) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  struct stat st;
  if (::stat(c_path.c_str(), &st) != 0) {
    return file_error(errno, path);
  }
  hal::FileInfo info;
  info.kind = S_ISREG(st.st_mode)   ? hal::FileInfo::Kind::Regular
              : S_ISDIR(st.st_mode) ? hal::FileInfo::Kind::Directory
                                    : hal::FileInfo::Kind::Other;
  info.mode = static_cast<uint32_t>(st.st_mode & 07777);
  info.owner_uid = static_cast<uint32_t>(st.st_uid);
  info.group_gid = static_cast<uint32_t>(st.st_gid);
  info.size = static_cast<uint64_t>(st.st_size);
  info.modified_unix_seconds = static_cast<int64_t>(st.st_mtim.tv_sec);
  return info;
}

uint32_t LinuxStorage::caller_uid() {
  return static_cast<uint32_t>(::geteuid());
}

Result<hal::FileHandle> LinuxStorage::lock_file(std::string_view path, hal::LockWait wait) {
  CPath c_path;
  LSEDGE_TRY(to_c_path(path, c_path));
  const int fd = open_retrying(c_path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    return file_error(errno, path);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return file_error(err, path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(Status::NotARegularFile, path);
  }
  const int operation = LOCK_EX | (wait == hal::LockWait::NoWait ? LOCK_NB : 0);
  int rc;
  do {
    rc = ::flock(fd, operation);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return hal::FileHandle{};  // held by another open file
    }
    return file_error(err, path);
  }
  return hal::FileHandle{fd};
}

}  // namespace lsedge::platform
