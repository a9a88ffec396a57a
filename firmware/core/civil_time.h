// UTC calendar fields from seconds since 1970 by arithmetic alone: no time zone, no libc.
// glibc's gmtime_r reads /etc/localtime (and allocates) on first use; Mbed TLS's certificate
// validity check uses this instead in the firmware build (MBEDTLS_PLATFORM_GMTIME_R_ALT).
#pragma once

#include <cstdint>

namespace lsedge {

// Thread-safety: a value type.
struct CivilTime {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int weekday = 4;  // 0 = Sunday (1970-01-01 was a Thursday)
  int yearday = 0;  // 0..365
};

// True for the Gregorian leap years. Thread-safety: pure function.
[[nodiscard]] constexpr bool is_leap_year(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

// Days in `month` (1..12) of `year`; 0 for a month outside 1..12. Thread-safety: pure function.
[[nodiscard]] constexpr int days_in_month(int64_t year, int month) {
  constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) {
    return 0;
  }
  return kDays[month - 1] + (month == 2 && is_leap_year(year) ? 1 : 0);
}

// Proleptic Gregorian calendar, any int64 second count whose year fits int64 (days from civil,
// H. Hinnant's algorithm). Thread-safety: pure function.
[[nodiscard]] constexpr CivilTime civil_from_unix_seconds(int64_t seconds) {
  int64_t days = seconds / 86400;
  int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    days -= 1;
  }
  CivilTime out;
  out.hour = static_cast<int>(rest / 3600);
  out.minute = static_cast<int>(rest % 3600 / 60);
  out.second = static_cast<int>(rest % 60);
  const int64_t weekday = (days + 4) % 7;
  out.weekday = static_cast<int>(weekday < 0 ? weekday + 7 : weekday);

  const int64_t z = days + 719468;  // days since 0000-03-01
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;  // 0..146096
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // 0..399
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;  // March = 0
  out.day = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
  out.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  out.year = year_of_era + era * 400 + (out.month <= 2 ? 1 : 0);

  const bool leap = is_leap_year(out.year);
  constexpr int kBefore[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  out.yearday = kBefore[out.month - 1] + out.day - 1 + (leap && out.month > 2 ? 1 : 0);
  return out;
}

// Seconds since 1970 of a valid UTC date and time (the inverse of civil_from_unix_seconds, H.
// Hinnant's days_from_civil). The caller keeps `year` within +-10^12 so nothing overflows.
// Thread-safety: pure function.
[[nodiscard]] constexpr int64_t unix_seconds_from_civil(int64_t year, int month, int day, int hour,
                                                        int minute, int second) {
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                 // 0..399
  const int64_t mp = month > 2 ? month - 3 : month + 9;      // March = 0
  const int64_t day_of_year = (153 * mp + 2) / 5 + day - 1;  // 0..365
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // 0..146096
  const int64_t days = era * 146097 + day_of_era - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

}  // namespace lsedge
