// JWT claims and credential detection: any pasted text, as is and as a JWT built around fuzzed
// header and payload JSON. Checked: no crash or sanitizer report; the classification agrees with
// the claims (a PAT is a JWT whose token_type is "refresh", an access token one whose is
// "access", a legacy key is not JWT-shaped); no error detail quotes the token.
#include <string>
#include <string_view>

#include "firmware/auth/credential.h"
#include "firmware/auth/jwt.h"
#include "tests/fakes/test_tokens.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

// Whether `detail` quotes `token` (a long one: short ones occur in any text).
bool quotes(const Error& error, std::string_view token) {
  return token.size() >= 16 && error.detail.view().find(token) != std::string_view::npos;
}

// No detail quotes the token: a detail that holds it must not also hold the case-swapped token
// when given that one (else the words merely coincide with the input).
template <typename Check>
void check_detail(const Error& error, std::string_view token, Check check_again) {
  if (quotes(error, token)) {
    const std::string swapped = swap_case(token);
    const Error again = check_again(swapped);
    LSEDGE_FUZZ_CHECK(!quotes(again, swapped));
  }
}

void classify(const std::string& raw) {
  const std::string_view trimmed = auth::trim_token(raw);
  LSEDGE_FUZZ_CHECK(trimmed.size() <= raw.size());
  const Result<auth::JwtClaims> claims = auth::decode_jwt_claims(trimmed);
  if (!claims.ok()) {
    LSEDGE_FUZZ_CHECK(claims.status() == Status::MalformedToken ||
                      claims.status() == Status::BufferTooSmall);
    check_detail(claims.error(), trimmed, [](const std::string& swapped) {
      const Result<auth::JwtClaims> again = auth::decode_jwt_claims(swapped);
      return again.ok() ? Error() : again.error();
    });
  }
  const Result<auth::CredentialKind> kind = auth::classify_credential(raw);
  if (!kind.ok()) {
    check_detail(kind.error(), trimmed, [](const std::string& swapped) {
      const Result<auth::CredentialKind> again = auth::classify_credential(swapped);
      return again.ok() ? Error() : again.error();
    });
    return;
  }
  if (*kind == auth::CredentialKind::PersonalAccessToken) {
    LSEDGE_FUZZ_CHECK(claims.ok() && claims->token_type.view() == "refresh");
  } else {
    LSEDGE_FUZZ_CHECK(!auth::looks_like_jwt(trimmed));
    for (const char c : trimmed) {
      LSEDGE_FUZZ_CHECK(c > ' ' && c < 0x7F);
    }
  }
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  lsedge::fuzz::classify(raw);
  // The input as a JWT's payload (and, after a 0xFF byte, header then payload), so the claims
  // reader sees JSON rather than base64 noise.
  const size_t cut = raw.find('\xFF');
  const std::string header =
      cut == std::string::npos ? std::string(R"({"alg":"HS256"})") : raw.substr(0, cut);
  const std::string payload = cut == std::string::npos ? raw : raw.substr(cut + 1);
  lsedge::fuzz::classify(lsedge::testing::make_jwt(payload, header));
  return 0;
}
