#include "platform/linux/linux_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include "platform/linux/errno_status.h"

namespace lsedge::platform {
namespace {

// Frees the getaddrinfo list on every return path.
class AddressList {
 public:
  AddressList() = default;
  ~AddressList() {
    if (list_ != nullptr) {
      ::freeaddrinfo(list_);
    }
  }
  AddressList(const AddressList&) = delete;
  AddressList& operator=(const AddressList&) = delete;
  addrinfo** out() { return &list_; }
  [[nodiscard]] const addrinfo* first() const { return list_; }

 private:
  addrinfo* list_ = nullptr;
};

int poll_timeout_ms(uint32_t remaining_ms) {
  return remaining_ms > static_cast<uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(remaining_ms);
}

}  // namespace

Outcome LinuxSocket::connect(std::string_view host, uint16_t port, Deadline deadline) {
  close();
  if (host.empty() || host.find('\0') != std::string_view::npos) {
    return Error(Status::InvalidArgument, "host name is empty or contains a NUL byte");
  }
  if (host_.assign(host) != Status::Ok) {
    host_.clear();
    return Error(Status::InvalidArgument, "host name is longer than LSEDGE_HOST_CAPACITY");
  }
  if (port == 0) {
    return Error(Status::InvalidArgument, "port 0");
  }
  if (deadline.expired(clock_.now_ms())) {
    return Error(Status::Timeout, host_.view());
  }

  // An address literal needs no resolver (and glibc's getaddrinfo allocates on its heap).
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, host_.c_str(), &v4) == 1) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr = v4;
    return finish_connect(connect_one(AF_INET, 0, &address, sizeof(address), deadline), port);
  }
  if (::inet_pton(AF_INET6, host_.c_str(), &v6) == 1) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_port = htons(port);
    address.sin6_addr = v6;
    return finish_connect(connect_one(AF_INET6, 0, &address, sizeof(address), deadline), port);
  }

  // A name: the address that last worked for it, while fresh; resolved again after a failure.
  const uint64_t now = clock_.now_ms();
  if (cached_length_ > 0 && cached_host_.view() == host_.view() && cached_port_ == port &&
      now - cached_at_ms_ < LSEDGE_DNS_CACHE_MS) {
    Outcome reused =
        connect_one(cached_family_, cached_protocol_, &cached_address_, cached_length_, deadline);
    if (reused.ok() || reused.status() == Status::Timeout) {
      return finish_connect(reused, port);
    }
    cached_length_ = 0;
  }

  char service[8];
  (void)std::snprintf(service, sizeof(service), "%u", static_cast<unsigned>(port));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  AddressList addresses;
  const int gai = ::getaddrinfo(host_.c_str(), service, &hints, addresses.out());
  if (gai != 0) {
    return resolver_error(gai, errno, host_.view());
  }

  // Every address in resolver order; the last failure is reported if none answers.
  Outcome last = Error(Status::DnsFailure, host_.view());
  for (const addrinfo* a = addresses.first(); a != nullptr; a = a->ai_next) {
    last = connect_one(a->ai_family, a->ai_protocol, a->ai_addr,
                       static_cast<uint32_t>(a->ai_addrlen), deadline);
    if (last.ok()) {
      if (a->ai_addrlen <= sizeof(cached_address_) &&
          cached_host_.assign(host_.view()) == Status::Ok) {
        std::memcpy(&cached_address_, a->ai_addr, a->ai_addrlen);
        cached_length_ = static_cast<uint32_t>(a->ai_addrlen);
        cached_family_ = a->ai_family;
        cached_protocol_ = a->ai_protocol;
        cached_port_ = port;
        cached_at_ms_ = clock_.now_ms();
      }
      break;
    }
    if (last.status() == Status::Timeout) {
      break;  // no time left for the next address
    }
  }
  return finish_connect(last, port);
}

