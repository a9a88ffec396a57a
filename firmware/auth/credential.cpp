#include "firmware/auth/credential.h"
#include "firmware/core/ascii.h"

#include "board_sizes.h"
#include "firmware/auth/jwt.h"

namespace lsedge::auth {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// What a byte that cannot be part of a token is, for the message; empty for a good byte.
std::string_view bad_token_byte(unsigned char c) {
  if (c == '"' || c == '\'' || c == '`') {
    return "a quote (";
  }
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
    return "whitespace";
  }
  if (c < 0x20U || c == 0x7FU) {
    return "a control character";
  }
  if (c >= 0x80U) {
    return "a non-ASCII byte";
  }
  return {};
}

bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool is_hex_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A JWT shape starting at text[at]: "eyJ" and three base64url parts, each of 8 or more.
bool jwt_shape_at(std::string_view text, size_t at) {
  constexpr size_t kMinPart = 8;
  if (text.substr(at, 3) != "eyJ") {
    return false;
  }
  size_t pos = at;
  for (int part = 0; part < 3; ++part) {
    const size_t start = pos;
    while (pos < text.size() && is_base64url_char(text[pos])) {
      ++pos;
    }
    if (pos - start < kMinPart) {
      return false;
    }
    if (part < 2) {
      if (pos >= text.size() || text[pos] != '.') {
        return false;
      }
      ++pos;
    }
  }
  return true;
}

}  // namespace

Outcome check_token_characters(std::string_view token) {
  for (size_t i = 0; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    const std::string_view what = bad_token_byte(c);
    if (what.empty()) {
      continue;
    }
    Error error(Status::MalformedToken, "the token contains ");
    error.detail.append_truncated(what);
    const bool quote = what.back() == '(';
    if (quote) {
      (void)error.detail.append(static_cast<char>(c));
      error.detail.append_truncated(")");
    }
    error.detail.append_truncated(" at position ");
    (void)error.detail.append_uint(i + 1);
    error.detail.append_truncated(" of ");
    (void)error.detail.append_uint(token.size());
    error.detail.append_truncated(quote ? "; remove the quotes around it (a Docker --env-file "
                                          "keeps them)"
                                        : "; copy the whole token again, as one line");
    return error;
  }
  return {};
}

bool contains_token_shape(std::string_view text) {
  constexpr size_t kLegacyKeyDigits = 40;
  size_t hex_run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    hex_run = is_hex_char(text[i]) ? hex_run + 1 : 0;
    if (hex_run >= kLegacyKeyDigits || jwt_shape_at(text, i)) {
      return true;
    }
  }
  return false;
}

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
  LSEDGE_TRY(check_token_characters(text));
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
