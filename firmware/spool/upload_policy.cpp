#include "firmware/spool/upload_policy.h"

#include "firmware/core/backoff.h"

namespace lsedge::spool {
namespace {

bool is_outage_status(uint16_t http) {
  return http == 502 || http == 503 || http == 504;
}

UploadAction client_error_action(uint16_t http, const UploadAnswer& answer) {
  switch (http) {
    case 400:
      return answer.item_list && answer.tasks > 1 ? UploadAction::SplitItems : UploadAction::Reject;
    case 413:
      return answer.tasks > 1 ? UploadAction::Split : UploadAction::Reject;
    case 408:  // the server gave up waiting for the body: it did not act
    case 429:
      return UploadAction::Retry;
    case 401:
    case 403:
    case 404:
      return UploadAction::Stop;
    default:
      return UploadAction::Reject;
  }
}

UploadAction answered_action(uint16_t http, const UploadAnswer& answer) {
  if (http >= 200 && http < 300) {
    return UploadAction::Confirm;
  }
  if (http >= 400 && http < 500) {
    return client_error_action(http, answer);
  }
  if (http >= 500 && http < 600) {
    return answer.json && !is_outage_status(http) ? UploadAction::Probe : UploadAction::Retry;
  }
  return UploadAction::Stop;
}

}  // namespace

UploadAction upload_action(const Error& error, const UploadAnswer& answer) {
  if (error.http_status != 0) {
    return answered_action(error.http_status, answer);
  }
  if (status_class(error.status) == StatusClass::Network || is_transient(error.status) ||
      error.status == Status::HttpMalformedResponse ||
      error.status == Status::HttpHeadersTooLarge || error.status == Status::HttpBodyTooLarge) {
    return UploadAction::Retry;
  }
  return UploadAction::Stop;
}

UploadAction upload_action(const Error& error) {
  const UploadAction action = upload_action(error, UploadAnswer());
  return action == UploadAction::Probe ? UploadAction::Retry : action;
}

UploadAction poison_action(bool server_answered, uint32_t& streak, uint32_t poison_after) {
  if (!server_answered) {
    streak = 0;
    return UploadAction::Retry;
  }
  if (streak < UINT32_MAX) {
    ++streak;
  }
  return streak >= poison_after ? UploadAction::Reject : UploadAction::Retry;
}

bool upload_outcome_unknown(const Error& error, bool sent_any) {
  if (error.http_status != 0) {
    return error.http_status >= 500;
  }
  return sent_any;
}

}  // namespace lsedge::spool
