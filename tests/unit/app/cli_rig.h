// Drives lsedge's command line (run_cli) through app::PlatformServices with the HAL fakes: an
// in-memory disk (MemoryStorage), a manual clock, and a socket that answers each complete HTTP
// request from a handler, as a Label Studio would. Shared by the cmd_run and cmd_import tests.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "firmware/app/cli.h"
#include "firmware/app/platform_services.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fakes/memory_storage.h"
#include "tests/fakes/std_sync.h"
#include "tests/fakes/test_tokens.h"

namespace lsedge::app::test {

// One request as the server saw it.
struct Request {
  std::string method;
  std::string path;  // with the query
  std::string head;
  std::string body;
};

inline std::string http_response(int status, const std::string& body,
                                 const std::string& content_type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A hal::Socket in front of a handler: every complete request (head + Content-Length body) is
// passed to `answer`, whose reply is what the client then receives. An empty reply is no answer
// at all (the receive times out, moving the clock to the deadline). Thread-safety: one thread.
class ServerSocket final : public hal::Socket {
 public:
  using Handler = std::function<std::string(const Request&)>;
  explicit ServerSocket(testing::ManualClock& clock) : clock_(clock) {}

  Handler answer;
  std::vector<Request> requests;
  size_t connects = 0;

  Outcome connect(std::string_view, uint16_t, Deadline) override {
    ++connects;
    open_ = true;
    pending_.clear();
    reply_.clear();
    return {};
  }
  Result<size_t> send(ConstByteSpan data, Deadline) override {
    if (!open_) {
      return Status::NetworkError;
    }
    pending_.append(reinterpret_cast<const char*>(data.data()), data.size());
    deliver();
    return data.size();
  }
  Result<size_t> receive(ByteSpan buffer, Deadline deadline) override {
    if (!open_) {
      return Status::NetworkError;
    }
    if (reply_.empty()) {
      if (!deadline.is_never() && deadline.at_ms() > clock_.now_ms()) {
        clock_.set(deadline.at_ms());
      }
      return Status::Timeout;
    }
    const size_t n = reply_.size() < buffer.size() ? reply_.size() : buffer.size();
    std::memcpy(buffer.data(), reply_.data(), n);
    reply_.erase(0, n);
    return n;
  }
  bool idle_connection_broken() override { return !open_ || !reply_.empty(); }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }

 private:
  void deliver() {
    for (;;) {
      const size_t end = pending_.find("\r\n\r\n");
      if (end == std::string::npos) {
        return;
      }
      Request r;
      r.head = pending_.substr(0, end + 2);
      size_t length = 0;
      const size_t cl = lower(r.head).find("\r\ncontent-length:");
      if (cl != std::string::npos) {
        length = std::stoul(r.head.substr(cl + 17));
      }
      if (pending_.size() < end + 4 + length) {
        return;
      }
      r.body = pending_.substr(end + 4, length);
      pending_.erase(0, end + 4 + length);
      const size_t sp = r.head.find(' ');
      r.method = r.head.substr(0, sp);
      r.path = r.head.substr(sp + 1, r.head.find(' ', sp + 1) - sp - 1);
      requests.push_back(r);
      reply_ += answer ? answer(requests.back()) : std::string();
    }
  }
  static std::string lower(std::string s) {
    for (char& c : s) {
      c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return s;
  }

  testing::ManualClock& clock_;
  bool open_ = false;
  std::string pending_;
  std::string reply_;
};

class MapEnvironment final : public EnvLookup {
 public:
  std::map<std::string, std::string> values;
  std::optional<std::string_view> get(std::string_view key) const override {
    const auto it = values.find(std::string(key));
    if (it == values.end()) {
      return std::nullopt;
    }
    return std::string_view(it->second);
  }
};

class CaptureConsole final : public Console {
 public:
  std::string out_text;
  std::string err_text;
  void out(std::string_view text) override { out_text += text; }
  void err(std::string_view text) override { err_text += text; }
  bool err_is_terminal() const override { return false; }
};

// A stop that the test requests (e.g. from inside a server handler, as a SIGTERM would come).
class TestStop final : public StopSignal {
 public:
  bool armed = false;
  bool stop = false;
  void arm() override { armed = true; }
  bool requested() const override { return stop; }
};

inline constexpr int64_t kProject = 5;

struct CliRig {
  CliRig() {
    storage.put_directory("/in");
    environment.values["LABEL_STUDIO_URL"] = "http://127.0.0.1:8080";
    environment.values["LABEL_STUDIO_API_TOKEN"] = pat;
  }

  // Runs `lsedge ARGS...`; console output is kept per run.
  int run(std::vector<std::string> args) {
    console.out_text.clear();
    console.err_text.clear();
    args.insert(args.begin(), "lsedge");
    std::vector<const char*> argv;
    for (const auto& a : args) {
      argv.push_back(a.c_str());
    }
    argv.push_back(nullptr);
    return run_cli(static_cast<int>(args.size()), argv.data(), services);
  }

  // Requests to paths that start with `prefix`.
  size_t count(const std::string& method, const std::string& prefix) const {
    size_t n = 0;
    for (const auto& r : socket.requests) {
      n += r.method == method && r.path.rfind(prefix, 0) == 0 ? 1 : 0;
    }
    return n;
  }

  // The files under `dir` (paths), from the storage as it is now.
  std::vector<std::string> files_under(const std::string& dir) const {
    std::vector<std::string> files;
    for (const auto& [path, content] : storage.snapshot()) {
      if (path.rfind(dir, 0) == 0 && path.back() != '/') {
        files.push_back(path);
      }
    }
    return files;
  }

  std::string pat = testing::make_pat();
  testing::ManualClock clock{1000000};
  testing::FakeEntropy entropy;
  ServerSocket socket{clock};
  testing::CaptureLog log;
  testing::StdMutex mutex;
  testing::StdConditionVariable condition;
  testing::MemoryStorage storage;
  MapEnvironment environment;
  CaptureConsole console;
  TestStop stop;
  PlatformServices services{clock,     clock,   entropy,     socket,  log, mutex,
                            condition, storage, environment, console, stop};
};

// The answers of a healthy Label Studio: token refresh, the project, imports (task_count from the
// body's task count), whoami. `refresh_lifetime_s`: the access token's lifetime.
inline std::string label_studio(const Request& r, int64_t now_s = 1769531227) {
  if (r.method == "POST" && r.path.rfind("/api/token/refresh", 0) == 0) {
    return http_response(
        200, R"({"access":")" + testing::make_access_token(now_s, now_s + 300) + R"("})");
  }
  const std::string project = "/api/projects/" + std::to_string(kProject);
  if (r.method == "GET" && r.path.rfind(project + "/", 0) == 0 &&
      r.path.find("/imports/") == std::string::npos) {
    return http_response(200, R"({"id":5,"title":"Edge","task_number":0})");
  }
  if (r.method == "POST" && r.path.rfind(project + "/import", 0) == 0) {
    size_t tasks = 0;
    for (size_t at = r.body.find("\"data\""); at != std::string::npos;
         at = r.body.find("\"data\"", at + 1)) {
      ++tasks;
    }
    return http_response(201, R"({"task_count":)" + std::to_string(tasks) +
                                  R"(,"annotation_count":0,"prediction_count":0,"duration":0.01})");
  }
  return http_response(404, R"({"detail":"Not found."})");
}

// A JSON array of `count` tasks {"data":{"id":N,"text":"task N"}}, ids from `first`.
inline std::string tasks_json(int first, int count) {
  std::string json = "[";
  for (int i = first; i < first + count; ++i) {
    json += (i == first ? "" : ",") + std::string(R"({"data":{"id":)") + std::to_string(i) +
            R"(,"text":"task )" + std::to_string(i) + R"("}})";
  }
  return json + "]";
}

}  // namespace lsedge::app::test
