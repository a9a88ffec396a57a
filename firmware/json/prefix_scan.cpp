#include "firmware/json/prefix_scan.h"

#include "firmware/core/byte_scan.h"
#include "firmware/core/utf8.h"

namespace lsedge::json {

namespace {

using Kind = PrefixScanner::Kind;
using Token = PrefixScanner::Token;

constexpr uint32_t kReplacement = 0xFFFDU;

bool is_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
// What may follow a number or a literal: whitespace or a container's punctuation.
bool is_delimiter(char c) {
  return is_whitespace(c) || c == ',' || c == ']' || c == '}';
}

std::optional<uint32_t> hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return static_cast<uint32_t>(c - '0');
  }
  if (c >= 'a' && c <= 'f') {
    return static_cast<uint32_t>(c - 'a' + 10);
  }
  if (c >= 'A' && c <= 'F') {
    return static_cast<uint32_t>(c - 'A' + 10);
  }
  return std::nullopt;
}

// The four hex digits at raw[at, at + 4) as a UTF-16 code unit.
std::optional<uint32_t> hex4(std::string_view raw, size_t at) {
  if (raw.size() < at + 4) {
    return std::nullopt;
  }
  uint32_t unit = 0;
  for (size_t i = 0; i < 4; ++i) {
    const std::optional<uint32_t> digit = hex_value(raw[at + i]);
    if (!digit) {
      return std::nullopt;
    }
    unit = (unit << 4) | *digit;
  }
  return unit;
}

std::optional<char> simple_escape(char c) {
  switch (c) {
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '/':
      return '/';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    default:
      return std::nullopt;
  }
}

// One decoded character of a raw string body: its scalar value (U+FFFD for what cannot be one)
// and how many raw bytes it took. length 0: the raw text is not a valid string body here.
struct Decoded {
  uint32_t value = 0;
  size_t length = 0;
};

// A \u escape at raw[at] ("\uXXXX"), joined with a following low surrogate escape when it is a
// high surrogate. Lone surrogates and U+0000 become U+FFFD (the next escape is left alone).
Decoded decode_unicode_escape(std::string_view raw, size_t at) {
  const std::optional<uint32_t> unit = hex4(raw, at + 2);
  if (!unit) {
    return {};
  }
  if (*unit == 0) {
    return {kReplacement, 6};
  }
  if (*unit >= 0xDC00U && *unit <= 0xDFFFU) {
    return {kReplacement, 6};
  }
  if (*unit < 0xD800U || *unit > 0xDBFFU) {
    return {*unit, 6};
  }
  const bool escape_follows = raw.size() >= at + 12 && raw[at + 6] == '\\' && raw[at + 7] == 'u';
  const std::optional<uint32_t> low = escape_follows ? hex4(raw, at + 8) : std::nullopt;
  if (!low || *low < 0xDC00U || *low > 0xDFFFU) {
    return {kReplacement, 6};
  }
  return {0x10000U + ((*unit - 0xD800U) << 10) + (*low - 0xDC00U), 12};
}

Decoded decode_at(std::string_view raw, size_t at) {
  const auto byte = static_cast<unsigned char>(raw[at]);
  if (byte == '"' || byte < 0x20U) {
    return {};  // a quote ends a string; control characters must be escaped
  }
  if (byte >= 0x80U) {
    const std::optional<CodePoint> cp = utf8_decode(raw, at);
    return cp ? Decoded{cp->value, cp->length} : Decoded{kReplacement, 1};
  }
  if (byte != '\\') {
    return {byte, 1};
  }
  if (at + 1 >= raw.size()) {
    return {};
  }
  if (raw[at + 1] == 'u') {
    return decode_unicode_escape(raw, at);
  }
  const std::optional<char> plain = simple_escape(raw[at + 1]);
  if (!plain) {
    return {};
  }
  return {static_cast<unsigned char>(*plain), 2};
}

