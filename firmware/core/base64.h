// base64 decoding (RFC 4648) in both alphabets: the one decoder for JWT segments (url) and the
// TLS public-key pin (standard).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/span.h"

namespace lsedge {

// Thread-safety: a plain value.
enum class Base64Alphabet : uint8_t {
  Standard,  // RFC 4648 §4: A-Z a-z 0-9 + /
  Url,       // RFC 4648 §5: A-Z a-z 0-9 - _
};

// Why a text is not base64; callers turn it into their own Error (their status, their words).
// Thread-safety: a plain value.
enum class Base64Problem : uint8_t {
  None,
  Length,          // one character too many for a byte (length % 4 == 1, padding left out)
  Padding,         // '=' that does not complete the last 4-character group
  Character,       // a byte outside the alphabet (a '=' in the middle included)
  BufferTooSmall,  // the decoded bytes do not fit `out` (left untouched)
};

// What base64_decode found. Thread-safety: a value type.
struct [[nodiscard]] Base64Decoded {
  Base64Problem problem = Base64Problem::None;
  size_t size = 0;    // bytes written (problem None)
  size_t offset = 0;  // Length: the text's size; Padding: where the '=' start; Character: its index
  bool spare_bits_set = false;  // the last character's unused low bits are not zero (not canonical)
};

// Bytes that decoding `encoded_size` characters can produce at most (size the output with it).
[[nodiscard]] constexpr size_t base64_decoded_capacity(size_t encoded_size) {
  return encoded_size / 4 * 3 + 2;
}

// Value a base64 digit stands for in `alphabet` (0-63), or kBase64NotADigit. Thread-safety: a pure
// function.
inline constexpr uint8_t kBase64NotADigit = 0xFF;
[[nodiscard]] constexpr uint8_t base64_sextet(char c, Base64Alphabet alphabet) {
  if (c >= 'A' && c <= 'Z') {
    return static_cast<uint8_t>(c - 'A');
  }
  if (c >= 'a' && c <= 'z') {
    return static_cast<uint8_t>(c - 'a' + 26);
  }
  if (c >= '0' && c <= '9') {
    return static_cast<uint8_t>(c - '0' + 52);
  }
  const bool url = alphabet == Base64Alphabet::Url;
  if (c == (url ? '-' : '+')) {
    return 62;
  }
  if (c == (url ? '_' : '/')) {
    return 63;
  }
  return kBase64NotADigit;
}

// Decodes `text` into `out`. Padding is optional ("Zg" and "Zg==" both give "f"), but when present
// it must make the length a multiple of 4. Unused low bits of the last character are ignored
// (reported in spare_bits_set). Thread-safety: a pure function.
Base64Decoded base64_decode(std::string_view text, Base64Alphabet alphabet, ByteSpan out);

}  // namespace lsedge
