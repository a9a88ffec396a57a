// parse_http_date (RFC 9110 5.6.7) and unix_seconds_from_civil: valid dates against timegm,
// leap years, far future, the obsolete forms, hostile and garbage headers.
#include "firmware/core/http_date.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace lsedge {
namespace {

// The IMF-fixdate of `seconds`, written by strftime (glibc) as a server would.
std::string imf_fixdate(int64_t seconds) {
  const time_t t = static_cast<time_t>(seconds);
  tm fields{};
  gmtime_r(&t, &fields);
  char text[64];
  const size_t n = strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &fields);
  return std::string(text, n);
}

TEST(UnixSecondsFromCivil, InvertsCivilFromUnixSecondsEverywhere) {
  for (int64_t s = -(int64_t{1} << 40); s < (int64_t{1} << 40); s += 86400 * 37 + 3599) {
    const CivilTime c = civil_from_unix_seconds(s);
    EXPECT_EQ(unix_seconds_from_civil(c.year, c.month, c.day, c.hour, c.minute, c.second), s) << s;
  }
  EXPECT_EQ(unix_seconds_from_civil(1970, 1, 1, 0, 0, 0), 0);
  EXPECT_EQ(unix_seconds_from_civil(2000, 2, 29, 12, 0, 0), 951825600);
  static_assert(unix_seconds_from_civil(1994, 11, 6, 8, 49, 37) == 784111777);
}

TEST(DaysInMonth, LeapYearsFollowTheGregorianRules) {
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(2023, 2), 28);
  EXPECT_EQ(days_in_month(1900, 2), 28);  // a century
  EXPECT_EQ(days_in_month(2000, 2), 29);  // every 400 years
  EXPECT_EQ(days_in_month(2100, 2), 28);
  EXPECT_EQ(days_in_month(2024, 4), 30);
  EXPECT_EQ(days_in_month(2024, 0), 0);
  EXPECT_EQ(days_in_month(2024, 13), 0);
}

TEST(ParseHttpDate, TheRfcExampleInAllThreeForms) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);     // asctime
  EXPECT_EQ(parse_http_date("Sun Nov 16 08:49:37 1994"), std::nullopt);  // the 16th is a Wednesday
  EXPECT_EQ(parse_http_date("Wed Nov 16 08:49:37 1994"), 784111777 + 10 * 86400);
  // RFC 850 with its two-digit year: refused, it cannot be placed without a clock of our own.
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), std::nullopt);
}

TEST(ParseHttpDate, MatchesWhatServersWriteAcrossCenturies) {
  for (int64_t s = 0; s < int64_t{253402300799}; s += 86400 * 97 + 4271) {  // to 9999-12-31
    if (static_cast<int64_t>(static_cast<time_t>(s)) != s) {
      break;
    }
    const std::string text = imf_fixdate(s);
    EXPECT_EQ(parse_http_date(text), s) << text;
  }
  EXPECT_EQ(parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"), 253402300799);
  EXPECT_EQ(parse_http_date("Mon, 01 Jan 2100 00:00:00 GMT"), std::nullopt);  // a Friday
  EXPECT_EQ(parse_http_date("Fri, 01 Jan 2100 00:00:00 GMT"), 4102444800);
  EXPECT_EQ(parse_http_date("Tue, 19 Jan 2038 03:14:08 GMT"), int64_t{2147483648});
}

TEST(ParseHttpDate, LeapDaysExistOnlyInLeapYears) {
  EXPECT_EQ(parse_http_date("Thu, 29 Feb 2024 10:00:00 GMT"), 1709200800);
  EXPECT_EQ(parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400);
  EXPECT_EQ(parse_http_date("Wed, 29 Feb 2023 10:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Mon, 29 Feb 2100 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Sun, 31 Apr 2024 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(parse_http_date("Wed, 00 Jan 2025 00:00:00 GMT"), std::nullopt);
}

TEST(ParseHttpDate, ALeapSecondStaysInItsDay) {
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT"),
            parse_http_date("Sat, 31 Dec 2016 23:59:59 GMT"));
  EXPECT_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:61 GMT"), std::nullopt);
}

TEST(ParseHttpDate, SurroundingBlanksAreIgnored) {
  EXPECT_EQ(parse_http_date(" \tSun, 06 Nov 1994 08:49:37 GMT\t "), 784111777);
}

TEST(ParseHttpDate, GarbageAndHostileValuesAreRefused) {
  const char* bad[] = {
      "",
      "GMT",
      "0",
      "784111777",
      "Sun, 06 Nov 1994 08:49:37 UTC",  // only GMT
      "Sun, 06 Nov 1994 08:49:37 gmt",  // case-sensitive
      "sun, 06 Nov 1994 08:49:37 GMT",  // case-sensitive
      "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 6 Nov 1994 08:49:37 GMT",  // two-digit day
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 23:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT+1",
      "Sun, 06 Xyz 1994 08:49:37 GMT",
      "Sun, -6 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov +994 08:49:37 GMT",
      "Sun, 06 Nov 0000 08:49:37 GMT",  // no year 0
      "Sun; 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08-49-37 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT ,",
      "Sun Nov 06 08:49:37 94",
      "Sun Nov  6 08:49:37 1994 GMT",
      "Sun, 06 Nov 1994 08:49:37 GMT\r\nX-Injected: 1",
      "Sun, 06 Nov 1994 08:49:3\xff GMT",
      "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0\xef\xee\xed\xec\xeb\xea\xe9"
      "\xe8\xe7\xe6\xe5\xe4\xe3",
  };
  for (const char* text : bad) {
    EXPECT_EQ(parse_http_date(text), std::nullopt) << text;
  }
  // Embedded NULs are just bytes that are not digits.
  EXPECT_EQ(parse_http_date(std::string_view("Sun, 06 Nov 1994 08:49:3\0 GMT", 29)), std::nullopt);
}

TEST(ParseHttpDate, EveryCutOfAValidDateIsRefused) {
  const std::string text = "Sun, 06 Nov 1994 08:49:37 GMT";
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_EQ(parse_http_date(text.substr(0, n)), std::nullopt) << n;
  }
}

}  // namespace
}  // namespace lsedge
