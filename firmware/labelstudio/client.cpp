#include "firmware/labelstudio/client.h"

#include "firmware/core/secure_wipe.h"
#include "firmware/labelstudio/api_error.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kRefreshEndpoint = "/api/token/refresh/";
constexpr std::string_view kWhoamiEndpoint = "/api/current-user/whoami";
constexpr std::string_view kJson = "application/json";

bool is_success(uint16_t status) {
  return status >= 200 && status < 300;
}

template <size_t N>
Outcome copy_field(json::Value object, std::string_view key, FixedString<N>& out) {
  const auto value = object.get(key).as_string();
  out.clear();
  if (value) {
    out.append_truncated(*value);
  }
  return {};
}

}  // namespace

Client::Client(http::Connection& connection, auth::TokenManager& tokens, std::string_view base_path,
               Arena& arena, Logger logger)
    : connection_(connection),
      tokens_(tokens),
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
  // May refresh through exchange(), which uses this connection: build the path afterwards.
  LSEDGE_TRY(tokens_.authorization_header(*this, authorization, generation, call.deadline));
  LSEDGE_TRY(build_path(call.endpoint));

  http::Request request;
  request.method = call.method;
  request.path = path_.view();
  request.content_type = call.content_type;
  request.body = call.body;
  request.body_source = call.source;
  request.authorization = authorization.expose();
  request.replayable = call.safe_to_resend;
  auto response = connection_.execute(request, call.deadline);
  authorization.wipe();
  return response;
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

Error Client::refused(const http::Response& response, bool bearer, bool rewind_failed) {
  arena_.reset();
  Error error = error_from_response(response, arena_);
  if (rewind_failed) {
    error.detail.append_truncated(" (not resent: the request body could not be rewound)");
  } else if (response.status == 401 && bearer) {
    error.detail.clear();
    error.detail.append_truncated(
        "rejected right after a token refresh; check that Personal Access Tokens are "
        "enabled for the organization (server said: ");
    arena_.reset();
    const Error server = error_from_response(response, arena_);
    error.detail.append_truncated(server.detail.view());
    error.detail.append_truncated(")");
  }
  return error;
}

Result<http::Response> Client::call_with(const Call& call) {
  for (int attempt = 0;; ++attempt) {
    uint64_t generation = 0;
    LSEDGE_TRY_ASSIGN(http::Response response, send_once(call, generation));
    if (is_success(response.status)) {
      return response;
    }
    const bool bearer = tokens_.kind() == auth::CredentialKind::PersonalAccessToken;
    bool rewind_failed = false;
    if (response.status == 401 && bearer && attempt == 0 &&
        retry_after_401(call, generation, rewind_failed)) {
      continue;
    }
    return refused(response, bearer, rewind_failed);
  }
}

Result<User> Client::whoami(Deadline deadline) {
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    call(http::Method::Get, kWhoamiEndpoint, {}, {}, true, deadline));
  arena_.reset();
  auto root = json::parse(as_text(response.body), arena_);
  if (!root.ok()) {
    return Error(root.error()).with_detail("GET /api/current-user/whoami: answer is not JSON");
  }
  User user;
  const auto id = root->get("id").as_int64();
  if (!id) {
    return Error(Status::JsonMissingField, "GET /api/current-user/whoami: no integer \"id\"");
  }
  user.id = *id;
  LSEDGE_TRY(copy_field(*root, "email", user.email));
  LSEDGE_TRY(copy_field(*root, "username", user.username));
  LSEDGE_TRY(copy_field(*root, "first_name", user.first_name));
  LSEDGE_TRY(copy_field(*root, "last_name", user.last_name));
  return user;
}

Outcome Client::exchange(std::string_view pat, SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                         Deadline deadline) {
  FixedString<LSEDGE_PATH_CAPACITY> path;
  if (path.append(base_path_) != Status::Ok || path.append(kRefreshEndpoint) != Status::Ok) {
    return Error(Status::BufferTooSmall, "refresh path longer than LSEDGE_PATH_CAPACITY");
  }
  // The body holds the PAT: it lives on this frame only and is wiped before returning.
  uint8_t body[LSEDGE_TOKEN_CAPACITY + 32];
  json::Writer writer{ByteSpan(body)};
  // Writer errors stick, so finish() reports the first failure of these.
  (void)writer.begin_object();
  (void)writer.member_string("refresh", pat);
  (void)writer.end_object();
  auto body_size = writer.finish();
  if (!body_size.ok()) {
    secure_wipe(body, sizeof(body));
    return Error(body_size.error()).with_detail("refresh body does not fit");
  }

  http::Request request;
  request.method = http::Method::Post;
  request.path = path.view();
  request.content_type = kJson;
  request.body = ConstByteSpan(body, *body_size);
  request.replayable = true;  // asking twice for an access token is harmless
  log_.debug("exchanging the Personal Access Token for an access token");
  auto response = connection_.execute(request, deadline);
  secure_wipe(body, sizeof(body));
  LSEDGE_TRY(response);

  arena_.reset();
  if (response->status != 200) {
    Error error = error_from_response(*response, arena_);
    if (response->status == 401 || response->status == 400) {
      // Terminal for this PAT: retrying cannot help.
      error.status = Status::RefreshRejected;
    }
    connection_.wipe_response();
    return error;
  }
  Outcome outcome;
  auto root = json::parse(as_text(response->body), arena_);
  if (!root.ok()) {
    outcome = Error(Status::JsonInvalid, "POST /api/token/refresh/: answer is not JSON");
  } else if (const auto access = root->get("access").as_string(); !access || access->empty()) {
    outcome = Error(Status::JsonMissingField, "POST /api/token/refresh/: no \"access\" in answer");
  } else if (access_out.assign(*access) != Status::Ok) {
    outcome = Error(Status::BufferTooSmall, "access token longer than LSEDGE_TOKEN_CAPACITY");
  }
  // The access token also sits in the response buffer and the JSON arena: wipe both.
  connection_.wipe_response();
  arena_.wipe();
  return outcome;
}

}  // namespace lsedge::labelstudio
