#include "firmware/core/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace lsedge {
namespace {

using namespace std::string_view_literals;

void expect_decodes(std::string_view text, uint32_t value, uint8_t length) {
  const std::optional<CodePoint> cp = utf8_decode(text, 0);
  ASSERT_TRUE(cp.has_value()) << "should decode";
  EXPECT_EQ(cp->value, value);
  EXPECT_EQ(cp->length, length);
}

TEST(Utf8Decode, DecodesEachLengthAtItsBoundaries) {
  expect_decodes("\x00"sv, 0x0, 1);
  expect_decodes("A", 0x41, 1);
  expect_decodes("\x7F", 0x7F, 1);
  expect_decodes("\xC2\x80", 0x80, 2);
  expect_decodes("\xC3\xA9", 0xE9, 2);  // é
  expect_decodes("\xDF\xBF", 0x7FF, 2);
  expect_decodes("\xE0\xA0\x80", 0x800, 3);
  expect_decodes("\xE2\x82\xAC", 0x20AC, 3);  // €
  expect_decodes("\xED\x9F\xBF", 0xD7FF, 3);  // last before the surrogates
  expect_decodes("\xEE\x80\x80", 0xE000, 3);  // first after the surrogates
  expect_decodes("\xEF\xBB\xBF", 0xFEFF, 3);  // BOM is a valid code point
  expect_decodes("\xEF\xBF\xBF", 0xFFFF, 3);
  expect_decodes("\xF0\x90\x80\x80", 0x10000, 4);
  expect_decodes("\xF0\x9F\x98\x80", 0x1F600, 4);  // 😀
  expect_decodes("\xF4\x8F\xBF\xBF", 0x10FFFF, 4);
}

TEST(Utf8Decode, DecodesAtAnOffsetAndStopsAtTheEnd) {
  const std::string_view text = "a\xC3\xA9z";
  EXPECT_EQ(utf8_decode(text, 0)->value, 'a');
  EXPECT_EQ(utf8_decode(text, 1)->value, 0xE9u);
  EXPECT_EQ(utf8_decode(text, 1)->length, 2u);
  EXPECT_FALSE(utf8_decode(text, 2).has_value());  // inside the sequence
  EXPECT_EQ(utf8_decode(text, 3)->value, 'z');
  EXPECT_FALSE(utf8_decode(text, 4).has_value());
  EXPECT_FALSE(utf8_decode(text, 1000).has_value());
  EXPECT_FALSE(utf8_decode(std::string_view(), 0).has_value());
}

TEST(Utf8Decode, RejectsOverlongForms) {
  EXPECT_FALSE(utf8_decode("\xC0\x80", 0));          // U+0000 in 2 bytes
  EXPECT_FALSE(utf8_decode("\xC1\xBF", 0));          // U+007F in 2 bytes
  EXPECT_FALSE(utf8_decode("\xE0\x80\xAF", 0));      // '/' in 3 bytes
  EXPECT_FALSE(utf8_decode("\xE0\x9F\xBF", 0));      // U+07FF in 3 bytes
  EXPECT_FALSE(utf8_decode("\xF0\x80\x80\xAF", 0));  // '/' in 4 bytes
  EXPECT_FALSE(utf8_decode("\xF0\x8F\xBF\xBF", 0));  // U+FFFF in 4 bytes
}

TEST(Utf8Decode, RejectsSurrogatesAndBeyondUnicode) {
  EXPECT_FALSE(utf8_decode("\xED\xA0\x80", 0));      // U+D800
  EXPECT_FALSE(utf8_decode("\xED\xBF\xBF", 0));      // U+DFFF
  EXPECT_FALSE(utf8_decode("\xF4\x90\x80\x80", 0));  // U+110000
  EXPECT_FALSE(utf8_decode("\xF7\xBF\xBF\xBF", 0));
  EXPECT_FALSE(utf8_decode("\xF8\x88\x80\x80\x80", 0));  // 5-byte form
  EXPECT_FALSE(utf8_decode("\xFE", 0));
  EXPECT_FALSE(utf8_decode("\xFF", 0));
}

TEST(Utf8Decode, RejectsStrayAndTruncatedSequences) {
  EXPECT_FALSE(utf8_decode("\x80", 0));
  EXPECT_FALSE(utf8_decode("\xBF", 0));
  EXPECT_FALSE(utf8_decode("\xC3", 0));          // cut after the lead byte
  EXPECT_FALSE(utf8_decode("\xE2\x82", 0));      // cut in the middle
  EXPECT_FALSE(utf8_decode("\xF0\x9F\x98", 0));  // one byte short
  EXPECT_FALSE(utf8_decode("\xC3(", 0));         // continuation is not 10xxxxxx
  EXPECT_FALSE(utf8_decode("\xE2\x28\xA1", 0));
  EXPECT_FALSE(utf8_decode("\xF0\x9F\x98\x28", 0));
}

TEST(Utf8Valid, AcceptsWellFormedText) {
  EXPECT_TRUE(utf8_valid(""));
  EXPECT_TRUE(utf8_valid("plain ASCII, with punctuation!"));
  EXPECT_TRUE(
      utf8_valid("Gr\xC3\xBC\xC3\x9F"
                 "e \xE2\x82\xAC \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC"));
  EXPECT_TRUE(utf8_valid("nul \x00 inside"sv));
}

TEST(Utf8Valid, RejectsAnyBadSequenceAnywhere) {
  EXPECT_FALSE(utf8_valid("abc\xFF"));
  EXPECT_FALSE(
      utf8_valid("\xC3"
                 "abc"));
  EXPECT_FALSE(utf8_valid("abc\xC3"));  // truncated at the very end
  EXPECT_FALSE(utf8_valid("ok \xED\xA0\x80 surrogate"));
  EXPECT_FALSE(utf8_valid("overlong \xC0\xAF slash"));
  EXPECT_FALSE(utf8_valid("latin-1 caf\xE9"));
}

TEST(Utf8Valid, EveryTruncationOfAMultiByteTextIsJudgedByItsLastSequence) {
  // "é€😀" cut at every byte: valid exactly at the code point boundaries.
  const std::string text = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  const size_t boundaries[] = {0, 2, 5, 9};
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    bool at_boundary = false;
    for (size_t b : boundaries) {
      at_boundary = at_boundary || b == cut;
    }
    EXPECT_EQ(utf8_valid(std::string_view(text.data(), cut)), at_boundary) << "cut at " << cut;
  }
}

TEST(Utf8Valid, IsUsableAtCompileTime) {
  static_assert(utf8_valid("\xE2\x82\xAC"), "euro sign");
  static_assert(!utf8_valid("\xE2\x82"), "truncated euro sign");
  static_assert(utf8_decode("\xC3\xA9", 0)->value == 0xE9, "e acute");
  SUCCEED();
}

}  // namespace
}  // namespace lsedge
