// The one escaping rule for text from outside that reaches a terminal.
#include "firmware/core/terminal_text.h"

#include <gtest/gtest.h>

#include <string>

namespace lsedge {
namespace {

std::string escaped(std::string_view text) {
  std::string out;
  const size_t used = for_each_terminal_piece(text, [&out](std::string_view piece) {
    out += piece;
    return true;
  });
  EXPECT_EQ(used, text.size());
  return out;
}

TEST(TerminalText, PrintableTextAndUtf8PassUnchanged) {
  EXPECT_EQ(escaped("user@example.com \\x1b \"quoted\" caf\xC3\xA9 \xE2\x82\xAC"),
            "user@example.com \\x1b \"quoted\" caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(escaped(""), "");
}

TEST(TerminalText, ControlCharactersBecomeVisibleEscapes) {
  EXPECT_EQ(escaped("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
  EXPECT_EQ(escaped("line\nforged\rtab\t"), "line\\nforged\\rtab\\t");
  EXPECT_EQ(escaped(std::string_view("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
}

TEST(TerminalText, C1AndBidiControlsAndInvalidBytesAreEscaped) {
  EXPECT_EQ(escaped("\xC2\x9B"
                    "31m"),
            "\\u009b31m");                    // CSI as one character
  EXPECT_EQ(escaped("\xC2\x85"), "\\u0085");  // NEL
  EXPECT_EQ(escaped("a\xE2\x80\xAE"
                    "b\xE2\x81\xA6"),
            "a\\u202eb\\u2066");
  EXPECT_EQ(escaped("\x9B"
                    "31m\xFF\xC3"),
            "\\x9b31m\\xff\\xc3");                     // not UTF-8: byte by byte
  EXPECT_EQ(escaped("\xE2\x80\x8B"), "\xE2\x80\x8B");  // other format characters stay
}

TEST(TerminalText, StopsBeforeAPieceThatDoesNotFit) {
  FixedString<9> out;
  append_terminal_safe(out, "ab\x1b\x1b\xC3\xA9");
  EXPECT_EQ(out.view(), "ab\\x1b");  // the next escape (4 bytes) does not fit the 3 left
  FixedString<8> small;
  append_terminal_safe(small, "abcdefg\xC3\xA9");
  EXPECT_EQ(small.view(), "abcdefg");  // never half a character
  std::string got;
  const size_t used = for_each_terminal_piece("xy\x01z", [&got](std::string_view piece) {
    if (got.size() + piece.size() > 5) {
      return false;
    }
    got += piece;
    return true;
  });
  EXPECT_EQ(got, "xy");
  EXPECT_EQ(used, 2u);
}

}  // namespace
}  // namespace lsedge
