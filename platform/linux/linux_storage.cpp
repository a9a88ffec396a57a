#include "platform/linux/linux_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <config.h>  // board sizes
#include "firmware/core/fixed_string.h"
#include "firmware/core/secure_wipe.h"
#include "platform/linux/errno_status.h"

namespace lsedge::platform {
namespace {

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

}  // namespace

Result<size_t> LinuxStorage::read_file(std::string_view path, ByteSpan buffer) {
  FixedString<LSEDGE_PATH_CAPACITY> c_path;
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    return Error(Status::InvalidArgument, "file path is empty or contains a NUL byte");
  }
  if (c_path.assign(path) != Status::Ok) {
    return Error(Status::InvalidArgument, path);  // longer than LSEDGE_PATH_CAPACITY
  }

  int raw_fd;
  do {
    raw_fd = ::open(c_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (raw_fd < 0 && errno == EINTR);
  if (raw_fd < 0) {
    return errno_error(errno, ErrnoContext::File, path);
  }
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
      return errno_error(err, ErrnoContext::File, path);
    }
    const ssize_t n = read_some(fd.get(), buffer.data() + total, buffer.size() - total);
    if (n == 0) {
      return total;
    }
    if (n < 0) {
      const int err = errno;
      secure_wipe(buffer.data(), total);
      return errno_error(err, ErrnoContext::File, path);
    }
    total += static_cast<size_t>(n);
  }
}

}  // namespace lsedge::platform
