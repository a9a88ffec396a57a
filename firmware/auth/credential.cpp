#include "firmware/auth/credential.h"
#include "firmware/core/ascii.h"

#include "board_sizes.h"
#include "firmware/auth/jwt.h"

namespace lsedge::auth {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

std::string_view trim_token(std::string_view raw) {
  for (;;) {
    if (raw.substr(0, kBom.size()) == kBom) {
      raw.remove_prefix(kBom.size());
    } else if (!raw.empty() && is_ascii_space(raw.front())) {
      raw.remove_prefix(1);
    } else {
      break;
    }
  }
  while (!raw.empty() && is_ascii_space(raw.back())) {
    raw.remove_suffix(1);
  }
  return raw;
}

Result<CredentialKind> classify_credential(std::string_view token) {
  const std::string_view text = trim_token(token);
  if (text.empty()) {
    return Error(Status::EmptyInput, "the API token is empty");
  }
  if (text.size() > LSEDGE_TOKEN_CAPACITY) {
    return Error(Status::BufferTooSmall, "token longer than LSEDGE_TOKEN_CAPACITY");
  }
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20U || c == 0x7FU || c >= 0x80U) {
      Error error(Status::MalformedToken,
                  c >= 0x80U ? "the token has a non-ASCII byte at offset "
                             : "the token has whitespace or a control character at offset ");
      (void)error.detail.append_uint(i);
      (void)error.detail.append("; paste it as one line");
      return error;
    }
  }
  if (!looks_like_jwt(text)) {
    return CredentialKind::LegacyKey;
  }
  LSEDGE_TRY_ASSIGN(const JwtClaims claims, decode_jwt_claims(text));
  const std::string_view type = claims.token_type.view();
  if (type == "refresh") {
    return CredentialKind::PersonalAccessToken;
  }
  if (type == "access") {
    return Error(Status::AccessTokenGiven, "the token is a JWT access token (token_type access)");
  }
  return Error(Status::MalformedToken,
               type.empty() ? "the JWT has no token_type claim; a Personal Access Token has "
                              "token_type refresh"
                            : "the JWT's token_type is not refresh; a Personal Access Token has "
                              "token_type refresh");
}

}  // namespace lsedge::auth
