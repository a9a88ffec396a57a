// The uploader's decision table: which failures are retried, probed, split, rejected or stop
// the daemon, when a poison entry is given up, and when a resend may duplicate tasks.
#include "firmware/spool/upload_policy.h"

#include <gtest/gtest.h>

namespace lsedge::spool {
namespace {

Error http_error(Status status, int http) {
  Error error(status);
  error.http_status = static_cast<uint16_t>(http);
  return error;
}

UploadAnswer answer(uint64_t tasks, bool json, bool item_list = false) {
  UploadAnswer a;
  a.tasks = tasks;
  a.json = json;
  a.item_list = item_list;
  return a;
}

TEST(UploadPolicy, TransientFailuresAreRetried) {
  for (Status s :
       {Status::Timeout, Status::PeerClosed, Status::ConnectionReset, Status::ConnectionRefused,
        Status::DnsFailure, Status::NetworkError, Status::TlsHandshakeFailed, Status::TlsUnknownCa,
        Status::TlsCertificateExpired, Status::TlsNameMismatch, Status::TlsPinMismatch,
        Status::HttpTruncatedResponse, Status::HttpMalformedResponse, Status::HttpHeadersTooLarge,
        Status::HttpBodyTooLarge}) {
    EXPECT_EQ(upload_action(Error(s)), UploadAction::Retry) << status_name(s);
    EXPECT_EQ(upload_action(Error(s), answer(10, true)), UploadAction::Retry) << status_name(s);
  }
  EXPECT_EQ(upload_action(http_error(Status::RateLimited, 429)), UploadAction::Retry);
  EXPECT_EQ(upload_action(http_error(Status::RateLimited, 429), answer(5, true)),
            UploadAction::Retry);
  EXPECT_EQ(upload_action(http_error(Status::UnexpectedHttpStatus, 408), answer(5, false)),
            UploadAction::Retry);
}

TEST(UploadPolicy, OutagesAreRetriedWithoutAProbe) {
  // A proxy's 502/503/504 (nginx's HTML page, or JSON from a gateway) and any 5xx that is not
  // Label Studio's JSON envelope: the server as a whole is failing, everything waits.
  for (const int http : {500, 501, 502, 503, 504, 507, 599}) {
    EXPECT_EQ(upload_action(http_error(Status::ServerError, http), answer(10, false)),
              UploadAction::Retry)
        << http;
    EXPECT_EQ(upload_action(http_error(Status::ServerError, http)), UploadAction::Retry) << http;
  }
  for (const int http : {502, 503, 504}) {
    EXPECT_EQ(upload_action(http_error(Status::ServerError, http), answer(10, true)),
              UploadAction::Retry)
        << http;
  }
}

TEST(UploadPolicy, LabelStudioJson5xxIsProbed) {
  for (const int http : {500, 501, 505, 599}) {
    EXPECT_EQ(upload_action(http_error(Status::ServerError, http), answer(10, true)),
              UploadAction::Probe)
        << http;
    EXPECT_EQ(upload_action(http_error(Status::ServerError, http), answer(1, true)),
              UploadAction::Probe)
        << http;
  }
  // A truncated answer keeps its status: a JSON 500 with a huge traceback is still probed.
  Error cut = http_error(Status::HttpBodyTooLarge, 500);
  EXPECT_EQ(upload_action(cut, answer(3, true)), UploadAction::Probe);
  // Outside the import (project check, status polls) there is no probe: retried.
  EXPECT_EQ(upload_action(http_error(Status::ServerError, 500)), UploadAction::Retry);
}

TEST(UploadPolicy, PoisonNeedsAStreakWhileTheServerAnswersOthers) {
  uint32_t streak = 0;
  for (uint32_t i = 1; i < kDefaultPoisonAfter; ++i) {
    EXPECT_EQ(poison_action(true, streak, kDefaultPoisonAfter), UploadAction::Retry) << i;
    EXPECT_EQ(streak, i);
  }
  EXPECT_EQ(poison_action(true, streak, kDefaultPoisonAfter), UploadAction::Reject);
  EXPECT_EQ(streak, kDefaultPoisonAfter);

  // An unanswered probe (the server fails everything) restarts the count: nothing is rejected.
  streak = kDefaultPoisonAfter - 1;
  EXPECT_EQ(poison_action(false, streak, kDefaultPoisonAfter), UploadAction::Retry);
  EXPECT_EQ(streak, 0u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(poison_action(false, streak, kDefaultPoisonAfter), UploadAction::Retry);
  }
  EXPECT_EQ(streak, 0u);

  // --poison-after 1: the first answered probe rejects.
  streak = 0;
  EXPECT_EQ(poison_action(true, streak, 1), UploadAction::Reject);
  // The count saturates instead of wrapping to 0.
  streak = UINT32_MAX;
  EXPECT_EQ(poison_action(true, streak, UINT32_MAX), UploadAction::Reject);
  EXPECT_EQ(streak, UINT32_MAX);
}

TEST(UploadPolicy, Refused400SplitsByItemsOnlyWithAListAndSeveralTasks) {
  const Error refused = http_error(Status::ValidationFailed, 400);
  EXPECT_EQ(upload_action(refused, answer(10, true, true)), UploadAction::SplitItems);
  EXPECT_EQ(upload_action(refused, answer(2, true, true)), UploadAction::SplitItems);
  // One task: its own verdict is the entry's.
  EXPECT_EQ(upload_action(refused, answer(1, true, true)), UploadAction::Reject);
  // A refusal of the whole request ("No tasks added", a non-list payload).
  EXPECT_EQ(upload_action(refused, answer(10, true, false)), UploadAction::Reject);
  EXPECT_EQ(upload_action(refused), UploadAction::Reject);
  // A 400 too large for the buffer keeps its status: never "retry, possible duplicate".
  const Error cut = http_error(Status::HttpBodyTooLarge, 400);
  EXPECT_EQ(upload_action(cut, answer(10, true, true)), UploadAction::SplitItems);
  EXPECT_EQ(upload_action(cut, answer(10, true, false)), UploadAction::Reject);
  EXPECT_FALSE(upload_outcome_unknown(cut, true));
}

TEST(UploadPolicy, ProxyBodyLimitSplitsAndRejectsOnlyASingleTask) {
  const Error too_large = http_error(Status::ValidationFailed, 413);
  EXPECT_EQ(upload_action(too_large, answer(2, false)), UploadAction::Split);
  EXPECT_EQ(upload_action(too_large, answer(500, false)), UploadAction::Split);
  EXPECT_EQ(upload_action(too_large, answer(500, true)), UploadAction::Split);
  EXPECT_EQ(upload_action(too_large, answer(1, false)), UploadAction::Reject);
  EXPECT_EQ(upload_action(too_large), UploadAction::Reject);
  EXPECT_EQ(upload_action(http_error(Status::HttpBodyTooLarge, 413), answer(4, false)),
            UploadAction::Split);
}

TEST(UploadPolicy, OtherRefusedContentIsRejected) {
  for (const int http : {409, 410, 415, 422, 451, 499}) {
    EXPECT_EQ(upload_action(http_error(Status::ValidationFailed, http), answer(10, true)),
              UploadAction::Reject)
        << http;
    EXPECT_EQ(upload_action(http_error(Status::UnexpectedHttpStatus, http)), UploadAction::Reject)
        << http;
  }
}

TEST(UploadPolicy, TokenProjectAndLocalProblemsStopWithTheQueueIntact) {
  for (const UploadAnswer& a : {answer(1, false), answer(10, true, true)}) {
    EXPECT_EQ(upload_action(http_error(Status::AuthenticationFailed, 401), a), UploadAction::Stop);
    EXPECT_EQ(upload_action(http_error(Status::RefreshRejected, 401), a), UploadAction::Stop);
    EXPECT_EQ(upload_action(http_error(Status::PermissionDenied, 403), a), UploadAction::Stop);
    EXPECT_EQ(upload_action(http_error(Status::NotFound, 404), a), UploadAction::Stop);
    EXPECT_EQ(upload_action(http_error(Status::UnexpectedHttpStatus, 302), a), UploadAction::Stop);
    EXPECT_EQ(upload_action(http_error(Status::UnexpectedHttpStatus, 101), a), UploadAction::Stop);
  }
  EXPECT_EQ(upload_action(Error(Status::RefreshRejected)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::FileError)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::NoSpace)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::InvalidArgument)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::InvalidArgument), answer(3, true)), UploadAction::Stop);
}

