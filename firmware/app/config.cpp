#include "firmware/app/config.h"

#include <cstddef>
#include <cstdint>

#include "firmware/app/dotenv.h"
#include "firmware/auth/credential.h"
#include "firmware/core/ascii.h"
#include "firmware/core/decimal.h"
#include "firmware/core/secure_wipe.h"
#include "firmware/net/pin_sha256.h"

namespace lsedge::app {
namespace {

constexpr size_t max_of(size_t a, size_t b) {
  return a > b ? a : b;
}

// Every value load_config keeps fits in this, so unescaping a wanted .env value never fails
// for lack of scratch before the value's own length check can name the key.
constexpr size_t kScratchBytes =
    max_of(max_of(LSEDGE_TOKEN_CAPACITY, LSEDGE_PATH_CAPACITY), LSEDGE_URL_CAPACITY) + 1;

enum class Layer : uint8_t { CommandLine, Environment, DotenvFile };

std::string_view layer_name(Layer layer) {
  switch (layer) {
    case Layer::CommandLine:
      return "command line";
    case Layer::Environment:
      return "environment";
    case Layer::DotenvFile:
      return ".env file";
  }
  return "?";
}

// A setting found in one layer. `name` is what errors call it: the key, or the CLI option.
struct Setting {
  std::string_view value;
  std::string_view name;
  Layer layer = Layer::Environment;
  bool too_long = false;  // a .env value longer than its field (never copied)
};

// "<name> (<layer>): <problem>", or "<option>: <problem>" for the command line.
Error setting_error(Status status, const Setting& setting, std::string_view problem) {
  Error error(status, setting.name);
  if (setting.layer != Layer::CommandLine) {
    error.detail.append_truncated(" (");
    error.detail.append_truncated(layer_name(setting.layer));
    error.detail.append_truncated(")");
  }
  error.detail.append_truncated(": ");
  error.detail.append_truncated(problem);
  return error;
}

// A copy of one .env value: the parser's views die with each entry.
template <class Storage>
struct Captured {
  Storage text;
  bool set = false;
  bool too_long = false;

  void take(std::string_view value) {
    text.wipe();
    set = !value.empty();  // empty counts as not set, and a later `KEY=` unsets
    too_long = text.assign(value) != Status::Ok;
    if (too_long) {
      text.wipe();
    }
  }
};

// The keys load_config reads from the .env file. About 6 KiB: lives on the stack for the one
// load at start-up. Thread-safety: one parse at a time.
class DotenvCapture final : public DotenvVisitor {
 public:
  Captured<FixedString<LSEDGE_URL_CAPACITY>> url;
  Captured<SecretString<LSEDGE_TOKEN_CAPACITY>> api_token;
  Captured<SecretString<LSEDGE_TOKEN_CAPACITY>> api_key;
  Captured<FixedString<LSEDGE_PATH_CAPACITY>> ca_file;
  Captured<FixedString<8>> allow_insecure_http;
  Captured<FixedString<64>> pin_sha256;
  Captured<FixedString<16>> import_timeout_s;
  Captured<labelstudio::ProjectTitle> project;

