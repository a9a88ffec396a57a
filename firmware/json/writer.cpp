#include "firmware/json/writer.h"

#include <optional>

#include "firmware/core/fixed_string.h"
#include "firmware/core/utf8.h"

namespace lsedge::json {
namespace {

// The short escape for c, or 0 when it needs \u00XX (other controls) or none.
char short_escape(unsigned char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    default:
      return 0;
  }
}

// Whether value[i] is written as \u00XX: a C0 control without a short escape, DEL, or the
// second byte of a C1 control (U+0080..U+009F, whose first byte 0xC2 is then dropped), so that
// JSON printed on a terminal cannot drive it either.
bool needs_u_escape(std::string_view value, size_t i) {
  const auto c = static_cast<unsigned char>(value[i]);
  return (c < 0x20U && short_escape(c) == 0) || c == 0x7FU ||
         (i > 0 && c <= 0x9FU && c >= 0x80U && static_cast<unsigned char>(value[i - 1]) == 0xC2U);
}

// The 0xC2 that starts a C1 control: written as part of its \u00XX.
bool starts_c1(std::string_view value, size_t i) {
  return static_cast<unsigned char>(value[i]) == 0xC2U && i + 1 < value.size() &&
         needs_u_escape(value, i + 1);
}

// Bytes of the escaped string with its quotes; nullopt when `value` is not valid UTF-8.
std::optional<size_t> quoted_size(std::string_view value) {
  if (!utf8_valid(value)) {
    return std::nullopt;
  }
  size_t size = 2;
  for (size_t i = 0; i < value.size(); ++i) {
    if (starts_c1(value, i)) {
      continue;
    }
    if (short_escape(static_cast<unsigned char>(value[i])) != 0) {
      size += 2;
    } else {
      size += needs_u_escape(value, i) ? 6 : 1;  // \u00XX
    }
  }
  return size;
}

}  // namespace

Status Writer::fail(Status status) {
  failure_ = status;
  return status;
}

void Writer::put(std::string_view text) {
  for (const char c : text) {
    put(c);
  }
}

void Writer::put_escaped(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  put('"');
  for (size_t i = 0; i < value.size(); ++i) {
    const char ch = value[i];
    const auto c = static_cast<unsigned char>(ch);
    const char escape = short_escape(c);
    if (starts_c1(value, i)) {
      continue;
    }
    if (escape != 0) {
      put('\\');
      put(escape);
    } else if (needs_u_escape(value, i)) {
      put("\\u00");
      put(kHex[c >> 4]);
      put(kHex[c & 0x0FU]);
    } else {
      put(ch);
    }
  }
  put('"');
}

Status Writer::value_prefix(size_t& prefix) const {
  prefix = 0;
  if (depth_ == 0) {
    return root_done_ ? Status::InvalidArgument : Status::Ok;
  }
  const Frame& top = stack_[depth_ - 1];
  if (top.kind == Container::Object) {
    return top.after_key ? Status::Ok : Status::InvalidArgument;  // key(), then the value
  }
  prefix = top.has_items ? 1 : 0;
  return Status::Ok;
}

void Writer::value_done() {
  if (depth_ == 0) {
    root_done_ = true;
    return;
  }
  Frame& top = stack_[depth_ - 1];
  top.has_items = true;
  top.after_key = false;
}

Status Writer::emit_value(std::string_view literal) {
  if (failure_ != Status::Ok) {
    return failure_;
  }
  size_t prefix = 0;
  if (const Status s = value_prefix(prefix); s != Status::Ok) {
    return fail(s);
  }
  if (prefix + literal.size() > out_.size() - used_) {
    return fail(Status::BufferTooSmall);
  }
  if (prefix != 0) {
    put(',');
  }
  put(literal);
  value_done();
  return Status::Ok;
}

