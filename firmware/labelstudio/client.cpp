#include "firmware/labelstudio/client.h"

#include <optional>

#include "firmware/core/byte_scan.h"
#include "firmware/core/utf8.h"
#include "firmware/json/prefix_scan.h"
#include "firmware/labelstudio/api_error.h"
#include "firmware/labelstudio/json_scan.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kWhoamiEndpoint = "/api/current-user/whoami";

bool is_success(uint16_t status) {
  return status >= 200 && status < 300;
}

using Kind = json::PrefixScanner::Kind;

// The whoami fields a member fills; 0 when it is none of them (or one already read: as with
// cJSON's lookup, the first of duplicate keys counts).
enum UserField : uint8_t { kId = 1, kEmail = 2, kUsername = 4, kFirstName = 8, kLastName = 16 };

uint8_t user_field(std::string_view raw_key) {
  constexpr struct {
    std::string_view name;
    UserField field;
  } kFields[] = {{"id", kId},
                 {"email", kEmail},
                 {"username", kUsername},
                 {"first_name", kFirstName},
                 {"last_name", kLastName}};
  // Label Studio's keys have no escapes: those compare byte for byte.
  const bool escaped = bytes::plain_run<false>(raw_key.data(), raw_key.size(), 0, '\\', '\\',
                                               '\\') != raw_key.size();
  for (const auto& f : kFields) {
    if (escaped ? json::raw_equals(raw_key, f.name) : raw_key == f.name) {
      return f.field;
    }
  }
  return 0;
}

template <size_t N>
void take_string(const json::PrefixScanner::Token& value, FixedString<N>& out) {
  out.clear();
  if (value.kind == Kind::String && !json::append_unescaped(value.text, out)) {
    out.clear();
  }
}

// Stores one member's value when it is a field the CLI shows; returns the last token kind of the
// value (a container, wherever it comes, is skipped whole).
Kind take_member(json::PrefixScanner& scanner, uint8_t field, User& user, bool& has_id) {
  const json::PrefixScanner::Token value = scanner.next();
  switch (field) {
    case kId: {
      const std::optional<int64_t> id =
          value.kind == Kind::Number ? json::number_as_int64(value.text) : std::nullopt;
      has_id = id.has_value();
      user.id = id.value_or(0);
      break;
    }
    case kEmail:
      take_string(value, user.email);
      break;
    case kUsername:
      take_string(value, user.username);
      break;
    case kFirstName:
      take_string(value, user.first_name);
      break;
    case kLastName:
      take_string(value, user.last_name);
      break;
    default:
      break;
  }
  return scan::finish_value(scanner, value.kind);
}

// The whoami answer in one pass of the JSON tokenizer, with no document built (through cJSON it
// was ~40 % of a keep-alive call's instructions, issue #14). As with json::parse, the whole text
// must be one JSON value, valid UTF-8.
Result<User> user_from_whoami(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);  // a BOM, which json::parse lets through too
  }
  const Error not_json(Status::JsonInvalid, "GET /api/current-user/whoami: answer is not JSON");
  const size_t ascii = bytes::plain_run<true>(text.data(), text.size(), 0, 0x80, 0x80, 0x80);
  if (!utf8_valid(text.substr(ascii))) {
    return not_json;
  }
  json::PrefixScanner scanner(text);
  if (scanner.next().kind != Kind::ObjectBegin) {
    return not_json;
  }
  User user;
  bool has_id = false;
  uint8_t seen = 0;
  for (;;) {
    const json::PrefixScanner::Token key = scanner.next();
    if (key.kind == Kind::ObjectEnd) {
      break;
    }
    const uint8_t field = key.kind == Kind::Key ? user_field(key.text) : 0;
    const Kind last = key.kind == Kind::Key
                          ? take_member(scanner, (field & seen) != 0 ? 0 : field, user, has_id)
                          : Kind::Invalid;
    seen = static_cast<uint8_t>(seen | field);
    if (scan::stopped(last)) {
      return not_json;
    }
  }
  if (scanner.next().kind != Kind::End) {
    return not_json;
  }
  if (!has_id) {
    return Error(Status::JsonMissingField, "GET /api/current-user/whoami: no integer \"id\"");
  }
  return user;
}

}  // namespace

Client::Client(http::Connection& connection, auth::TokenManager& tokens, std::string_view base_path,
               Arena& arena, Logger logger)
    : connection_(connection),
      tokens_(tokens),
      exchange_(connection, base_path, arena, logger),
      base_path_(base_path),
      arena_(arena),
      log_(logger) {}

