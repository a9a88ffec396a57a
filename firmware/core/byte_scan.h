// Word-at-a-time byte tests (SWAR): the hot scans (JSON strings, header values, task files) look
// at 8 bytes per step and fall back to one byte at a time only where something needs a look.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

// Inlined even at -Os: as calls they cost more than the bytes they skip.
#if defined(__GNUC__)
#define LSEDGE_BYTES_INLINE inline __attribute__((always_inline))
#else
#define LSEDGE_BYTES_INLINE inline
#endif

namespace lsedge::bytes {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// 8 bytes from p, any alignment. Thread-safety: reads only.
[[nodiscard]] LSEDGE_BYTES_INLINE uint64_t load8(const void* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  return word;
}

// Nonzero exactly when some byte of `word` is zero (the classic test; byte order does not
// matter for "any"). Thread-safety: pure functions, as the rest.
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE uint64_t any_zero(uint64_t word) {
  return (word - kOnes) & ~word & kHighs;
}
// Nonzero when some byte equals c.
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE uint64_t any_equal(uint64_t word, unsigned char c) {
  return any_zero(word ^ (kOnes * c));
}
// Exactly 0x80 in each byte of `word` that equals c, 0 elsewhere (no borrow noise: for counting).
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE uint64_t each_equal(uint64_t word, unsigned char c) {
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const uint64_t x = word ^ (kOnes * c);
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}
// How many bytes each_equal() marked (a multiply adds the 8 flags; no popcount instruction needed).
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE unsigned count_marks(uint64_t marks) {
  return static_cast<unsigned>(((marks >> 7) * kOnes) >> 56);
}
// Nonzero when some byte is 0x80 or above.
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE uint64_t any_high(uint64_t word) {
  return word & kHighs;
}
// Nonzero when some byte is below n (n <= 0x80).
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE uint64_t any_below(uint64_t word, unsigned char n) {
  return (word - kOnes * n) & ~word & kHighs;
}

// Where the first marked byte of a word from any_zero()/any_equal() masks is: their lowest mark
// is exact (a borrow only runs upward from a zero byte), so on a little-endian machine its
// index is the count of trailing zero bits / 8. Big-endian machines get 8 (not known here).
[[nodiscard]] constexpr LSEDGE_BYTES_INLINE size_t first_marked(uint64_t marks) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
  return static_cast<size_t>(__builtin_ctzll(marks)) / 8;
#else
  (void)marks;
  return 8;
#endif
}

// How many bytes from `from` on are plain inside a JSON string: 0x20..0x7F but '"' and '\\'
// (what needs no look: the string's end, an escape, a control byte or UTF-8 stop it).
[[nodiscard]] inline size_t json_string_run(const unsigned char* data, size_t size, size_t from) {
  size_t i = from;
  while (size - i >= 8) {
    const uint64_t word = load8(data + i);
    if ((any_high(word) | any_below(word, 0x20) | any_equal(word, '"') | any_equal(word, '\\')) !=
        0) {
      break;
    }
    i += 8;
  }
  while (i < size && data[i] >= 0x20 && data[i] < 0x80 && data[i] != '"' && data[i] != '\\') {
    ++i;
  }
  return i - from;
}

// How many bytes from `from` on are none of a, b and c (and, with kStopAtHigh, none 0x80 or
// above). Stops at the first byte that is, or at `size`; the word holding it is not read again
// byte by byte on little-endian machines (first_marked).
template <bool kStopAtHigh>
[[nodiscard]] inline size_t plain_run(const char* data, size_t size, size_t from, unsigned char a,
                                      unsigned char b, unsigned char c) {
  size_t i = from;
  while (size - i >= 8) {
    const uint64_t word = load8(data + i);
    const uint64_t high = kStopAtHigh ? any_high(word) : 0;
    const uint64_t marks = high | any_equal(word, a) | any_equal(word, b) | any_equal(word, c);
    if (marks != 0) {
      const size_t at = first_marked(marks);  // exact: any_high marks each byte exactly
      if (at < 8) {
        return i + at - from;
      }
      break;
    }
    i += 8;
  }
  while (i < size) {
    const auto byte = static_cast<unsigned char>(data[i]);
    if ((kStopAtHigh && byte >= 0x80) || byte == a || byte == b || byte == c) {
      break;
    }
    ++i;
  }
  return i - from;
}

}  // namespace lsedge::bytes
