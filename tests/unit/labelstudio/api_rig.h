// Shared by the labelstudio API tests: a Client over the real Connection, TcpTransport and
// TokenManager with a scripted socket, plus an in-memory hal::Storage and canned responses.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "firmware/labelstudio/client.h"
#include "firmware/net/tcp_transport.h"
#include "hal/storage.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fakes/scripted_socket.h"
#include "tests/fakes/std_sync.h"

namespace lsedge::labelstudio::test {

inline constexpr std::string_view kLegacyKey = "0123456789abcdef0123456789abcdef01234567";

inline std::string http_response(int status, const std::string& body,
                                 const std::string& extra_headers = "") {
  const char* reason = status == 200   ? "OK"
                       : status == 201 ? "Created"
                       : status == 401 ? "Unauthorized"
                                       : "Status";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra_headers + "\r\n" + body;
}

// Label Studio's error envelope, with validation_errors when given (a JSON object).
inline std::string envelope(int status, const std::string& detail,
                            const std::string& validation_errors = "") {
  std::string body = R"({"id":"e1","status_code":)" + std::to_string(status) +
                     R"(,"version":"1.24.0","detail":")" + detail + R"(","exc_info":null)";
  if (!validation_errors.empty()) {
    body += R"(,"validation_errors":)" + validation_errors;
  }
  return http_response(status, body + "}");
}

inline size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// What follows the first blank line: the body of a single request on the wire.
inline std::string body_after_head(const std::string& request) {
  const size_t end = request.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : request.substr(end + 4);
}

struct Rig {
  explicit Rig(size_t body_limit = 16384, std::string_view base_path = "")
      : socket(&clock), transport(socket), body(body_limit) {
    connection = std::make_unique<http::Connection>(
        transport, clock, http::Endpoint{"ls.example", 8080, 80},
        http::ConnectionBuffers{ByteSpan(head), ByteSpan(headers),
                                ByteSpan(body.data(), body.size()), ByteSpan(chunk)},
        Logger(&log, "http"));
    tokens = std::make_unique<auth::TokenManager>(clock, mutex, condition, Logger(&log, "auth"));
    client =
        std::make_unique<Client>(*connection, *tokens, base_path, arena, Logger(&log, "client"));
  }
  void legacy() { ASSERT_TRUE(tokens->set_credential(kLegacyKey).ok()); }
  Deadline deadline() const { return Deadline::after(clock.now_ms(), 60000); }
  std::string sent() {
    std::string all;
    for (auto& c : socket.connections())
      all += c.sent;
    return all;
  }
  std::string sent_on(size_t i) { return socket.connection(i).sent; }

  testing::ManualClock clock{5000};
  testing::ScriptedSocket socket;
  net::TcpTransport transport;
  testing::CaptureLog log;
  testing::StdMutex mutex;
  testing::StdConditionVariable condition;
  uint8_t head[4096];
  uint8_t headers[4096];
  std::vector<uint8_t> body;
  uint8_t chunk[512];
  StaticArena<262144> arena;
  std::unique_ptr<http::Connection> connection;
  std::unique_ptr<auth::TokenManager> tokens;
  std::unique_ptr<Client> client;
};

// Files in a std::map; only the streaming-read part of hal::Storage is implemented, with hooks
// (largest read, shrinking a file mid-read) that tests/fakes/memory_storage.h does not have.
class MemoryStorage final : public hal::Storage {
 public:
  std::map<std::string, std::string> files;
  size_t largest_read = 0;  // the biggest buffer read_at was given
  size_t open_handles = 0;
  // Shrinks the file behind the open handles after this many read_at calls (-1: never).
  int shrink_after_reads = -1;
  // read_at number `fail_read` (0-based) fails with EIO (-1: never).
  int fail_read = -1;

  Result<size_t> read_file(std::string_view, ByteSpan) override { return Status::FileError; }
  Result<hal::FileHandle> open_read(std::string_view path) override {
    const auto it = files.find(std::string(path));
    if (it == files.end()) {
      Error error(Status::FileError,
                  std::string("No such file or directory: ") + std::string(path));
      error.code = 2;
      return error;
    }
    handles_[next_] = it->first;
    ++open_handles;
    return hal::FileHandle{next_++};
  }
  Result<hal::FileHandle> create_new(std::string_view) override { return Status::FileError; }
  Result<size_t> read_at(hal::FileHandle file, uint64_t offset, ByteSpan buffer) override {
    const auto it = handles_.find(file.value);
    if (it == handles_.end()) {
      return Status::InvalidArgument;
    }
    largest_read = std::max(largest_read, buffer.size());
    const int call = reads_++;
    if (call == fail_read) {
      return Error(Status::FileError, "read failed: " + it->second).with_code(5);
    }
    if (shrink_after_reads >= 0 && call >= shrink_after_reads) {
      files[it->second].resize(files[it->second].size() / 2);
    }
    const std::string& data = files[it->second];
    if (offset >= data.size()) {
      return size_t{0};
    }
    const size_t n = std::min(buffer.size(), data.size() - static_cast<size_t>(offset));
    std::memcpy(buffer.data(), data.data() + offset, n);
    return n;
  }
  Outcome append(hal::FileHandle, ConstByteSpan) override { return Status::FileError; }
  Result<uint64_t> size(hal::FileHandle file) override {
    const auto it = handles_.find(file.value);
    if (it == handles_.end()) {
      return Status::InvalidArgument;
    }
    return uint64_t{files[it->second].size()};
  }
  Outcome sync(hal::FileHandle) override { return {}; }
  void close(hal::FileHandle file) override {
    if (handles_.erase(file.value) == 1) {
      --open_handles;
    }
  }
  Outcome rename(std::string_view, std::string_view) override { return Status::FileError; }
  Outcome link(std::string_view, std::string_view) override { return Status::FileError; }
  Outcome remove(std::string_view) override { return Status::FileError; }
  Outcome make_directory(std::string_view) override { return Status::FileError; }
  Outcome sync_directory(std::string_view) override { return Status::FileError; }
  Result<hal::DirectoryHandle> open_directory(std::string_view) override {
    return Status::FileError;
  }
  Result<bool> next_entry(hal::DirectoryHandle, hal::DirectoryEntry&) override {
    return Status::FileError;
  }
  void close_directory(hal::DirectoryHandle) override {}
  Result<bool> exists(std::string_view path) override {
    return files.count(std::string(path)) == 1;
  }
  // The API tests read files only; the rest of the HAL is refused.
  Outcome write_at(hal::FileHandle, uint64_t, ConstByteSpan) override {
    return Error(Status::FileError, "read-only");
  }
  Result<hal::FileInfo> info(std::string_view path) override {
    if (files.count(std::string(path)) == 0) {
      return Error(Status::FileNotFound, path);
    }
    hal::FileInfo info;
    info.kind = hal::FileInfo::Kind::Regular;
    info.size = files[std::string(path)].size();
    return info;
  }
  uint32_t caller_uid() override { return 0; }
  Result<hal::FileHandle> lock_file(std::string_view path, hal::LockWait) override {
    return Error(Status::FileError, path);
  }

 private:
  std::map<int32_t, std::string> handles_;
  int32_t next_ = 3;
  int reads_ = 0;
};

}  // namespace lsedge::labelstudio::test
