// base64url decoding (RFC 4648 §5), as used by JWT segments: core's decoder with auth's errors.
#pragma once

#include <cstddef>
#include <string_view>

#include "firmware/core/base64.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::auth {

// Bytes that decoding `encoded_size` characters can produce at most (size the output with it).
[[nodiscard]] constexpr size_t base64url_decoded_capacity(size_t encoded_size) {
  return base64_decoded_capacity(encoded_size);
}

// Decodes `text` into `out` and returns the number of bytes. Padding is optional ("Zg" and
// "Zg==" both give "f"). Only the URL alphabet A-Z a-z 0-9 - _ is accepted: '+', '/',
// whitespace and any other byte are MalformedToken (the detail gives the offset, never the
// text), as are an impossible length or misplaced '='. Unused low bits of the last character
// are ignored, as Python's decoder (and so the server) ignores them.
// BufferTooSmall, with `out` untouched, when the decoded bytes do not fit.
// Thread-safety: pure function.
[[nodiscard]] Result<size_t> base64url_decode(std::string_view text, ByteSpan out);

}  // namespace lsedge::auth
