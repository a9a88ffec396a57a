// Building simplejwt-shaped tokens for tests: a small base64url encoder and JWT assembly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace lsedge::testing {

inline std::string base64url_encode(std::string_view bytes, bool pad = false) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (uint32_t{uint8_t(bytes[i])} << 16) |
                       (uint32_t{uint8_t(bytes[i + 1])} << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t v = uint32_t{uint8_t(bytes[i])} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (pad)
      out += "==";
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{uint8_t(bytes[i])} << 16) | (uint32_t{uint8_t(bytes[i + 1])} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    if (pad)
      out += "=";
  }
  return out;
}

inline constexpr std::string_view kHs256Header = R"({"alg":"HS256","typ":"JWT"})";

// header.payload.signature; the signature is 32 bytes derived from the payload (unchecked).
inline std::string make_jwt(std::string_view payload_json, std::string_view header = kHs256Header) {
  const size_t h = std::hash<std::string_view>{}(payload_json);
  std::string sig;
  for (int i = 0; i < 32; ++i) {
    sig += static_cast<char>((h >> ((i % 8) * 8)) ^ static_cast<size_t>(i * 37));
  }
  return base64url_encode(header) + "." + base64url_encode(payload_json) + "." +
         base64url_encode(sig);
}

// An access token as simplejwt mints it (token_type, exp, iat, jti, user_id as a string).
inline std::string make_access_token(int64_t iat, int64_t exp, std::string_view jti = "a1") {
  return make_jwt(R"({"token_type":"access","exp":)" + std::to_string(exp) + R"(,"iat":)" +
                  std::to_string(iat) + R"(,"jti":")" + std::string(jti) + R"(","user_id":"1"})");
}

inline std::string make_pat(int64_t iat = 1769531227, int64_t exp = 8076731227) {
  return make_jwt(R"({"token_type":"refresh","exp":)" + std::to_string(exp) + R"(,"iat":)" +
                  std::to_string(iat) +
                  R"(,"jti":"7d7db27862224b1a951e0b6b01957b67","user_id":"1"})");
}

// A PAT as Label Studio 1.22 issues it (user 1): exp 8076731227
// (year 2225, beyond a 32-bit time_t), iat 1769531227.
inline constexpr std::string_view kSeedPat =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6ODA3NjczMTIyNywiaWF0IjoxNzY5NTMxMjI3LCJqdGkiOiI3ZDdk"
    "YjI3ODYyMjI0YjFhOTUxZTBiNmIwMTk1N2I2NyIsInVzZXJfaWQiOiIxIn0."
    "BLSf0R5qNx1lk8afBcxZOFTuNC4LDj3uV87ArIUB3G0";

// A Label Studio legacy key: 40 hex digits.
inline constexpr std::string_view kLegacyKey = "4b7e0f3c9a1d2e8f6a5b4c3d2e1f0a9b8c7d6e5f";

}  // namespace lsedge::testing
