#include "firmware/labelstudio/title.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "firmware/core/utf8.h"

namespace lsedge::labelstudio {
namespace {

constexpr const char* kUuid = "6b5805c9-9b11-4cb5-bd73-2f373d26963c";

std::string repeat(const std::string& piece, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) {
    out += piece;
  }
  return out;
}

// Formats and expects success; returns the title.
std::string title_of(std::string_view name, std::string_view id) {
  ProjectTitle out;
  const Outcome outcome = format_project_title(name, id, out);
  EXPECT_TRUE(outcome.ok()) << status_name(outcome.status()) << ": "
                            << outcome.error().detail.view();
  return std::string(out.view());
}

Status status_of(std::string_view name, std::string_view id) {
  ProjectTitle out;
  return format_project_title(name, id, out).status();
}

size_t cps(const std::string& s) {
  return count_code_points(s);
}

TEST(ProjectTitle, IssueExample) {
  EXPECT_EQ(title_of("Integration Test Task", kUuid), "Integration Test Task (6b5805c9)");
}

TEST(ProjectTitle, NameAloneWithoutId) {
  EXPECT_EQ(title_of("Sensor batch", ""), "Sensor batch");
}

TEST(ProjectTitle, ShortIdIsUsedWhole) {
  EXPECT_EQ(title_of("Task", "42"), "Task (42)");
}

TEST(ProjectTitle, IdIsTrimmedAndWhitespaceOnlyIdMeansNoId) {
  EXPECT_EQ(title_of("Task", "  42\n"), "Task (42)");
  EXPECT_EQ(title_of("Task", " \t\r\n"), "Task");
  EXPECT_EQ(title_of("Task", "\xE3\x80\x80"), "Task");  // U+3000 ideographic space
}

TEST(ProjectTitle, IdTakesEightCodePointsThenTrimsTheirTrailingSpace) {
  EXPECT_EQ(title_of("Task", "abcdefg hij"), "Task (abcdefg)");
  EXPECT_EQ(title_of("Task", "ab\tcd"), "Task (ab cd)");  // cleaned like the name
}

TEST(ProjectTitle, NonAsciiIdCountsCodePoints) {
  // 8 emoji are 32 bytes but 8 characters.
  const std::string emoji = "\xF0\x9F\x98\x80";  // U+1F600
  EXPECT_EQ(title_of("Task", repeat(emoji, 10)), "Task (" + repeat(emoji, 8) + ")");
}

TEST(ProjectTitle, ExactlyFiftyAsciiIsUntouched) {
  const std::string name(50, 'a');
  EXPECT_EQ(title_of(name, ""), name);
}

TEST(ProjectTitle, FiftyOneAsciiIsCutToExactlyFifty) {
  const std::string name(51, 'a');
  const std::string title = title_of(name, "");
  EXPECT_EQ(title, std::string(47, 'a') + "...");
  EXPECT_EQ(title.size(), 50u);
}

TEST(ProjectTitle, WithIdExactlyFiftyIsUntouched) {
  // 39 + " (6b5805c9)" (11) = 50.
  const std::string name(39, 'n');
  const std::string title = title_of(name, kUuid);
  EXPECT_EQ(title, name + " (6b5805c9)");
  EXPECT_EQ(title.size(), 50u);
}

TEST(ProjectTitle, WithIdOneTooLongCutsTheNameNotTheId) {
  const std::string name(40, 'n');
  const std::string title = title_of(name, kUuid);
  EXPECT_EQ(title, std::string(36, 'n') + "... (6b5805c9)");
  EXPECT_EQ(title.size(), 50u);
}

TEST(ProjectTitle, CutDoesNotLeaveSpaceBeforeEllipsis) {
  // The 47th character is a space: the cut name is trimmed, so the title has 49 characters.
  const std::string name = std::string(46, 'x') + " " + std::string(10, 'y');
  EXPECT_EQ(title_of(name, ""), std::string(46, 'x') + "...");
  // The same with an id, and a run of spaces across the cut: with " (42)" the name gets 42
  // characters, 38 x and 4 of the 5 spaces.
  const std::string spaced = std::string(38, 'x') + "     " + std::string(10, 'y');
  EXPECT_EQ(title_of(spaced, "42"), std::string(38, 'x') + "... (42)");
}

TEST(ProjectTitle, CjkNameIsCutByCodePointsNotBytes) {
  const std::string kan = "\xE6\xBC\xA2";  // 漢, 3 bytes
  const std::string title = title_of(repeat(kan, 60), "");
  EXPECT_EQ(title, repeat(kan, 47) + "...");
  EXPECT_EQ(cps(title), 50u);
  EXPECT_TRUE(utf8_valid(title));

  const std::string with_id = title_of(repeat(kan, 60), kUuid);
  EXPECT_EQ(with_id, repeat(kan, 36) + "... (6b5805c9)");
  EXPECT_EQ(cps(with_id), 50u);
  EXPECT_TRUE(utf8_valid(with_id));
}

TEST(ProjectTitle, FiftyCjkCharactersFitUntouched) {
  const std::string kan = "\xE6\xBC\xA2";
  EXPECT_EQ(title_of(repeat(kan, 50), ""), repeat(kan, 50));  // 150 bytes, 50 characters
}

TEST(ProjectTitle, FiftyEmojiFillTheWholeBuffer) {
  const std::string emoji = "\xF0\x9F\x8C\x8D";  // U+1F30D, 4 bytes
  const std::string title = title_of(repeat(emoji, 50), "");
  EXPECT_EQ(title, repeat(emoji, 50));
  EXPECT_EQ(title.size(), ProjectTitle::capacity());
}

TEST(ProjectTitle, EmojiNameIsCutOnSequenceBoundaries) {
  const std::string emoji = "\xF0\x9F\x8C\x8D";
  const std::string title = title_of(repeat(emoji, 60), "");
  EXPECT_EQ(title, repeat(emoji, 47) + "...");
  EXPECT_TRUE(utf8_valid(title));
  // Eight emoji as the id and as the name: 47 - 8 = 39 emoji would not fit; the name gets 36.
  const std::string both = title_of(repeat(emoji, 60), repeat(emoji, 8));
  EXPECT_EQ(both, repeat(emoji, 36) + "... (" + repeat(emoji, 8) + ")");
  EXPECT_EQ(cps(both), 50u);
  EXPECT_EQ(both.size(), 36u * 4 + 3 + 2 + 32 + 1);
}

TEST(ProjectTitle, CombiningMarksCountAsCodePoints) {
  const std::string e_acute = "e\xCC\x81";  // e + U+0301 COMBINING ACUTE ACCENT
  // 25 pairs = 50 code points: untouched.
  EXPECT_EQ(title_of(repeat(e_acute, 25), ""), repeat(e_acute, 25));
  // 30 pairs = 60 code points: cut after 47 code points, i.e. 23 pairs and a bare 'e'.
  const std::string title = title_of(repeat(e_acute, 30), "");
  EXPECT_EQ(title, repeat(e_acute, 23) + "e...");
  EXPECT_EQ(cps(title), 50u);
  EXPECT_TRUE(utf8_valid(title));
}

TEST(ProjectTitle, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(title_of("a\tb\nc\rd", ""), "a b c d");
  EXPECT_EQ(title_of("a\xC2\x85"
                     "b",
                     ""),
            "a b");  // U+0085 NEXT LINE (C1)
  EXPECT_EQ(title_of("a\xC2\x9F"
                     "b",
                     ""),
            "a b");  // U+009F, last C1
  EXPECT_EQ(title_of("a\x7F"
                     "b",
                     ""),
            "a b");                                        // DEL
  EXPECT_EQ(title_of(std::string("a\0b", 3), ""), "a b");  // NUL
  EXPECT_EQ(title_of("a\x1B[31mb", ""), "a [31mb");        // a terminal escape loses its ESC
  EXPECT_EQ(title_of("a\xC2\xA0"
                     "b",
                     ""),
            "a\xC2\xA0"
            "b");  // NBSP inside is not a control
}

TEST(ProjectTitle, InnerRunsOfSpacesAreKept) {
  EXPECT_EQ(title_of("a  \t b", ""), "a    b");
}

TEST(ProjectTitle, NameIsTrimmedOfAsciiUnicodeWhitespaceAndControls) {
  EXPECT_EQ(title_of("  Task  ", "42"), "Task (42)");
  EXPECT_EQ(title_of("\t\r\nTask\n", ""), "Task");
  EXPECT_EQ(title_of("\xC2\xA0Task\xE3\x80\x80", ""), "Task");      // NBSP, ideographic space
  EXPECT_EQ(title_of("\xE2\x80\x83Task\xE2\x80\xA8", ""), "Task");  // em space, line separator
  EXPECT_EQ(title_of("\x01\x7FTask\xC2\x85", ""), "Task");
  // Not whitespace for Python's str.strip(): zero width space U+200B stays.
  EXPECT_EQ(title_of("\xE2\x80\x8BTask", ""), "\xE2\x80\x8BTask");
}

TEST(ProjectTitle, TrimmingHappensBeforeTheLengthCheck) {
  // 50 characters surrounded by spaces still fit.
  const std::string name(50, 'q');
  EXPECT_EQ(title_of("   " + name + "   ", ""), name);
}

TEST(ProjectTitle, EmptyOrBlankNameIsEmptyInput) {
  EXPECT_EQ(status_of("", ""), Status::EmptyInput);
  EXPECT_EQ(status_of("", kUuid), Status::EmptyInput);
  EXPECT_EQ(status_of("   ", "42"), Status::EmptyInput);
  EXPECT_EQ(status_of("\t\n\xE3\x80\x80\xC2\x85", ""), Status::EmptyInput);
  ProjectTitle out;
  const Outcome outcome = format_project_title(" ", "", out);
  EXPECT_NE(outcome.error().detail.view().find("project name"), std::string_view::npos);
}

struct BadUtf8 {
  const char* what;
  std::string bytes;
  size_t offset;  // of the first bad byte in "ok" + bytes
};

TEST(ProjectTitle, InvalidUtf8IsRefusedWithTheOffset) {
  const std::vector<BadUtf8> cases = {
      {"lone continuation", "\x80", 2},
      {"overlong slash", "\xC0\xAF", 2},
      {"overlong 3-byte", "\xE0\x80\xAF", 2},
      {"surrogate", "\xED\xA0\x80", 2},
      {"truncated", "\xE6\xBC", 2},
      {"truncated at the end of 4", "\xF0\x9F\x98", 2},
      {"above U+10FFFF", "\xF4\x90\x80\x80", 2},
      {"0xFF", "\xFF", 2},
  };
  for (const BadUtf8& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string name = "ok" + c.bytes + "tail";
    ProjectTitle out;
    ASSERT_EQ(out.assign("before"), Status::Ok);
    const Outcome outcome = format_project_title(name, "42", out);
    EXPECT_EQ(outcome.status(), Status::InvalidUtf8);
    EXPECT_EQ(outcome.error().detail.view(),
              "project name: invalid UTF-8 at byte " + std::to_string(c.offset));
    EXPECT_EQ(out.view(), "before");  // untouched on failure
  }
}

TEST(ProjectTitle, InvalidUtf8InTheIdIsRefused) {
  ProjectTitle out;
  const Outcome outcome = format_project_title("Task", "6b58\xC3", out);
  EXPECT_EQ(outcome.status(), Status::InvalidUtf8);
  EXPECT_EQ(outcome.error().detail.view(), "project id: invalid UTF-8 at byte 4");
  // Even past the 8 characters that would be shown: the input as a whole is wrong.
  EXPECT_EQ(status_of("Task", "6b5805c9-\xFF"), Status::InvalidUtf8);
}

TEST(ProjectTitle, HugeNameIsCutWithoutTrouble) {
  const std::string name(1 << 20, 'z');
  EXPECT_EQ(title_of(name, kUuid), std::string(36, 'z') + "... (6b5805c9)");
}

TEST(CountCodePoints, CountsLeadBytes) {
  EXPECT_EQ(count_code_points(""), 0u);
  EXPECT_EQ(count_code_points("abc"), 3u);
  EXPECT_EQ(count_code_points("\xE6\xBC\xA2\xF0\x9F\x98\x80"
                              "e\xCC\x81"),
            4u);
}

// ---- Property check against a straightforward model of the specification -------------------

std::u32string decode(const std::string& s) {
  std::u32string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto cp = utf8_decode(s, i);
    if (!cp) {
      ADD_FAILURE() << "invalid UTF-8 in the model's input";
      return out;
    }
    out.push_back(cp->value);
    i += cp->length;
  }
  return out;
}

