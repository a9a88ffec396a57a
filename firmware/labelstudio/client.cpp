#include "firmware/labelstudio/client.h"

#include "firmware/labelstudio/api_error.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kWhoamiEndpoint = "/api/current-user/whoami";

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

}  // namespace lsedge::labelstudio
