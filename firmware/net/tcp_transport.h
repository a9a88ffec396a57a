// Plain TCP: a Transport that forwards to a hal::Socket.
#pragma once

#include "firmware/net/transport.h"
#include "hal/socket.h"

namespace lsedge::net {

// Adds nothing to the socket; exists so http/ never sees the HAL and TLS can wrap the socket.
// Thread-safety: one thread at a time (as the socket).
class TcpTransport final : public Transport {
 public:
  explicit TcpTransport(hal::Socket& socket) : socket_(socket) {}
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  [[nodiscard]] Outcome connect(std::string_view host, uint16_t port, Deadline deadline) override;
  [[nodiscard]] Result<size_t> send(ConstByteSpan data, Deadline deadline) override;
  [[nodiscard]] Result<size_t> receive(ByteSpan buffer, Deadline deadline) override;
  [[nodiscard]] bool idle_connection_broken() override;
  void close() override;
  [[nodiscard]] bool is_open() const override;

 private:
  hal::Socket& socket_;
};

}  // namespace lsedge::net
