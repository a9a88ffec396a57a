// A Connection wired to a ScriptedSocket, a ManualClock and a CaptureLog, with test-sized
// buffers allocated exactly (so ASan catches any write past a limit).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "firmware/http/connection.h"
#include "firmware/net/tcp_transport.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fakes/scripted_socket.h"

namespace lsedge::http::test {

// Forwards to another transport; can hide a dead idle connection from the idle check (the
// race where the server closes right after we looked), records connect deadlines, and can make
// every receive take time (a slow link).
class ProbeTransport final : public net::Transport {
 public:
  explicit ProbeTransport(net::Transport& inner) : inner_(inner) {}
  bool hide_idle_breakage = false;
  std::vector<Deadline> connect_deadlines;
  testing::ManualClock* clock = nullptr;
  uint64_t receive_takes_ms = 0;  // each receive advances `clock` by this much
  size_t receives = 0;

  Outcome connect(std::string_view host, uint16_t port, Deadline deadline) override {
    connect_deadlines.push_back(deadline);
    return inner_.connect(host, port, deadline);
  }
  Result<size_t> send(ConstByteSpan data, Deadline deadline) override {
    return inner_.send(data, deadline);
  }
  Result<size_t> receive(ByteSpan buffer, Deadline deadline) override {
    ++receives;
    if (clock != nullptr) {
      clock->advance(receive_takes_ms);
    }
    return inner_.receive(buffer, deadline);
  }
  bool idle_connection_broken() override {
    const bool broken = inner_.idle_connection_broken();
    return hide_idle_breakage ? false : broken;
  }
  void close() override { inner_.close(); }
  bool is_open() const override { return inner_.is_open(); }

 private:
  net::Transport& inner_;
};

struct Limits {
  size_t request_head = 4096;
  size_t response_headers = 8192;
  size_t response_body = 65536;
  size_t receive_chunk = 2048;
  size_t send_chunk = 0;  // 0: no send chunk, bodies are streamed through receive_chunk
};

class Harness {
 public:
  explicit Harness(Limits limits = Limits(), Endpoint endpoint = {"ls.example", 8080, 80})
      : head(limits.request_head),
        headers(limits.response_headers),
        body(limits.response_body),
        chunk(limits.receive_chunk),
        send(limits.send_chunk) {
    ConnectionBuffers buffers{
        ByteSpan(head.data(), head.size()), ByteSpan(headers.data(), headers.size()),
        ByteSpan(body.data(), body.size()), ByteSpan(chunk.data(), chunk.size())};
    buffers.send_chunk = ByteSpan(send.data(), send.size());
    probe.clock = &clock;
    connection =
        std::make_unique<Connection>(probe, clock, endpoint, buffers, Logger(&log, "http"));
  }

  Result<Response> execute(const Request& request, uint64_t timeout_ms = 30000) {
    return connection->execute(request, Deadline::after(clock.now_ms(), timeout_ms));
  }
  Result<Response> get(std::string_view path = "/api/x") {
    Request request;
    request.path = path;
    return execute(request);
  }

  testing::ManualClock clock{1000};
  testing::ScriptedSocket socket{&clock};
  net::TcpTransport tcp{socket};
  ProbeTransport probe{tcp};
  testing::CaptureLog log;
  std::vector<uint8_t> head, headers, body, chunk, send;
  std::unique_ptr<Connection> connection;
};

inline std::string body_text(const Response& response) {
  return std::string(as_text(response.body));
}

}  // namespace lsedge::http::test