Outcome Client::build_path(std::string_view endpoint) {
  path_.clear();
  if (path_.append(base_path_) != Status::Ok || path_.append(endpoint) != Status::Ok) {
    return Error(Status::BufferTooSmall, "request path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

Result<http::Response> Client::call(http::Method method, std::string_view endpoint,
                                    std::string_view content_type, ConstByteSpan body,
                                    bool safe_to_resend, Deadline deadline) {
  return call_with({method, endpoint, content_type, body, nullptr, safe_to_resend, deadline});
}

Result<http::Response> Client::call(http::Method method, std::string_view endpoint,
                                    std::string_view content_type, http::BodySource& body,
                                    bool safe_to_resend, Deadline deadline) {
  return call_with({method, endpoint, content_type, {}, &body, safe_to_resend, deadline});
}

Result<http::Response> Client::send_once(const Call& call, uint64_t& generation) {
  SecretString<auth::kAuthHeaderCapacity> authorization;
  // May refresh through exchange_, which uses this connection: build the path afterwards.
  LSEDGE_TRY(tokens_.authorization_header(exchange_, authorization, generation, call.deadline));
  LSEDGE_TRY(build_path(call.endpoint));

  http::Request request;
  request.method = call.method;
  request.path = path_.view();
  request.content_type = call.content_type;
  request.body = call.body;
  request.body_source = call.source;
  request.authorization = authorization.expose();
  request.replayable = call.safe_to_resend;
  return connection_.execute(request, call.deadline);  // `authorization` is wiped as it goes
}

bool Client::retry_after_401(const Call& call, uint64_t generation, bool& rewind_failed) {
  // Label Studio cannot tell an expired access token from a missing one (both 401
  // "Authentication credentials were not provided."), so refresh once and resend once.
  // The next call refreshes even if this one cannot be resent.
  tokens_.invalidate(generation);
  // A streamed body was consumed by the first send: resend only from its start.
  rewind_failed = call.source != nullptr && !call.source->rewind().ok();
  const auto length = static_cast<int>(call.endpoint.size());
  if (rewind_failed) {
    log_.warn("401 to %.*s: not resent, the request body cannot be rewound", length,
              call.endpoint.data());
    return false;
  }
  log_.info("401 to %.*s: refreshing the access token and resending once", length,
            call.endpoint.data());
  return true;
}

Error Client::refused(const http::Response& response, std::string_view endpoint, bool bearer,
                      bool rewind_failed) {
  arena_.reset();
  Error error = error_from_response(response, arena_, endpoint);
  if (rewind_failed) {
    error.detail.append_truncated(" (not resent: the request body could not be rewound)");
  } else if (response.status == 401 && bearer && error.status == Status::AuthenticationFailed) {
    const FixedString<kErrorDetailCapacity> server = error.detail;
    error.detail.clear();
    error.detail.append_truncated(
        "rejected right after a token refresh; check that Personal Access Tokens are "
        "enabled for the organization (server said: ");
    error.detail.append_truncated(server.view());
    error.detail.append_truncated(")");
  }
  return error;
}

Result<http::Response> Client::call_with(const Call& call) {
  for (int attempt = 0;; ++attempt) {
    uint64_t generation = 0;
    last_ = http::Response();
    LSEDGE_TRY_ASSIGN(http::Response response, send_once(call, generation));
    last_ = response;
    if (is_success(response.status)) {
      if (auto html = html_instead_of_api(response, call.endpoint)) {
        return *html;  // Label Studio's web app or a proxy page answers at this URL, not its API
      }
      if (response.truncated) {
        // Callers read success answers whole (last_response() keeps the prefix; the project
        // readers take it from there).
        return Error(Status::HttpBodyTooLarge,
                     "response body exceeds LSEDGE_HTTP_RESPONSE_BODY_LIMIT");
      }
      return response;
    }
    const bool bearer = tokens_.kind() == auth::CredentialKind::PersonalAccessToken;
    bool rewind_failed = false;
    if (response.status == 401 && bearer && attempt == 0 &&
        retry_after_401(call, generation, rewind_failed)) {
      continue;
    }
    return refused(response, call.endpoint, bearer, rewind_failed);
  }
}

Result<User> Client::whoami(Deadline deadline) {
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    call(http::Method::Get, kWhoamiEndpoint, {}, {}, true, deadline));
  return user_from_whoami(as_text(response.body));
}

}  // namespace lsedge::labelstudio