std::string encode(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
    const auto v = static_cast<uint32_t>(c);
    if (v < 0x80) {
      out += static_cast<char>(v);
    } else if (v < 0x800) {
      out += static_cast<char>(0xC0 | (v >> 6));
      out += static_cast<char>(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
      out += static_cast<char>(0xE0 | (v >> 12));
      out += static_cast<char>(0x80 | ((v >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (v & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (v >> 18));
      out += static_cast<char>(0x80 | ((v >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((v >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (v & 0x3F));
    }
  }
  return out;
}

bool model_is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}
bool model_is_python_space(char32_t c) {  // str.isspace() for the code points generated below
  return c == 0x20 || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x85 ||
         c == 0xA0 || c == 0x3000 || c == 0x2003;
}

std::u32string model_rstrip(std::u32string s) {
  while (!s.empty() && model_is_python_space(s.back())) {
    s.pop_back();
  }
  return s;
}

std::u32string model_clean(const std::u32string& in) {
  std::u32string s;
  for (char32_t c : in) {
    s.push_back(model_is_control(c) ? U' ' : c);
  }
  size_t b = 0;
  while (b < s.size() && model_is_python_space(s[b])) {
    ++b;
  }
  return model_rstrip(s.substr(b));
}

// The expected title, or nullopt when the name is blank.
std::optional<std::string> model_title(const std::string& name, const std::string& id) {
  const std::u32string n = model_clean(decode(name));
  if (n.empty()) {
    return std::nullopt;
  }
  const std::u32string id8 = model_rstrip(model_clean(decode(id)).substr(0, 8));
  const std::u32string suffix = id8.empty() ? U"" : U" (" + id8 + U")";
  if (n.size() + suffix.size() <= 50) {
    return encode(n + suffix);
  }
  const std::u32string cut = model_rstrip(n.substr(0, 50 - suffix.size() - 3));
  return encode(cut + U"..." + suffix);
}

TEST(ProjectTitleProperty, MatchesTheModelOnGeneratedNames) {
  const std::vector<std::string> pieces = {
      "a",
      "Z",
      "7",
      " ",
      "\t",
      "\n",
      "\x7F",
      "\xC3\xA9",
      "\xCC\x81",
      "\xC2\x85",
      "\xC2\xA0",
      "\xE6\xBC\xA2",
      "-",
      "(",
      ")",
      ".",
      "\xE3\x80\x80",
      "\xE2\x80\x83",
      "\xF0\x9F\x98\x80",
      "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",  // emoji, emoji + skin tone
  };
  const std::vector<std::string> ids = {"",
                                        kUuid,
                                        "42",
                                        "  ",
                                        "\t7\t",
                                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80"
                                        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
                                        "abc def ghi"};
  std::mt19937 random(20240607);
  std::uniform_int_distribution<size_t> length(0, 90);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<size_t> pick_id(0, ids.size() - 1);
  size_t cut_titles = 0;
  for (int iteration = 0; iteration < 5000; ++iteration) {
    std::string name;
    const size_t n = length(random);
    for (size_t i = 0; i < n; ++i) {
      name += pieces[pick(random)];
    }
    const std::string& id = ids[pick_id(random)];
    SCOPED_TRACE(::testing::Message() << "iteration " << iteration);

    ProjectTitle out;
    const Outcome outcome = format_project_title(name, id, out);
    const std::optional<std::string> expected = model_title(name, id);
    if (!expected) {
      EXPECT_EQ(outcome.status(), Status::EmptyInput);
      continue;
    }
    if (cps(*expected) < kProjectTitleMinChars) {
      EXPECT_EQ(outcome.status(), Status::UsageError);
      continue;
    }
    ASSERT_TRUE(outcome.ok()) << outcome.error().detail.view();
    const std::string title(out.view());
    ASSERT_EQ(title, *expected);
    // Invariants, independent of the model.
    EXPECT_TRUE(utf8_valid(title));
    EXPECT_LE(count_code_points(title), kProjectTitleMaxChars);
    for (unsigned char c : title) {
      EXPECT_TRUE(c >= 0x20 && c != 0x7F) << "control byte in the title";
    }
    EXPECT_EQ(title.find("\xC2\x85"), std::string::npos);
    if (id == kUuid) {
      EXPECT_EQ(title.substr(title.size() - 11), " (6b5805c9)");
    }
    if (title.find("...") != std::string::npos && cps(name) > 50 - 11) {
      ++cut_titles;
    }
  }
  EXPECT_GT(cut_titles, 500u);  // the generator does exercise the cut
}

TEST(ProjectTitleProperty, RandomBytesNeverBreakIt) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> length(0, 120);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string name(length(random), '\0');
    for (char& c : name) {
      // Bias towards UTF-8 lead and continuation bytes so valid sequences occur too.
      const int b = byte(random);
      c = static_cast<char>(b < 96 ? b : (b < 176 ? 0x80 + b % 64 : 0xC0 + b % 64));
    }
    ProjectTitle out;
    const Outcome outcome = format_project_title(name, "42", out);
    if (!utf8_valid(name)) {
      EXPECT_EQ(outcome.status(), Status::InvalidUtf8);
      continue;
    }
    if (outcome.ok()) {
      EXPECT_TRUE(utf8_valid(out.view()));
      EXPECT_LE(count_code_points(out.view()), kProjectTitleMaxChars);
    } else {
      EXPECT_EQ(outcome.status(), Status::EmptyInput);
    }
  }
}

TEST(ProjectTitle, ShorterThanThreeCharactersIsRefused) {
  // Label Studio's PROJECT_TITLE_MIN_LEN, counted in characters after formatting.
  for (const char* name : {"a", "ab", " ab ", "\xC3\xA9\xC3\xA9", "a\tb"}) {
    if (std::string_view(name) == "a\tb") {
      EXPECT_EQ(title_of(name, ""), "a b");  // the tab became a space: 3 characters
      continue;
    }
    ProjectTitle out;
    const Outcome outcome = format_project_title(name, "", out);
    EXPECT_EQ(outcome.status(), Status::UsageError) << name;
    EXPECT_NE(std::string(outcome.error().detail.view()).find("shorter than the 3 characters"),
              std::string::npos);
  }
  EXPECT_EQ(title_of("abc", ""), "abc");
  EXPECT_EQ(title_of("\xC3\xA9\xC3\xA9\xC3\xA9", ""),
            "\xC3\xA9\xC3\xA9\xC3\xA9");     // 3 characters, 6 bytes
  EXPECT_EQ(title_of("ab", "1"), "ab (1)");  // the id makes it long enough
}

}  // namespace
}  // namespace lsedge::labelstudio
