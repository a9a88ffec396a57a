#include "firmware/http/llhttp_errors.h"

#include <llhttp.h>

namespace lsedge::http {

Error llhttp_error(int32_t llhttp_errno, const char* reason) {
  const auto code = static_cast<llhttp_errno_t>(llhttp_errno);
  Status status = Status::HttpMalformedResponse;
  const char* what = reason;
  switch (code) {
    case HPE_OK:
      return Error(Status::Ok);
    case HPE_INVALID_EOF_STATE:
      status = Status::HttpTruncatedResponse;
      what = "the connection closed in the middle of the response";
      break;
    case HPE_PAUSED_UPGRADE:
    case HPE_PAUSED_H2_UPGRADE:
      what = "the server switched protocols, which lsedge never asks for";
      break;
    case HPE_CLOSED_CONNECTION:
      what = "data after a response that closed the connection";
      break;
    default:
      break;
  }
  // llhttp's reasons are fixed strings about the framing; they never quote response bytes.
  Error error(status, "llhttp ");
  error.detail.append_truncated(llhttp_errno_name(code));
  if (what != nullptr && what[0] != '\0') {
    error.detail.append_truncated(": ");
    error.detail.append_truncated(what);
  }
  return error.with_code(llhttp_errno);
}

}  // namespace lsedge::http
