// The TLS public-key pin as configured (LABEL_STUDIO_PIN_SHA256): its type and its parser, apart
// from the transport so that configuration needs neither the transport nor the HAL.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"

namespace lsedge::net {

// SHA-256 of the server's DER SubjectPublicKeyInfo (what LABEL_STUDIO_PIN_SHA256 holds, base64).
using PinSha256 = std::array<uint8_t, 32>;

// Parses the base64 text of a pin: standard alphabet, 44 characters ending in '=' (or 43
// without). Anything else is ConfigInvalid (the detail never quotes the text).
// Thread-safety: a pure function.
[[nodiscard]] Result<PinSha256> parse_pin_sha256(std::string_view base64);

}  // namespace lsedge::net
