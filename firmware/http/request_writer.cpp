#include "firmware/http/request_writer.h"

#include <cstring>
#include <string_view>

#include "firmware/core/byte_scan.h"

#ifndef LSEDGE_VERSION
#error "LSEDGE_VERSION comes from the lsedge_strict target"
#endif

namespace lsedge::http {
namespace {

constexpr std::string_view kUserAgent = "lsedge/" LSEDGE_VERSION;

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// CR and LF would end the header early (injection); NUL truncates it in C-string code downstream.
// Word at a time: the Authorization value (~300 bytes) is checked on every request.
bool safe_header_value(std::string_view value) {
  return bytes::plain_run<false>(value.data(), value.size(), 0, '\r', '\n', '\0') == value.size();
}

bool valid_header_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (const char c : name) {
    if (!is_token_char(c)) {
      return false;
    }
  }
  return true;
}

// Request-target and Host must stay one word: no space, no control byte.
bool visible_ascii_or_utf8(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) {
      return false;
    }
  }
  return true;
}

bool managed_header(std::string_view name) {
  return equals_ignore_case(name, "Host") || equals_ignore_case(name, "Content-Length") ||
         equals_ignore_case(name, "Transfer-Encoding") || equals_ignore_case(name, "Connection");
}

Outcome validate(const Request& request, const Endpoint& endpoint) {
  if (method_name(request.method) == nullptr) {
    return Error(Status::InvalidArgument, "unknown HTTP method");
  }
  if (request.path.empty() || request.path.front() != '/') {
    return Error(Status::InvalidArgument, "request path must start with '/'");
  }
  if (!visible_ascii_or_utf8(request.path)) {
    return Error(Status::InvalidArgument, "request path contains a space or control character");
  }
  if (endpoint.host.empty() || !visible_ascii_or_utf8(endpoint.host)) {
    return Error(Status::InvalidArgument, "host is empty or contains a space or control character");
  }
  if (request.body_source != nullptr && !request.body.empty()) {
    return Error(Status::InvalidArgument, "request has both a body and a body source");
  }
  if (!safe_header_value(request.content_type)) {
    return Error(Status::InvalidArgument, "header Content-Type contains CR, LF or NUL");
  }
  if (!safe_header_value(request.authorization)) {
    // Never echo the value: it is a credential.
    return Error(Status::InvalidArgument, "header Authorization contains CR, LF or NUL");
  }
  for (const Header& header : request.extra_headers) {
    if (!valid_header_name(header.name)) {
      return Error(Status::InvalidArgument, "extra header name is not an HTTP token");
    }
    Error error(Status::InvalidArgument, "header ");
    if (managed_header(header.name)) {
      error.detail.append_truncated(header.name);
      error.detail.append_truncated(" is set by lsedge itself");
      return error;
    }
    if (!safe_header_value(header.value)) {
      error.detail.append_truncated(header.name);
      error.detail.append_truncated(" contains CR, LF or NUL");
      return error;
    }
  }
  return {};
}

// Two passes over the same emit code: the first only counts, the second writes what was counted.
class HeadSink {
 public:
  explicit HeadSink(ByteSpan out) : out_(out) {}
  static HeadSink counter() { return HeadSink(ByteSpan()); }

  void put(std::string_view text) {
    if (out_.data() != nullptr && !text.empty()) {
      std::memcpy(out_.data() + length_, text.data(), text.size());
    }
    length_ += text.size();
  }
  void put_uint(uint64_t value) {
    char digits[20];
    size_t n = 0;
    do {
      digits[sizeof(digits) - 1 - n] = static_cast<char>('0' + value % 10);
      value /= 10;
      ++n;
    } while (value != 0);
    put(std::string_view(digits + sizeof(digits) - n, n));
  }
  void header(std::string_view name, std::string_view value) {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
  [[nodiscard]] size_t length() const { return length_; }

 private:
  ByteSpan out_;
  size_t length_ = 0;
};

void emit(const Request& request, const Endpoint& endpoint, HeadSink& sink) {
  sink.put(method_name(request.method));
  sink.put(" ");
  sink.put(request.path);
  sink.put(" HTTP/1.1\r\n");

  sink.put("Host: ");
  const bool ipv6_literal = endpoint.host.find(':') != std::string_view::npos;
  if (ipv6_literal) {
    sink.put("[");
  }
  sink.put(endpoint.host);
  if (ipv6_literal) {
    sink.put("]");
  }
  if (endpoint.port != endpoint.default_port) {
    sink.put(":");
    sink.put_uint(endpoint.port);
  }
  sink.put("\r\n");

  sink.header("User-Agent", kUserAgent);
  sink.header("Accept", "application/json");
  sink.header("Connection", "keep-alive");
  if (!request.content_type.empty()) {
    sink.header("Content-Type", request.content_type);
  }
  const bool body_method = request.method == Method::Post || request.method == Method::Put ||
                           request.method == Method::Patch;
  const bool streamed = request.body_source != nullptr;
  if (streamed || !request.body.empty() || body_method) {
    sink.put("Content-Length: ");
    sink.put_uint(streamed ? request.body_source->size() : request.body.size());
    sink.put("\r\n");
  }
  if (!request.authorization.empty()) {
    sink.header("Authorization", request.authorization);
  }
  for (const Header& header : request.extra_headers) {
    sink.header(header.name, header.value);
  }
  sink.put("\r\n");
}

}  // namespace

Result<size_t> write_request_head(const Request& request, const Endpoint& endpoint, ByteSpan out) {
  LSEDGE_TRY(validate(request, endpoint));
  HeadSink counter = HeadSink::counter();
  emit(request, endpoint, counter);
  if (counter.length() > out.size()) {
    return Error(Status::BufferTooSmall, "request head exceeds LSEDGE_HTTP_REQUEST_HEAD_CAPACITY");
  }
  HeadSink writer(out);
  emit(request, endpoint, writer);
  return writer.length();
}

}  // namespace lsedge::http
