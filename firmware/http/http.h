// HTTP/1.1 request and response types shared by the writer, the reader and Connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/ascii.h"
#include "firmware/core/body_source.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::http {

// Thread-safety: plain values.
enum class Method : uint8_t { Get, Post, Put, Patch, Delete, Head };

// "GET", "POST" ...; nullptr for a value outside the enum.
[[nodiscard]] const char* method_name(Method method);
// Safe to send again after a lost connection without the caller opting in (RFC 9110 9.2.2).
[[nodiscard]] bool is_idempotent(Method method);

// One request header; views must outlive the execute() call. Thread-safety: a view.
struct Header {
  std::string_view name;
  std::string_view value;
};

// The body of a streamed request (firmware/core/body_source.h).
using BodySource = ::lsedge::BodySource;

// Everything one request needs; all views are the caller's. Thread-safety: a view.
struct Request {
  Method method = Method::Get;
  std::string_view path;           // absolute path + query ("/api/..."), base path already applied
  std::string_view content_type;   // empty: no Content-Type header
  ConstByteSpan body;              // sent with Content-Length (also 0 for POST/PUT/PATCH)
  std::string_view authorization;  // full header value ("Bearer x"/"Token y"); empty: none
  bool replayable = false;         // the body may be sent again on a new connection
  Span<const Header> extra_headers;
  // Instead of `body` (which must then be empty): read from its current position (the start)
  // while sending. A resend on a new connection rewinds it first.
  BodySource* body_source = nullptr;
};

// A final (non-1xx) response. Views into the Connection's buffers, valid until the next
// execute() or close(). Thread-safety: a view.
struct Response {
  uint16_t status = 0;
  ConstByteSpan body;
  std::string_view content_type, www_authenticate, retry_after;  // first occurrence, trimmed
  bool keep_alive = false;       // the connection stays open for the next request
  std::string_view raw_headers;  // every header as "Name: value\r\n", in arrival order
  // The body did not fit the response buffer: `body` holds its first bytes only; the rest was
  // read and discarded (up to LSEDGE_HTTP_DRAIN_LIMIT and the deadline) or the connection was
  // closed. The status and headers are complete either way.
  bool truncated = false;

  // The first header called `name` (case-insensitive), trimmed.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

// Where requests go. Host header is host[:port]; the port is left out when it equals
// default_port (80 for http, the caller sets 443 for https). IPv6 literals are given without
// brackets and bracketed in the Host header. Thread-safety: a view.
struct Endpoint {
  std::string_view host;
  uint16_t port = 80;
  uint16_t default_port = 80;
};

// Caller-owned memory of one Connection; sizes from boards/<board>/board.h
// (LSEDGE_HTTP_REQUEST_HEAD_CAPACITY, ..._RESPONSE_HEADERS_LIMIT, ..._RESPONSE_BODY_LIMIT,
// LSEDGE_HTTP_RECEIVE_CHUNK, LSEDGE_HTTP_SEND_CHUNK). Thread-safety: a view.
struct ConnectionBuffers {
  ByteSpan request_head;      // request line + headers, rebuilt for every request
  ByteSpan response_headers;  // limit of all response header bytes (HttpHeadersTooLarge)
  ByteSpan response_body;     // a larger body keeps its first bytes (Response::truncated)
  ByteSpan receive_chunk;     // one transport read
  // One BodySource read per transport send. Empty: receive_chunk is used (nothing is received
  // while a request is being sent, so the two never overlap).
  ByteSpan send_chunk{};
};

}  // namespace lsedge::http
