// Shared by the fuzz targets of Label Studio's answers: HTTP answers around a fuzzed body, and a
// Client over the real Connection, TcpTransport and TokenManager with a scripted socket (the same
// wiring as the unit tests' rigs, without GoogleTest).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "firmware/core/arena.h"
#include "firmware/labelstudio/client.h"
#include "firmware/net/tcp_transport.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fakes/scripted_socket.h"
#include "tests/fakes/std_sync.h"
#include "tests/fakes/test_tokens.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {

// One HTTP/1.1 answer: `status` with a JSON `body` (Content-Length framing).
inline std::string http_answer(int status, std::string_view body,
                               std::string_view extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Fuzz\r\n";
  out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size());
  out += "\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

// The statuses an API answer may come with (the input picks one).
inline int pick_status(FuzzedDataProvider& input) {
  static constexpr int kStatuses[] = {200, 201, 200, 201, 204, 301, 400, 401,
                                      403, 404, 409, 429, 500, 502, 503, 200};
  return kStatuses[input.ConsumeIntegralInRange<size_t>(0, sizeof(kStatuses) / sizeof(int) - 1)];
}

// A Client over a scripted socket. `body_limit`: the response body buffer (small ones exercise
// the readers of truncated bodies). Thread-safety: one thread.
struct ApiRig {
  explicit ApiRig(size_t body_limit = 16384) : socket(&clock), transport(socket), body(body_limit) {
    connection = std::make_unique<http::Connection>(
        transport, clock, http::Endpoint{"ls.example", 8080, 80},
        http::ConnectionBuffers{ByteSpan(head), ByteSpan(headers),
                                ByteSpan(body.data(), body.size()), ByteSpan(chunk)},
        Logger(&log, "http"));
    tokens = std::make_unique<auth::TokenManager>(clock, mutex, condition, Logger(&log, "auth"));
    client = std::make_unique<labelstudio::Client>(*connection, *tokens, "", *arena,
                                                   Logger(&log, "client"));
  }
  // A legacy key: requests go out at once, without a refresh.
  void legacy() { (void)tokens->set_credential("4b7e0f3c9a1d2e8f6a5b4c3d2e1f0a9b8c7d6e5f"); }
  // A PAT: the first request is preceded by a refresh.
  void pat() { (void)tokens->set_credential(testing::make_pat()); }
  // Scripts one connection answering `answers` in order, each delivered in seed-chosen pieces.
  void answer(const std::vector<std::string>& answers, uint32_t split_seed) {
    testing::ScriptedSocket::Connection& c = socket.add_connection();
    for (const std::string& a : answers) {
      for (std::string& piece : split_seeded(a, split_seed, 700)) {
        c.then_data(std::move(piece));
      }
    }
    c.then_close();
  }
  Deadline deadline() const { return Deadline::after(clock.now_ms(), 60000); }

  testing::ManualClock clock{5000};
  testing::ScriptedSocket socket;
  net::TcpTransport transport;
  testing::CaptureLog log;
  testing::StdMutex mutex;
  testing::StdConditionVariable condition;
  uint8_t head[4096] = {};
  uint8_t headers[4096] = {};
  std::vector<uint8_t> body;
  uint8_t chunk[512] = {};
  std::unique_ptr<StaticArena<262144>> arena = std::make_unique<StaticArena<262144>>();
  std::unique_ptr<http::Connection> connection;
  std::unique_ptr<auth::TokenManager> tokens;
  std::unique_ptr<labelstudio::Client> client;
};

// The response body buffer size: the board's, or a small one to exercise truncated answers.
inline size_t pick_body_limit(FuzzedDataProvider& input) {
  static constexpr size_t kLimits[] = {16384, 16384, 512, 64, 8192, 2048};
  return kLimits[input.ConsumeIntegralInRange<size_t>(0, sizeof(kLimits) / sizeof(size_t) - 1)];
}

// Secrets never reach the log or an error `text`: the PAT (whole, or its signature) and the
// legacy key, unless the server's `answers` held them (its echo is its own).
inline void check_no_secret(const ApiRig& rig, std::string_view text, std::string_view answers) {
  const std::string pat = testing::make_pat();
  const std::string signature = pat.substr(pat.rfind('.') + 1);
  const std::string log = rig.log.all_text();
  for (const std::string_view secret :
       {std::string_view(signature),
        std::string_view("4b7e0f3c9a1d2e8f6a5b4c3d2e1f0a9b8c7d6e5f")}) {
    if (answers.find(secret) != std::string_view::npos) {
      continue;
    }
    LSEDGE_FUZZ_CHECK(log.find(secret) == std::string::npos);
    LSEDGE_FUZZ_CHECK(text.find(secret) == std::string_view::npos);
  }
}

}  // namespace lsedge::fuzz
