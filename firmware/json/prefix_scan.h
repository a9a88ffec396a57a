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
  // the very end of a cut text is Cut, since more digits may have followed).
  [[nodiscard]] Token next();
  // Nesting depth after the last token (1 inside the top-level object or array).
  [[nodiscard]] size_t depth() const { return depth_; }
  // Skips the next value whole (a container to its end). Returns the last token kind seen:
  // the value's own kind or ObjectEnd/ArrayEnd when it was skipped whole, Cut or Invalid when
  // the text ended or broke first.
  [[nodiscard]] Kind skip_value();

 private:
  std::string_view text_;
  size_t position_ = 0;
  size_t depth_ = 0;
  // One bit per level (1 = object) up to kMaxDepth; deeper text is Invalid.
  static constexpr size_t kMaxDepth = 64;
  uint64_t object_levels_ = 0;
  bool expect_key_ = false;
  bool failed_ = false;
};

// A top-level member of an object text (the first one called `key` at depth 1).
// Thread-safety: a view.
struct PrefixMember {
  PrefixScanner::Kind kind = PrefixScanner::Kind::End;  // End: absent; Cut: the text ended first
  std::string_view text;  // the value's token text (String: raw contents; containers: empty)
};
// Scans `text` for the top-level member `key` (skipping other members whole).
// Thread-safety: pure function.
[[nodiscard]] PrefixMember find_top_member(std::string_view text, std::string_view key);

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
