#include "firmware/http/response_reader.h"

#include <llhttp.h>

#include <cstring>

#include "board_sizes.h"
#include "firmware/http/llhttp_errors.h"

namespace lsedge::http {

static_assert(sizeof(llhttp_t) <= ResponseReader::kParserStorage,
              "raise ResponseReader::kParserStorage for this llhttp version");
static_assert(alignof(llhttp_t) <= alignof(std::max_align_t), "llhttp_t alignment");

// llhttp callbacks; `parser->data` is the ResponseReader. A data callback that refuses bytes
// records why in limit_error_ and returns HPE_USER, which stops llhttp_execute().
struct ReaderCallbacks {
  static ResponseReader& self(llhttp_t* parser) {
    return *static_cast<ResponseReader*>(parser->data);
  }

  static int on_message_begin(llhttp_t* parser) {
    self(parser).reset_message();
    return HPE_OK;
  }

  static int on_header_field(llhttp_t* parser, const char* at, size_t length) {
    ResponseReader& r = self(parser);
    if (r.in_trailers_) {
      return HPE_OK;  // trailers are parsed (and checked) by llhttp but not kept
    }
    if (r.header_state_ != ResponseReader::HeaderState::Field) {
      if (r.header_state_ == ResponseReader::HeaderState::Value && !r.finish_header_line()) {
        return HPE_USER;
      }
      r.line_start_ = r.header_length_;
      r.header_state_ = ResponseReader::HeaderState::Field;
    }
    return r.append_header_bytes(at, length) ? HPE_OK : HPE_USER;
  }

  static int on_header_field_complete(llhttp_t* parser) {
    ResponseReader& r = self(parser);
    if (r.in_trailers_) {
      return HPE_OK;
    }
    if (!r.append_header_bytes(": ", 2)) {
      return HPE_USER;
    }
    r.start_value();
    return HPE_OK;
  }

  static int on_header_value(llhttp_t* parser, const char* at, size_t length) {
    ResponseReader& r = self(parser);
    if (r.in_trailers_) {
      return HPE_OK;
    }
    if (r.header_state_ == ResponseReader::HeaderState::Field) {
      // Defensive: a value without field-complete still gets its separator.
      if (!r.append_header_bytes(": ", 2)) {
        return HPE_USER;
      }
      r.start_value();
    }
    return r.append_header_bytes(at, length) ? HPE_OK : HPE_USER;
  }

  static int on_header_value_complete(llhttp_t* parser) {
    ResponseReader& r = self(parser);
    if (r.in_trailers_ || r.header_state_ != ResponseReader::HeaderState::Value) {
      return HPE_OK;
    }
    return r.finish_header_line() ? HPE_OK : HPE_USER;
  }

  static int on_headers_complete(llhttp_t* parser) {
    ResponseReader& r = self(parser);
    if (r.header_state_ == ResponseReader::HeaderState::Value && !r.finish_header_line()) {
      return HPE_USER;
    }
    r.header_state_ = ResponseReader::HeaderState::Idle;
    r.in_trailers_ = true;
    r.status_ = static_cast<uint16_t>(llhttp_get_status_code(parser));
    if (r.status_ < 100) {
      // llhttp 8 takes 1-3 digits ("HTTP/1.1 2 OK"); RFC 9110 15 wants three with a class digit.
      r.limit_error_ = Error(Status::HttpMalformedResponse,
                             "llhttp HPE_INVALID_STATUS: status "
                             "code below 100")
                           .with_code(HPE_INVALID_STATUS);
      return -1;
    }
    if (r.status_ == 101) {
      // We never send Upgrade; the rest of the stream would not be HTTP.
      r.limit_error_ = Error(Status::HttpMalformedResponse,
                             "the server switched protocols (101), which lsedge never asks for");
      return -1;
    }
    // 1: no body. RFC 9110 6.4.1: HEAD, 1xx, 204 and 304 never have one, whatever
    // Content-Length says (llhttp 8 would read a 304's advertised length as body).
    const bool bodiless =
        r.head_request_ || r.status_ < 200 || r.status_ == 204 || r.status_ == 304;
    return bodiless ? 1 : 0;
  }

