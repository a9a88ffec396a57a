#include "firmware/net/pin_sha256.h"

#include "firmware/core/base64.h"

namespace lsedge::net {

Result<PinSha256> parse_pin_sha256(std::string_view base64) {
  const Error bad(Status::ConfigInvalid,
                  "LABEL_STUDIO_PIN_SHA256 must be the base64 SHA-256 of the server's public key "
                  "(44 characters ending in '=')");
  const bool padded = base64.size() == 44 && base64.back() == '=';
  if (!padded && base64.size() != 43) {
    return bad;
  }
  PinSha256 pin{};
  const Base64Decoded decoded =
      base64_decode(base64, Base64Alphabet::Standard, ByteSpan(pin.data(), pin.size()));
  // 43 characters carry 2 spare bits; canonical base64 leaves them zero.
  if (decoded.problem != Base64Problem::None || decoded.size != pin.size() ||
      decoded.spare_bits_set) {
    return bad;
  }
  return pin;
}

}  // namespace lsedge::net
