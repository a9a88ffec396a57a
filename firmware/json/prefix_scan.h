// A JSON pull tokenizer for text that may be cut short (the first bytes of a response body too
// large for its buffer): it never allocates, never reads past the text, and says where the text
// ended. cJSON (json.h) parses whole documents; this reads what is there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/fixed_string.h"

namespace lsedge::json {

// Thread-safety: one thread at a time; a view of `text`, which must outlive it.
class PrefixScanner {
 public:
  enum class Kind : uint8_t {
    ObjectBegin,
    ObjectEnd,
    ArrayBegin,
    ArrayEnd,
    Key,      // an object member's name; `text` is its raw (still escaped) contents
    String,   // `text`: the raw contents between the quotes, still escaped
    Number,   // `text`: the literal
    Literal,  // true, false, null; `text`: the literal
    End,      // the text ended after a complete top-level value (trailing whitespace allowed)
    Cut,      // the text ended inside a value: everything returned before it is complete
    Invalid,  // not JSON at this point (the scanner stays Invalid)
  };
  struct Token {
    Kind kind = Kind::End;
    std::string_view text;
  };

  explicit PrefixScanner(std::string_view text);
  // The next token. A String/Number/Literal is returned only when it is complete (a number at
  // the very end of a cut text is Cut, since more digits may have followed). Cut and Invalid
  // are final: every later call returns them again. Bytes >= 0x80 inside strings are passed
  // through unchecked (unescape_into replaces invalid UTF-8); everything else follows RFC 8259.
  [[nodiscard]] Token next();
  // Nesting depth after the last token (1 inside the top-level object or array).
  [[nodiscard]] size_t depth() const { return depth_; }
  // Skips the next value whole (a container to its end). Returns the last token kind seen:
  // the value's own kind or ObjectEnd/ArrayEnd when it was skipped whole, Cut or Invalid when
  // the text ended or broke first. Call it where a value comes next (after a Key, in an array);
  // elsewhere it consumes and returns the one token that comes (a Key, or the container's end).
  [[nodiscard]] Kind skip_value();
  // Byte offset of the first byte not yet consumed (for slicing the text).
  [[nodiscard]] size_t position() const { return position_; }

  static constexpr size_t kMaxDepth = 64;  // deeper text is Invalid (bounds the level bits)

 private:
  // What the grammar allows at position_.
  enum class Expect : uint8_t {
    Value,            // the top-level value, an array element after ',', a member's value
    ValueOrArrayEnd,  // just after '['
    KeyOrObjectEnd,   // just after '{'
    Key,              // after ',' in an object
    Colon,            // after a Key
    CommaOrClose,     // after a value inside a container
    Nothing,          // after the top-level value: only whitespace
  };

  Token step();
  Token token_at(char c);  // a token where no separator is expected
  Token value();
  Token open(bool object);
  Token close(char bracket);
  Token string_token(Kind kind);
  Token number();
  Token literal();
  Token stop(Kind kind);
  void after_value() { expect_ = depth_ == 0 ? Expect::Nothing : Expect::CommaOrClose; }
  [[nodiscard]] bool in_object() const;
  void skip_whitespace();

  std::string_view text_;
  size_t position_ = 0;
  size_t depth_ = 0;
  // One bit per level (1 = object) up to kMaxDepth.
  uint64_t object_levels_ = 0;
  Expect expect_ = Expect::Value;
  Kind stopped_ = Kind::End;  // Cut or Invalid once the scan has stopped; End while it runs
};

// A top-level member of an object text (the first one called `key` at depth 1).
// Thread-safety: a view.
struct PrefixMember {
  // String/Number/Literal: the value (text: raw contents / literal). ObjectBegin/ArrayBegin: a
  // container; text runs from its opening bracket to the matching close, or to the end of the
  // text when it is cut there (scan it with a new PrefixScanner, which then ends in Cut).
  // End: the object has no such member. Cut: the text ended before the member's value began
  // (or inside a scalar value). Invalid: the text is not an object or broke before the value.
  PrefixScanner::Kind kind = PrefixScanner::Kind::End;
  std::string_view text;
};
// Scans `text` for the top-level member `key` (skipping other members whole). Keys are compared
// after unescaping, so "\u0069d" matches "id".
// Thread-safety: pure function.
[[nodiscard]] PrefixMember find_top_member(std::string_view text, std::string_view key);

// True when the raw String token `raw` decodes to exactly `plain`; invalid UTF-8 in `raw` never
// matches. Thread-safety: pure function.
[[nodiscard]] bool raw_equals(std::string_view raw, std::string_view plain);

// Decodes a raw String token (escapes, \uXXXX with surrogate pairs) and appends it to `out`,
// cut on a character boundary when it does not fit. \u0000, lone surrogates and invalid UTF-8
// become U+FFFD. Returns false when the raw text is not a valid JSON string body.
// Thread-safety: pure function.
template <size_t N>
[[nodiscard]] bool append_unescaped(std::string_view raw, FixedString<N>& out);
// The same into a caller's buffer; returns the bytes written (nullopt: not a valid string body).
[[nodiscard]] std::optional<size_t> unescape_into(std::string_view raw, char* out, size_t capacity);

// An integer Number token's value; nullopt for fractions, exponents or out-of-range values.
// Thread-safety: pure function.
[[nodiscard]] std::optional<int64_t> number_as_int64(std::string_view literal);

template <size_t N>
bool append_unescaped(std::string_view raw, FixedString<N>& out) {
  char buffer[N + 1];
  const size_t room = N - out.size();
  const std::optional<size_t> written = unescape_into(raw, buffer, room);
  if (!written) {
    return false;
  }
  out.append_truncated(std::string_view(buffer, *written));
  return true;
}

}  // namespace lsedge::json