// UTF-8 of a scalar value into out[0, 4); returns its length.
size_t encode_utf8(uint32_t value, char* out) {
  const auto put = [&](size_t i, uint32_t bits) { out[i] = static_cast<char>(bits & 0xFFU); };
  if (value < 0x80U) {
    put(0, value);
    return 1;
  }
  if (value < 0x800U) {
    put(0, 0xC0U | (value >> 6));
    put(1, 0x80U | (value & 0x3FU));
    return 2;
  }
  if (value < 0x10000U) {
    put(0, 0xE0U | (value >> 12));
    put(1, 0x80U | ((value >> 6) & 0x3FU));
    put(2, 0x80U | (value & 0x3FU));
    return 3;
  }
  put(0, 0xF0U | (value >> 18));
  put(1, 0x80U | ((value >> 12) & 0x3FU));
  put(2, 0x80U | ((value >> 6) & 0x3FU));
  put(3, 0x80U | (value & 0x3FU));
  return 4;
}

// Where the raw string body starting at text[from] ends (the index of its closing quote).
// Cut: the text ends first; Invalid: a control character or a bad escape.
struct StringEnd {
  Kind kind = Kind::String;
  size_t close = 0;
};

StringEnd find_string_end(std::string_view text, size_t from) {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = from;
  while (i < text.size()) {
    i += bytes::json_string_run(data, text.size(), i);  // plain bytes, 8 at a time
    if (i == text.size()) {
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '"') {
      return {Kind::String, i};
    }
    if (byte < 0x20U) {
      return {Kind::Invalid, i};
    }
    if (byte != '\\') {
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) {
      return {Kind::Cut, i};
    }
    const char escape = text[i + 1];
    if (escape != 'u') {
      if (!simple_escape(escape)) {
        return {Kind::Invalid, i};
      }
      i += 2;
      continue;
    }
    for (size_t k = 2; k < 6; ++k) {
      if (i + k >= text.size()) {
        return {Kind::Cut, i};
      }
      if (!hex_value(text[i + k])) {
        return {Kind::Invalid, i};
      }
    }
    i += 6;
  }
  return {Kind::Cut, i};
}

size_t skip_digits(std::string_view text, size_t i) {
  while (i < text.size() && is_digit(text[i])) {
    ++i;
  }
  return i;
}

// The end of the number that starts at text[from], or Cut/Invalid.
struct NumberEnd {
  Kind kind = Kind::Number;
  size_t end = 0;
};

// A run of at least one digit at text[i] (Cut when the text ends before it).
NumberEnd required_digits(std::string_view text, size_t i) {
  if (i >= text.size()) {
    return {Kind::Cut, i};
  }
  if (!is_digit(text[i])) {
    return {Kind::Invalid, i};
  }
  return {Kind::Number, skip_digits(text, i)};
}

NumberEnd find_number_end(std::string_view text, size_t from) {
  size_t i = from;
  if (text[i] == '-') {
    ++i;
  }
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else {
    const NumberEnd integer = required_digits(text, i);
    if (integer.kind != Kind::Number) {
      return integer;
    }
    i = integer.end;
  }
  if (i < text.size() && text[i] == '.') {
    const NumberEnd fraction = required_digits(text, i + 1);
    if (fraction.kind != Kind::Number) {
      return fraction;
    }
    i = fraction.end;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      ++i;
    }
    const NumberEnd exponent = required_digits(text, i);
    if (exponent.kind != Kind::Number) {
      return exponent;
    }
    i = exponent.end;
  }
  if (i >= text.size()) {
    return {Kind::Cut, i};  // more digits may have followed
  }
  return {is_delimiter(text[i]) ? Kind::Number : Kind::Invalid, i};
}

}  // namespace

PrefixScanner::PrefixScanner(std::string_view text) : text_(text) {}

PrefixScanner::Token PrefixScanner::next() {
  if (stopped_ != Kind::End) {
    return {stopped_, {}};
  }
  return step();
}

PrefixScanner::Token PrefixScanner::stop(Kind kind) {
  stopped_ = kind;
  return {kind, {}};
}

void PrefixScanner::skip_whitespace() {
  while (position_ < text_.size() && is_whitespace(text_[position_])) {
    ++position_;
  }
}

bool PrefixScanner::in_object() const {
  return depth_ > 0 && ((object_levels_ >> (depth_ - 1)) & 1U) != 0;
}