  bool wants(std::string_view key) const override {
    return key == kUrlKey || key == kApiTokenKey || key == kApiKeyKey || key == kCaFileKey ||
           key == kAllowInsecureHttpKey || key == kPinSha256Key || key == kImportTimeoutKey ||
           key == kProjectKey;
  }
  Outcome on_entry(std::string_view key, std::string_view value) override {
    value = trim_ascii(value);
    if (key == kUrlKey) {
      url.take(value);
    } else if (key == kApiTokenKey) {
      api_token.take(value);
    } else if (key == kApiKeyKey) {
      api_key.take(value);
    } else if (key == kCaFileKey) {
      ca_file.take(value);
    } else if (key == kAllowInsecureHttpKey) {
      allow_insecure_http.take(value);
    } else if (key == kPinSha256Key) {
      pin_sha256.take(value);
    } else if (key == kImportTimeoutKey) {
      import_timeout_s.take(value);
    } else if (key == kProjectKey) {
      project.take(value);
    }
    return {};
  }
};

template <size_t N>
std::string_view view_of(const FixedString<N>& s) {
  return s.view();
}
template <size_t N>
std::string_view view_of(const SecretString<N>& s) {
  return s.expose();  // stays inside load_config: copied into Config::token only
}

template <class Storage>
std::optional<Setting> from_dotenv(const Captured<Storage>& captured, std::string_view key) {
  if (!captured.set) {
    return std::nullopt;
  }
  Setting setting;
  setting.value = view_of(captured.text);
  setting.name = key;
  setting.layer = Layer::DotenvFile;
  setting.too_long = captured.too_long;
  return setting;
}

// A value from the environment or the command line; empty after trimming counts as not set.
std::optional<Setting> from_text(const std::optional<std::string_view>& raw, std::string_view name,
                                 Layer layer) {
  if (!raw) {
    return std::nullopt;
  }
  const std::string_view value = trim_ascii(*raw);
  if (value.empty()) {
    return std::nullopt;
  }
  Setting setting;
  setting.value = value;
  setting.name = name;
  setting.layer = layer;
  return setting;
}

std::optional<Setting> from_env(const EnvLookup& env, std::string_view key) {
  return from_text(env.get(key), key, Layer::Environment);
}

std::optional<Setting> from_override(const std::optional<std::string_view>& raw,
                                     std::string_view option) {
  return from_text(raw, option, Layer::CommandLine);
}

// The first layer that sets the key.
template <class Storage>
std::optional<Setting> resolve(const std::optional<std::string_view>& override_value,
                               std::string_view option, const EnvLookup& env,
                               const Captured<Storage>& dotenv, std::string_view key) {
  if (auto s = from_override(override_value, option)) {
    return s;
  }
  if (auto s = from_env(env, key)) {
    return s;
  }
  return from_dotenv(dotenv, key);
}

Error too_long(const Setting& setting, size_t capacity, std::string_view macro) {
  Error error = setting_error(Status::ConfigInvalid, setting, "longer than ");
  error.detail.append_truncated(macro);
  error.detail.append_truncated(" (");
  (void)error.detail.append_uint(capacity);  // fits or is dropped whole: diagnostics only
  error.detail.append_truncated(" bytes)");
  return error;
}

// A token pasted into another setting would be printed back by its errors (a host that does
// not resolve, a CA file that cannot be read): refused by its shape, without a word of it.
Outcome refuse_token_shaped(const Setting& setting, std::string_view expected) {
  if (!auth::contains_token_shape(setting.value)) {
    return {};
  }
  Error error = setting_error(Status::ConfigInvalid, setting,
                              "holds what looks like an API token (a JWT or 40 hex digits), not ");
  error.detail.append_truncated(expected);
  error.detail.append_truncated("; put the token in LABEL_STUDIO_API_TOKEN");
  return error;
}

Outcome load_url(const std::optional<Setting>& setting, BaseUrl& out) {
  if (!setting) {
    return Error(Status::ConfigMissing,
                 "LABEL_STUDIO_URL is not set; set it in the environment or the .env file, e.g. "
                 "LABEL_STUDIO_URL=https://label-studio.example.com");
  }
  if (setting->too_long || setting->value.size() > LSEDGE_URL_CAPACITY) {
    return too_long(*setting, LSEDGE_URL_CAPACITY, "LSEDGE_URL_CAPACITY");
  }
  LSEDGE_TRY(refuse_token_shaped(*setting, "a URL"));
  FixedString<kErrorDetailCapacity> source;
  source.append_truncated(setting->name);
  if (setting->layer != Layer::CommandLine) {
    source.append_truncated(" (");
    source.append_truncated(layer_name(setting->layer));
    source.append_truncated(")");
  }
  return parse_base_url(setting->value, out, source.view());
}

// The token keys of one layer: either may be set; both must then agree.
Outcome pick_token(const std::optional<Setting>& token, const std::optional<Setting>& key,
                   std::optional<Setting>& picked) {
  picked.reset();
  if (token && key) {
    if (token->too_long || key->too_long || token->value != key->value) {
      Error error(Status::ConfigInvalid, kApiTokenKey);
      error.detail.append_truncated(" and ");
      error.detail.append_truncated(kApiKeyKey);
      error.detail.append_truncated(" (");
      error.detail.append_truncated(layer_name(token->layer));
      error.detail.append_truncated(") differ; set only one of them");
      return error;
    }
  }
  picked = token ? token : key;
  return {};
}

Outcome load_token(const EnvLookup& env, const DotenvCapture& dotenv, Config& out) {
  std::optional<Setting> token;
  LSEDGE_TRY(pick_token(from_env(env, kApiTokenKey), from_env(env, kApiKeyKey), token));
  if (!token) {  // the token is taken from one layer as a whole
    LSEDGE_TRY(pick_token(from_dotenv(dotenv.api_token, kApiTokenKey),
                          from_dotenv(dotenv.api_key, kApiKeyKey), token));
  }
  if (!token) {
    return Error(Status::ConfigMissing,
                 "LABEL_STUDIO_API_TOKEN is not set (nor LABEL_STUDIO_API_KEY); set it to the "
                 "Personal Access Token from Label Studio (Account & Settings)");
  }
  if (token->too_long || token->value.size() > LSEDGE_TOKEN_CAPACITY) {
    return too_long(*token, LSEDGE_TOKEN_CAPACITY, "LSEDGE_TOKEN_CAPACITY");
  }
  // Quotes, whitespace or controls inside are a copy-paste accident (and a CR/LF would end up in
  // the Authorization header): said with the position, never sent as a legacy key.
  const Outcome characters = auth::check_token_characters(token->value);
  if (!characters.ok()) {
    return setting_error(Status::MalformedToken, *token, characters.error().detail.view());
  }
  if (out.token.assign(token->value) != Status::Ok) {
    return too_long(*token, LSEDGE_TOKEN_CAPACITY, "LSEDGE_TOKEN_CAPACITY");
  }
  out.token_key = token->name;  // one of the static key constants
  return {};
}

Outcome load_ca_file(const std::optional<Setting>& setting, Config& out) {
  out.ca_file.clear();
  if (!setting) {
    return {};
  }
  for (const char c : setting->value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return setting_error(Status::ConfigInvalid, *setting,
                           "the path contains a control character");
    }
  }
  if (setting->too_long || out.ca_file.assign(setting->value) != Status::Ok) {
    return too_long(*setting, LSEDGE_PATH_CAPACITY, "LSEDGE_PATH_CAPACITY");
  }
  return refuse_token_shaped(*setting, "a file path");  // load_config clears ca_file on failure
}

Outcome load_flag(const std::optional<Setting>& setting, bool& out) {
  out = false;
  if (!setting) {
    return {};
  }
  const std::string_view v = setting->value;
  if (!setting->too_long) {
    if (v == "1" || equals_ignore_case(v, "true") || equals_ignore_case(v, "yes")) {
      out = true;
      return {};
    }
    if (v == "0" || equals_ignore_case(v, "false") || equals_ignore_case(v, "no")) {
      return {};
    }
  }
  return setting_error(Status::ConfigInvalid, *setting, "must be 1, 0, true, false, yes or no");
}

Outcome load_pin(const std::optional<Setting>& setting, std::optional<net::PinSha256>& out) {
  out.reset();
  if (!setting) {
    return {};
  }
  const Result<net::PinSha256> pin = net::parse_pin_sha256(setting->value);
  if (setting->too_long || !pin.ok()) {
    return setting_error(Status::ConfigInvalid, *setting,
                         "must be the base64 SHA-256 of the server's public key (44 characters)");
  }
  out = *pin;
  return {};
}

// Whole seconds (no sign, no unit): a typo such as "300s" or "5m" is an error, not a guess.
Outcome load_import_timeout(const std::optional<Setting>& setting, uint32_t& out_ms) {
  out_ms = LSEDGE_IMPORT_TIMEOUT_MS;
  if (!setting) {
    return {};
  }
  const std::optional<uint64_t> seconds =
      setting->too_long ? std::nullopt : parse_decimal(setting->value);
  if (!seconds || *seconds < 1 || *seconds > kMaxImportTimeoutS) {
    return setting_error(Status::ConfigInvalid, *setting,
                         "must be a whole number of seconds from 1 to 86400");
  }
  out_ms = static_cast<uint32_t>(*seconds) * 1000;
  return {};
}

// Digits only: an id; anything else: a title, refused rather than cut when it is too long (every
// gateway must ensure the same project).
Outcome load_project(const std::optional<Setting>& setting, Config& out) {
  out.project_id = 0;
  out.project_title.clear();
  if (!setting) {
    return {};
  }
  const std::string_view v = setting->value;
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos) {
    const std::optional<uint64_t> id = setting->too_long ? std::nullopt : parse_decimal(v);
    if (!id || *id < 1 || *id > kMaxProjectId) {  // nullopt: more digits than a uint64_t holds
      return setting_error(Status::ConfigInvalid, *setting,
                           "a project id must be from 1 to 9007199254740991");
    }
    out.project_id = static_cast<int64_t>(*id);
    return {};
  }
  constexpr std::string_view kTitleRule =
      "must be a project id, or a project title of 3 to 50 characters (valid UTF-8)";
  if (setting->too_long) {
    return setting_error(Status::ConfigInvalid, *setting, kTitleRule);
  }
  labelstudio::ProjectTitle title;
  const Outcome formatted = labelstudio::format_project_title(v, "", title);
  if (!formatted.ok() || labelstudio::count_code_points(v) > labelstudio::kProjectTitleMaxChars) {
    return setting_error(Status::ConfigInvalid, *setting, kTitleRule);
  }
  out.project_title = title;
  return {};
}

