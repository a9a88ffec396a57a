// What kind of credential the user configured: a Personal Access Token or a legacy key.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"

namespace lsedge::auth {

enum class CredentialKind : uint8_t {
  PersonalAccessToken,  // a JWT with token_type "refresh": exchanged for access tokens
  LegacyKey,            // sent as "Authorization: Token <key>", never refreshed
};

// `raw` without surrounding ASCII whitespace (space, tab, CR, LF, VT, FF) and without a leading
// UTF-8 BOM: what pasting into a file or terminal tends to add. Thread-safety: pure function.
[[nodiscard]] std::string_view trim_token(std::string_view raw);

// Checks the characters of a pasted token (already trimmed): MalformedToken when it holds a
// quote (" ' `: an env file read by Docker keeps them), whitespace, a control character or a
// non-ASCII byte, with what and where ("a quote (\") at position 1 of 42", counted from 1), never
// the token itself. Such a token would otherwise be sent as a legacy key and fail obscurely.
// Thread-safety: pure function.
[[nodiscard]] Outcome check_token_characters(std::string_view token);

// True when `text` holds something shaped like an API token: a JWT ("eyJ" and three base64url
// parts of 8 or more characters separated by dots) or a run of 40 or more hex digits (a legacy
// key), anywhere in it. Settings that are not the token refuse such a value without printing it
// (a token pasted into the wrong setting). Thread-safety: pure function.
[[nodiscard]] bool contains_token_shape(std::string_view text);

// Classifies a pasted token (trimmed first with trim_token):
//   PersonalAccessToken  a JWT whose token_type is "refresh"
//   LegacyKey            not JWT-shaped (see looks_like_jwt), printable ASCII without spaces;
//                        Label Studio's are 40 hex digits, any such key is accepted
//   EmptyInput           nothing left after trimming
//   AccessTokenGiven     a JWT access token: the user must paste the PAT instead
//   MalformedToken       quotes, whitespace or control characters inside, non-ASCII bytes
//                        (check_token_characters), a JWT-shaped
//                        token that does not decode, or a JWT of another or no token_type
//   BufferTooSmall       longer than LSEDGE_TOKEN_CAPACITY
// Error details say what is wrong (and where), never the token. Thread-safety: pure function.
[[nodiscard]] Result<CredentialKind> classify_credential(std::string_view token);

}  // namespace lsedge::auth
