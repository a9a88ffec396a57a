// The uploader's decision table: which failures are retried, rejected or stop the daemon, and
// when a resend may duplicate tasks.
#include "firmware/spool/upload_policy.h"

#include <gtest/gtest.h>

namespace lsedge::spool {
namespace {

Error http_error(Status status, uint16_t http) {
  Error error(status);
  error.http_status = http;
  return error;
}

TEST(UploadPolicy, TransientFailuresAreRetried) {
  for (Status s :
       {Status::Timeout, Status::PeerClosed, Status::ConnectionReset, Status::ConnectionRefused,
        Status::DnsFailure, Status::NetworkError, Status::TlsHandshakeFailed, Status::TlsUnknownCa,
        Status::TlsCertificateExpired, Status::TlsNameMismatch, Status::TlsPinMismatch,
        Status::HttpTruncatedResponse, Status::HttpMalformedResponse, Status::HttpHeadersTooLarge,
        Status::HttpBodyTooLarge}) {
    EXPECT_EQ(upload_action(Error(s)), UploadAction::Retry) << status_name(s);
  }
  EXPECT_EQ(upload_action(http_error(Status::ServerError, 500)), UploadAction::Retry);
  EXPECT_EQ(upload_action(http_error(Status::ServerError, 503)), UploadAction::Retry);
  EXPECT_EQ(upload_action(http_error(Status::RateLimited, 429)), UploadAction::Retry);
}

TEST(UploadPolicy, RefusedContentIsRejected) {
  EXPECT_EQ(upload_action(http_error(Status::ValidationFailed, 400)), UploadAction::Reject);
  EXPECT_EQ(upload_action(http_error(Status::ValidationFailed, 413)), UploadAction::Reject);
  EXPECT_EQ(upload_action(http_error(Status::ValidationFailed, 422)), UploadAction::Reject);
  EXPECT_EQ(upload_action(http_error(Status::UnexpectedHttpStatus, 415)), UploadAction::Reject);
}

TEST(UploadPolicy, TokenProjectAndLocalProblemsStopWithTheQueueIntact) {
  EXPECT_EQ(upload_action(http_error(Status::AuthenticationFailed, 401)), UploadAction::Stop);
  EXPECT_EQ(upload_action(http_error(Status::RefreshRejected, 401)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::RefreshRejected)), UploadAction::Stop);
  EXPECT_EQ(upload_action(http_error(Status::PermissionDenied, 403)), UploadAction::Stop);
  EXPECT_EQ(upload_action(http_error(Status::NotFound, 404)), UploadAction::Stop);
  EXPECT_EQ(upload_action(http_error(Status::UnexpectedHttpStatus, 302)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::FileError)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::InvalidArgument)), UploadAction::Stop);
}

TEST(UploadPolicy, A2xxWithAnUnreadableBodyIsConfirmed) {
  EXPECT_EQ(upload_action(http_error(Status::JsonInvalid, 201)), UploadAction::Confirm);
  EXPECT_EQ(upload_action(http_error(Status::JsonMissingField, 200)), UploadAction::Confirm);
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
  EXPECT_FALSE(upload_outcome_unknown(http_error(Status::AuthenticationFailed, 401), true));
}

}  // namespace
}  // namespace lsedge::spool
