// One HTTP/1.1 client connection with keep-alive over a net::Transport.
#pragma once

#include "firmware/core/deadline.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "firmware/http/http.h"
#include "firmware/http/response_reader.h"
#include "firmware/net/transport.h"
#include "hal/clock.h"

namespace lsedge::http {

// Sends requests to one endpoint and reads their responses, one at a time (no pipelining).
// Connects lazily (LSEDGE_CONNECT_TIMEOUT_MS, capped by the request deadline) and keeps the
// connection while the server allows it. A kept connection that dies before the first
// response byte is replaced and the request resent once, only when that is safe (GET, HEAD,
// PUT, DELETE or Request::replayable; a BodySource is rewound first, and a failed rewind
// prevents the resend); otherwise the error says the outcome is unknown.
// The endpoint's views and the buffers must outlive the Connection.
// Thread-safety: one thread at a time.
class Connection {
 public:
  Connection(net::Transport& transport, const hal::MonotonicClock& clock, Endpoint endpoint,
             ConnectionBuffers buffers, Logger logger);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The final response (any HTTP status; mapping statuses to errors is the caller's job).
  // A body larger than the body buffer is not an error: the Response keeps its first bytes and
  // says `truncated`; the rest is drained (the connection may stay open) until
  // LSEDGE_HTTP_DRAIN_LIMIT discarded bytes, the deadline or a transport failure, any of which
  // ends the response there and closes the connection.
  // Errors: InvalidArgument/BufferTooSmall from the request writer, a BodySource's own errors
  // and InvalidArgument when it ends early or runs long, the transport's errors
  // (connect, send, receive, Timeout) before the head has arrived, HttpHeadersTooLarge,
  // HttpTruncatedResponse, HttpMalformedResponse. Any error closes the connection.
  [[nodiscard]] Result<Response> execute(const Request& request, Deadline deadline);
  // Discarded body bytes past which a truncated response ends and the connection closes
  // (default LSEDGE_HTTP_DRAIN_LIMIT).
  void set_drain_limit(uint64_t bytes) { reader_.set_drain_limit(bytes); }
  void close();
  // Zeroes the response buffers (after reading a secret, such as an access token, out of them).
  // The last Response's views are invalid afterwards.
  void wipe_response();
  [[nodiscard]] bool is_open() const { return transport_.is_open(); }
  // Whether the last execute() handed any byte of its request to the transport. False after a
  // failure means the server cannot have seen the request (a known outcome); true means it may
  // have, unless a response says otherwise.
  [[nodiscard]] bool sent_any() const { return sent_any_; }

 private:
  [[nodiscard]] Outcome connect(Deadline deadline);
  // True: the kept-alive connection is reused; false: a new one was opened.
  [[nodiscard]] Result<bool> reuse_or_connect(Deadline deadline);
  // One transport send of (part of) `data`: how much it took.
  [[nodiscard]] Result<size_t> send_some(ConstByteSpan data, Deadline deadline);
  [[nodiscard]] Outcome send_all(ConstByteSpan data, Deadline deadline);
  // Streams a BodySource through the send chunk. `source_fault`: the source failed or broke its
  // size() promise (not a connection problem, so never a reason to resend).
  [[nodiscard]] Outcome send_body(BodySource& source, Deadline deadline, bool& source_fault);
  [[nodiscard]] static Result<size_t> take_body(BodySource& source, ByteSpan room, uint64_t total,
                                                uint64_t& taken);
  // The head and the body. `lost_before_response` as for attempt().
  [[nodiscard]] Outcome send_request(const Request& request, ConstByteSpan head, Deadline deadline,
                                     bool& lost_before_response);
  // Feeds the reader until the response is complete (or, on PeerClosed, finished).
  [[nodiscard]] Outcome receive_response(Deadline deadline, bool& lost_before_response);
  // A receive failed with `error` (PeerClosed included): ends the response if it can (a
  // close-delimited body, a drain), else the error.
  [[nodiscard]] Outcome receive_ended(const Error& error, bool& lost_before_response);
  // One send + receive on the current connection. `lost_before_response`: the connection died
  // before any response byte (the case where a resend on a fresh connection may be safe).
  [[nodiscard]] Result<Response> attempt(const Request& request, ConstByteSpan head,
                                         Deadline deadline, bool& lost_before_response);
  [[nodiscard]] Error fail(const Request& request, Error error);
  void log_response(const Request& request, size_t head_size, const Response& response);

  net::Transport& transport_;
  const hal::MonotonicClock& clock_;
  Endpoint endpoint_;
  ConnectionBuffers buffers_;
  Logger log_;
  ResponseReader reader_;
  bool sent_any_ = false;
  const char* drain_end_ = nullptr;  // why a drain stopped early (for the log), or nullptr
};

}  // namespace lsedge::http
