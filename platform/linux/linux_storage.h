// hal::Storage on Linux: POSIX files and directories with the durability calls the spool needs.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "hal/storage.h"

namespace lsedge::platform {

// Paths: InvalidArgument for an empty path, one with a NUL byte or longer than
// LSEDGE_PATH_CAPACITY. Handles: FileHandle.value is the file descriptor itself (no table, so no
// limit of our own and nothing to lock); every descriptor is opened O_CLOEXEC. Failures carry
// errno in Error::code and the path (or "file handle N") in Error::detail; their status comes
// from status_from_errno (errno_status.h), and a full disk (NoSpace) reads "disk full: ...".
// Thread-safety: safe to call from any thread (a handle by one thread at a time); the only state
// is the table of open directories, whose slots are claimed atomically.
class LinuxStorage final : public hal::Storage {
 public:
  // Reads all of `path` into `buffer`; BufferTooSmall if the file does not fit. On failure the
  // bytes already read are wiped (.env files hold tokens).
  [[nodiscard]] Result<size_t> read_file(std::string_view path, ByteSpan buffer) override;

  [[nodiscard]] Result<hal::FileHandle> open_read(std::string_view path) override;
  // O_CREAT|O_EXCL|O_WRONLY|O_APPEND, mode 0600 (spool files hold task data).
  [[nodiscard]] Result<hal::FileHandle> create_new(std::string_view path) override;
  // One pread(2), retried on EINTR.
  [[nodiscard]] Result<size_t> read_at(hal::FileHandle file, uint64_t offset,
                                       ByteSpan buffer) override;
  // write(2) until all is written; on failure the file is cut back to its old size, so an
  // append is all-or-nothing.
  [[nodiscard]] Outcome append(hal::FileHandle file, ConstByteSpan data) override;
  [[nodiscard]] Result<uint64_t> size(hal::FileHandle file) override;
  [[nodiscard]] Outcome write_at(hal::FileHandle file, uint64_t offset,
                                 ConstByteSpan data) override;
  // fsync(2).
  [[nodiscard]] Outcome sync(hal::FileHandle file) override;
  void close(hal::FileHandle file) override;

  // rename(2): replaces a file, or an empty directory, at `to`.
  [[nodiscard]] Outcome rename(std::string_view from, std::string_view to) override;
  [[nodiscard]] Outcome link(std::string_view from, std::string_view to) override;
  // unlink(2) for files; rmdir(2) for directories, which must be empty (DirectoryNotEmpty).
  [[nodiscard]] Outcome remove(std::string_view path) override;
  // mkdir(2) with mode 0700; an existing directory is fine, an existing file is FileExists.
  [[nodiscard]] Outcome make_directory(std::string_view path) override;
  // open(O_RDONLY|O_DIRECTORY) + fsync(2).
  [[nodiscard]] Outcome sync_directory(std::string_view directory) override;
  // getdents64(2) into the buffer of one of LSEDGE_OPEN_DIRECTORIES static slots (no libc DIR
  // allocation); BufferTooSmall when all are open. A symbolic link is not a directory.
  [[nodiscard]] Result<hal::DirectoryHandle> open_directory(std::string_view directory) override;
  [[nodiscard]] Result<bool> next_entry(hal::DirectoryHandle directory,
                                        hal::DirectoryEntry& entry) override;
  void close_directory(hal::DirectoryHandle directory) override;
  // stat(2); ENOENT and ENOTDIR mean "does not exist", other errors fail.
  [[nodiscard]] Result<bool> exists(std::string_view path) override;
  [[nodiscard]] Result<hal::FileInfo> info(std::string_view path) override;
  [[nodiscard]] uint32_t caller_uid() override;
  [[nodiscard]] Result<hal::FileHandle> lock_file(std::string_view path,
                                                  hal::LockWait wait) override;
};

}  // namespace lsedge::platform
