// A real Mbed TLS server on 127.0.0.1 in a background thread, for the TLS transport tests.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace lsedge::testing {

enum class ServerMode {
  Echo,                 // frames of [u32 big-endian length][bytes], each sent back as is
  Http,                 // answers every request head with a keep-alive "200 hello"
  CloseAfterHandshake,  // close_notify right after the handshake, then closes the socket
  Silent,               // accepts TCP, never says anything (holds the socket until the peer goes)
  ResetInHandshake,     // reads the ClientHello, then resets the connection (RST)
  PlainHttp,            // not TLS at all: answers the ClientHello with an HTTP 400
};

enum class Resumption { None, SessionCache, Tickets };
// The one version the server speaks.
enum class TlsVersion { Tls12, Tls13 };

struct ServerOptions {
  std::string cert_file;
  std::string key_file;
  ServerMode mode = ServerMode::Echo;
  Resumption resumption = Resumption::SessionCache;
  TlsVersion version = TlsVersion::Tls12;
};

// Serves one connection at a time until destroyed. Thread-safety: the counters may be read
// from any thread.
class TlsTestServer {
 public:
  explicit TlsTestServer(ServerOptions options);
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  // Empty when the server is running; otherwise what failed at startup.
  const std::string& setup_error() const { return setup_error_; }
  uint16_t port() const { return port_; }

  // Handshakes that used the server's private key (a full handshake signs; a resumed one does
  // not): counted by wrapping the RSA key, independent of the client under test.
  // TLS 1.3 and ECDSA keys: the completed handshakes that did not resume (a ticket or cached
  // session the server accepted).
  int full_handshakes() const {
    return count_by_signatures_ ? signatures_.load() : completed_.load() - tickets_accepted_.load();
  }
  int handshakes_completed() const { return completed_.load(); }
  // Waits until `count` connections have been finished (socket closed); false after 5 s.
  bool wait_connections_finished(int count);
  // Application bytes received on all connections (the Echo mode's payloads).
  size_t bytes_received() const { return bytes_received_.load(); }

 private:
  struct State;
  void run();
  void serve(int fd);
  void finish_connection();

  ServerOptions options_;
  State* state_ = nullptr;
  std::string setup_error_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> signatures_{0};
  std::atomic<int> tickets_accepted_{0};  // and session-cache hits
  bool count_by_signatures_ = true;
  std::atomic<int> completed_{0};
  std::atomic<size_t> bytes_received_{0};
  std::mutex mutex_;
  std::condition_variable finished_changed_;
  int finished_ = 0;
  std::thread thread_;
};

}  // namespace lsedge::testing