Outcome LinuxSocket::finish_connect(Outcome result, uint16_t port) {
  if (!result.ok()) {
    Error error = Error(result.error()).with_detail(host_.view());
    error.detail.append_truncated(":");
    (void)error.detail.append_uint(port);
    return error;
  }
  return {};
}

Outcome LinuxSocket::connect_one(int family, int protocol, const void* address,
                                 uint32_t address_length, Deadline deadline) {
  fd_ = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  if (fd_ < 0) {
    return errno_error(errno, ErrnoContext::Socket, {});
  }
  // Requests are written whole; Nagle would only delay the last segment.
  const int one = 1;
  (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

  if (::connect(fd_, static_cast<const sockaddr*>(address), address_length) != 0) {
    // EINTR on a non-blocking connect: the handshake continues in the background.
    if (errno != EINPROGRESS && errno != EINTR) {
      const Error error = errno_error(errno, ErrnoContext::Socket, {});
      close();
      return error;
    }
    Outcome ready = wait_ready(POLLOUT, deadline);
    int so_error = 0;
    socklen_t length = sizeof(so_error);
    if (ready.ok() && ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) {
      so_error = errno;
    }
    if (!ready.ok() || so_error != 0) {
      close();
      return ready.ok() ? errno_error(so_error, ErrnoContext::Socket, {}) : ready;
    }
  }
  return {};
}

Outcome LinuxSocket::wait_ready(short events, Deadline deadline) {
  for (;;) {
    const uint64_t now = clock_.now_ms();
    if (deadline.expired(now)) {
      return Error(Status::Timeout, host_.view());
    }
    pollfd entry{};
    entry.fd = fd_;
    entry.events = events;
    const int rc = ::poll(&entry, 1, poll_timeout_ms(deadline.remaining_ms(now)));
    if (rc > 0) {
      if ((entry.revents & POLLNVAL) != 0) {
        return errno_error(EBADF, ErrnoContext::Socket, host_.view());
      }
      return {};  // ready, or POLLERR/POLLHUP: the next call reports what happened
    }
    if (rc < 0 && errno != EINTR) {
      return errno_error(errno, ErrnoContext::Socket, host_.view());
    }
    // Timed out or interrupted: the clock decides whether the deadline has really passed.
  }
}

Result<size_t> LinuxSocket::send(ConstByteSpan data, Deadline deadline) {
  if (fd_ < 0) {
    return not_connected();
  }
  if (data.empty()) {
    return size_t{0};
  }
  for (;;) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      return static_cast<size_t>(n);
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return errno_error(errno, ErrnoContext::Socket, host_.view());
    }
    LSEDGE_TRY(wait_ready(POLLOUT, deadline));
  }
}

Result<size_t> LinuxSocket::receive(ByteSpan buffer, Deadline deadline) {
  if (fd_ < 0) {
    return not_connected();
  }
  if (buffer.empty()) {
    return Error(Status::InvalidArgument, "receive into an empty buffer");
  }
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      return static_cast<size_t>(n);
    }
    if (n == 0) {
      return Error(Status::PeerClosed, host_.view());
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return errno_error(errno, ErrnoContext::Socket, host_.view());
    }
    LSEDGE_TRY(wait_ready(POLLIN, deadline));
  }
}

bool LinuxSocket::idle_connection_broken() {
  if (fd_ < 0) {
    return true;
  }
  for (;;) {
    uint8_t byte;
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n >= 0) {
      return true;  // 0: the peer closed; > 0: bytes nobody asked for, the stream is out of step
    }
    if (errno == EINTR) {
      continue;
    }
    return errno != EAGAIN && errno != EWOULDBLOCK;
  }
}

void LinuxSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);  // not retried on EINTR: Linux releases the descriptor anyway
    fd_ = -1;
  }
}

Error LinuxSocket::not_connected() const {
  return Error(Status::NetworkError, "socket is not connected").with_code(ENOTCONN);
}

}  // namespace lsedge::platform
