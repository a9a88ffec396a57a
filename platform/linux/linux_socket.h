// hal::Socket on Linux: a non-blocking TCP socket, every wait bounded by a Deadline via poll(2).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/deadline.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "hal/clock.h"
#include "hal/socket.h"

namespace lsedge::platform {

// One TCP connection (IPv4 or IPv6), TCP_NODELAY, close-on-exec, never raising SIGPIPE.
// Deadlines are read on `clock`, which must be the clock the caller made them with.
// Name resolution (getaddrinfo) is bounded by the system resolver's own timeouts, not by the
// deadline; the deadline is checked when it returns. Address literals skip the resolver; for a
// name, the address that connected is reused for LSEDGE_DNS_CACHE_MS and resolved again after a
// failed connect, so a kept-alive client calls getaddrinfo (which allocates on glibc's heap)
// only on its first connect, after failures and when the cache ages out.
// Errors carry errno (or the EAI_* code) in Error::code and the host in Error::detail.
// Thread-safety: one thread at a time.
class LinuxSocket final : public hal::Socket {
 public:
  explicit LinuxSocket(const hal::MonotonicClock& clock) : clock_(clock) {}
  ~LinuxSocket() { close(); }
  LinuxSocket(const LinuxSocket&) = delete;
  LinuxSocket& operator=(const LinuxSocket&) = delete;

  // Closes any current connection, resolves `host` (name or numeric address, at most
  // LSEDGE_HOST_CAPACITY bytes, else InvalidArgument) and tries each address in turn.
  [[nodiscard]] Outcome connect(std::string_view host, uint16_t port, Deadline deadline) override;
  // Sends part or all of `data`; ok(0) only for empty `data`.
  [[nodiscard]] Result<size_t> send(ConstByteSpan data, Deadline deadline) override;
  // InvalidArgument for an empty `buffer` (0 bytes would read as end of stream).
  [[nodiscard]] Result<size_t> receive(ByteSpan buffer, Deadline deadline) override;
  [[nodiscard]] bool idle_connection_broken() override;
  // Idempotent.
  void close() override;
  [[nodiscard]] bool is_open() const override { return fd_ >= 0; }

 private:
  [[nodiscard]] Outcome connect_one(int family, int protocol, const void* address,
                                    uint32_t address_length, Deadline deadline);
  // The host and port in the error detail of a failed connect.
  [[nodiscard]] Outcome finish_connect(Outcome result, uint16_t port);
  // Ok once `events` are ready on fd_ (or an error is pending there), Timeout at the deadline.
  [[nodiscard]] Outcome wait_ready(short events, Deadline deadline);
  [[nodiscard]] Error not_connected() const;

  const hal::MonotonicClock& clock_;
  int fd_ = -1;
  FixedString<LSEDGE_HOST_CAPACITY> host_;  // NUL-terminated for getaddrinfo; error details
  // The resolved address that last connected to cached_host_:cached_port_.
  FixedString<LSEDGE_HOST_CAPACITY> cached_host_;
  sockaddr_storage cached_address_{};
  uint32_t cached_length_ = 0;  // 0: nothing cached
  int cached_family_ = 0;
  int cached_protocol_ = 0;
  uint16_t cached_port_ = 0;
  uint64_t cached_at_ms_ = 0;
};

}  // namespace lsedge::platform