  // Keeps what fits; the rest is counted and dropped. HPE_USER with drain_capped_ stops the
  // parser at the drain limit (the response is complete, cut there).
  static int on_body(llhttp_t* parser, const char* at, size_t length) {
    ResponseReader& r = self(parser);
    const size_t room = r.body_.size() - r.body_length_;
    const size_t kept = length < room ? length : room;
    if (kept != 0) {
      std::memcpy(r.body_.data() + r.body_length_, at, kept);
      r.body_length_ += kept;
    }
    if (kept == length) {
      return HPE_OK;
    }
    r.truncated_ = true;
    r.discarded_ += length - kept;
    if (r.discarded_ <= r.drain_limit_) {
      return HPE_OK;
    }
    r.drain_capped_ = true;
    r.complete_ = true;
    r.keep_alive_ = false;
    return HPE_USER;
  }

  static int on_message_complete(llhttp_t* parser) {
    ResponseReader& r = self(parser);
    if (r.status_ >= 100 && r.status_ < 200) {
      return HPE_OK;  // interim (100 Continue, 103 ...): the final response follows
    }
    r.complete_ = true;
    r.keep_alive_ = llhttp_should_keep_alive(parser) != 0;
    // Pause so llhttp stops here: whatever follows is not ours and shows up as extra bytes.
    return HPE_PAUSED;
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t kSettings = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = on_message_begin;
      s.on_header_field = on_header_field;
      s.on_header_field_complete = on_header_field_complete;
      s.on_header_value = on_header_value;
      s.on_header_value_complete = on_header_value_complete;
      s.on_headers_complete = on_headers_complete;
      s.on_body = on_body;
      s.on_message_complete = on_message_complete;
      return s;
    }();
    return kSettings;
  }
};

namespace {
llhttp_t* parser_of(unsigned char* storage) {
  return reinterpret_cast<llhttp_t*>(storage);
}
}  // namespace

ResponseReader::ResponseReader(ByteSpan headers, ByteSpan body)
    : headers_(headers), body_(body), drain_limit_(LSEDGE_HTTP_DRAIN_LIMIT) {
  begin(false);
}

void ResponseReader::begin(bool head_request) {
  llhttp_t* parser = parser_of(parser_);
  // Lenient modes stay off (the llhttp default): no smuggling-friendly parsing.
  llhttp_init(parser, HTTP_RESPONSE, &ReaderCallbacks::settings());
  parser->data = this;
  reset_message();
  limit_error_ = Error();
  received_ = 0;
  head_request_ = head_request;
  complete_ = false;
  keep_alive_ = false;
  extra_bytes_ = false;
  failed_ = false;
}

bool ResponseReader::end_draining() {
  if (!draining()) {
    return false;
  }
  complete_ = true;
  keep_alive_ = false;
  ended_draining_ = true;
  return true;
}

void ResponseReader::reset_message() {
  header_length_ = 0;
  body_length_ = 0;
  discarded_ = 0;
  truncated_ = false;
  drain_capped_ = false;
  ended_draining_ = false;
  line_start_ = 0;
  value_start_ = 0;
  content_type_ = Slice();
  www_authenticate_ = Slice();
  retry_after_ = Slice();
  status_ = 0;
  header_state_ = HeaderState::Idle;
  in_trailers_ = false;
}

bool ResponseReader::append_header_bytes(const char* data, size_t size) {
  if (size > headers_.size() - header_length_) {
    limit_error_ = Error(Status::HttpHeadersTooLarge,
                         "response headers exceed LSEDGE_HTTP_RESPONSE_HEADERS_LIMIT");
    return false;
  }
  if (size != 0) {
    std::memcpy(headers_.data() + header_length_, data, size);
  }
  header_length_ += size;
  return true;
}

void ResponseReader::start_value() {
  value_start_ = header_length_;
  header_state_ = HeaderState::Value;
}

