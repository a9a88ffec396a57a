// net::Transport: the byte stream the HTTP layer talks through (plain TCP now, TLS later).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/deadline.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::net {

// Same result contract as hal::Socket, so a TLS transport can slot in underneath http/:
//   ok(n > 0)          n bytes moved (sends may be partial)
//   Status::Timeout    the deadline passed before anything moved
//   Status::PeerClosed the peer closed its side in order (receive only)
//   other Status       the connection failed (ConnectionReset, NetworkError, Tls* ...)
// Thread-safety: one thread at a time.
class Transport {
 public:
  [[nodiscard]] virtual Outcome connect(std::string_view host, uint16_t port,
                                        Deadline deadline) = 0;
  [[nodiscard]] virtual Result<size_t> send(ConstByteSpan data, Deadline deadline) = 0;
  [[nodiscard]] virtual Result<size_t> receive(ByteSpan buffer, Deadline deadline) = 0;
  // True when an idle kept-alive connection must not be reused (closed, reset, unsolicited
  // bytes). Never blocks.
  [[nodiscard]] virtual bool idle_connection_broken() = 0;
  virtual void close() = 0;
  [[nodiscard]] virtual bool is_open() const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~Transport() = default;
};

}  // namespace lsedge::net
