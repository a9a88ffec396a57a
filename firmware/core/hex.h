// The value of one hexadecimal digit: the one definition for URLs, IP literals and task files.
#pragma once

namespace lsedge {

// 0-15 for 0-9, a-f, A-F; -1 for any other byte. Thread-safety: a pure function.
[[nodiscard]] constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

}  // namespace lsedge
