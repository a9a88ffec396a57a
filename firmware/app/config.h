// The lsedge configuration: the process environment over an optional .env file, with
// command-line overrides on top.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/app/url.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/labelstudio/title.h"
#include "firmware/net/pin_sha256.h"
#include "hal/storage.h"

namespace lsedge::app {

inline constexpr std::string_view kUrlKey = "LABEL_STUDIO_URL";
inline constexpr std::string_view kApiTokenKey = "LABEL_STUDIO_API_TOKEN";
inline constexpr std::string_view kApiKeyKey = "LABEL_STUDIO_API_KEY";  // the Python SDK's name
inline constexpr std::string_view kCaFileKey = "LABEL_STUDIO_CA_FILE";
inline constexpr std::string_view kAllowInsecureHttpKey = "LABEL_STUDIO_ALLOW_INSECURE_HTTP";
inline constexpr std::string_view kPinSha256Key = "LABEL_STUDIO_PIN_SHA256";
inline constexpr std::string_view kImportTimeoutKey = "LSEDGE_IMPORT_TIMEOUT_S";
inline constexpr std::string_view kProjectKey = "LABEL_STUDIO_PROJECT";
// Label Studio ids are JSON numbers; json::Value reads whole numbers up to 2^53 - 1.
inline constexpr uint64_t kMaxProjectId = (uint64_t{1} << 53) - 1;
// LSEDGE_IMPORT_TIMEOUT_S accepts whole seconds from 1 to this (one day).
inline constexpr uint32_t kMaxImportTimeoutS = 86400;

// Reads one variable, e.g. from the process environment. The returned view must stay valid
// until load_config returns. Thread-safety: implementations decide; load_config only reads.
class EnvLookup {
 public:
  [[nodiscard]] virtual std::optional<std::string_view> get(std::string_view key) const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~EnvLookup() = default;
};

// Values from the command line; they win over the environment and the .env file, and errors
// name the option instead of the key. Thread-safety: a value type.
struct ConfigOverrides {
  std::optional<std::string_view> url;               // --url
  std::optional<std::string_view> ca_file;           // --ca-file
  std::optional<std::string_view> import_timeout_s;  // --import-timeout-s
};

// Thread-safety: a value type; not safe for concurrent mutation. Not copyable (holds a secret).
struct Config {
  BaseUrl url;
  // The PAT or legacy key as configured (surrounding whitespace dropped); auth classifies it.
  SecretString<LSEDGE_TOKEN_CAPACITY> token;
  std::string_view token_key;  // which key gave the token (static text), for messages
  FixedString<LSEDGE_PATH_CAPACITY> ca_file;  // empty: the system trust store
  bool allow_insecure_http = false;
  // SHA-256 of the server's SubjectPublicKeyInfo, checked in addition to the chain.
  std::optional<net::PinSha256> pin_sha256;
  // How long one import request may take, and how long a queued import is waited for.
  uint32_t import_timeout_ms = LSEDGE_IMPORT_TIMEOUT_MS;
  // LABEL_STUDIO_PROJECT, for commands given no --project: an id, or else a title to ensure
  // (both unset: 0 and empty).
  int64_t project_id = 0;
  labelstudio::ProjectTitle project_title;
};

// Loads the configuration. For each key the first layer that sets it wins: overrides, then
// `env`, then `dotenv_text` (the .env file's content, or empty). A value that is empty after
// trimming ASCII whitespace counts as not set.
//   LABEL_STUDIO_URL                 required; see parse_base_url
//   LABEL_STUDIO_API_TOKEN           required, or its alias LABEL_STUDIO_API_KEY. The token is
//   LABEL_STUDIO_API_KEY             taken from one layer as a whole: when the environment sets
//                                    either key the .env file's token keys are ignored. Both set
//                                    in that layer with different values: ConfigInvalid. A
//                                    token with quotes, whitespace, controls or non-ASCII
//                                    inside: MalformedToken with the position.
//   LABEL_STUDIO_CA_FILE             optional path of a PEM CA bundle
//   LABEL_STUDIO_ALLOW_INSECURE_HTTP optional 1/0/true/false/yes/no (any case); default false
//   LABEL_STUDIO_PIN_SHA256          optional base64 SHA-256 of the server's public key (SPKI)
//   LSEDGE_IMPORT_TIMEOUT_S          optional whole seconds, 1..kMaxImportTimeoutS; default
//                                    LSEDGE_IMPORT_TIMEOUT_MS (board.h)
//   LABEL_STUDIO_PROJECT             optional project for commands without --project: digits
//                                    only is an id (1..kMaxProjectId), anything else a title of
//                                    3 to 50 characters (cleaned as format_project_title does)
// A URL or CA file that holds a token's shape (auth::contains_token_shape: a PAT pasted into the
// wrong setting) is refused without being printed.
// Plain http:// to a host that is not loopback is refused (InsecureHttpRefused) unless insecure
// HTTP is allowed. Errors are ConfigMissing / ConfigInvalid (or the .env parser's) with the key
// (or option) and the source in Error::detail; the token never appears in an error. On failure
// `out` is reset and its token wiped.
[[nodiscard]] Outcome load_config(const EnvLookup& env, std::string_view dotenv_text, Config& out,
                                  const ConfigOverrides& overrides = {});

// Refuses a settings file (.env) that another user could have written, the way ssh refuses such
// keys: a .env chooses the server that receives the token. The file (symbolic links followed)
// must be owned by the caller or root and not writable by group or others, and its directory
// must not let others swap it (writable by others without the sticky bit). Nothing at `path` is
// Ok: whether a missing file matters is the caller's business, as are other failures of info(),
// which the read that follows reports. UnsafeSettingsFile's detail names the file, the problem
// and the command that fixes it. A path shaped like a token (a PAT given as --env-file) is
// ConfigInvalid, never printed. Thread-safety: as `storage`.
[[nodiscard]] Outcome check_settings_file(hal::Storage& storage, std::string_view path);

}  // namespace lsedge::app
