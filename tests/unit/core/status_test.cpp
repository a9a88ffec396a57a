#include "firmware/core/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace lsedge {
namespace {

TEST(Status, EveryValueHasADistinctName) {
  std::set<std::string> names;
  for (unsigned i = 0; i < static_cast<unsigned>(Status::kCount_); ++i) {
    const auto s = static_cast<Status>(i);
    EXPECT_TRUE(names.insert(status_name(s)).second) << status_name(s);
  }
}

TEST(Status, OutOfRangeValuesDoNotReadPastTheTable) {
  EXPECT_STREQ(status_name(static_cast<Status>(250)), "invalid_argument");
}

}  // namespace
}  // namespace lsedge
