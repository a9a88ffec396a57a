#include "firmware/auth/base64url.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "tests/fakes/test_tokens.h"

namespace lsedge::auth {
namespace {

// Decodes into a generous buffer; "<status_name>" on failure.
std::string decoded(std::string_view text) {
  uint8_t out[256];
  const Result<size_t> size = base64url_decode(text, ByteSpan(out));
  if (!size.ok()) {
    return std::string("<") + status_name(size.status()) + ">";
  }
  return std::string(reinterpret_cast<const char*>(out), *size);
}

TEST(Base64Url, DecodesTheRfc4648VectorsWithAndWithoutPadding) {
  EXPECT_EQ(decoded(""), "");
  EXPECT_EQ(decoded("Zg"), "f");
  EXPECT_EQ(decoded("Zg=="), "f");
  EXPECT_EQ(decoded("Zm8"), "fo");
  EXPECT_EQ(decoded("Zm8="), "fo");
  EXPECT_EQ(decoded("Zm9v"), "foo");
  EXPECT_EQ(decoded("Zm9vYg"), "foob");
  EXPECT_EQ(decoded("Zm9vYg=="), "foob");
  EXPECT_EQ(decoded("Zm9vYmE"), "fooba");
  EXPECT_EQ(decoded("Zm9vYmE="), "fooba");
  EXPECT_EQ(decoded("Zm9vYmFy"), "foobar");
}

TEST(Base64Url, UsesTheUrlAlphabet) {
  EXPECT_EQ(decoded("-_8"), "\xFB\xFF");  // standard base64: "+/8="
  EXPECT_EQ(decoded("____"), "\xFF\xFF\xFF");
  EXPECT_EQ(decoded("AAAA"), std::string(3, '\0'));
  EXPECT_EQ(decoded("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"), R"({"alg":"HS256","typ":"JWT"})");
}

TEST(Base64Url, RoundTripsEveryByteValueAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (size_t n = 0; n <= 64; ++n) {
    const std::string bytes = all.substr(n * 3, n);
    EXPECT_EQ(decoded(testing::base64url_encode(bytes)), bytes) << n;
    EXPECT_EQ(decoded(testing::base64url_encode(bytes, true)), bytes) << n << " padded";
  }
}

TEST(Base64Url, RejectsCharactersOutsideTheUrlAlphabet) {
  for (const char* text : {"+/8=", "Zm9v+mFy", "Zm9v/mFy", "Zm9v YmFy", "Zm9v\nYmFy", "Zm9v.YmFy",
                           "Zm9\x80", "Zm9v\tA", "Zg*=", "%20"}) {
    EXPECT_EQ(decoded(text), "<malformed_token>") << text;
  }
  EXPECT_EQ(decoded(std::string_view("Zm\0v", 4)), "<malformed_token>");
}

TEST(Base64Url, RejectsImpossibleLengthsAndMisplacedPadding) {
  for (const char* text : {"Z", "Zm9vY", "Zg=", "Zg===", "Zm8==", "=",
                           "==", "====", "Zg==Zg==", "Z=g=", "Zm9vYmFy=", "QUJD=="}) {
    EXPECT_EQ(decoded(text), "<malformed_token>") << text;
  }
}

TEST(Base64Url, TheDetailGivesTheOffsetNotTheText) {
  uint8_t out[64];
  const Result<size_t> result = base64url_decode("c2VjcmV0!dG9rZW4", ByteSpan(out));
  ASSERT_EQ(result.status(), Status::MalformedToken);
  const std::string detail = result.error().detail.c_str();
  EXPECT_NE(detail.find("offset 8"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("c2VjcmV0"), std::string::npos) << detail;
}

TEST(Base64Url, ATooSmallBufferIsBufferTooSmallAndLeftUntouched) {
  uint8_t out[5];
  std::memset(out, 0xAA, sizeof(out));
  const Result<size_t> result = base64url_decode("Zm9vYmFy", ByteSpan(out));  // 6 bytes
  EXPECT_EQ(result.status(), Status::BufferTooSmall);
  for (uint8_t b : out)
    EXPECT_EQ(b, 0xAA);
  std::vector<uint8_t> exact(6);
  EXPECT_EQ(base64url_decode("Zm9vYmFy", ByteSpan(exact.data(), exact.size())).value(), 6u);
  EXPECT_EQ(base64url_decode("", ByteSpan()).value(), 0u);
}

TEST(Base64Url, CapacityBoundsEveryLength) {
  for (size_t n = 0; n < 40; ++n) {
    if (n % 4 == 1)
      continue;
    const std::string text(n, 'A');
    std::vector<uint8_t> out(base64url_decoded_capacity(n));
    EXPECT_TRUE(base64url_decode(text, ByteSpan(out.data(), out.size())).ok()) << n;
  }
}

}  // namespace
}  // namespace lsedge::auth
