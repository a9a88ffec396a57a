#include "firmware/labelstudio/token_exchange.h"

#include "firmware/core/http_date.h"
#include "firmware/core/secure_wipe.h"
#include "firmware/json/json.h"
#include "firmware/labelstudio/api_error.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kRefreshEndpoint = "/api/token/refresh/";
constexpr std::string_view kJson = "application/json";

}  // namespace

TokenExchange::TokenExchange(http::Connection& connection, std::string_view base_path, Arena& arena,
                             Logger logger)
    : connection_(connection), base_path_(base_path), arena_(arena), log_(logger) {}

Outcome TokenExchange::exchange(std::string_view pat,
                                SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                                std::optional<int64_t>& server_now_out, Deadline deadline) {
  server_now_out.reset();
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
  if (!response.ok()) {
    // An answer cut part-way (dropped connection, timeout, oversized) may have left part of the
    // access token in the buffers.
    connection_.wipe_response();
    return response.error();
  }

  arena_.reset();
  if (response->status != 200) {
    Error error = error_from_response(*response, arena_, kRefreshEndpoint);
    if (response->status == 404) {
      error = Error(Status::NoApiAtUrl, "POST ");
      error.detail.append_truncated(path.view());
      error.detail.append_truncated(" answered 404: no Label Studio token endpoint there");
      error.http_status = 404;
    } else if ((response->status == 401 || response->status == 400) && is_json_answer(*response) &&
               error.status != Status::HttpToHttpsPort) {
      // Label Studio's own refusal: terminal for this PAT, retrying cannot help.
      error.status = Status::RefreshRejected;
    }
    connection_.wipe_response();
    return error;
  }
  if (auto html = html_instead_of_api(*response, kRefreshEndpoint)) {
    connection_.wipe_response();
    return *html;
  }
  if (const auto date = response->header("Date")) {
    server_now_out = parse_http_date(*date);
    if (!server_now_out) {
      log_.warn(
          "the refresh answer's Date header is not an HTTP date (IMF-fixdate or asctime); "
          "the access token lifetime falls back to exp - iat");
    }
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
