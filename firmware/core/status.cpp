#include "firmware/core/status.h"

#include <iterator>

#include "firmware/core/packed_strings.h"

namespace lsedge {
namespace {

struct StatusInfo {
  Status status;
  const char* name;
  StatusClass cls;
};

// One row per Status, in enum order (checked by a static_assert below and a unit test). Read at
// compile time only: what the program keeps is kNames and kClasses.
constexpr StatusInfo kTable[] = {
    {Status::Ok, "ok", StatusClass::Ok},
    {Status::InvalidArgument, "invalid_argument", StatusClass::CallerBug},
    {Status::BufferTooSmall, "buffer_too_small", StatusClass::CallerBug},
    {Status::UsageError, "usage_error", StatusClass::Usage},
    {Status::ConfigMissing, "config_missing", StatusClass::Usage},
    {Status::ConfigInvalid, "config_invalid", StatusClass::Usage},
    {Status::EmptyInput, "empty_input", StatusClass::Usage},
    {Status::InvalidUtf8, "invalid_utf8", StatusClass::Usage},
    {Status::MalformedToken, "malformed_token", StatusClass::Auth},
    {Status::AccessTokenGiven, "access_token_given", StatusClass::Auth},
    {Status::InsecureHttpRefused, "insecure_http_refused", StatusClass::Usage},
    {Status::NoApiAtUrl, "no_api_at_url", StatusClass::Usage},
    {Status::HttpToHttpsPort, "http_to_https_port", StatusClass::Usage},
    {Status::Redirected, "redirected", StatusClass::Usage},
    {Status::TaskFileInvalid, "task_file_invalid", StatusClass::Usage},
    {Status::UnsafeSettingsFile, "unsafe_settings_file", StatusClass::Usage},
    {Status::NotASpool, "not_a_spool", StatusClass::Usage},
    {Status::SpoolNotFound, "spool_not_found", StatusClass::Usage},
    {Status::SpoolBusy, "spool_busy", StatusClass::Usage},
    {Status::SpoolFull, "spool_full", StatusClass::Full},
    {Status::FileError, "file_error", StatusClass::Server},
    {Status::FileNotFound, "file_not_found", StatusClass::Server},
    {Status::FileExists, "file_exists", StatusClass::Server},
    {Status::DirectoryNotEmpty, "directory_not_empty", StatusClass::Server},
    {Status::NoSpace, "no_space", StatusClass::Server},
    {Status::NotARegularFile, "not_a_regular_file", StatusClass::Usage},
    {Status::NotADirectory, "not_a_directory", StatusClass::Usage},
    {Status::FileAccessDenied, "file_access_denied", StatusClass::Usage},
    {Status::EntropyFailure, "entropy_failure", StatusClass::Server},
    {Status::Timeout, "timeout", StatusClass::Network},
    {Status::PeerClosed, "peer_closed", StatusClass::Network},
    {Status::ConnectionReset, "connection_reset", StatusClass::Network},
    {Status::ConnectionRefused, "connection_refused", StatusClass::Network},
    {Status::DnsFailure, "dns_failure", StatusClass::Network},
    {Status::NetworkError, "network_error", StatusClass::Network},
    {Status::TlsHandshakeFailed, "tls_handshake_failed", StatusClass::Network},
    {Status::TlsUnknownCa, "tls_unknown_ca", StatusClass::Network},
    {Status::TlsCertificateExpired, "tls_certificate_expired", StatusClass::Network},
    {Status::TlsNameMismatch, "tls_name_mismatch", StatusClass::Network},
    {Status::TlsPinMismatch, "tls_pin_mismatch", StatusClass::Network},
    {Status::HttpMalformedResponse, "http_malformed_response", StatusClass::Network},
    {Status::HttpHeadersTooLarge, "http_headers_too_large", StatusClass::Network},
    {Status::HttpBodyTooLarge, "http_body_too_large", StatusClass::Network},
    {Status::HttpTruncatedResponse, "http_truncated_response", StatusClass::Network},
    {Status::AuthenticationFailed, "authentication_failed", StatusClass::Auth},
    {Status::RefreshRejected, "refresh_rejected", StatusClass::Auth},
    {Status::PermissionDenied, "permission_denied", StatusClass::Auth},
    {Status::NotFound, "not_found", StatusClass::Server},
    {Status::ValidationFailed, "validation_failed", StatusClass::Server},
    {Status::RateLimited, "rate_limited", StatusClass::Server},
    {Status::ServerError, "server_error", StatusClass::Server},
    {Status::UnexpectedHttpStatus, "unexpected_http_status", StatusClass::Server},
    {Status::JsonInvalid, "json_invalid", StatusClass::Server},
    {Status::JsonMissingField, "json_missing_field", StatusClass::Server},
    {Status::ServerTokenMalformed, "server_token_malformed", StatusClass::Server},
    {Status::PaginationRunaway, "pagination_runaway", StatusClass::Server},
    {Status::Cancelled, "cancelled", StatusClass::Server},
};

static_assert(rows_cover_statuses_in_order(kTable), "kTable: one row per Status, in enum order");

constexpr auto kNames =
    pack_strings<packed_bytes(kTable, &StatusInfo::name)>(kTable, &StatusInfo::name);

struct Classes {
  StatusClass of[std::size(kTable)] = {};
  constexpr Classes() {
    for (size_t i = 0; i < std::size(kTable); ++i) {
      of[i] = kTable[i].cls;
    }
  }
};
constexpr Classes kClasses;

}  // namespace

const char* status_name(Status status) {
  return kNames.c_str(status_index(status));
}
StatusClass status_class(Status status) {
  return kClasses.of[status_index(status)];
}

}  // namespace lsedge
