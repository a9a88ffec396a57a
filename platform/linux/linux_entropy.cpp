#include "platform/linux/linux_entropy.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>

#include "platform/linux/errno_status.h"

namespace lsedge::platform {
namespace {

// Kernels before 3.17 (still found on gateways) lack getrandom; /dev/urandom is the same pool.
Outcome fill_from_urandom(ByteSpan out) {
  int fd;
  do {
    fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return errno_error(errno, ErrnoContext::Entropy, "/dev/urandom");
  }
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      const int err = n == 0 ? EIO : errno;
      ::close(fd);
      return errno_error(err, ErrnoContext::Entropy, "/dev/urandom");
    }
  }
  ::close(fd);
  return {};
}

}  // namespace

Status LinuxEntropy::fill(ByteSpan out) {
  return fill_with_error(out).status();
}

Outcome LinuxEntropy::fill_with_error(ByteSpan out) {
  size_t done = 0;
  while (done < out.size()) {
    // Requests above 256 bytes may return short (signals); loop until all of `out` is filled.
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == ENOSYS) {
      return fill_from_urandom(out.subspan(done));
    } else {
      return errno_error(n == 0 ? EIO : errno, ErrnoContext::Entropy, "getrandom");
    }
  }
  return {};
}

}  // namespace lsedge::platform
