// UTF-8 validation and decoding (RFC 3629), header-only and allocation-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lsedge {

// One decoded Unicode scalar value and the number of bytes (1-4) it took.
// Thread-safety: a value type.
struct CodePoint {
  uint32_t value;
  uint8_t length;
};

// Decodes the sequence that starts at text[offset]. nullopt when offset is at or past the end,
// or the bytes there are not shortest-form UTF-8 of a scalar value: a stray continuation byte,
// a truncated sequence, an overlong form, a surrogate (U+D800..U+DFFF) or anything above
// U+10FFFF. Thread-safety: pure function.
[[nodiscard]] constexpr std::optional<CodePoint> utf8_decode(std::string_view text, size_t offset) {
  if (offset >= text.size()) {
    return std::nullopt;
  }
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[offset + i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80U) {
    return CodePoint{lead, 1};
  }
  uint8_t length = 0;
  uint32_t value = 0;
  uint32_t minimum = 0;  // smallest value this length may encode (rejects overlongs)
  if ((lead & 0xE0U) == 0xC0U) {
    length = 2;
    value = lead & 0x1FU;
    minimum = 0x80U;
  } else if ((lead & 0xF0U) == 0xE0U) {
    length = 3;
    value = lead & 0x0FU;
    minimum = 0x800U;
  } else if ((lead & 0xF8U) == 0xF0U) {
    length = 4;
    value = lead & 0x07U;
    minimum = 0x10000U;
  } else {
    return std::nullopt;  // continuation byte or 0xF8..0xFF
  }
  if (text.size() - offset < length) {
    return std::nullopt;
  }
  for (size_t i = 1; i < length; ++i) {
    const uint8_t next = byte(i);
    if ((next & 0xC0U) != 0x80U) {
      return std::nullopt;
    }
    value = (value << 6) | (next & 0x3FU);
  }
  if (value < minimum || value > 0x10FFFFU || (value >= 0xD800U && value <= 0xDFFFU)) {
    return std::nullopt;
  }
  return CodePoint{value, length};
}

// True when all of text is well-formed UTF-8 (the empty text is). Thread-safety: pure function.
[[nodiscard]] constexpr bool utf8_valid(std::string_view text) {
  size_t offset = 0;
  while (offset < text.size()) {
    if (static_cast<uint8_t>(text[offset]) < 0x80U) {
      ++offset;  // ASCII fast path
      continue;
    }
    const std::optional<CodePoint> cp = utf8_decode(text, offset);
    if (!cp) {
      return false;
    }
    offset += cp->length;
  }
  return true;
}

// The longest prefix of `text` of at most `max_bytes` that does not end inside a UTF-8 sequence
// (a cut never leaves half a character). Thread-safety: pure function.
[[nodiscard]] constexpr std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) {
    return text;
  }
  size_t take = max_bytes;
  while (take > 0 && (static_cast<unsigned char>(text[take]) & 0xC0U) == 0x80U) {
    --take;
  }
  return text.substr(0, take);
}

}  // namespace lsedge