// The settings that have a default.
Outcome load_optional(const EnvLookup& env, const ConfigOverrides& overrides,
                      const DotenvCapture& dotenv, Config& out) {
  const std::optional<std::string_view> no_option;
  LSEDGE_TRY(
      load_flag(resolve(no_option, "", env, dotenv.allow_insecure_http, kAllowInsecureHttpKey),
                out.allow_insecure_http));
  LSEDGE_TRY(
      load_pin(resolve(no_option, "", env, dotenv.pin_sha256, kPinSha256Key), out.pin_sha256));
  LSEDGE_TRY(load_import_timeout(resolve(overrides.import_timeout_s, "--import-timeout-s", env,
                                         dotenv.import_timeout_s, kImportTimeoutKey),
                                 out.import_timeout_ms));
  return load_project(resolve(no_option, "", env, dotenv.project, kProjectKey), out);
}

Outcome load_into(const EnvLookup& env, std::string_view dotenv_text, Config& out,
                  const ConfigOverrides& overrides, DotenvCapture& dotenv, Span<char> scratch) {
  const Outcome parsed = parse_dotenv(dotenv_text, scratch, dotenv);
  if (!parsed.ok()) {
    Error error = parsed.error();
    if (error.status == Status::BufferTooSmall) {
      error.status = Status::ConfigInvalid;  // our scratch fits every value we keep
    }
    return error;
  }
  LSEDGE_TRY(load_url(resolve(overrides.url, "--url", env, dotenv.url, kUrlKey), out.url));
  LSEDGE_TRY(load_token(env, dotenv, out));
  LSEDGE_TRY(
      load_ca_file(resolve(overrides.ca_file, "--ca-file", env, dotenv.ca_file, kCaFileKey), out));
  LSEDGE_TRY(load_optional(env, overrides, dotenv, out));
  if (out.url.scheme == Scheme::Http && !out.url.host_is_loopback && !out.allow_insecure_http) {
    return Error(Status::InsecureHttpRefused,
                 "LABEL_STUDIO_URL: http:// to a host that is not loopback; use https://, or set "
                 "LABEL_STUDIO_ALLOW_INSECURE_HTTP=1 on a trusted network");
  }
  return {};
}

}  // namespace

