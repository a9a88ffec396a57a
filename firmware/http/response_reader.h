// Incremental HTTP/1.1 response parser (llhttp underneath) into caller-owned buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/http/http.h"

namespace lsedge::http {

// Parses one final response per begin(): skips 1xx interim responses, stores the header lines
// into `headers` and the (de-chunked) body into `body`, and stops at the end of the response.
// A body larger than `body` keeps its first bytes; the rest is parsed (framing still checked)
// and discarded, so the status survives and the connection stays in step. Past the drain limit
// of discarded bytes the response ends there, truncated and not kept alive.
// llhttp runs strict (no lenient flags). Thread-safety: one thread at a time; not movable.
class ResponseReader {
 public:
  // Room for llhttp's parser state; checked against sizeof(llhttp_t) in the .cpp.
  static constexpr size_t kParserStorage = 160;

  ResponseReader(ByteSpan headers, ByteSpan body);
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // Forgets the previous response. `head_request`: the response has no body, whatever it says.
  void begin(bool head_request);
  // Discarded body bytes past which a truncated response ends where it is (default
  // LSEDGE_HTTP_DRAIN_LIMIT).
  void set_drain_limit(uint64_t bytes) { drain_limit_ = bytes; }
  // Parses the next bytes of the stream. Ok while more is needed and once complete().
  // HttpHeadersTooLarge at the headers' limit, HttpMalformedResponse with the llhttp code in
  // Error::code. A body too large for its buffer is not an error (see truncated()). After an
  // error the reader stays failed until begin().
  [[nodiscard]] Outcome feed(ConstByteSpan data);
  // The peer closed the stream. Ends a close-delimited body, or a truncated one early (see
  // end_draining()); otherwise PeerClosed when nothing arrived at all, HttpTruncatedResponse
  // when the response was cut.
  [[nodiscard]] Outcome finish();
  // While the rest of a truncated body is being discarded (draining()), ends the response where
  // it is: complete, truncated, not kept alive. For a deadline or a transport failure in the
  // middle of a drain; the status, headers and kept bytes are whole. False when not draining.
  [[nodiscard]] bool end_draining();

  [[nodiscard]] bool complete() const { return complete_; }
  [[nodiscard]] bool received_any() const { return received_ != 0; }
  [[nodiscard]] size_t bytes_received() const { return received_; }
  // Bytes followed the complete response in the same read: the stream is out of step.
  [[nodiscard]] bool has_extra_bytes() const { return extra_bytes_; }
  // The body did not fit: only its first bytes are kept (Response::truncated).
  [[nodiscard]] bool truncated() const { return truncated_; }
  // Body bytes read past the buffer and thrown away.
  [[nodiscard]] uint64_t discarded_bytes() const { return discarded_; }
  // The rest of a truncated body is still arriving (the head is complete, the body is not).
  [[nodiscard]] bool draining() const { return truncated_ && !complete_ && !failed_; }
  // The response ended at the drain limit, before its end (the stream is out of step).
  [[nodiscard]] bool drain_capped() const { return drain_capped_; }
  // end_draining() ended this response (directly or through finish()).
  [[nodiscard]] bool ended_draining() const { return ended_draining_; }
  // The parsed response; meaningful once complete(). Views into the reader's buffers.
  [[nodiscard]] Response response() const;

 private:
  friend struct ReaderCallbacks;
  struct Slice {
    size_t offset = 0;
    size_t size = 0;
    bool found = false;
  };
  enum class HeaderState : uint8_t { Idle, Field, Value };

  void reset_message();
  [[nodiscard]] bool append_header_bytes(const char* data, size_t size);
  void start_value();
  [[nodiscard]] bool finish_header_line();
  [[nodiscard]] std::string_view slice_text(const Slice& slice) const;

  alignas(alignof(std::max_align_t)) unsigned char parser_[kParserStorage] = {};
  ByteSpan headers_;
  ByteSpan body_;
  size_t header_length_ = 0;
  size_t body_length_ = 0;
  size_t line_start_ = 0;
  size_t value_start_ = 0;
  Slice content_type_, www_authenticate_, retry_after_;
  Error limit_error_;  // set by a callback that refused data; wins over llhttp's HPE_USER
  size_t received_ = 0;
  uint64_t drain_limit_;
  uint64_t discarded_ = 0;
  uint16_t status_ = 0;
  HeaderState header_state_ = HeaderState::Idle;
  bool in_trailers_ = false;
  bool head_request_ = false;
  bool complete_ = false;
  bool keep_alive_ = false;
  bool extra_bytes_ = false;
  bool truncated_ = false;
  bool drain_capped_ = false;
  bool ended_draining_ = false;
  bool failed_ = false;
};

}  // namespace lsedge::http
