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

  const bool leap = (out.year % 4 == 0 && out.year % 100 != 0) || out.year % 400 == 0;
  constexpr int kBefore[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  out.yearday = kBefore[out.month - 1] + out.day - 1 + (leap && out.month > 2 ? 1 : 0);
  return out;
}

}  // namespace lsedge
