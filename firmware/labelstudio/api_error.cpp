#include "firmware/labelstudio/api_error.h"

#include "firmware/core/ascii.h"
#include "firmware/core/backoff.h"
#include "firmware/json/prefix_scan.h"
#include "firmware/labelstudio/json_scan.h"

namespace lsedge::labelstudio {
namespace {

using Detail = FixedString<kErrorDetailCapacity>;
using Kind = json::PrefixScanner::Kind;
using scan::finish_value;

constexpr std::string_view kPlainHttpToHttps = "The plain HTTP request was sent to HTTPS port";
// Label Studio's import refusal echoes the item after this: the message is what comes before.
constexpr std::string_view kItemEcho = " :: ";

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) {
    return false;
  }
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (to_lower_ascii(text[i]) != to_lower_ascii(prefix[i])) {
      return false;
    }
  }
  return true;
}

bool is_html(const http::Response& response) {
  return starts_with_ci(response.content_type, "text/html");
}

// Appends a raw (escaped) JSON string, decoded, cut before Label Studio's " :: {item}" echo.
void append_message(std::string_view raw, Detail& out) {
  char decoded[kErrorDetailCapacity + 1];
  const std::optional<size_t> length = json::unescape_into(raw, decoded, sizeof(decoded));
  if (!length) {
    return;
  }
  std::string_view message(decoded, *length);
  const size_t echo = message.find(kItemEcho);
  out.append_truncated(message.substr(0, echo));
}

// The first message of each field of `validation_errors` and a count of the others.
class ValidationMessages {
 public:
  explicit ValidationMessages(Detail& out) : out_(out) {}

  // The scanner is just past the object's opening brace.
  Kind read_object(json::PrefixScanner& scanner) {
    for (;;) {
      const json::PrefixScanner::Token key = scanner.next();
      if (key.kind != Kind::Key) {
        return key.kind;  // ObjectEnd, Cut, Invalid
      }
      const json::PrefixScanner::Token value = scanner.next();
      Kind last = value.kind;
      if (value.kind == Kind::String) {
        add(key.text, value.text);
      } else if (value.kind == Kind::ArrayBegin) {
        last = read_list(scanner, key.text);
      } else {
        last = finish_value(scanner, value.kind);
      }
      if (last == Kind::Cut || last == Kind::Invalid) {
        return last;
      }
    }
  }

  void finish(bool cut) {
    if (more_ > 0) {
      out_.append_truncated(" (+");
      (void)out_.append_uint(more_);
      out_.append_truncated(" more)");
    }
    if (cut) {
      out_.append_truncated(" (answer cut short)");
    }
  }

 private:
  Kind read_list(json::PrefixScanner& scanner, std::string_view field) {
    bool first = true;
    for (;;) {
      const json::PrefixScanner::Token item = scanner.next();
      if (item.kind == Kind::ArrayEnd || item.kind == Kind::Cut || item.kind == Kind::Invalid) {
        return item.kind;
      }
      if (item.kind == Kind::String && first) {
        add(field, item.text);
        first = false;
        continue;
      }
      ++more_;
      const Kind last = finish_value(scanner, item.kind);
      if (last == Kind::Cut || last == Kind::Invalid) {
        return last;
      }
    }
  }

  void add(std::string_view raw_field, std::string_view raw_message) {
    out_.append_truncated(any_ ? "; " : " — ");
    any_ = true;
    append_message(raw_field, out_);
    out_.append_truncated(": ");
    append_message(raw_message, out_);
  }

  Detail& out_;
  bool any_ = false;
  uint64_t more_ = 0;
};

// `detail` and the validation messages of Label Studio's envelope, from a body that may be cut.
void append_envelope(std::string_view body, Detail& out) {
  json::PrefixScanner scanner(body);
  if (scanner.next().kind != Kind::ObjectBegin) {
    return;
  }
  Detail messages;
  ValidationMessages validation(messages);
  bool in_validation = false;
  bool cut = false;
  for (;;) {
    const json::PrefixScanner::Token key = scanner.next();
    if (key.kind != Kind::Key) {
      cut = key.kind == Kind::Cut && in_validation;
      break;
    }
    const json::PrefixScanner::Token value = scanner.next();
    Kind last = value.kind;
    if (json::raw_equals(key.text, "detail") && value.kind == Kind::String) {
      append_message(value.text, out);
    } else if (json::raw_equals(key.text, "validation_errors") && value.kind == Kind::ObjectBegin) {
      in_validation = true;
      last = validation.read_object(scanner);
      in_validation = last != Kind::ObjectEnd;
    } else {
      last = finish_value(scanner, value.kind);
    }
    if (last == Kind::Cut || last == Kind::Invalid) {
      cut = last == Kind::Cut && in_validation;
      break;
    }
  }
  validation.finish(cut);
  out.append_truncated(messages.view());
}

