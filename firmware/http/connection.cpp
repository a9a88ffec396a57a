#include "firmware/http/connection.h"

#include <cstring>

#include "board_sizes.h"
#include "firmware/core/secure_wipe.h"
#include "firmware/http/request_writer.h"

namespace lsedge::http {
namespace {

// The head holds the Authorization value: wipe it once the request is over, however it ends.
class HeadWipe {
 public:
  explicit HeadWipe(ByteSpan head) : head_(head) {}
  HeadWipe(const HeadWipe&) = delete;
  HeadWipe& operator=(const HeadWipe&) = delete;
  ~HeadWipe() { secure_wipe(head_.data(), head_.size()); }

 private:
  ByteSpan head_;
};

// The connection itself is gone (as opposed to a slow server or a bad response).
bool connection_lost(Status status) {
  return status == Status::PeerClosed || status == Status::ConnectionReset ||
         status == Status::NetworkError;
}

int log_length(std::string_view text) {
  return text.size() > 512 ? 512 : static_cast<int>(text.size());
}

}  // namespace

Connection::Connection(net::Transport& transport, const hal::MonotonicClock& clock,
                       Endpoint endpoint, ConnectionBuffers buffers, Logger logger)
    : transport_(transport),
      clock_(clock),
      endpoint_(endpoint),
      buffers_(buffers),
      log_(logger),
      reader_(buffers.response_headers, buffers.response_body) {}

void Connection::close() {
  transport_.close();
  reader_.begin(false);  // drops views into the buffers of the last response
}

void Connection::wipe_response() {
  secure_wipe(buffers_.response_headers.data(), buffers_.response_headers.size());
  secure_wipe(buffers_.response_body.data(), buffers_.response_body.size());
  secure_wipe(buffers_.receive_chunk.data(), buffers_.receive_chunk.size());
  reader_.begin(false);
}

Outcome Connection::connect(Deadline deadline) {
  const uint64_t now = clock_.now_ms();
  if (deadline.expired(now)) {
    return Error(Status::Timeout, "deadline passed before connecting");
  }
  const Deadline connect_deadline =
      Deadline::earliest(deadline, Deadline::after(now, LSEDGE_CONNECT_TIMEOUT_MS));
  Outcome connected = transport_.connect(endpoint_.host, endpoint_.port, connect_deadline);
  if (!connected.ok()) {
    Error error = connected.error();
    if (error.detail.empty()) {
      error.detail.append_truncated("connecting to ");
      error.detail.append_truncated(endpoint_.host);
      error.detail.append_truncated(":");
      (void)error.detail.append_uint(endpoint_.port);
    }
    log_.debug("connect to %.*s:%u failed: %s", log_length(endpoint_.host), endpoint_.host.data(),
               static_cast<unsigned>(endpoint_.port), status_name(error.status));
    return error;
  }
  log_.debug("connected to %.*s:%u", log_length(endpoint_.host), endpoint_.host.data(),
             static_cast<unsigned>(endpoint_.port));
  return {};
}

Result<size_t> Connection::send_some(ConstByteSpan data, Deadline deadline) {
  if (deadline.expired(clock_.now_ms())) {
    return Error(Status::Timeout, "sending the request");
  }
  LSEDGE_TRY_ASSIGN(const size_t sent, transport_.send(data, deadline));
  if (sent == 0 || sent > data.size()) {
    return Error(Status::NetworkError, "transport send reported an impossible byte count");
  }
  sent_any_ = true;
  return sent;
}

Outcome Connection::send_all(ConstByteSpan data, Deadline deadline) {
  size_t offset = 0;
  while (offset < data.size()) {
    LSEDGE_TRY_ASSIGN(const size_t sent, send_some(data.subspan(offset), deadline));
    offset += sent;
  }
  return {};
}

// Every send is offered a full chunk (but the body's end): short reads of the source are
// gathered, and what the transport leaves (a TLS record holds a little less than 16 KiB; a full
// socket buffer) stays at the chunk's start, filled up behind, never sent alone as a 1-byte
// record after each full one.
Outcome Connection::send_body(BodySource& source, Deadline deadline, bool& source_fault) {
  source_fault = false;
  const ByteSpan chunk = buffers_.send_chunk.empty() ? buffers_.receive_chunk : buffers_.send_chunk;
  const uint64_t total = source.size();
  uint64_t taken = 0;  // bytes the source produced
  size_t held = 0;     // of them, at the chunk's start and not sent yet
  bool ended = false;
  while (!ended || held > 0) {
    while (!ended && held < chunk.size()) {
      // Always offer the rest of the chunk, even past size(): bytes beyond the announced
      // length are caught here, before any of them reaches the server.
      Result<size_t> got = take_body(source, chunk.subspan(held), total, taken);
      if (!got.ok()) {
        source_fault = true;
        return got.error();
      }
      ended = *got == 0;
      held += *got;
    }
    if (held == 0) {
      break;
    }
    LSEDGE_TRY_ASSIGN(const size_t sent, send_some(chunk.first(held), deadline));
    held -= sent;
    std::memmove(chunk.data(), chunk.data() + sent, held);
  }
  if (taken != total) {
    source_fault = true;
    Error error(Status::InvalidArgument, "body source ended after ");
    (void)error.detail.append_uint(taken);
    error.detail.append_truncated(" of the ");
    (void)error.detail.append_uint(total);
    error.detail.append_truncated(" bytes it announced");
    return error;
  }
  return {};
}

// One read of the body into `room`, checked against the size the source announced.
Result<size_t> Connection::take_body(BodySource& source, ByteSpan room, uint64_t total,
                                     uint64_t& taken) {
  LSEDGE_TRY_ASSIGN(const size_t got, source.read(room));
  if (got > room.size()) {
    return Error(Status::InvalidArgument, "body source reported an impossible byte count");
  }
  if (got > total - taken) {
    Error error(Status::InvalidArgument, "body source produced more than the ");
    (void)error.detail.append_uint(total);
    error.detail.append_truncated(" bytes it announced");
    return error;
  }
  taken += got;
  return got;
}

Error Connection::fail(const Request& request, Error error) {
  transport_.close();
  log_.debug("%s %.*s failed: %s (received %zu B)", method_name(request.method),
             log_length(request.path), request.path.data(), status_name(error.status),
             reader_.bytes_received());
  return error;
}

Outcome Connection::send_request(const Request& request, ConstByteSpan head, Deadline deadline,
                                 bool& lost_before_response) {
  bool source_fault = false;
  Outcome sent = send_all(head, deadline);
  if (sent.ok() && request.body_source != nullptr) {
    sent = send_body(*request.body_source, deadline, source_fault);
  } else if (sent.ok() && !request.body.empty()) {
    sent = send_all(request.body, deadline);
  }
  lost_before_response = !sent.ok() && !source_fault && connection_lost(sent.status());
  return sent;
}

Outcome Connection::receive_response(Deadline deadline, bool& lost_before_response) {
  const ByteSpan chunk = buffers_.receive_chunk;
  while (!reader_.complete()) {
    if (deadline.expired(clock_.now_ms())) {
      if (reader_.end_draining()) {
        drain_end_ = "the deadline passed while draining";
        return {};
      }
      return Error(Status::Timeout, "waiting for the response");
    }
    Result<size_t> received = transport_.receive(chunk, deadline);
    if (!received.ok()) {
      return receive_ended(received.error(), lost_before_response);
    }
    if (*received == 0 || *received > chunk.size()) {
      return Error(Status::NetworkError, "transport receive reported an impossible count");
    }
    LSEDGE_TRY(reader_.feed(chunk.first(*received)));
  }
  if (reader_.drain_capped()) {
    drain_end_ = "LSEDGE_HTTP_DRAIN_LIMIT reached";
  }
  return {};
}

Outcome Connection::receive_ended(const Error& error, bool& lost_before_response) {
  if (error.status == Status::PeerClosed) {
    Outcome finished = reader_.finish();  // ends a close-delimited body, or a drain
    lost_before_response = !finished.ok() && !reader_.received_any();
    if (reader_.ended_draining()) {
      drain_end_ = "the connection ended while draining";
    }
    return finished;
  }
  if (reader_.end_draining()) {
    // The status, headers and kept bytes are whole; the rest was to be dropped anyway.
    drain_end_ = error.status == Status::Timeout ? "the deadline passed while draining"
                                                 : "the connection failed while draining";
    return {};
  }
  lost_before_response = !reader_.received_any() && connection_lost(error.status);
  return error;
}

Result<Response> Connection::attempt(const Request& request, ConstByteSpan head, Deadline deadline,
                                     bool& lost_before_response) {
  lost_before_response = false;
  drain_end_ = nullptr;
  reader_.begin(request.method == Method::Head);
  Outcome exchanged = send_request(request, head, deadline, lost_before_response);
  if (exchanged.ok()) {
    exchanged = receive_response(deadline, lost_before_response);
  }
  if (!exchanged.ok()) {
    return fail(request, exchanged.error());
  }

  Response response = reader_.response();
  if (reader_.has_extra_bytes()) {
    log_.debug("bytes after the response; closing the connection");
  }
  if (!response.keep_alive) {
    transport_.close();
  }
  log_response(request, head.size(), response);
  return response;
}

void Connection::log_response(const Request& request, size_t head_size, const Response& response) {
  const uint64_t body_size =
      request.body_source != nullptr ? request.body_source->size() : request.body.size();
  const unsigned long long sent = head_size + body_size;
  const unsigned status = response.status;
  const int path_length = log_length(request.path);
  if (!response.truncated) {
    log_.debug("%s %.*s -> %u (sent %llu B, received %zu B, body %zu B)%s",
               method_name(request.method), path_length, request.path.data(), status, sent,
               reader_.bytes_received(), response.body.size(),
               response.keep_alive ? "" : ", closed");
    return;
  }
  log_.debug(
      "%s %.*s -> %u (sent %llu B, received %zu B, body truncated: %zu B kept, %llu B "
      "discarded%s%s)%s",
      method_name(request.method), path_length, request.path.data(), status, sent,
      reader_.bytes_received(), response.body.size(),
      static_cast<unsigned long long>(reader_.discarded_bytes()), drain_end_ != nullptr ? ", " : "",
      drain_end_ != nullptr ? drain_end_ : "", response.keep_alive ? "" : ", closed");
}

Result<bool> Connection::reuse_or_connect(Deadline deadline) {
  if (transport_.is_open()) {
    if (!transport_.idle_connection_broken()) {
      return true;
    }
    log_.debug("kept-alive connection is no longer usable; reconnecting");
    transport_.close();
  }
  LSEDGE_TRY(connect(deadline));
  return false;
}

Result<Response> Connection::execute(const Request& request, Deadline deadline) {
  if (buffers_.request_head.empty() || buffers_.receive_chunk.empty()) {
    return Error(Status::InvalidArgument, "connection buffers are empty");
  }
  LSEDGE_TRY_ASSIGN(const size_t head_length,
                    write_request_head(request, endpoint_, buffers_.request_head));
  sent_any_ = false;
  const HeadWipe wipe(buffers_.request_head.first(head_length));
  const ConstByteSpan head = buffers_.request_head.first(head_length);

  LSEDGE_TRY_ASSIGN(const bool reused, reuse_or_connect(deadline));

  bool lost_before_response = false;
  Result<Response> first = attempt(request, head, deadline, lost_before_response);
  if (first.ok() || !reused || !lost_before_response) {
    return first;
  }
  // The server dropped the kept connection (idle timeout race) before answering.
  if (!is_idempotent(request.method) && !request.replayable) {
    log_.debug("kept-alive connection lost; %s not resent (not replayable)",
               method_name(request.method));
    Error error = first.error();
    return error.with_detail(
        "kept-alive connection lost while sending; not resent, the server may or may not have "
        "processed the request");
  }
  if (request.body_source != nullptr) {
    // The first attempt consumed some of the body; without a rewind a resend would be garbage.
    Outcome rewound = request.body_source->rewind();
    if (!rewound.ok()) {
      log_.debug("kept-alive connection lost; %s not resent (body source cannot rewind: %s)",
                 method_name(request.method), status_name(rewound.status()));
      Error error = first.error();
      return error.with_detail(
          "kept-alive connection lost while sending; not resent because the request body could "
          "not be rewound, the server may or may not have processed the request");
    }
  }
  log_.debug("kept-alive connection lost; resending %s on a new connection",
             method_name(request.method));
  LSEDGE_TRY(connect(deadline));
  return attempt(request, head, deadline, lost_before_response);
}

}  // namespace lsedge::http
