#include "firmware/app/status_text.h"

#include <gtest/gtest.h>

#include <string>

namespace lsedge::app {
namespace {

TEST(StatusText, EveryValueHasAMessage) {
  for (unsigned i = 0; i < static_cast<unsigned>(Status::kCount_); ++i) {
    const auto s = static_cast<Status>(i);
    EXPECT_GT(std::string(status_message(s)).size(), 5u) << status_name(s);
  }
}

TEST(StatusText, ExitCodesFollowTheCliContract) {
  EXPECT_EQ(exit_code_for(Status::Ok), 0);
  EXPECT_EQ(exit_code_for(Status::UsageError), 2);
  EXPECT_EQ(exit_code_for(Status::ConfigMissing), 2);
  EXPECT_EQ(exit_code_for(Status::ConfigInvalid), 2);
  EXPECT_EQ(exit_code_for(Status::InsecureHttpRefused), 2);
  EXPECT_EQ(exit_code_for(Status::AuthenticationFailed), 3);
  EXPECT_EQ(exit_code_for(Status::RefreshRejected), 3);
  EXPECT_EQ(exit_code_for(Status::AccessTokenGiven), 3);
  EXPECT_EQ(exit_code_for(Status::MalformedToken), 3);
  EXPECT_EQ(exit_code_for(Status::ConnectionRefused), 4);
  EXPECT_EQ(exit_code_for(Status::TlsUnknownCa), 4);
  EXPECT_EQ(exit_code_for(Status::Timeout), 4);
  EXPECT_EQ(exit_code_for(Status::ServerError), 5);
  EXPECT_EQ(exit_code_for(Status::ValidationFailed), 5);
}

// Moved from auth's credential test with the messages: a refused access token says what to paste.
TEST(StatusText, AnAccessTokenIsRefusedWithAHintToPasteThePat) {
  EXPECT_NE(std::string(status_message(Status::AccessTokenGiven)).find("Personal Access Token"),
            std::string::npos);
}

TEST(StatusText, OutOfRangeValuesDoNotReadPastTheTable) {
  EXPECT_EQ(std::string(status_message(static_cast<Status>(250))),
            status_message(Status::InvalidArgument));
  EXPECT_EQ(exit_code_for(static_cast<Status>(250)), 5);
}

}  // namespace
}  // namespace lsedge::app