bool ResponseReader::finish_header_line() {
  // llhttp drops leading whitespace of a value but keeps trailing whitespace.
  while (header_length_ > value_start_ &&
         (headers_[header_length_ - 1] == ' ' || headers_[header_length_ - 1] == '\t')) {
    --header_length_;
  }
  header_state_ = HeaderState::Idle;
  const size_t name_length = value_start_ - 2 - line_start_;
  const std::string_view name(reinterpret_cast<const char*>(headers_.data()) + line_start_,
                              name_length);
  const Slice value{value_start_, header_length_ - value_start_, true};
  Slice* target = nullptr;
  if (equals_ignore_case(name, "Content-Type")) {
    target = &content_type_;
  } else if (equals_ignore_case(name, "WWW-Authenticate")) {
    target = &www_authenticate_;
  } else if (equals_ignore_case(name, "Retry-After")) {
    target = &retry_after_;
  }
  if (target != nullptr && !target->found) {
    *target = value;
  }
  return append_header_bytes("\r\n", 2);
}

std::string_view ResponseReader::slice_text(const Slice& slice) const {
  if (!slice.found) {
    return {};
  }
  return std::string_view(reinterpret_cast<const char*>(headers_.data()) + slice.offset,
                          slice.size);
}

Outcome ResponseReader::feed(ConstByteSpan data) {
  if (failed_) {
    return Error(Status::HttpMalformedResponse, "response parser already failed");
  }
  if (data.empty()) {
    return {};
  }
  if (complete_) {
    extra_bytes_ = true;
    return {};
  }
  received_ += data.size();
  llhttp_t* parser = parser_of(parser_);
  const char* begin = reinterpret_cast<const char*>(data.data());
  const llhttp_errno_t result = llhttp_execute(parser, begin, data.size());
  if (result == HPE_OK || drain_capped_) {
    return {};  // at the drain limit the rest of the stream is not read (nor "extra")
  }
  if (result == HPE_PAUSED && complete_) {
    // error_pos is the first byte llhttp did not consume.
    const char* stop = llhttp_get_error_pos(parser);
    if (stop != nullptr && stop < begin + data.size()) {
      extra_bytes_ = true;
    }
    return {};
  }
  failed_ = true;
  if (limit_error_.status != Status::Ok) {
    return limit_error_;
  }
  return llhttp_error(static_cast<int32_t>(result), llhttp_get_error_reason(parser));
}

Outcome ResponseReader::finish() {
  if (complete_) {
    return {};
  }
  if (failed_) {
    return Error(Status::HttpMalformedResponse, "response parser already failed");
  }
  if (received_ == 0) {
    return Error(Status::PeerClosed, "the server closed the connection before responding");
  }
  llhttp_t* parser = parser_of(parser_);
  const llhttp_errno_t result = llhttp_finish(parser);
  if (complete_) {
    return {};  // a close-delimited body ended (on_message_complete returned HPE_PAUSED)
  }
  if (end_draining()) {
    return {};  // cut while draining: what was kept is whole, the rest was to be dropped anyway
  }
  failed_ = true;
  if (limit_error_.status != Status::Ok) {
    return limit_error_;
  }
  if (result == HPE_OK) {
    // Only interim (1xx) responses arrived, or the stream ended between messages.
    return Error(Status::HttpTruncatedResponse,
                 "the connection closed before the final response arrived");
  }
  return llhttp_error(static_cast<int32_t>(result), llhttp_get_error_reason(parser));
}

Response ResponseReader::response() const {
  Response response;
  response.status = status_;
  response.body = ConstByteSpan(body_.data(), body_length_);
  response.content_type = slice_text(content_type_);
  response.www_authenticate = slice_text(www_authenticate_);
  response.retry_after = slice_text(retry_after_);
  response.keep_alive = keep_alive_ && !extra_bytes_;
  response.truncated = truncated_;
  response.raw_headers =
      std::string_view(reinterpret_cast<const char*>(headers_.data()), header_length_);
  return response;
}

}  // namespace lsedge::http
