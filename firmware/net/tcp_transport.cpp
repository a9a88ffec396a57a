#include "firmware/net/tcp_transport.h"

namespace lsedge::net {

Outcome TcpTransport::connect(std::string_view host, uint16_t port, Deadline deadline) {
  if (host.empty() || port == 0) {
    return Error(Status::InvalidArgument, "connect needs a host and a non-zero port");
  }
  if (socket_.is_open()) {
    socket_.close();  // a new connection never inherits the old stream's state
  }
  return socket_.connect(host, port, deadline);
}

Result<size_t> TcpTransport::send(ConstByteSpan data, Deadline deadline) {
  return socket_.send(data, deadline);
}

Result<size_t> TcpTransport::receive(ByteSpan buffer, Deadline deadline) {
  return socket_.receive(buffer, deadline);
}

bool TcpTransport::idle_connection_broken() {
  return socket_.idle_connection_broken();
}

void TcpTransport::close() {
  socket_.close();
}

bool TcpTransport::is_open() const {
  return socket_.is_open();
}

}  // namespace lsedge::net
