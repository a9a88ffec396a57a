#include "firmware/app/dotenv.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace lsedge::app {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

class Recorder final : public DotenvVisitor {
 public:
  Entries entries;
  std::set<std::string> only;  // empty: wants every key
  std::string fail_on;         // a key whose entry fails the parse

  bool wants(std::string_view key) const override {
    return only.empty() || only.count(std::string(key)) != 0;
  }
  Outcome on_entry(std::string_view key, std::string_view value) override {
    if (key == fail_on) {
      return Error(Status::ConfigInvalid, "visitor says no");
    }
    entries.emplace_back(std::string(key), std::string(value));
    return {};
  }
};

struct Parsed {
  Outcome outcome;
  Entries entries;
};

Parsed parse(std::string_view text, size_t scratch_size = 256) {
  std::vector<char> scratch(scratch_size);
  Recorder recorder;
  Outcome outcome = parse_dotenv(text, Span<char>(scratch.data(), scratch.size()), recorder);
  return Parsed{outcome, recorder.entries};
}

Entries entries_of(std::string_view text) {
  Parsed p = parse(text);
  EXPECT_TRUE(p.outcome.ok()) << p.outcome.error().detail.view();
  return p.entries;
}

Error error_of(std::string_view text) {
  Parsed p = parse(text);
  EXPECT_FALSE(p.outcome.ok()) << "accepted: " << text;
  return p.outcome.error();
}

TEST(Dotenv, KeyValueLines) {
  EXPECT_EQ(entries_of("A=1\nB=two words\nC_3=x\n"),
            (Entries{{"A", "1"}, {"B", "two words"}, {"C_3", "x"}}));
  EXPECT_EQ(entries_of("LAST=no newline"), (Entries{{"LAST", "no newline"}}));
  EXPECT_EQ(entries_of(""), Entries{});
}

