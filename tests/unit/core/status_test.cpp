#include "firmware/core/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lsedge {
namespace {

TEST(Status, EveryValueHasADistinctNameAndAMessage) {
  std::set<std::string> names;
  for (unsigned i = 0; i < static_cast<unsigned>(Status::kCount_); ++i) {
    const auto s = static_cast<Status>(i);
    EXPECT_TRUE(names.insert(status_name(s)).second) << status_name(s);
    EXPECT_GT(std::string(status_message(s)).size(), 5u) << status_name(s);
  }
}

TEST(Status, ExitCodesFollowTheCliContract) {
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

TEST(Status, OutOfRangeValuesDoNotReadPastTheTable) {
  EXPECT_STREQ(status_name(static_cast<Status>(250)), "invalid_argument");
}

}  // namespace
}  // namespace lsedge
