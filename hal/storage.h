// HAL: local files (the .env file, CA bundles, task and media files, the spool).
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::hal {

// An open file, as a small integer the Storage hands out (no heap, no polymorphic objects).
// Thread-safety: a value; the file it names is used by one thread at a time.
struct FileHandle {
  int32_t value = -1;
  [[nodiscard]] bool valid() const { return value >= 0; }
};

// An open directory listing, as a small integer the Storage hands out (like FileHandle).
// Thread-safety: a value; the listing it names is read by one thread at a time.
struct DirectoryHandle {
  int32_t value = -1;
  [[nodiscard]] bool valid() const { return value >= 0; }
};

// The longest file name a directory entry can hold (NAME_MAX on Linux).
inline constexpr size_t kFileNameCapacity = 255;

// What is at a path (symbolic links followed), for checks before a file is trusted or used.
// Thread-safety: a value type.
struct FileInfo {
  enum class Kind : uint8_t { Regular, Directory, Other };  // Other: device, FIFO, socket
  Kind kind = Kind::Other;
  uint32_t mode = 0;       // permission bits (0777 part of st_mode)
  uint32_t owner_uid = 0;  // the file's owner
  uint32_t group_gid = 0;  // the file's group
  uint64_t size = 0;
  int64_t modified_unix_seconds = 0;  // last data change by the wall clock (for display only)
};

// How lock_file() waits. Thread-safety: a value type.
enum class LockWait : uint8_t { NoWait, Wait };

// One directory entry ("." and ".." are never reported). A symbolic link is not a directory.
// Thread-safety: a value type.
struct DirectoryEntry {
  FixedString<kFileNameCapacity> name;
  bool is_directory = false;
};

// Files and directories by path. Failures name the path (or "file handle N") in Error::detail
// and keep the platform's error number in Error::code; their status is portable:
//   FileNotFound       nothing at the path (or a directory on the way is missing),
//   FileExists         create_new() or make_directory() where a file already is,
//   DirectoryNotEmpty  rename() onto, or remove() of, a directory with entries,
//   NoSpace            the device, a quota or a file size limit is full ("disk full: <path>"),
//   FileAccessDenied   permissions or a read-only mount refuse it,
//   NotARegularFile    a directory, device or FIFO where a regular file is needed,
//   NotADirectory      a file where a directory is needed (also on the way to a path),
//   FileError          every other storage failure,
// and BufferTooSmall where a caller buffer is too small, InvalidArgument for bad handles or paths.
// Durability follows POSIX: data is on disk after sync(); a rename or removal is on disk after
// sync_directory() of the directory holding it.
// Thread-safety: implementations must be safe to call from any thread.
class Storage {
 public:
  // Reads the whole file into `buffer`; BufferTooSmall if it does not fit.
  [[nodiscard]] virtual Result<size_t> read_file(std::string_view path,
                                                 lsedge::ByteSpan buffer) = 0;

  // Streaming access. open_read() and read_file() open only regular files (NotARegularFile for a
  // directory, device, FIFO or socket) and never block on opening (a FIFO without a writer).
  [[nodiscard]] virtual Result<FileHandle> open_read(std::string_view path) = 0;
  // Creates a new file for writing; FileExists if something is at `path`.
  [[nodiscard]] virtual Result<FileHandle> create_new(std::string_view path) = 0;
  // Reads up to buffer.size() bytes at `offset`; 0 at end of file.
  [[nodiscard]] virtual Result<size_t> read_at(FileHandle file, uint64_t offset,
                                               lsedge::ByteSpan buffer) = 0;
  // Appends all of `data` (a full disk is NoSpace).
  [[nodiscard]] virtual Outcome append(FileHandle file, lsedge::ConstByteSpan data) = 0;
  [[nodiscard]] virtual Result<uint64_t> size(FileHandle file) = 0;
  // Overwrites bytes at `offset` of a file opened by lock_file() (never grows it past its size
  // without NoSpace being possible: write only within bytes the file already has to need none).
  [[nodiscard]] virtual Outcome write_at(FileHandle file, uint64_t offset,
                                         lsedge::ConstByteSpan data) = 0;
  // Flushes the file's data and metadata to the device.
  [[nodiscard]] virtual Outcome sync(FileHandle file) = 0;
  virtual void close(FileHandle file) = 0;

  // Directory operations.
  [[nodiscard]] virtual Outcome rename(std::string_view from, std::string_view to) = 0;
  // Gives the regular file at `from` (a symbolic link is followed) the new name `to` (a hard
  // link: the same data, owner and mode). FileExists if something is at `to`; FileError when
  // the file system refuses (another file system, no hard links, another user's file).
  [[nodiscard]] virtual Outcome link(std::string_view from, std::string_view to) = 0;
  [[nodiscard]] virtual Outcome remove(std::string_view path) = 0;
  // Creates the directory if it does not exist (not its parents).
  [[nodiscard]] virtual Outcome make_directory(std::string_view path) = 0;
  // Makes renames, creations and removals in `directory` durable.
  [[nodiscard]] virtual Outcome sync_directory(std::string_view directory) = 0;

  // Reading a directory, like opendir(3)/readdir(3): each entry once, in no particular order;
  // entries added or removed meanwhile may or may not be seen. Open listings are a small, fixed
  // resource: close every one (DirectoryReader does).
  [[nodiscard]] virtual Result<DirectoryHandle> open_directory(std::string_view directory) = 0;
  // The next entry into `entry`; false at the end of the listing.
  [[nodiscard]] virtual Result<bool> next_entry(DirectoryHandle directory,
                                                DirectoryEntry& entry) = 0;
  virtual void close_directory(DirectoryHandle directory) = 0;
  // True if something exists at `path`.
  [[nodiscard]] virtual Result<bool> exists(std::string_view path) = 0;
  // What is at `path` (FileNotFound if nothing).
  [[nodiscard]] virtual Result<FileInfo> info(std::string_view path) = 0;
  // The user id this process runs as (to compare with FileInfo::owner_uid).
  [[nodiscard]] virtual uint32_t caller_uid() = 0;

  // An advisory exclusive lock (flock(2) on Linux) on the regular file at `path`, which must
  // exist; opened for reading and writing (write_at). NoWait: an invalid handle when another
  // open file holds the lock. Wait: blocks until it is free. close() releases it; so does the
  // process's death, so a crash never leaves a spool locked.
  [[nodiscard]] virtual Result<FileHandle> lock_file(std::string_view path, LockWait wait) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~Storage() = default;
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

// Reads a directory with a plain loop, and closes it on every way out of a scope:
//   hal::DirectoryReader reader(storage);
//   LSEDGE_TRY(reader.open(path));
//   while (reader.next(entry)) { ... }
//   LSEDGE_TRY(reader.status());
// Thread-safety: one thread at a time.
class DirectoryReader {
 public:
  explicit DirectoryReader(Storage& storage) : storage_(storage) {}
  ~DirectoryReader() { close(); }
  DirectoryReader(const DirectoryReader&) = delete;
  DirectoryReader& operator=(const DirectoryReader&) = delete;

  [[nodiscard]] Outcome open(std::string_view directory) {
    close();
    failure_ = Outcome();
    LSEDGE_TRY_ASSIGN(handle_, storage_.open_directory(directory));
    return {};
  }
  // The next entry; false at the end or when reading failed (then status() tells why).
  [[nodiscard]] bool next(DirectoryEntry& entry) {
    if (!handle_.valid()) {
      return false;
    }
    Result<bool> got = storage_.next_entry(handle_, entry);
    if (got.ok() && *got) {
      return true;
    }
    if (!got.ok()) {
      failure_ = got.error();
    }
    close();  // frees the listing as soon as it is done
    return false;
  }
  // Ok unless next() stopped on a failure (not open counts as "nothing to read").
  [[nodiscard]] Outcome status() const { return failure_; }
  void close() {
    if (handle_.valid()) {
      storage_.close_directory(handle_);
    }
    handle_ = DirectoryHandle{};
  }

 private:
  Storage& storage_;
  DirectoryHandle handle_;
  Outcome failure_;
};

}  // namespace lsedge::hal
