// HAL: local files (the .env file, CA bundles, task and media files, the spool).
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::hal {

// An open file, as a small integer the Storage hands out (no heap, no polymorphic objects).
// Thread-safety: a value; the file it names is used by one thread at a time.
struct FileHandle {
  int32_t value = -1;
  [[nodiscard]] bool valid() const { return value >= 0; }
};

// Called once per directory entry (not "." or ".."). Returning an error stops the listing.
// Thread-safety: called on the listing thread only.
class DirectoryVisitor {
 public:
  virtual ~DirectoryVisitor() = default;
  [[nodiscard]] virtual Outcome on_entry(std::string_view name, bool is_directory) = 0;
};

// Files and directories by path. Every failure is FileError (errno in Error::code, the path in
// Error::detail), except BufferTooSmall where a caller buffer is too small and InvalidArgument
// for bad handles or paths. Durability follows POSIX: data is on disk after sync(); a rename or
// removal is on disk after sync_directory() of the directory holding it.
// Thread-safety: implementations must be safe to call from any thread.
class Storage {
 public:
  virtual ~Storage() = default;

  // Reads the whole file into `buffer`; BufferTooSmall if it does not fit.
  [[nodiscard]] virtual Result<size_t> read_file(std::string_view path,
                                                 lsedge::ByteSpan buffer) = 0;

  // Streaming access.
  [[nodiscard]] virtual Result<FileHandle> open_read(std::string_view path) = 0;
  // Creates a new file for writing; fails (FileError, EEXIST) if it exists.
  [[nodiscard]] virtual Result<FileHandle> create_new(std::string_view path) = 0;
  // Reads up to buffer.size() bytes at `offset`; 0 at end of file.
  [[nodiscard]] virtual Result<size_t> read_at(FileHandle file, uint64_t offset,
                                               lsedge::ByteSpan buffer) = 0;
  // Appends all of `data` (a full disk is FileError with ENOSPC).
  [[nodiscard]] virtual Outcome append(FileHandle file, lsedge::ConstByteSpan data) = 0;
  [[nodiscard]] virtual Result<uint64_t> size(FileHandle file) = 0;
  // Flushes the file's data and metadata to the device.
  [[nodiscard]] virtual Outcome sync(FileHandle file) = 0;
  virtual void close(FileHandle file) = 0;

  // Directory operations.
  [[nodiscard]] virtual Outcome rename(std::string_view from, std::string_view to) = 0;
  [[nodiscard]] virtual Outcome remove(std::string_view path) = 0;
  // Creates the directory if it does not exist (not its parents).
  [[nodiscard]] virtual Outcome make_directory(std::string_view path) = 0;
  // Makes renames, creations and removals in `directory` durable.
  [[nodiscard]] virtual Outcome sync_directory(std::string_view directory) = 0;
  [[nodiscard]] virtual Outcome list_directory(std::string_view directory,
                                               DirectoryVisitor& visitor) = 0;
  // True if something exists at `path`.
  [[nodiscard]] virtual Result<bool> exists(std::string_view path) = 0;
};

// Closes a file on every way out of a scope. Thread-safety: as the file it holds.
class ScopedFile {
 public:
  ScopedFile(Storage& storage, FileHandle file) : storage_(storage), file_(file) {}
  ~ScopedFile() { storage_.close(file_); }
  ScopedFile(const ScopedFile&) = delete;
  ScopedFile& operator=(const ScopedFile&) = delete;
  [[nodiscard]] FileHandle get() const { return file_; }

 private:
  Storage& storage_;
  FileHandle file_;
};

}  // namespace lsedge::hal
