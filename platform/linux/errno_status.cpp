#include "platform/linux/errno_status.h"

#include <netdb.h>

#include <cerrno>

namespace lsedge::platform {

namespace {

Status file_status(int err, ErrnoContext context) {
  switch (err) {
    case ENOENT:
      return Status::FileNotFound;
    case EEXIST:
      return context == ErrnoContext::FileReplace ? Status::DirectoryNotEmpty : Status::FileExists;
    case ENOTEMPTY:
      return Status::DirectoryNotEmpty;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return Status::NoSpace;
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::FileAccessDenied;
    case EISDIR:
      return Status::NotARegularFile;
    case ENOTDIR:
      return Status::NotADirectory;
    default:
      return Status::FileError;
  }
}

Status socket_status(int err) {
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

}  // namespace

Status status_from_errno(int err, ErrnoContext context) {
  switch (context) {
    case ErrnoContext::File:
    case ErrnoContext::FileReplace:
      return file_status(err, context);
    case ErrnoContext::Entropy:
      return Status::EntropyFailure;
    case ErrnoContext::Socket:
      break;
  }
  return socket_status(err);
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
