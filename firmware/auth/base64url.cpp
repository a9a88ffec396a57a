#include "firmware/auth/base64url.h"

#include <cstdint>

namespace lsedge::auth {
namespace {

constexpr uint8_t kInvalid = 0xFF;

// The 6-bit value of a base64url character, or kInvalid.
constexpr uint8_t sextet(char c) {
  if (c >= 'A' && c <= 'Z')
    return static_cast<uint8_t>(c - 'A');
  if (c >= 'a' && c <= 'z')
    return static_cast<uint8_t>(c - 'a' + 26);
  if (c >= '0' && c <= '9')
    return static_cast<uint8_t>(c - '0' + 52);
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return kInvalid;
}

Error malformed(const char* what, size_t offset) {
  Error error(Status::MalformedToken, what);
  (void)error.detail.append(" at offset ");
  (void)error.detail.append_uint(offset);
  return error;
}

}  // namespace

Result<size_t> base64url_decode(std::string_view text, ByteSpan out) {
  // Padding: at most two '=' at the very end, and only to make the length a multiple of 4.
  size_t length = text.size();
  size_t padding = 0;
  while (length > 0 && text[length - 1] == '=' && padding < 2) {
    --length;
    ++padding;
  }
  const size_t remainder = length % 4;
  if (remainder == 1) {
    return malformed("invalid base64url length", text.size());
  }
  if (padding != 0 && (text.size() % 4 != 0 || padding != 4 - remainder)) {
    return malformed("invalid base64url padding", length);
  }
  for (size_t i = 0; i < length; ++i) {
    if (sextet(text[i]) == kInvalid) {
      return malformed("invalid base64url character", i);
    }
  }
  const size_t decoded = length / 4 * 3 + (remainder == 0 ? 0 : remainder - 1);
  if (decoded > out.size()) {
    return Status::BufferTooSmall;
  }

  size_t written = 0;
  uint32_t bits = 0;
  unsigned bit_count = 0;
  for (size_t i = 0; i < length; ++i) {
    bits = (bits << 6) | sextet(text[i]);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out[written++] = static_cast<uint8_t>(bits >> bit_count);
      bits &= (1U << bit_count) - 1U;
    }
  }
  return written;
}

}  // namespace lsedge::auth