PrefixScanner::Token PrefixScanner::step() {
  for (;;) {
    skip_whitespace();
    const bool at_end = position_ >= text_.size();
    if (expect_ == Expect::Nothing) {
      return at_end ? Token{Kind::End, {}} : stop(Kind::Invalid);
    }
    if (at_end) {
      return stop(Kind::Cut);
    }
    if (expect_ != Expect::Colon && expect_ != Expect::CommaOrClose) {
      return token_at(text_[position_]);
    }
    const char c = text_[position_];
    if (expect_ == Expect::CommaOrClose && c != ',') {
      return close(c);
    }
    if (expect_ == Expect::Colon && c != ':') {
      return stop(Kind::Invalid);
    }
    // The separator is consumed; what it announces comes next.
    ++position_;
    expect_ = (expect_ == Expect::Colon || !in_object()) ? Expect::Value : Expect::Key;
  }
}

PrefixScanner::Token PrefixScanner::token_at(char c) {
  switch (expect_) {
    case Expect::ValueOrArrayEnd:
      return c == ']' ? close(c) : value();
    case Expect::KeyOrObjectEnd:
      if (c == '}') {
        return close(c);
      }
      return c == '"' ? string_token(Kind::Key) : stop(Kind::Invalid);
    case Expect::Key:
      return c == '"' ? string_token(Kind::Key) : stop(Kind::Invalid);
    default:
      return value();
  }
}

PrefixScanner::Token PrefixScanner::value() {
  const char c = text_[position_];
  if (c == '{' || c == '[') {
    return open(c == '{');
  }
  if (c == '"') {
    return string_token(Kind::String);
  }
  if (c == '-' || is_digit(c)) {
    return number();
  }
  return literal();
}

PrefixScanner::Token PrefixScanner::open(bool object) {
  if (depth_ >= kMaxDepth) {
    return stop(Kind::Invalid);
  }
  const uint64_t bit = uint64_t{1} << depth_;
  object_levels_ = object ? (object_levels_ | bit) : (object_levels_ & ~bit);
  ++depth_;
  const Token token{object ? Kind::ObjectBegin : Kind::ArrayBegin, text_.substr(position_, 1)};
  ++position_;
  expect_ = object ? Expect::KeyOrObjectEnd : Expect::ValueOrArrayEnd;
  return token;
}

PrefixScanner::Token PrefixScanner::close(char bracket) {
  const bool object = in_object();
  if (depth_ == 0 || bracket != (object ? '}' : ']')) {
    return stop(Kind::Invalid);
  }
  --depth_;
  const Token token{object ? Kind::ObjectEnd : Kind::ArrayEnd, text_.substr(position_, 1)};
  ++position_;
  after_value();
  return token;
}

PrefixScanner::Token PrefixScanner::string_token(Kind kind) {
  const StringEnd end = find_string_end(text_, position_ + 1);
  if (end.kind != Kind::String) {
    return stop(end.kind);
  }
  const Token token{kind, text_.substr(position_ + 1, end.close - position_ - 1)};
  position_ = end.close + 1;
  if (kind == Kind::Key) {
    expect_ = Expect::Colon;
  } else {
    after_value();
  }
  return token;
}

PrefixScanner::Token PrefixScanner::number() {
  const NumberEnd end = find_number_end(text_, position_);
  if (end.kind != Kind::Number) {
    return stop(end.kind);
  }
  const Token token{Kind::Number, text_.substr(position_, end.end - position_)};
  position_ = end.end;
  after_value();
  return token;
}

PrefixScanner::Token PrefixScanner::literal() {
  static constexpr std::string_view kWords[] = {"true", "false", "null"};
  for (const std::string_view word : kWords) {
    if (text_[position_] != word[0]) {
      continue;
    }
    const std::string_view have = text_.substr(position_, word.size());
    if (have != word.substr(0, have.size())) {
      return stop(Kind::Invalid);
    }
    if (have.size() < word.size()) {
      return stop(Kind::Cut);
    }
    const size_t after = position_ + word.size();
    if (after < text_.size() && !is_delimiter(text_[after])) {
      return stop(Kind::Invalid);
    }
    position_ = after;
    after_value();
    return {Kind::Literal, have};
  }
  return stop(Kind::Invalid);
}

PrefixScanner::Kind PrefixScanner::skip_value() {
  const Token first = next();
  if (first.kind != Kind::ObjectBegin && first.kind != Kind::ArrayBegin) {
    return first.kind;
  }
  const size_t inside = depth_;
  for (;;) {
    const Token token = next();
    if (token.kind == Kind::Cut || token.kind == Kind::Invalid) {
      return token.kind;
    }
    if (depth_ < inside) {
      return token.kind;
    }
  }
}