Outcome load_config(const EnvLookup& env, std::string_view dotenv_text, Config& out,
                    const ConfigOverrides& overrides) {
  DotenvCapture dotenv;
  char scratch[kScratchBytes];
  const Outcome outcome =
      load_into(env, dotenv_text, out, overrides, dotenv, Span<char>(scratch, sizeof(scratch)));
  secure_wipe(scratch, sizeof(scratch));  // it may have held an unescaped token
  if (!outcome.ok()) {
    out.url = BaseUrl();
    out.token.wipe();
    out.token_key = std::string_view();
    out.ca_file.clear();
    out.allow_insecure_http = false;
    out.pin_sha256.reset();
    out.import_timeout_ms = LSEDGE_IMPORT_TIMEOUT_MS;
    out.project_id = 0;
    out.project_title.clear();
  }
  return outcome;
}

namespace {

void append_octal_mode(FixedString<kErrorDetailCapacity>& out, uint32_t mode) {
  char digits[4];
  for (size_t i = 0; i < 4; ++i) {
    digits[3 - i] = static_cast<char>('0' + ((mode >> (3 * i)) & 7U));
  }
  out.append_truncated(std::string_view(digits, sizeof(digits)));
}

// "<path>: <problem>"; the fix goes last so that a long path cuts only the fix's path.
Error unsafe(std::string_view path, std::string_view problem) {
  Error error(Status::UnsafeSettingsFile, path);
  error.detail.append_truncated(": ");
  error.detail.append_truncated(problem);
  return error;
}

// The directory holding `path` ("." for a bare name).
std::string_view directory_of(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  return slash == 0 ? path.substr(0, 1) : path.substr(0, slash);
}

Outcome check_directory(hal::Storage& storage, std::string_view path) {
  constexpr uint32_t kOthersWrite = 0002;
  constexpr uint32_t kSticky = 01000;
  const std::string_view directory = directory_of(path);
  const Result<hal::FileInfo> info = storage.info(directory);
  if (!info.ok() || (info->mode & kOthersWrite) == 0 || (info->mode & kSticky) != 0) {
    return {};
  }
  Error error = unsafe(path, "its directory is writable by others without the sticky bit (mode ");
  append_octal_mode(error.detail, info->mode);
  error.detail.append_truncated("), so anyone can replace it; fix: chmod o-w ");
  error.detail.append_truncated(directory);
  return error;
}

}  // namespace

