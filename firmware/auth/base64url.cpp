#include "firmware/auth/base64url.h"

namespace lsedge::auth {
namespace {

Error malformed(const char* what, size_t offset) {
  Error error(Status::MalformedToken, what);
  (void)error.detail.append(" at offset ");
  (void)error.detail.append_uint(offset);
  return error;
}

}  // namespace

Result<size_t> base64url_decode(std::string_view text, ByteSpan out) {
  const Base64Decoded decoded = base64_decode(text, Base64Alphabet::Url, out);
  switch (decoded.problem) {
    case Base64Problem::None:
      return decoded.size;
    case Base64Problem::Length:
      return malformed("invalid base64url length", decoded.offset);
    case Base64Problem::Padding:
      return malformed("invalid base64url padding", decoded.offset);
    case Base64Problem::Character:
      return malformed("invalid base64url character", decoded.offset);
    case Base64Problem::BufferTooSmall:
      break;
  }
  return Status::BufferTooSmall;
}

}  // namespace lsedge::auth
