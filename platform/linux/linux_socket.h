// hal::Socket on Linux: a non-blocking TCP socket, every wait bounded by a Deadline via poll(2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <config.h>  // board sizes
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
// deadline; the deadline is checked when it returns.
// Errors carry errno (or the EAI_* code) in Error::code and the host in Error::detail.
// Thread-safety: one thread at a time.
class LinuxSocket final : public hal::Socket {
 public:
  explicit LinuxSocket(const hal::MonotonicClock& clock) : clock_(clock) {}
  ~LinuxSocket() override { close(); }
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
  // Ok once `events` are ready on fd_ (or an error is pending there), Timeout at the deadline.
  [[nodiscard]] Outcome wait_ready(short events, Deadline deadline);
  [[nodiscard]] Error not_connected() const;

  const hal::MonotonicClock& clock_;
  int fd_ = -1;
  FixedString<LSEDGE_HOST_CAPACITY> host_;  // NUL-terminated for getaddrinfo; error details
};

}  // namespace lsedge::platform