bool raw_equals(std::string_view raw, std::string_view plain) {
  // An escape is longer than what it stands for: a raw text shorter than `plain` never equals it,
  // one without a backslash only byte for byte, one with a backslash only if it is longer.
  // Invalid UTF-8 in `raw` never matches.
  if (raw.size() < plain.size()) {
    return false;
  }
  const bool escaped =
      bytes::plain_run<false>(raw.data(), raw.size(), 0, '\\', '\\', '\\') != raw.size();
  if (!escaped || raw.size() == plain.size()) {
    return !escaped && raw == plain && utf8_valid(raw);
  }
  if (!utf8_valid(raw)) {
    return false;
  }
  size_t at = 0;
  size_t matched = 0;
  while (at < raw.size()) {
    const Decoded decoded = decode_at(raw, at);
    if (decoded.length == 0) {
      return false;
    }
    char bytes[4];
    const size_t length = encode_utf8(decoded.value, bytes);
    if (plain.substr(matched, length) != std::string_view(bytes, length)) {
      return false;
    }
    matched += length;
    at += decoded.length;
  }
  return matched == plain.size();
}

std::optional<size_t> unescape_into(std::string_view raw, char* out, size_t capacity) {
  size_t at = 0;
  size_t written = 0;
  bool full = false;  // once a character did not fit, later ones are only checked
  while (at < raw.size()) {
    const Decoded decoded = decode_at(raw, at);
    if (decoded.length == 0) {
      return std::nullopt;
    }
    at += decoded.length;
    char bytes[4];
    const size_t length = encode_utf8(decoded.value, bytes);
    full = full || length > capacity - written;
    if (!full) {
      for (size_t i = 0; i < length; ++i) {
        out[written + i] = bytes[i];
      }
      written += length;
    }
  }
  return written;
}

std::optional<int64_t> number_as_int64(std::string_view literal) {
  const bool negative = !literal.empty() && literal[0] == '-';
  const std::string_view digits = literal.substr(negative ? 1 : 0);
  if (digits.empty() || (digits[0] == '0' && digits.size() > 1)) {
    return std::nullopt;
  }
  // Accumulate the magnitude as unsigned: INT64_MIN's magnitude does not fit in int64_t.
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t magnitude = 0;
  for (const char c : digits) {
    if (!is_digit(c)) {
      return std::nullopt;
    }
    const auto digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10) {
      return std::nullopt;
    }
    magnitude = magnitude * 10 + digit;
  }
  if (!negative) {
    return static_cast<int64_t>(magnitude);
  }
  return magnitude == (uint64_t{1} << 63) ? INT64_MIN : -static_cast<int64_t>(magnitude);
}

namespace {

// The member's container, from its opening bracket to the matching close (or the text's end).
PrefixMember container_member(PrefixScanner& scanner, std::string_view text,
                              const PrefixScanner::Token& begin) {
  const auto start = static_cast<size_t>(begin.text.data() - text.data());
  const size_t inside = scanner.depth();
  for (;;) {
    const Token token = scanner.next();
    if (token.kind == Kind::Invalid) {
      return {Kind::Invalid, {}};
    }
    if (token.kind == Kind::Cut) {
      return {begin.kind, text.substr(start)};
    }
    if (scanner.depth() < inside) {
      return {begin.kind, text.substr(start, scanner.position() - start)};
    }
  }
}

}  // namespace

PrefixMember find_top_member(std::string_view text, std::string_view key) {
  PrefixScanner scanner(text);
  const Token first = scanner.next();
  if (first.kind != Kind::ObjectBegin) {
    return {first.kind == Kind::Cut ? Kind::Cut : Kind::Invalid, {}};
  }
  for (;;) {
    const Token token = scanner.next();
    if (token.kind == Kind::ObjectEnd) {
      return {Kind::End, {}};
    }
    if (token.kind != Kind::Key) {
      return {token.kind, {}};  // Cut or Invalid
    }
    if (!raw_equals(token.text, key)) {
      const Kind skipped = scanner.skip_value();
      if (skipped == Kind::Cut || skipped == Kind::Invalid) {
        return {skipped, {}};
      }
      continue;
    }
    const Token value = scanner.next();
    if (value.kind == Kind::ObjectBegin || value.kind == Kind::ArrayBegin) {
      return container_member(scanner, text, value);
    }
    return {value.kind, value.text};
  }
}

}  // namespace lsedge::json
