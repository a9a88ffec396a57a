// HAL: a stream socket with deadlines on every operation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/deadline.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::hal {

// One TCP connection. Results tell data, timeout, peer closed and error apart:
//   ok(n > 0)                   n bytes moved (sends may be partial)
//   Status::Timeout             the deadline passed before anything moved
//   Status::PeerClosed          the peer closed its side in order (receive only)
//   Status::ConnectionReset     the peer reset the connection
//   Status::ConnectionRefused / DnsFailure / NetworkError (with errno in Error::code)
// Thread-safety: one thread at a time.
class Socket {
 public:
  // Resolves `host` and connects to the first address that answers, before `deadline`.
  [[nodiscard]] virtual Outcome connect(std::string_view host, uint16_t port,
                                        lsedge::Deadline deadline) = 0;
  [[nodiscard]] virtual Result<size_t> send(lsedge::ConstByteSpan data,
                                            lsedge::Deadline deadline) = 0;
  [[nodiscard]] virtual Result<size_t> receive(lsedge::ByteSpan buffer,
                                               lsedge::Deadline deadline) = 0;
  // True when an idle kept-alive connection is no longer usable: the peer closed or reset it,
  // or it sent bytes nobody asked for. Never blocks.
  [[nodiscard]] virtual bool idle_connection_broken() = 0;
  virtual void close() = 0;
  [[nodiscard]] virtual bool is_open() const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~Socket() = default;
};

}  // namespace lsedge::hal
