// A hal::Socket driven by a script: what each connection answers, in what pieces, and how it
// fails. Records every byte sent, per connection.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "hal/socket.h"
#include "tests/fakes/manual_clock.h"

namespace lsedge::testing {

class ScriptedSocket final : public hal::Socket {
 public:
  struct Event {
    enum class Kind { Data, Timeout, Closed, Reset, Error } kind = Kind::Data;
    std::string bytes;  // for Data
  };
  struct Connection {
    Status connect_result = Status::Ok;
    std::deque<Event> receive_events;     // an empty queue answers Timeout
    size_t max_receive_chunk = SIZE_MAX;  // hand out Data at most this many bytes per receive
    size_t max_send_chunk = SIZE_MAX;     // accept at most this many bytes per send (partial)
    Status send_failure = Status::Ok;     // when set, sends fail with it once ...
    size_t fail_send_after_bytes = 0;     // ... this many bytes were sent on this connection
    bool broken_when_idle = false;        // answer of idle_connection_broken()
    std::string sent;                     // filled by send()
    std::vector<size_t> offered;          // filled by send(): the size of each offer
    std::string host;                     // filled by connect()
    uint16_t port = 0;

    Connection& then_data(std::string bytes) {
      receive_events.push_back({Event::Kind::Data, std::move(bytes)});
      return *this;
    }
    Connection& then_close() {
      receive_events.push_back({Event::Kind::Closed, {}});
      return *this;
    }
    Connection& then_reset() {
      receive_events.push_back({Event::Kind::Reset, {}});
      return *this;
    }
    Connection& then_timeout() {
      receive_events.push_back({Event::Kind::Timeout, {}});
      return *this;
    }
  };

  // clock (optional): a timeout moves it to the deadline, as a real wait would.
  explicit ScriptedSocket(ManualClock* clock = nullptr) : clock_(clock) {}

  // Scripts the next connection; connect() consumes them in order.
  Connection& add_connection() {
    connections_.emplace_back();
    return connections_.back();
  }
  std::deque<Connection>& connections() { return connections_; }
  Connection& connection(size_t i) { return connections_.at(i); }
  size_t connect_calls() const { return connect_calls_; }
  int current_index() const { return current_; }

  Outcome connect(std::string_view host, uint16_t port, Deadline) override {
    ++connect_calls_;
    if (static_cast<size_t>(current_ + 1) >= connections_.size()) {
      open_ = false;
      return Error(Status::ConnectionRefused, "no scripted connection left");
    }
    ++current_;
    Connection& c = connections_[static_cast<size_t>(current_)];
    c.host = std::string(host);
    c.port = port;
    if (c.connect_result != Status::Ok) {
      open_ = false;
      return Error(c.connect_result);
    }
    open_ = true;
    return {};
  }

  Result<size_t> send(ConstByteSpan data, Deadline) override {
    if (!open_) {
      return Status::NetworkError;
    }
    Connection& c = current();
    c.offered.push_back(data.size());
    const bool failing = c.send_failure != Status::Ok;
    if (failing && c.sent.size() >= c.fail_send_after_bytes) {
      return c.send_failure;
    }
    size_t n = data.size() < c.max_send_chunk ? data.size() : c.max_send_chunk;
    if (failing && c.fail_send_after_bytes - c.sent.size() < n) {
      n = c.fail_send_after_bytes - c.sent.size();
    }
    c.sent.append(reinterpret_cast<const char*>(data.data()), n);
    return n;
  }

  Result<size_t> receive(ByteSpan buffer, Deadline deadline) override {
    if (!open_) {
      return Status::NetworkError;
    }
    Connection& c = current();
    if (c.receive_events.empty()) {
      if (clock_ != nullptr && !deadline.is_never() && deadline.at_ms() > clock_->now_ms()) {
        clock_->set(deadline.at_ms());
      }
      return Status::Timeout;
    }
    Event& e = c.receive_events.front();
    switch (e.kind) {
      case Event::Kind::Data: {
        size_t n = e.bytes.size();
        if (n > buffer.size())
          n = buffer.size();
        if (n > c.max_receive_chunk)
          n = c.max_receive_chunk;
        std::memcpy(buffer.data(), e.bytes.data(), n);
        e.bytes.erase(0, n);
        if (e.bytes.empty())
          c.receive_events.pop_front();
        return n;
      }
      case Event::Kind::Timeout:
        c.receive_events.pop_front();
        if (clock_ != nullptr && !deadline.is_never() && deadline.at_ms() > clock_->now_ms()) {
          clock_->set(deadline.at_ms());
        }
        return Status::Timeout;
      case Event::Kind::Closed:
        return Status::PeerClosed;  // stays closed
      case Event::Kind::Reset:
        return Status::ConnectionReset;
      case Event::Kind::Error:
        c.receive_events.pop_front();
        return Status::NetworkError;
    }
    return Status::NetworkError;
  }

  bool idle_connection_broken() override {
    if (!open_)
      return true;
    Connection& c = current();
    if (c.broken_when_idle)
      return true;
    if (c.receive_events.empty())
      return false;
    const Event::Kind next = c.receive_events.front().kind;
    return next == Event::Kind::Closed || next == Event::Kind::Reset;
  }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }

 private:
  Connection& current() { return connections_[static_cast<size_t>(current_)]; }

  ManualClock* clock_;
  std::deque<Connection> connections_;
  int current_ = -1;
  size_t connect_calls_ = 0;
  bool open_ = false;
};

}  // namespace lsedge::testing
