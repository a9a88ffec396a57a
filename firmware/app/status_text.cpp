#include "firmware/app/status_text.h"

#include "firmware/core/packed_strings.h"

namespace lsedge::app {
namespace {

struct StatusText {
  Status status;
  const char* message;
};

// One row per Status, in enum order (checked below): what happened and what to do about it here,
// naming this program's settings and commands. Read at compile time only (kPacked is kept).
constexpr StatusText kMessages[] = {
    {Status::Ok, "success"},
    {Status::InvalidArgument,
     "a function was called with an invalid argument; this is a bug in the calling code"},
    {Status::BufferTooSmall,
     "a fixed-size buffer is too small for this data; raise the size in boards/<board>/board.h"},
    {Status::UsageError, "the command line is not valid; run 'lsedge --help' for usage"},
    {Status::ConfigMissing,
     "a required setting is missing; set it in the environment or the .env file"},
    {Status::ConfigInvalid,
     "a setting has an invalid value; correct it in the environment or the .env file"},
    {Status::EmptyInput, "the input is empty; give a non-empty value"},
    {Status::InvalidUtf8, "the text is not valid UTF-8; re-encode it as UTF-8"},
    {Status::MalformedToken,
     "the API token is malformed; copy the whole Personal Access Token or legacy token again "
     "from Label Studio (Account & Settings)"},
    {Status::AccessTokenGiven,
     "the configured token is a short-lived access token; paste the Personal Access Token "
     "(Account & Settings > Personal Access Token) instead"},
    {Status::InsecureHttpRefused,
     "plain http:// is refused for a non-loopback host; use https:// or allow insecure HTTP "
     "explicitly"},
    {Status::NoApiAtUrl,
     "no Label Studio API at this URL: check the sub-path in LABEL_STUDIO_URL (e.g. "
     "https://host/ls when Label Studio is served under /ls) and that the server is Label "
     "Studio 1.17 or newer (Personal Access Tokens)"},
    {Status::HttpToHttpsPort,
     "plain HTTP was sent to a port that expects HTTPS; use https:// in LABEL_STUDIO_URL"},
    {Status::Redirected,
     "the server redirects this URL elsewhere; set LABEL_STUDIO_URL to the address it names"},
    {Status::TaskFileInvalid,
     "the local task file is not a valid task list (see the byte offset and line); correct the "
     "file"},
    {Status::UnsafeSettingsFile,
     "the settings file could be changed by another user (writable by group or others, or owned "
     "by another user than you or root); run 'chmod go-w' and 'chown' on it, as for ssh keys"},
    {Status::NotASpool,
     "the directory is not an lsedge spool (it is not empty and has no spool marker, or its "
     "format is newer than this lsedge); give a new or empty directory, or the spool's own"},
    {Status::SpoolNotFound,
     "the spool directory does not exist; 'run' never creates one: check --spool, or create "
     "the spool with 'lsedge spool add'"},
    {Status::SpoolBusy,
     "another 'lsedge run' is already draining this spool (one consumer per spool); stop it "
     "first, or give another --spool"},
    {Status::SpoolFull,
     "the spool is at its size cap, so nothing was queued (nothing queued is dropped either); "
     "let 'lsedge run' upload, or raise the cap with 'lsedge spool limit'"},
    {Status::FileError,
     "a local file could not be read or written; check the path and its permissions"},
    {Status::FileNotFound, "a local file or directory does not exist; check the path"},
    {Status::FileExists,
     "a local file or directory already exists where a new one was to be made; check the path"},
    {Status::DirectoryNotEmpty, "a local directory is not empty; check the path"},
    {Status::NoSpace, "the local disk is full (bytes or inodes); free space on the device"},
    {Status::NotARegularFile,
     "the path is a directory, device or FIFO, not a regular file; give the path of a file"},
    {Status::NotADirectory, "the path is not a directory; give the path of a directory"},
    {Status::FileAccessDenied,
     "permission to the local file or directory is denied (or it is on a read-only mount); check "
     "its owner and mode"},
    {Status::EntropyFailure,
     "the system random number source failed; check the kernel's entropy source"},
    {Status::Timeout,
     "the operation timed out; check the network and that the server is reachable"},
    {Status::PeerClosed,
     "the server closed the connection; retry, and check the server or proxy logs"},
    {Status::ConnectionReset,
     "the connection was reset by the peer; retry, and check firewalls and proxies on the path"},
    {Status::ConnectionRefused,
     "the server refused the connection; check the URL's host and port and that the server runs"},
    {Status::DnsFailure,
     "the host name could not be resolved; check the URL and the gateway's DNS settings"},
    {Status::NetworkError, "a network error occurred; check the gateway's network connection"},
    {Status::TlsHandshakeFailed,
     "the TLS handshake failed; check that the URL points at an HTTPS server"},
    {Status::TlsUnknownCa,
     "the server certificate is not signed by a trusted CA; set LABEL_STUDIO_CA_FILE to the CA "
     "that signed it"},
    {Status::TlsCertificateExpired,
     "the server certificate has expired or is not yet valid; renew it, and check the gateway's "
     "clock"},
    {Status::TlsNameMismatch,
     "the server certificate is for another host name; check the URL's host"},
    {Status::TlsPinMismatch,
     "the server's public key does not match LABEL_STUDIO_PIN_SHA256; check the pin"},
    {Status::HttpMalformedResponse,
     "the server's HTTP response is malformed; check for a proxy between the gateway and the "
     "server"},
    {Status::HttpHeadersTooLarge,
     "the response headers exceed this board's header buffer; raise it in "
     "boards/<board>/board.h"},
    {Status::HttpBodyTooLarge,
     "the response body exceeds this board's body buffer; raise it in boards/<board>/board.h"},
    {Status::HttpTruncatedResponse,
     "the connection closed before the whole response arrived; retry"},
    {Status::AuthenticationFailed,
     "the server rejected the credentials; check LABEL_STUDIO_API_TOKEN"},
    {Status::RefreshRejected,
     "the server rejected the Personal Access Token; create a new one in Label Studio "
     "(Account & Settings > Personal Access Token)"},
    {Status::PermissionDenied,
     "the server denied permission for this request; check the user's role in the organization"},
    {Status::NotFound, "the server has no such resource; check the id and the URL's path"},
    {Status::ValidationFailed, "the server rejected the request's data; see the server's message"},
    {Status::RateLimited, "the server is rate limiting this client; retry later"},
    {Status::ServerError,
     "the server failed to handle the request; retry later and check the server logs"},
    {Status::UnexpectedHttpStatus,
     "the server answered with an unexpected HTTP status; check the URL"},
    {Status::JsonInvalid,
     "the server's answer is not valid JSON; check that the URL points at Label Studio"},
    {Status::JsonMissingField,
     "the server's answer lacks an expected field; check the Label Studio version"},
    {Status::ServerTokenMalformed,
     "the server issued an access token that is not a readable JWT (the configured token is "
     "fine); check the server's version and any proxy rewriting its answers"},
    {Status::PaginationRunaway,
     "the server's listing does not end (a repeated 'next' link or more pages than allowed); "
     "check the server and any proxy rewriting its links"},
    {Status::Cancelled, "the operation was cancelled"},
};

static_assert(rows_cover_statuses_in_order(kMessages),
              "kMessages: one row per Status, in enum order");

constexpr auto kPacked =
    pack_strings<packed_bytes(kMessages, &StatusText::message)>(kMessages, &StatusText::message);

}  // namespace

const char* status_message(Status status) {
  return kPacked.c_str(status_index(status));
}

std::string_view file_problem(Status status) {
  switch (status) {
    case Status::FileNotFound:
      return "no such file or directory";
    case Status::FileAccessDenied:
      return "permission denied (or a read-only mount)";
    case Status::NotARegularFile:
      return "a directory, device or FIFO, not a regular file";
    case Status::NotADirectory:
      return "not a directory";
    case Status::NoSpace:
      return "no space left on the device";
    case Status::FileError:
      return "a read or write error";
    default:
      return "";
  }
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
    case StatusClass::Full:
      return 6;
  }
  return 5;
}

}  // namespace lsedge::app
