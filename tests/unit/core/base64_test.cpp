#include "firmware/core/base64.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace lsedge {
namespace {

// "<problem N at offset K>" on failure, else the bytes (and "+spare" when spare bits are set).
std::string decoded(std::string_view text, Base64Alphabet alphabet, size_t capacity = 64) {
  uint8_t out[64];
  const Base64Decoded result = base64_decode(text, alphabet, ByteSpan(out, capacity));
  if (result.problem != Base64Problem::None) {
    return "<problem " + std::to_string(static_cast<int>(result.problem)) + " at offset " +
           std::to_string(result.offset) + ">";
  }
  return std::string(reinterpret_cast<const char*>(out), result.size) +
         (result.spare_bits_set ? "+spare" : "");
}

std::string standard(std::string_view text) {
  return decoded(text, Base64Alphabet::Standard);
}
std::string url(std::string_view text) {
  return decoded(text, Base64Alphabet::Url);
}

TEST(Base64, Rfc4648VectorsInBothAlphabets) {
  for (auto* decode : {&standard, &url}) {
    EXPECT_EQ(decode(""), "");
    EXPECT_EQ(decode("Zg=="), "f");
    EXPECT_EQ(decode("Zg"), "f");
    EXPECT_EQ(decode("Zm8="), "fo");
    EXPECT_EQ(decode("Zm9v"), "foo");
    EXPECT_EQ(decode("Zm9vYmE"), "fooba");
    EXPECT_EQ(decode("Zm9vYmFy"), "foobar");
  }
}

TEST(Base64, EachAlphabetHasItsOwnTwoCharacters) {
  EXPECT_EQ(standard("+/8="), "\xFB\xFF");
  EXPECT_EQ(url("-_8"), "\xFB\xFF");
  const std::string character =
      "<problem " + std::to_string(static_cast<int>(Base64Problem::Character)) + " at offset 0>";
  EXPECT_EQ(standard("-_8"), character);
  EXPECT_EQ(url("+/8="), character);
}

TEST(Base64, ProblemsAndTheirOffsets) {
  const auto problem = [](Base64Problem p, size_t offset) {
    return "<problem " + std::to_string(static_cast<int>(p)) + " at offset " +
           std::to_string(offset) + ">";
  };
  EXPECT_EQ(url("Zm9vY"), problem(Base64Problem::Length, 5));
  EXPECT_EQ(url("Zg="), problem(Base64Problem::Padding, 2));
  EXPECT_EQ(url("Zm8=="), problem(Base64Problem::Padding, 3));
  EXPECT_EQ(url("Zg==Zg=="), problem(Base64Problem::Character, 2));
  EXPECT_EQ(standard("c2VjcmV0!dG9rZW4"), problem(Base64Problem::Character, 8));
  EXPECT_EQ(decoded("Zm9vYmFy", Base64Alphabet::Url, 5), problem(Base64Problem::BufferTooSmall, 0));
}

TEST(Base64, ABufferTooSmallIsLeftUntouched) {
  uint8_t out[5];
  std::memset(out, 0xAA, sizeof(out));
  const Base64Decoded result = base64_decode("Zm9vYmFy", Base64Alphabet::Standard, ByteSpan(out));
  EXPECT_EQ(result.problem, Base64Problem::BufferTooSmall);
  for (const uint8_t b : out) {
    EXPECT_EQ(b, 0xAA);
  }
}

TEST(Base64, SpareBitsAreReportedNotRefused) {
  EXPECT_EQ(url("Zg"), "f");
  EXPECT_EQ(url("Zh"), "f+spare");  // 'h' leaves low bits set: not canonical, still "f"
  EXPECT_EQ(standard("Zm9="), "fo+spare");
}

TEST(Base64, CapacityBoundsEveryLength) {
  for (size_t n = 0; n < 40; ++n) {
    if (n % 4 == 1) {
      continue;
    }
    const std::string text(n, 'A');
    uint8_t out[64];
    const Base64Decoded result =
        base64_decode(text, Base64Alphabet::Standard, ByteSpan(out, base64_decoded_capacity(n)));
    EXPECT_EQ(result.problem, Base64Problem::None) << n;
  }
}

}  // namespace
}  // namespace lsedge
