#include "firmware/core/byte_scan.h"

#include <gtest/gtest.h>

#include <string>

namespace lsedge::bytes {
namespace {

TEST(ByteScan, WordTestsFindAnyMatchingByteAtEveryPosition) {
  for (int at = 0; at < 8; ++at) {
    unsigned char raw[8];
    std::memset(raw, 'a', sizeof(raw));
    EXPECT_EQ(any_equal(load8(raw), '"'), 0u);
    EXPECT_EQ(any_high(load8(raw)), 0u);
    raw[at] = '"';
    EXPECT_NE(any_equal(load8(raw), '"'), 0u) << at;
    raw[at] = 0;
    EXPECT_NE(any_zero(load8(raw)), 0u) << at;
    raw[at] = 0x80;
    EXPECT_NE(any_high(load8(raw)), 0u) << at;
    EXPECT_EQ(any_equal(load8(raw), '"'), 0u) << at;  // 0x80 is not '"' + 0x80 borrow noise
  }
}

// each_equal marks exactly the matching bytes, whatever is around them (no borrow from a zero or
// a 0x01 byte below), so their count is exact.
TEST(ByteScan, EachEqualMarksExactlyTheMatchingBytes) {
  const unsigned char fillers[] = {0x00, 0x01, 0x5A, 0x5C, 0x7F, 0x80, 0xDB, 0xFF};
  for (const unsigned char filler : fillers) {
    for (unsigned mask = 0; mask < 256; ++mask) {
      unsigned char raw[8];
      for (int i = 0; i < 8; ++i) {
        raw[i] = (mask >> i) & 1U ? '[' : filler;
      }
      const uint64_t marks = each_equal(load8(raw), '[');
      EXPECT_EQ(count_marks(marks), static_cast<unsigned>(__builtin_popcount(mask)))
          << int(filler) << " " << mask;
      EXPECT_EQ(marks & ~kHighs, 0u);
    }
  }
}

// Every length 0..40 and every stop position, so both the word loop and the tail are crossed.
TEST(ByteScan, PlainRunStopsAtTheFirstStopByteWhereverItIs) {
  for (size_t size = 0; size <= 40; ++size) {
    const std::string plain(size, 'x');
    EXPECT_EQ(plain_run<true>(plain.data(), size, 0, '"', '\\', '"'), size);
    for (size_t at = 0; at < size; ++at) {
      for (const char stop : {'"', '\\', '\x80', '\xFF'}) {
        std::string text = plain;
        text[at] = stop;
        EXPECT_EQ(plain_run<true>(text.data(), size, 0, '"', '\\', '"'), at) << size << " " << at;
        EXPECT_EQ(plain_run<true>(text.data(), size, at, '"', '\\', '"'), 0u);
      }
      std::string high = plain;
      high[at] = '\xC3';
      EXPECT_EQ(plain_run<false>(high.data(), size, 0, '\r', '\n', '\0'), size)
          << "high bytes pass when not asked to stop";
      std::string cr = plain;
      cr[at] = '\0';
      EXPECT_EQ(plain_run<false>(cr.data(), size, 0, '\r', '\n', '\0'), at);
    }
  }
}

// The lowest mark of any_equal() is exact whatever is around it (a borrow only runs upward), so
// plain_run finds the first '"' or '\\' at every position, after every filler
// (zero, 0x01 and high bytes included) and with more stop bytes after it.
TEST(ByteScan, PlainRunFindsTheFirstMarkedByteExactlyInAWord) {
  const unsigned char fillers[] = {0x00, 0x01, 0x21, 0x23, 0x5B, 0x5D, 0x80, 0xA2, 0xDC, 0xFF};
  for (const unsigned char filler : fillers) {
    for (size_t size = 0; size <= 40; ++size) {
      for (size_t at = 0; at <= size; ++at) {
        for (const unsigned char stop : {'"', '\\'}) {
          std::string text(size, static_cast<char>(filler));
          if (at < size) {
            text[at] = static_cast<char>(stop);
            for (size_t after = at + 1; after < size; after += 3) {
              text[after] = after % 2 == 0 ? '"' : '\\';
            }
          }
          EXPECT_EQ(plain_run<false>(text.data(), size, 0, '"', '\\', '"'), at)
              << int(filler) << " " << size << " " << at << " " << stop;
        }
      }
    }
  }
}

}  // namespace
}  // namespace lsedge::bytes