Status Writer::emit_string_value(std::string_view value) {
  if (failure_ != Status::Ok) {
    return failure_;
  }
  size_t prefix = 0;
  if (const Status s = value_prefix(prefix); s != Status::Ok) {
    return fail(s);
  }
  const std::optional<size_t> size = quoted_size(value);
  if (!size) {
    return fail(Status::InvalidUtf8);
  }
  if (prefix + *size > out_.size() - used_) {
    return fail(Status::BufferTooSmall);
  }
  if (prefix != 0) {
    put(',');
  }
  put_escaped(value);
  value_done();
  return Status::Ok;
}

Status Writer::open(Container kind, char bracket) {
  if (failure_ != Status::Ok) {
    return failure_;
  }
  size_t prefix = 0;
  if (const Status s = value_prefix(prefix); s != Status::Ok) {
    return fail(s);
  }
  if (depth_ == LSEDGE_JSON_MAX_DEPTH) {
    return fail(Status::InvalidArgument);
  }
  if (prefix + 1 > out_.size() - used_) {
    return fail(Status::BufferTooSmall);
  }
  if (prefix != 0) {
    put(',');
  }
  put(bracket);
  stack_[depth_++] = Frame{kind, false, false};
  return Status::Ok;
}

Status Writer::close(Container kind, char bracket) {
  if (failure_ != Status::Ok) {
    return failure_;
  }
  if (depth_ == 0 || stack_[depth_ - 1].kind != kind || stack_[depth_ - 1].after_key) {
    return fail(Status::InvalidArgument);
  }
  if (1 > out_.size() - used_) {
    return fail(Status::BufferTooSmall);
  }
  put(bracket);
  --depth_;
  value_done();
  return Status::Ok;
}

Status Writer::begin_object() {
  return open(Container::Object, '{');
}
Status Writer::end_object() {
  return close(Container::Object, '}');
}
Status Writer::begin_array() {
  return open(Container::Array, '[');
}
Status Writer::end_array() {
  return close(Container::Array, ']');
}

Status Writer::key(std::string_view name) {
  if (failure_ != Status::Ok) {
    return failure_;
  }
  if (depth_ == 0 || stack_[depth_ - 1].kind != Container::Object || stack_[depth_ - 1].after_key) {
    return fail(Status::InvalidArgument);
  }
  Frame& top = stack_[depth_ - 1];
  const std::optional<size_t> size = quoted_size(name);
  if (!size) {
    return fail(Status::InvalidUtf8);
  }
  const size_t prefix = top.has_items ? 1 : 0;
  if (prefix + *size + 1 > out_.size() - used_) {
    return fail(Status::BufferTooSmall);
  }
  if (prefix != 0) {
    put(',');
  }
  put_escaped(name);
  put(':');
  top.after_key = true;
  return Status::Ok;
}

Status Writer::string(std::string_view value) {
  return emit_string_value(value);
}

Status Writer::int64(int64_t value) {
  FixedString<20> digits;  // "-9223372036854775808" is 20 characters
  (void)digits.append_int(value);
  return emit_value(digits.view());
}

Status Writer::boolean(bool value) {
  return emit_value(value ? "true" : "false");
}
Status Writer::null() {
  return emit_value("null");
}

// A member is written whole or not at all: the key is taken back when its value fails.
template <class WriteValue>
Status Writer::member(std::string_view name, WriteValue write_value) {
  const size_t before = used_;
  if (const Status s = key(name); s != Status::Ok) {
    return s;
  }
  const Status s = write_value();
  if (s != Status::Ok) {
    used_ = before;
  }
  return s;
}

Status Writer::member_string(std::string_view name, std::string_view value) {
  return member(name, [&] { return string(value); });
}
Status Writer::member_int64(std::string_view name, int64_t value) {
  return member(name, [&] { return int64(value); });
}
Status Writer::member_bool(std::string_view name, bool value) {
  return member(name, [&] { return boolean(value); });
}
Status Writer::member_null(std::string_view name) {
  return member(name, [&] { return null(); });
}

Result<size_t> Writer::finish() const {
  if (failure_ != Status::Ok) {
    return failure_;
  }
  if (depth_ != 0 || !root_done_) {
    return Error(Status::InvalidArgument, "JSON writer finished with an incomplete document");
  }
  return used_;
}

}  // namespace lsedge::json