TEST(UploadPolicy, A2xxWithAnUnreadableBodyIsConfirmed) {
  EXPECT_EQ(upload_action(http_error(Status::JsonInvalid, 201)), UploadAction::Confirm);
  EXPECT_EQ(upload_action(http_error(Status::JsonMissingField, 200)), UploadAction::Confirm);
  EXPECT_EQ(upload_action(http_error(Status::JsonInvalid, 201), answer(7, true)),
            UploadAction::Confirm);
}

TEST(UploadPolicy, OutcomeIsUnknownOnlyWhenTheServerMayHaveActed) {
  EXPECT_FALSE(upload_outcome_unknown(Error(Status::ConnectionRefused), false));
  EXPECT_FALSE(upload_outcome_unknown(Error(Status::Timeout), false));
  EXPECT_TRUE(upload_outcome_unknown(Error(Status::Timeout), true));
  EXPECT_TRUE(upload_outcome_unknown(Error(Status::PeerClosed), true));
  EXPECT_TRUE(upload_outcome_unknown(Error(Status::HttpTruncatedResponse), true));
  EXPECT_TRUE(upload_outcome_unknown(http_error(Status::ServerError, 500), true));
  EXPECT_TRUE(upload_outcome_unknown(http_error(Status::ServerError, 504), true));
  EXPECT_FALSE(upload_outcome_unknown(http_error(Status::RateLimited, 429), true));
  EXPECT_FALSE(upload_outcome_unknown(http_error(Status::ValidationFailed, 400), true));
  EXPECT_FALSE(upload_outcome_unknown(http_error(Status::ValidationFailed, 413), true));
  EXPECT_FALSE(upload_outcome_unknown(http_error(Status::UnexpectedHttpStatus, 408), true));
  EXPECT_FALSE(upload_outcome_unknown(http_error(Status::AuthenticationFailed, 401), true));
}

}  // namespace
}  // namespace lsedge::spool
