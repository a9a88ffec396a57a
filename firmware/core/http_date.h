// The HTTP Date header (RFC 9110 5.6.7) as seconds since 1970: the server's clock, read without
// the device's. Header-only and allocation-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/civil_time.h"

namespace lsedge {

namespace http_date_detail {

// Three-letter names, compared case-sensitively as RFC 9110 requires. One string each, not a
// table of pointers (each would be a relocation in a position-independent executable).
inline constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
inline constexpr std::string_view kWeekdays = "SunMonTueWedThuFriSat";

// A fixed-width run of digits at `at`, or -1.
constexpr int64_t digits(std::string_view text, size_t at, size_t count) {
  if (at > text.size() || text.size() - at < count) {
    return -1;
  }
  int64_t value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') {
      return -1;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

// 1..12, or 0.
constexpr int month_number(std::string_view name) {
  for (int i = 0; i < 12; ++i) {
    if (kMonths.substr(static_cast<size_t>(i) * 3, 3) == name) {
      return i + 1;
    }
  }
  return 0;
}

// 0 (Sunday)..6, or -1.
constexpr int weekday_number(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (kWeekdays.substr(static_cast<size_t>(i) * 3, 3) == name) {
      return i;
    }
  }
  return -1;
}

// "HH:MM:SS" at `at` into seconds of the day; -1 when malformed or out of range (second 60, a
// leap second, is allowed and counts as 59 so the time never lands in the next day).
constexpr int64_t time_of_day(std::string_view text, size_t at) {
  const int64_t hour = digits(text, at, 2);
  const int64_t minute = digits(text, at + 3, 2);
  const int64_t second = digits(text, at + 6, 2);
  if (hour < 0 || minute < 0 || second < 0 || text[at + 2] != ':' || text[at + 5] != ':' ||
      hour > 23 || minute > 59 || second > 60) {
    return -1;
  }
  return hour * 3600 + minute * 60 + (second == 60 ? 59 : second);
}

// The instant of a checked date, or nullopt when the day does not exist or the weekday named
// does not match it (a garbled header, not a clock worth trusting).
constexpr std::optional<int64_t> instant(int64_t year, int month, int64_t day, int64_t seconds,
                                         int weekday) {
  if (month == 0 || year < 1 || seconds < 0 || day < 1 || day > days_in_month(year, month)) {
    return std::nullopt;
  }
  const int64_t at = unix_seconds_from_civil(year, month, static_cast<int>(day), 0, 0, 0) + seconds;
  if (civil_from_unix_seconds(at).weekday != weekday) {
    return std::nullopt;
  }
  return at;
}

}  // namespace http_date_detail

// Parses an HTTP-date. Accepted:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"  (what every current server sends)
//   asctime      "Sun Nov  6 08:49:37 1994"        (obsolete; always UTC)
// Refused (nullopt): the obsolete RFC 850 form "Sunday, 06-Nov-94 08:49:37 GMT", whose two-digit
// year can only be placed with a clock of our own; anything else malformed, a day that does not
// exist (Feb 29 of a common year), a weekday that does not match the date, years before 1 or
// after 9999. Surrounding spaces and tabs are ignored. Thread-safety: pure function.
[[nodiscard]] constexpr std::optional<int64_t> parse_http_date(std::string_view text) {
  using namespace http_date_detail;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  if (text.size() == 29 && text[3] == ',' && text[4] == ' ' && text[7] == ' ' && text[11] == ' ' &&
      text[16] == ' ' && text[25] == ' ' && text.substr(26) == "GMT") {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    return instant(digits(text, 12, 4), month_number(text.substr(8, 3)), digits(text, 5, 2),
                   time_of_day(text, 17), weekday_number(text.substr(0, 3)));
  }
  if (text.size() == 24 && text[3] == ' ' && text[7] == ' ' && text[10] == ' ' && text[19] == ' ') {
    // asctime: "Sun Nov  6 08:49:37 1994" (the day is space-padded)
    const int64_t day = text[8] == ' ' ? digits(text, 9, 1) : digits(text, 8, 2);
    return instant(digits(text, 20, 4), month_number(text.substr(4, 3)), day, time_of_day(text, 11),
                   weekday_number(text.substr(0, 3)));
  }
  return std::nullopt;
}

}  // namespace lsedge
