#include "firmware/core/status.h"

namespace lsedge {
namespace {

struct StatusInfo {
  Status status;
  const char* name;
  StatusClass cls;
  const char* message;
};

// One row per Status, in enum order (checked by a static_assert below and a unit test).
constexpr StatusInfo kTable[] = {
    {Status::Ok, "ok", StatusClass::Ok, "success"},
    {Status::InvalidArgument, "invalid_argument", StatusClass::CallerBug,
     "a function was called with an invalid argument; this is a bug in the calling code"},
    {Status::BufferTooSmall, "buffer_too_small", StatusClass::CallerBug,
     "a fixed-size buffer is too small for this data; raise the size in boards/<board>/config.h"},
    {Status::UsageError, "usage_error", StatusClass::Usage,
     "the command line is not valid; run 'lsedge --help' for usage"},
    {Status::ConfigMissing, "config_missing", StatusClass::Usage,
     "a required setting is missing; set it in the environment or the .env file"},
    {Status::ConfigInvalid, "config_invalid", StatusClass::Usage,
     "a setting has an invalid value; correct it in the environment or the .env file"},
    {Status::EmptyInput, "empty_input", StatusClass::Usage,
     "the input is empty; give a non-empty value"},
    {Status::InvalidUtf8, "invalid_utf8", StatusClass::Usage,
     "the text is not valid UTF-8; re-encode it as UTF-8"},
    {Status::MalformedToken, "malformed_token", StatusClass::Auth,
     "the API token is malformed; copy the whole Personal Access Token or legacy token again "
     "from Label Studio (Account & Settings)"},
    {Status::AccessTokenGiven, "access_token_given", StatusClass::Auth,
     "the configured token is a short-lived access token; paste the Personal Access Token "
     "(Account & Settings > Personal Access Token) instead"},
    {Status::InsecureHttpRefused, "insecure_http_refused", StatusClass::Usage,
     "plain http:// is refused for a non-loopback host; use https:// or allow insecure HTTP "
     "explicitly"},
    {Status::FileError, "file_error", StatusClass::Server,
     "a local file could not be read or written; check the path and its permissions"},
    {Status::EntropyFailure, "entropy_failure", StatusClass::Server,
     "the system random number source failed; check the kernel's entropy source"},
    {Status::Timeout, "timeout", StatusClass::Network,
     "the operation timed out; check the network and that the server is reachable"},
    {Status::PeerClosed, "peer_closed", StatusClass::Network,
     "the server closed the connection; retry, and check the server or proxy logs"},
    {Status::ConnectionReset, "connection_reset", StatusClass::Network,
     "the connection was reset by the peer; retry, and check firewalls and proxies on the path"},
    {Status::ConnectionRefused, "connection_refused", StatusClass::Network,
     "the server refused the connection; check the URL's host and port and that the server runs"},
    {Status::DnsFailure, "dns_failure", StatusClass::Network,
     "the host name could not be resolved; check the URL and the gateway's DNS settings"},
    {Status::NetworkError, "network_error", StatusClass::Network,
     "a network error occurred; check the gateway's network connection"},
    {Status::TlsHandshakeFailed, "tls_handshake_failed", StatusClass::Network,
     "the TLS handshake failed; check that the URL points at an HTTPS server"},
    {Status::TlsUnknownCa, "tls_unknown_ca", StatusClass::Network,
     "the server certificate is not signed by a trusted CA; set LABEL_STUDIO_CA_FILE to the CA "
     "that signed it"},
    {Status::TlsCertificateExpired, "tls_certificate_expired", StatusClass::Network,
     "the server certificate has expired or is not yet valid; renew it, and check the gateway's "
     "clock"},
    {Status::TlsNameMismatch, "tls_name_mismatch", StatusClass::Network,
     "the server certificate is for another host name; check the URL's host"},
    {Status::TlsPinMismatch, "tls_pin_mismatch", StatusClass::Network,
     "the server's public key does not match LABEL_STUDIO_PIN_SHA256; check the pin"},
    {Status::HttpMalformedResponse, "http_malformed_response", StatusClass::Network,
     "the server's HTTP response is malformed; check for a proxy between the gateway and the "
     "server"},
    {Status::HttpHeadersTooLarge, "http_headers_too_large", StatusClass::Network,
     "the response headers exceed this board's header buffer; raise it in "
     "boards/<board>/config.h"},
    {Status::HttpBodyTooLarge, "http_body_too_large", StatusClass::Network,
     "the response body exceeds this board's body buffer; raise it in boards/<board>/config.h"},
    {Status::HttpTruncatedResponse, "http_truncated_response", StatusClass::Network,
     "the connection closed before the whole response arrived; retry"},
    {Status::AuthenticationFailed, "authentication_failed", StatusClass::Auth,
     "the server rejected the credentials; check LABEL_STUDIO_API_TOKEN"},
    {Status::RefreshRejected, "refresh_rejected", StatusClass::Auth,
     "the server rejected the Personal Access Token; create a new one in Label Studio "
     "(Account & Settings > Personal Access Token)"},
    {Status::PermissionDenied, "permission_denied", StatusClass::Server,
     "the server denied permission for this request; check the user's role in the organization"},
    {Status::NotFound, "not_found", StatusClass::Server,
     "the server has no such resource; check the id and the URL's path"},
    {Status::ValidationFailed, "validation_failed", StatusClass::Server,
     "the server rejected the request's data; see the server's message"},
    {Status::RateLimited, "rate_limited", StatusClass::Server,
     "the server is rate limiting this client; retry later"},
    {Status::ServerError, "server_error", StatusClass::Server,
     "the server failed to handle the request; retry later and check the server logs"},
    {Status::UnexpectedHttpStatus, "unexpected_http_status", StatusClass::Server,
     "the server answered with an unexpected HTTP status; check the URL"},
    {Status::JsonInvalid, "json_invalid", StatusClass::Server,
     "the server's answer is not valid JSON; check that the URL points at Label Studio"},
    {Status::JsonMissingField, "json_missing_field", StatusClass::Server,
     "the server's answer lacks an expected field; check the Label Studio version"},
    {Status::Cancelled, "cancelled", StatusClass::Server, "the operation was cancelled"},
};

static_assert(sizeof(kTable) / sizeof(kTable[0]) == static_cast<unsigned>(Status::kCount_),
              "every Status needs a row in kTable");

constexpr bool table_in_enum_order() {
  for (unsigned i = 0; i < sizeof(kTable) / sizeof(kTable[0]); ++i) {
    if (static_cast<unsigned>(kTable[i].status) != i) {
      return false;
    }
  }
  return true;
}
static_assert(table_in_enum_order(), "kTable rows must follow the enum order");

const StatusInfo& info(Status status) {
  const auto index = static_cast<unsigned>(status);
  if (index >= static_cast<unsigned>(Status::kCount_)) {
    return kTable[static_cast<unsigned>(Status::InvalidArgument)];
  }
  return kTable[index];
}

}  // namespace

const char* status_message(Status status) {
  return info(status).message;
}
const char* status_name(Status status) {
  return info(status).name;
}
StatusClass status_class(Status status) {
  return info(status).cls;
}

int exit_code_for(Status status) {
  switch (status_class(status)) {
    case StatusClass::Ok:
      return 0;
    case StatusClass::Usage:
      return 2;
    case StatusClass::Auth:
      return 3;
    case StatusClass::Network:
      return 4;
    case StatusClass::CallerBug:
    case StatusClass::Server:
      return 5;
  }
  return 5;
}

}  // namespace lsedge