TEST(Dotenv, ExportPrefix) {
  EXPECT_EQ(entries_of("export A=1\nexport\tB=2\n  export   C = 3\n"),
            (Entries{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
  // Only "export" followed by a blank is the prefix.
  EXPECT_EQ(entries_of("exported=1\nexport=2\n"), (Entries{{"exported", "1"}, {"export", "2"}}));
}

TEST(Dotenv, CommentsAndBlankLines) {
  const char* text =
      "# a comment\n"
      "\n"
      "   # an indented comment\n"
      "   \t\n"
      "A=1 # trailing comment\n"
      "B=x#not a comment\n"
      "C= #only a comment\n"
      "D=#value\n"
      "E=a\t# tab before the hash\n";
  EXPECT_EQ(
      entries_of(text),
      (Entries{{"A", "1"}, {"B", "x#not a comment"}, {"C", ""}, {"D", "#value"}, {"E", "a"}}));
}

TEST(Dotenv, WhitespaceAroundEqualsAndValueIsDropped) {
  EXPECT_EQ(entries_of("  KEY   =   spaced  value \t\n"), (Entries{{"KEY", "spaced  value"}}));
  EXPECT_EQ(entries_of("EMPTY=\nBLANK=   \n"), (Entries{{"EMPTY", ""}, {"BLANK", ""}}));
}

TEST(Dotenv, SingleQuotesAreLiteral) {
  EXPECT_EQ(entries_of("A='literal \\n $HOME # not a comment \"q\"'\n"),
            (Entries{{"A", "literal \\n $HOME # not a comment \"q\""}}));
  EXPECT_EQ(entries_of("A = '  kept spaces  '  # comment\n"), (Entries{{"A", "  kept spaces  "}}));
  EXPECT_EQ(entries_of("A=''\n"), (Entries{{"A", ""}}));
}

TEST(Dotenv, DoubleQuotesUnescape) {
  EXPECT_EQ(entries_of(R"(A="line1\nline2 \"q\" back\\slash\ttab \'s")"),
            (Entries{{"A", "line1\nline2 \"q\" back\\slash\ttab 's"}}));
  // Unknown escapes are kept as written; no variable expansion.
  EXPECT_EQ(entries_of(R"(A="C:\path ${HOME} \x")"), (Entries{{"A", "C:\\path ${HOME} \\x"}}));
  EXPECT_EQ(entries_of("A=\"a # b\" # c\n"), (Entries{{"A", "a # b"}}));
  EXPECT_EQ(entries_of("A=\"\"\n"), (Entries{{"A", ""}}));
}

TEST(Dotenv, QuotedValuesMaySpanLines) {
  const char* text =
      "CERT=\"-----BEGIN-----\n"
      "MIIB\n"
      "-----END-----\"\n"
      "NEXT='a\n"
      "b'\n"
      "LAST=1\n";
  EXPECT_EQ(
      entries_of(text),
      (Entries{{"CERT", "-----BEGIN-----\nMIIB\n-----END-----"}, {"NEXT", "a\nb"}, {"LAST", "1"}}));
  // Line numbers keep counting inside multi-line values.
  const Error error = error_of("A=\"x\ny\nz\"\nB=1\nbroken\n");
  EXPECT_EQ(error.detail.view().substr(0, 11), ".env line 5");
}

TEST(Dotenv, CrlfLineEndings) {
  EXPECT_EQ(entries_of("A=1\r\n# c\r\n\r\nB='x'\r\nC=\"y\" # c\r\nD=two words \r\n"),
            (Entries{{"A", "1"}, {"B", "x"}, {"C", "y"}, {"D", "two words"}}));
  EXPECT_EQ(error_of("A=1\r\n\r\nbroken\r\n").detail.view().substr(0, 11), ".env line 3");
}

TEST(Dotenv, ByteOrderMarkIsSkipped) {
  EXPECT_EQ(entries_of("\xEF\xBB\xBF"
                       "A=1\n"),
            (Entries{{"A", "1"}}));
  // Only at the start.
  EXPECT_EQ(error_of("A=1\n\xEF\xBB\xBF"
                     "B=2\n")
                .status,
            Status::ConfigInvalid);
}

TEST(Dotenv, RepeatedKeysAreAllReportedInOrder) {
  EXPECT_EQ(entries_of("A=1\nA=2\n"), (Entries{{"A", "1"}, {"A", "2"}}));
}

TEST(Dotenv, KeysWithDotsAndDashes) {
  EXPECT_EQ(entries_of("spring.url=x\nmy-key=y\n_k=z\n"),
            (Entries{{"spring.url", "x"}, {"my-key", "y"}, {"_k", "z"}}));
}

struct Malformed {
  const char* text;
  size_t line;
};

TEST(Dotenv, MalformedLinesNameTheLine) {
  const std::vector<Malformed> cases = {
      {"JUSTTEXT\n", 1},
      {"A=1\nB\n", 2},
      {"A=1\n\n=x\n", 3},
      {"1A=2\n", 1},
      {"A B=2\n", 1},
      {"A=\"unterminated\nB=2\n", 1},
      {"A=1\nB='unterminated\n", 2},
      {"A=\"escaped end\\\"\n", 1},
      {"A='x' extra\n", 1},
      {"A=\"x\"y\n", 1},
      {"export\n", 1},
      {"export A\n", 1},
      {"-A=1\n", 1},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.text);
    const Error error = error_of(c.text);
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    const std::string prefix = ".env line " + std::to_string(c.line) + ": ";
    EXPECT_EQ(std::string(error.detail.view()).rfind(prefix, 0), 0u) << error.detail.view();
  }
}

TEST(Dotenv, ErrorsNeverQuoteTheLine) {
  // A token pasted without a key, and a value after a bad quote: neither may reach the detail.
  const std::string token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXNlY3JldA";
  for (const std::string& text :
       {"A=1\n" + token + "\n", "T='" + token + "' " + token + "\n", "T=\"" + token}) {
    const Error error = error_of(text);
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_EQ(error.detail.view().find("eyJ"), std::string_view::npos) << error.detail.view();
    EXPECT_EQ(error.detail.view().find("c2Vj"), std::string_view::npos) << error.detail.view();
  }
}

TEST(Dotenv, NulByteIsRefused) {
  const Error error = error_of(std::string("A=1\nB=x\0y\n", 10));
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_EQ(error.detail.view().substr(0, 11), ".env line 2");
}

TEST(Dotenv, OnlyEscapedValuesNeedScratch) {
  // Unquoted, single-quoted and escape-free double-quoted values are views into the text.
  Parsed p = parse("A=plain\nB='single'\nC=\"double\"\n", 0);
  ASSERT_TRUE(p.outcome.ok());
  EXPECT_EQ(p.entries, (Entries{{"A", "plain"}, {"B", "single"}, {"C", "double"}}));
  // An escaped value must fit: "a\nb" unescapes to 3 bytes.
  EXPECT_TRUE(parse("A=\"a\\nb\"\n", 3).outcome.ok());
  Parsed small = parse("X=1\nA=\"a\\nb\"\n", 2);
  EXPECT_EQ(small.outcome.status(), Status::BufferTooSmall);
  EXPECT_EQ(small.outcome.error().detail.view().substr(0, 11), ".env line 2");
  EXPECT_NE(small.outcome.error().detail.view().find("value of A "), std::string_view::npos);
  // Unknown escapes keep both bytes: "\x" needs 2.
  EXPECT_EQ(parse("A=\"\\x\"\n", 1).outcome.status(), Status::BufferTooSmall);
  EXPECT_TRUE(parse("A=\"\\x\"\n", 2).outcome.ok());
}

TEST(Dotenv, ScratchIsReusedSoEachValueMustBeCopiedInTheCallback) {
  // Documented contract: the value view is valid during on_entry only. The recorder copies.
  Parsed p = parse("A=\"1\\t\"\nB=\"2\\t\"\n", 2);
  ASSERT_TRUE(p.outcome.ok());
  EXPECT_EQ(p.entries, (Entries{{"A", "1\t"}, {"B", "2\t"}}));
}

TEST(Dotenv, UnwantedKeysAreSkippedWithoutScratch) {
  std::vector<char> scratch(4);
  Recorder recorder;
  recorder.only = {"WANTED"};
  const std::string text = "OTHER=\"" + std::string(100, 'x') + "\\n\"\nWANTED=yes\nALSO=1\n";
  const Outcome outcome = parse_dotenv(text, Span<char>(scratch.data(), scratch.size()), recorder);
  ASSERT_TRUE(outcome.ok()) << outcome.error().detail.view();
  EXPECT_EQ(recorder.entries, (Entries{{"WANTED", "yes"}}));
  // Syntax is still checked for unwanted keys.
  EXPECT_EQ(
      parse_dotenv("OTHER='open\n", Span<char>(scratch.data(), scratch.size()), recorder).status(),
      Status::ConfigInvalid);
}

TEST(Dotenv, VisitorFailureStopsTheParse) {
  std::vector<char> scratch(16);
  Recorder recorder;
  recorder.fail_on = "B";
  const Outcome outcome =
      parse_dotenv("A=1\nB=2\nC=3\n", Span<char>(scratch.data(), scratch.size()), recorder);
  EXPECT_EQ(outcome.status(), Status::ConfigInvalid);
  EXPECT_EQ(outcome.error().detail.view(), "visitor says no");
  EXPECT_EQ(recorder.entries, (Entries{{"A", "1"}}));
}

TEST(Dotenv, RandomTextNeverBreaksIt) {
  const std::string alphabet = "AB_=#'\"\\ \t\r\nxport0.-\xEF\xBB\xBF";
  std::mt19937 random(11);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 64);
  std::uniform_int_distribution<size_t> scratch_size(0, 8);
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text(length(random), ' ');
    for (char& c : text) {
      c = alphabet[pick(random)];
    }
    std::vector<char> scratch(scratch_size(random));
    Recorder recorder;
    const Outcome outcome =
        parse_dotenv(text, Span<char>(scratch.data(), scratch.size()), recorder);
    if (!outcome.ok()) {
      EXPECT_TRUE(outcome.status() == Status::ConfigInvalid ||
                  outcome.status() == Status::BufferTooSmall);
      EXPECT_EQ(outcome.error().detail.view().substr(0, 10), ".env line ");
    }
    for (const auto& [key, value] : recorder.entries) {
      EXPECT_FALSE(key.empty());
      EXPECT_LE(value.size(), text.size());
    }
  }
}

}  // namespace
}  // namespace lsedge::app
