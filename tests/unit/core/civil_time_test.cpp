// civil_from_unix_seconds against glibc's gmtime_r (which the firmware build replaces), across
// leap years, centuries, negative times and the 2038 and 2106 boundaries.
#include "firmware/core/civil_time.h"

#include <gtest/gtest.h>

#include <ctime>
#include <vector>

namespace lsedge {
namespace {

void expect_like_gmtime(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  if (static_cast<int64_t>(t) != seconds) {
    return;  // outside a 32-bit time_t: nothing to compare with
  }
  tm expected{};
  ASSERT_NE(gmtime_r(&t, &expected), nullptr) << seconds;
  const CivilTime got = civil_from_unix_seconds(seconds);
  EXPECT_EQ(got.year, expected.tm_year + 1900) << seconds;
  EXPECT_EQ(got.month, expected.tm_mon + 1) << seconds;
  EXPECT_EQ(got.day, expected.tm_mday) << seconds;
  EXPECT_EQ(got.hour, expected.tm_hour) << seconds;
  EXPECT_EQ(got.minute, expected.tm_min) << seconds;
  EXPECT_EQ(got.second, expected.tm_sec) << seconds;
  EXPECT_EQ(got.weekday, expected.tm_wday) << seconds;
  EXPECT_EQ(got.yearday, expected.tm_yday) << seconds;
}

TEST(CivilTime, MatchesGmtimeOverFourHundredYearsOfDays) {
  // Every 7th day (plus an odd second offset) from 1800 to 2200, both sides of the epoch.
  for (int64_t s = -5364662400; s < 7258118400; s += 7 * 86400 + 3601) {
    expect_like_gmtime(s);
  }
}

TEST(CivilTime, Boundaries) {
  for (int64_t s : std::vector<int64_t>{0, -1, 86399, 86400, 951782400 /* 2000-02-29 */, 2147483647,
                                        2147483648 /* after 2038-01-19 */,
                                        4102444800 /* 2100-01-01 */, 4107542400 /* 2100-03-01 */,
                                        4294967296 /* 2106 */, 253402300799 /* 9999-12-31 */}) {
    expect_like_gmtime(s);
  }
  const CivilTime y2100 = civil_from_unix_seconds(4102444800);
  EXPECT_EQ(y2100.year, 2100);
  EXPECT_EQ(y2100.month, 1);
  EXPECT_EQ(y2100.day, 1);
  static_assert(civil_from_unix_seconds(0).year == 1970, "usable at compile time");
}

}  // namespace
}  // namespace lsedge