Outcome check_settings_file(hal::Storage& storage, std::string_view path) {
  if (auth::contains_token_shape(path)) {  // every error below would print it
    return Error(Status::ConfigInvalid,
                 "--env-file: holds what looks like an API token (a JWT or 40 hex digits), not a "
                 "file path; put the token in LABEL_STUDIO_API_TOKEN");
  }
  const Result<hal::FileInfo> info = storage.info(path);
  if (!info.ok()) {
    return {};  // missing, or unreadable: the read that follows says which
  }
  const uint32_t caller = storage.caller_uid();
  if (info->owner_uid != caller && info->owner_uid != 0) {
    Error error = unsafe(path, "owned by uid ");
    (void)error.detail.append_uint(info->owner_uid);
    error.detail.append_truncated(", neither you (uid ");
    (void)error.detail.append_uint(caller);
    error.detail.append_truncated(") nor root; if you trust its content, fix: chown ");
    (void)error.detail.append_uint(caller);
    error.detail.append_truncated(" ");
    error.detail.append_truncated(path);
    return error;
  }
  constexpr uint32_t kGroupOrOthersWrite = 0022;
  if ((info->mode & kGroupOrOthersWrite) != 0) {
    Error error = unsafe(path, (info->mode & kGroupOrOthersWrite) == kGroupOrOthersWrite
                                   ? "writable by group and others (mode "
                                   : ((info->mode & 0020U) != 0 ? "writable by group (mode "
                                                                : "writable by others (mode "));
    append_octal_mode(error.detail, info->mode);
    error.detail.append_truncated("); fix: chmod go-w ");
    error.detail.append_truncated(path);
    return error;
  }
  return check_directory(storage, path);
}

}  // namespace lsedge::app
