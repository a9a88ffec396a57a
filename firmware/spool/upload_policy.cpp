#include "firmware/spool/upload_policy.h"

#include "firmware/core/backoff.h"

namespace lsedge::spool {

UploadAction upload_action(const Error& error) {
  const uint16_t http = error.http_status;
  if (http >= 200 && http < 300) {
    return UploadAction::Confirm;
  }
  if (status_class(error.status) == StatusClass::Network || is_transient(error.status) ||
      error.status == Status::HttpMalformedResponse ||
      error.status == Status::HttpHeadersTooLarge || error.status == Status::HttpBodyTooLarge) {
    return UploadAction::Retry;
  }
  if (http >= 400 && http < 500 && http != 401 && http != 403 && http != 404 && http != 429) {
    return UploadAction::Reject;
  }
  return UploadAction::Stop;
}

bool upload_outcome_unknown(const Error& error, bool sent_any) {
  if (error.http_status != 0) {
    return error.http_status >= 500;
  }
  return sent_any;
}

}  // namespace lsedge::spool