// Strips "?query" from a path or URL.
std::string_view without_query(std::string_view text) {
  return text.substr(0, text.find('?'));
}

// "HTTP 301 to <Location>; use LABEL_STUDIO_URL=<base>" (the base when Location ends with the
// endpoint asked for).
void describe_redirect(const http::Response& response, std::string_view endpoint, Detail& out) {
  out.append_truncated("HTTP ");
  (void)out.append_uint(response.status);
  const std::optional<std::string_view> location = response.header("Location");
  if (!location || location->empty()) {
    out.append_truncated(" without a Location header");
    return;
  }
  out.append_truncated(" to ");
  out.append_truncated(*location);
  const std::string_view target = without_query(*location);
  const std::string_view asked = without_query(endpoint);
  if (!asked.empty() && target.size() > asked.size() &&
      target.substr(target.size() - asked.size()) == asked) {
    const std::string_view base = target.substr(0, target.size() - asked.size());
    // A relative Location names only the path: the sub-path to put after the host.
    const bool absolute = base.find("://") != std::string_view::npos;
    out.append_truncated(absolute ? "; try LABEL_STUDIO_URL=" : "; try the sub-path ");
    out.append_truncated(base.empty() ? std::string_view("/ (none)") : base);
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
  if (http_status >= 300 && http_status < 400) {
    return Status::Redirected;
  }
  if (http_status >= 500 && http_status < 600) {
    return Status::ServerError;
  }
  return Status::UnexpectedHttpStatus;
}

bool is_json_answer(const http::Response& response) {
  const std::string_view type = response.content_type.substr(0, response.content_type.find(';'));
  return starts_with_ci(type, "application/json") ||
         (type.size() >= 5 && starts_with_ci(type.substr(type.size() - 5), "+json"));
}

std::optional<Error> html_instead_of_api(const http::Response& response,
                                         std::string_view endpoint) {
  if (!is_html(response)) {
    return std::nullopt;
  }
  Error error(Status::NoApiAtUrl, "HTTP ");
  error.http_status = response.status;
  (void)error.detail.append_uint(response.status);
  error.detail.append_truncated(" with an HTML page for ");
  error.detail.append_truncated(endpoint);
  error.detail.append_truncated(" (Label Studio's API answers in JSON)");
  return error;
}

Error error_from_response(const http::Response& response, Arena& /*arena*/,
                          std::string_view endpoint) {
  Error error(status_for_http(response.status));
  error.http_status = response.status;
  if (const auto retry_after = response.header("Retry-After")) {
    error.retry_after_ms = parse_retry_after_ms(*retry_after).value_or(0);
  }
  const std::string_view body = as_text(response.body);
  if (error.status == Status::Redirected) {
    describe_redirect(response, endpoint, error.detail);
    return error;
  }
  if (response.status == 400 && body.find(kPlainHttpToHttps) != std::string_view::npos) {
    error.status = Status::HttpToHttpsPort;
    error.detail.append_truncated(kPlainHttpToHttps);  // nginx's words
    return error;
  }
  if (response.status == 404 && is_html(response)) {
    error.status = Status::NoApiAtUrl;
    error.detail.append_truncated("HTTP 404 with an HTML page for ");
    error.detail.append_truncated(endpoint.empty() ? std::string_view("the request") : endpoint);
    error.detail.append_truncated(" (Label Studio's API answers in JSON)");
    return error;
  }
  append_envelope(body, error.detail);
  if (error.detail.empty()) {
    error.detail.append_truncated("HTTP ");
    (void)error.detail.append_uint(response.status);
    error.detail.append_truncated(response.truncated ? " (a long answer, cut short)"
                                                     : " with no detail from the server");
  }
  return error;
}

const char* refresh_failure_hint(std::string_view detail) {
  if (detail.find("blacklisted") != std::string_view::npos) {
    return "the Personal Access Token was revoked; create a new one in Label Studio (Account & "
           "Settings > Personal Access Token) and update LABEL_STUDIO_API_TOKEN";
  }
  // simplejwt's "Token is invalid or expired" is a signature or format failure (before 5.3 it
  // said so even for a good token signed with another key): invalid, not expired.
  const bool invalid = detail.find("invalid") != std::string_view::npos ||
                       detail.find("Invalid") != std::string_view::npos;
  if (invalid) {
    return "the server does not accept this Personal Access Token: it was created on another "
           "server, copied incompletely, or the server's secret key changed; create a new one on "
           "this server and update LABEL_STUDIO_API_TOKEN";
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
  return "create a new Personal Access Token in Label Studio and update LABEL_STUDIO_API_TOKEN";
}

}  // namespace lsedge::labelstudio
