// Reading the claims of a JWT (no signature check: the server does that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"

namespace lsedge::auth {

inline constexpr size_t kTokenTypeCapacity = 16;

// The claims lsedge uses. Times are seconds on the server's clock, as int64 (a PAT's exp is
// ~year 2225, past a 32-bit time_t); they are only ever subtracted from each other.
// Thread-safety: a value type.
struct JwtClaims {
  FixedString<kTokenTypeCapacity> token_type;  // "refresh" (PAT), "access"; empty when absent
  std::optional<int64_t> exp;  // nullopt when absent or not a whole number within +-(2^53-1)
  std::optional<int64_t> iat;
};

// True when `text` is shaped like a JWT: it starts with "eyJ" (base64url of `{"`) and has a
// '.'. Label Studio legacy keys are hex and never match, so they are never misread as a JWT;
// a truncated or mangled JWT does match and is reported as malformed rather than sent as a key.
// Thread-safety: pure function.
[[nodiscard]] bool looks_like_jwt(std::string_view text);

// Decodes header and payload of `jwt`: exactly three non-empty base64url segments separated by
// dots, the first two JSON objects. MalformedToken (the detail says what is wrong, never quotes
// the token) or BufferTooSmall (longer than LSEDGE_TOKEN_CAPACITY, or the payload needs more
// than LSEDGE_JWT_ARENA_BYTES to parse). Uses ~LSEDGE_JWT_ARENA_BYTES + 3/4 of
// LSEDGE_TOKEN_CAPACITY of stack. Thread-safety: pure function.
[[nodiscard]] Result<JwtClaims> decode_jwt_claims(std::string_view jwt);

}  // namespace lsedge::auth
