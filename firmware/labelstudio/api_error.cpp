#include "firmware/labelstudio/api_error.h"

#include "firmware/core/backoff.h"
#include "firmware/json/json.h"

namespace lsedge::labelstudio {
namespace {

bool looks_like_json(ConstByteSpan body) {
  for (const uint8_t byte : body) {
    if (byte == ' ' || byte == '\t' || byte == '\r' || byte == '\n') {
      continue;
    }
    return byte == '{';
  }
  return false;
}

// "field: message; field: message" from DRF's validation_errors object.
void append_validation_errors(json::Value errors, FixedString<kErrorDetailCapacity>& out) {
  bool first = true;
  for (size_t i = 0; i < errors.size(); ++i) {
    const json::Value field = errors.at(i);
    const std::string_view name = field.key();
    if (field.is_array()) {
      for (size_t j = 0; j < field.size(); ++j) {
        const auto message = field.at(j).as_string();
        if (!message) {
          continue;
        }
        out.append_truncated(first ? " — " : "; ");
        first = false;
        out.append_truncated(name);
        out.append_truncated(": ");
        out.append_truncated(*message);
      }
    } else if (const auto message = field.as_string()) {
      out.append_truncated(first ? " — " : "; ");
      first = false;
      out.append_truncated(name);
      out.append_truncated(": ");
      out.append_truncated(*message);
    }
  }
}

}  // namespace

Status status_for_http(uint16_t http_status) {
  switch (http_status) {
    case 400:
    case 409:
    case 413:
    case 422:
      return Status::ValidationFailed;
    case 401:
      return Status::AuthenticationFailed;
    case 403:
      return Status::PermissionDenied;
    case 404:
      return Status::NotFound;
    case 429:
      return Status::RateLimited;
    default:
      break;
  }
  if (http_status >= 500 && http_status < 600) {
    return Status::ServerError;
  }
  return Status::UnexpectedHttpStatus;
}

Error error_from_response(const http::Response& response, Arena& arena) {
  Error error(status_for_http(response.status));
  error.http_status = response.status;
  if (const auto retry_after = response.header("Retry-After")) {
    error.retry_after_ms = parse_retry_after_ms(*retry_after).value_or(0);
  }
  if (looks_like_json(response.body)) {
    auto root = json::parse(as_text(response.body), arena);
    if (root.ok()) {
      if (const auto detail = root->get("detail").as_string()) {
        error.detail.append_truncated(*detail);
      }
      const json::Value errors = root->get("validation_errors");
      if (errors.is_object()) {
        append_validation_errors(errors, error.detail);
      }
    }
  }
  if (error.detail.empty()) {
    error.detail.append_truncated("HTTP ");
    (void)error.detail.append_uint(response.status);
    error.detail.append_truncated(" with no detail from the server");
  }
  return error;
}

const char* refresh_failure_hint(std::string_view detail) {
  if (detail.find("blacklisted") != std::string_view::npos) {
    return "the Personal Access Token was revoked; create a new one in Label Studio (Account & "
           "Settings > Personal Access Token) and update LABEL_STUDIO_API_TOKEN";
  }
  if (detail.find("expired") != std::string_view::npos) {
    return "the Personal Access Token has expired; create a new one in Label Studio and update "
           "LABEL_STUDIO_API_TOKEN";
  }
  if (detail.find("wrong type") != std::string_view::npos) {
    return "the configured token is not a Personal Access Token; paste the PAT from Account & "
           "Settings > Personal Access Token";
  }
  if (detail.find("No active account") != std::string_view::npos) {
    return "the Label Studio user of this token is deactivated; ask an administrator";
  }
  if (detail.find("invalid") != std::string_view::npos ||
      detail.find("Invalid") != std::string_view::npos) {
    return "the server does not accept this Personal Access Token (created on another server, "
           "or copied incompletely); copy it again from this server";
  }
  return "create a new Personal Access Token in Label Studio and update LABEL_STUDIO_API_TOKEN";
}

}  // namespace lsedge::labelstudio
