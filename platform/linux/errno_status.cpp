#include "platform/linux/errno_status.h"

#include <netdb.h>

#include <cerrno>

namespace lsedge::platform {

Status status_from_errno(int err, ErrnoContext context) {
  switch (context) {
    case ErrnoContext::File:
      return Status::FileError;
    case ErrnoContext::Entropy:
      return Status::EntropyFailure;
    case ErrnoContext::Socket:
      break;
  }
  switch (err) {
    case ECONNREFUSED:
      return Status::ConnectionRefused;
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED:
      return Status::ConnectionReset;
    case ETIMEDOUT:
      return Status::Timeout;
    default:
      return Status::NetworkError;
  }
}

Error errno_error(int err, ErrnoContext context, std::string_view what) {
  Error error(status_from_errno(err, context), what);
  error.with_code(static_cast<int32_t>(err));
  return error;
}

Error resolver_error(int gai_code, int saved_errno, std::string_view host) {
  if (gai_code == EAI_SYSTEM) {
    return errno_error(saved_errno, ErrnoContext::Socket, host);
  }
  Error error(Status::DnsFailure, host);
  error.with_code(static_cast<int32_t>(gai_code));
  return error;
}

}  // namespace lsedge::platform
