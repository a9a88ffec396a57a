// Strict unsigned decimal numbers: the one parser for digits read from files, names and
// settings. Header-only, allocation-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lsedge {

// Only the digits 0-9, no sign, no spaces, no overflow of uint64_t; exactly `digits` of them when
// `digits` is not 0 (leading zeros allowed). Anything else: nullopt.
[[nodiscard]] constexpr std::optional<uint64_t> parse_decimal(std::string_view text,
                                                              size_t digits = 0) {
  if (text.empty() || (digits != 0 && text.size() != digits) || text.size() > 20) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace lsedge
