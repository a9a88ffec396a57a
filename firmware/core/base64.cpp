#include "firmware/core/base64.h"

namespace lsedge {
namespace {

Base64Decoded problem(Base64Problem what, size_t offset) {
  Base64Decoded result;
  result.problem = what;
  result.offset = offset;
  return result;
}

}  // namespace

Base64Decoded base64_decode(std::string_view text, Base64Alphabet alphabet, ByteSpan out) {
  // Padding: at most two '=' at the very end, and only to make the length a multiple of 4.
  size_t length = text.size();
  size_t padding = 0;
  while (length > 0 && text[length - 1] == '=' && padding < 2) {
    --length;
    ++padding;
  }
  const size_t remainder = length % 4;
  if (remainder == 1) {
    return problem(Base64Problem::Length, text.size());
  }
  if (padding != 0 && (text.size() % 4 != 0 || padding != 4 - remainder)) {
    return problem(Base64Problem::Padding, length);
  }
  for (size_t i = 0; i < length; ++i) {
    if (base64_sextet(text[i], alphabet) == kBase64NotADigit) {
      return problem(Base64Problem::Character, i);
    }
  }
  const size_t decoded = length / 4 * 3 + (remainder == 0 ? 0 : remainder - 1);
  if (decoded > out.size()) {
    return problem(Base64Problem::BufferTooSmall, 0);
  }

  Base64Decoded result;
  uint32_t bits = 0;
  unsigned bit_count = 0;
  for (size_t i = 0; i < length; ++i) {
    bits = (bits << 6) | base64_sextet(text[i], alphabet);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out[result.size++] = static_cast<uint8_t>(bits >> bit_count);
      bits &= (1U << bit_count) - 1U;
    }
  }
  result.spare_bits_set = bits != 0;
  return result;
}

}  // namespace lsedge
