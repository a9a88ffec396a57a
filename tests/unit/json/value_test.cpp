#include "firmware/json/value.h"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "board_sizes.h"

namespace lsedge::json {
namespace {

using namespace std::string_view_literals;

// Arena big enough for every small document below.
class JsonParse : public ::testing::Test {
 protected:
  StaticArena<16384> arena;
};

TEST_F(JsonParse, ReadsAWhoamiLikeObject) {
  const auto root = parse(R"({"id": 1, "email": "a@b.c", "active": true,
                              "first_name": "J\u00fcrgen", "org": null, "ratio": 0.5})",
                          arena);
  ASSERT_TRUE(root.ok()) << root.error().detail.c_str();
  EXPECT_TRUE(root->is_object());
  EXPECT_EQ(root->size(), 6u);
  EXPECT_EQ(root->get("id").as_int64(), 1);
  EXPECT_EQ(root->get("email").as_string(), "a@b.c"sv);
  EXPECT_EQ(root->get("active").as_bool(), true);
  EXPECT_EQ(root->get("first_name").as_string(), "J\xC3\xBCrgen"sv);  // \u escape -> UTF-8
  EXPECT_TRUE(root->get("org").exists());
  EXPECT_TRUE(root->get("org").is_null());
  EXPECT_EQ(root->get("ratio").as_double(), 0.5);
  EXPECT_GT(arena.used(), 0u);  // the tree lives in the arena
}

TEST_F(JsonParse, MissingKeysAndWrongTypesGiveNulloptNotCrashes) {
  const auto root = parse(R"({"s": "text", "n": 5, "a": [1], "o": {}})", arena);
  ASSERT_TRUE(root.ok());
  const Value missing = root->get("nope");
  EXPECT_FALSE(missing.exists());
  EXPECT_FALSE(missing.is_null());  // missing is not JSON null
  EXPECT_FALSE(missing.as_string());
  EXPECT_FALSE(missing.get("deeper").get("still").exists());
  EXPECT_FALSE(missing.at(0).exists());
  EXPECT_EQ(missing.size(), 0u);
  EXPECT_FALSE(root->get("s").as_int64());
  EXPECT_FALSE(root->get("s").as_bool());
  EXPECT_FALSE(root->get("n").as_string());
  EXPECT_FALSE(root->get("a").as_string());
  EXPECT_FALSE(root->get("s").get("x").exists());  // get on a non-object
  EXPECT_FALSE(root->get("S").exists());           // keys are case-sensitive
  EXPECT_EQ(root->get("o").size(), 0u);
  EXPECT_FALSE(Value().exists());
}

TEST_F(JsonParse, KeyLookupUsesTheWholeKeyNotAPrefix) {
  const auto root = parse(R"({"exp_x": 1, "exp": 2, "ex": 3})", arena);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->get("exp").as_int64(), 2);
  EXPECT_EQ(root->get("ex").as_int64(), 3);
  EXPECT_FALSE(root->get("e").exists());
  EXPECT_FALSE(root->get("exp\0"sv).exists());
}

TEST_F(JsonParse, DuplicateKeysResolveToTheFirst) {
  const auto root = parse(R"({"token_type": "refresh", "token_type": "access"})", arena);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->get("token_type").as_string(), "refresh"sv);
}

TEST_F(JsonParse, IteratesArraysAndObjectMembersInOrder) {
  const auto root = parse(
      R"({"validation_errors": {"title": ["too long", "bad"], "label_config": ["empty"]},
          "ids": [3, 1, 2]})",
      arena);
  ASSERT_TRUE(root.ok());
  std::vector<std::string> seen;
  for (Value field : root->get("validation_errors").items()) {
    for (Value message : field.items()) {
      seen.push_back(std::string(field.key()) + ": " + std::string(*message.as_string()));
    }
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"title: too long", "title: bad", "label_config: empty"}));
  std::vector<int64_t> ids;
  for (Value id : root->get("ids").items()) {
    ids.push_back(*id.as_int64());
    EXPECT_EQ(id.key(), ""sv);
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(root->get("ids").at(2).as_int64(), 2);
  EXPECT_FALSE(root->get("ids").at(3).exists());
  EXPECT_EQ(root->at(1).key(), "ids"sv);
  int scalars = 0;
  for (Value v : root->get("ids").at(0).items()) {  // a scalar has no items
    (void)v;
    ++scalars;
  }
  EXPECT_EQ(scalars, 0);
}

TEST_F(JsonParse, AsInt64TakesWholeNumbersWithinTheExactDoubleRange) {
  const auto root = parse(R"([0, -1, 8076731227, 1769531227, 1e3, 2.0, -0.0,
                              9007199254740991, -9007199254740991,
                              2.5, 9007199254740992, 9223372036854775807, 1e300, -1e300,
                              18446744073709551616])",
                          arena);
  ASSERT_TRUE(root.ok());
  const Value a = *root;
  EXPECT_EQ(a.at(0).as_int64(), 0);
  EXPECT_EQ(a.at(1).as_int64(), -1);
  EXPECT_EQ(a.at(2).as_int64(), 8076731227);  // a PAT's exp: beyond 2038 and 32 bits
  EXPECT_EQ(a.at(3).as_int64(), 1769531227);
  EXPECT_EQ(a.at(4).as_int64(), 1000);
  EXPECT_EQ(a.at(5).as_int64(), 2);
  EXPECT_EQ(a.at(6).as_int64(), 0);
  EXPECT_EQ(a.at(7).as_int64(), 9007199254740991);
  EXPECT_EQ(a.at(8).as_int64(), -9007199254740991);
  EXPECT_FALSE(a.at(9).as_int64()) << "fractional";
  EXPECT_FALSE(a.at(10).as_int64()) << "2^53 may be a rounded 2^53+1";
  EXPECT_FALSE(a.at(11).as_int64()) << "INT64_MAX is not exact in a double";
  EXPECT_FALSE(a.at(12).as_int64());
  EXPECT_FALSE(a.at(13).as_int64());
  EXPECT_FALSE(a.at(14).as_int64());
  EXPECT_EQ(a.at(9).as_double(), 2.5);
}

TEST_F(JsonParse, RequireHelpersNameTheMissingField) {
  const auto root = parse(R"({"access": 42, "id": "7"})", arena);
  ASSERT_TRUE(root.ok());
  const auto access = root->require_string("access");
  ASSERT_FALSE(access.ok());
  EXPECT_EQ(access.status(), Status::JsonMissingField);
  EXPECT_EQ(access.error().detail, "access"sv);
  EXPECT_EQ(root->require_int64("id").status(), Status::JsonMissingField);
  EXPECT_EQ(root->require_int64("access").value(), 42);
  EXPECT_EQ(root->require_string("absent").error().detail, "absent"sv);
}

TEST_F(JsonParse, AcceptsAnyTopLevelValueAndSurroundingWhitespaceAndABom) {
  EXPECT_EQ(parse("  42 \r\n", arena)->as_int64(), 42);
  EXPECT_EQ(parse("\"x\"", arena)->as_string(), "x"sv);
  EXPECT_TRUE(parse("null", arena)->is_null());
  EXPECT_TRUE(parse("[]", arena)->is_array());
  EXPECT_EQ(parse("\xEF\xBB\xBF{\"a\":1}", arena)->get("a").as_int64(), 1);
}

TEST_F(JsonParse, RejectsInvalidJsonWithJsonInvalid) {
  const char* bad[] = {"",
                       "   ",
                       "{",
                       "{\"a\":}",
                       "{\"a\" 1}",
                       "{'a': 1}",
                       "[1,]",
                       "[1 2]",
                       "tru",
                       "nul",
                       "\"unterminated",
                       "{\"a\":1}}",
                       "{\"a\":1} {\"b\":2}",
                       "{\"a\":1} x",
                       "<html><body>502 Bad Gateway</body></html>",
                       "\"bad escape \\x\"",
                       "\"lone high surrogate \\ud800\"",
                       "\"lone low surrogate \\udc00\""};
  for (const char* text : bad) {
    arena.reset();
    const auto result = parse(text, arena);
    EXPECT_EQ(result.status(), Status::JsonInvalid) << "input: " << text;
    EXPECT_FALSE(result.error().detail.empty()) << "input: " << text;
  }
}

TEST_F(JsonParse, SyntaxErrorDetailTellsWhere) {
  const auto result = parse("{\"a\": 1, \"b\": ?}", arena);
  ASSERT_EQ(result.status(), Status::JsonInvalid);
  EXPECT_NE(std::string(result.error().detail.c_str()).find("at byte 14"), std::string::npos)
      << result.error().detail.c_str();
  const auto trailing = parse("[1] [2]", arena);
  EXPECT_NE(std::string(trailing.error().detail.c_str()).find("after the JSON value at byte 4"),
            std::string::npos)
      << trailing.error().detail.c_str();
}

TEST_F(JsonParse, RejectsInvalidUtf8AnywhereInTheText) {
  EXPECT_EQ(parse("{\"a\": \"caf\xE9\"}", arena).status(), Status::JsonInvalid);
  EXPECT_EQ(parse("{\"a\xFF\": 1}", arena).status(), Status::JsonInvalid);
  EXPECT_EQ(parse("{\"a\": \"\xED\xA0\x80\"}", arena).status(), Status::JsonInvalid);
  EXPECT_TRUE(parse("{\"a\": \"caf\xC3\xA9\"}", arena).ok());
}

// The pre-scan skips string bodies 8 bytes at a time: a fault at any offset in a long string,
// and just after it, is still found, and a long clean string still parses whole.
TEST_F(JsonParse, LongStringsAreCheckedAtEveryOffset) {
  for (size_t at = 0; at < 40; ++at) {
    const std::string plain(48, 'x');
    std::string bad = plain;
    bad[at] = '\xFF';
    arena.reset();
    EXPECT_EQ(parse("{\"k\": \"" + bad + "\"}", arena).status(), Status::JsonInvalid) << at;
    std::string utf8 = plain;
    utf8.replace(at, 2, "\xC3\xA9");
    arena.reset();
    EXPECT_TRUE(parse("{\"k\": \"" + utf8 + "\"}", arena).ok()) << at;
    std::string truncated = plain.substr(0, at) + "\xE2\x82";  // € cut short before the quote
    arena.reset();
    EXPECT_EQ(parse("[\"" + truncated + "\"]", arena).status(), Status::JsonInvalid) << at;
    std::string nul = plain;
    nul.replace(at, 6, "\\u0000");
    arena.reset();
    EXPECT_EQ(parse("[\"" + nul + "\"]", arena).status(), Status::JsonInvalid) << at;
    std::string quote = plain;
    quote.replace(at, 2, "\\\"");  // an escaped quote does not end the string
    arena.reset();
    const auto parsed = parse("{\"k\": \"" + quote + "\", \"n\": [[1]]}", arena);
    ASSERT_TRUE(parsed.ok()) << at;
    EXPECT_EQ(parsed->get("k").as_string()->size(), 47u);
  }
}

TEST_F(JsonParse, RefusesEscapedNulBecauseItWouldTruncateTheString) {
  const auto result = parse(R"({"username": "admin\u0000evil"})", arena);
  EXPECT_EQ(result.status(), Status::JsonInvalid);
  // An escaped backslash followed by "u0000" is plain text, not a NUL.
  const auto fine = parse(R"({"path": "C:\\u0000"})", arena);
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->get("path").as_string(), "C:\\u0000"sv);
}

std::string nested(size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

TEST_F(JsonParse, NestingIsBoundedByTheBoardLimit) {
  EXPECT_TRUE(parse(nested(LSEDGE_JSON_MAX_DEPTH, '[', ']'), arena).ok());
  arena.reset();
  const auto deep = parse(nested(LSEDGE_JSON_MAX_DEPTH + 1, '[', ']'), arena);
  EXPECT_EQ(deep.status(), Status::JsonInvalid);
  EXPECT_NE(std::string(deep.error().detail.c_str()).find("LSEDGE_JSON_MAX_DEPTH"),
            std::string::npos);
  // Mixed objects and arrays count alike; brackets inside strings do not count.
  std::string mixed;
  for (int i = 0; i < LSEDGE_JSON_MAX_DEPTH / 2 + 1; ++i) {
    mixed += "{\"k\":[";
  }
  EXPECT_EQ(parse(mixed, arena).status(), Status::JsonInvalid);
  const std::string brackets_in_string = "[\"" + std::string(1000, '[') + "\"]";
  arena.reset();
  EXPECT_TRUE(parse(brackets_in_string, arena).ok());
}

// The 8-bytes-at-a-time pass lets a plain text through only while its brackets cannot nest past
// the limit; a text with more goes through the exact scan, which counts only real nesting.
TEST_F(JsonParse, BracketCountsAtTheLimitAreExact) {
  std::string flat = "[";
  for (int i = 0; i < LSEDGE_JSON_MAX_DEPTH + 5; ++i) {
    flat += std::string(i == 0 ? "" : ",") + "[]";
  }
  flat += "]";
  EXPECT_TRUE(parse(flat, arena).ok()) << "many brackets, shallow nesting";
  for (size_t pad = 0; pad < 9; ++pad) {
    arena.reset();
    const std::string deep = std::string(pad, ' ') + nested(LSEDGE_JSON_MAX_DEPTH + 1, '[', ']');
    EXPECT_EQ(parse(deep, arena).status(), Status::JsonInvalid) << pad;
    arena.reset();
    const std::string ok = std::string(pad, ' ') + nested(LSEDGE_JSON_MAX_DEPTH, '[', ']');
    EXPECT_TRUE(parse(ok, arena).ok()) << pad;
  }
}

TEST_F(JsonParse, HostileDepthIsRefusedBeforeCJsonRecurses) {
  // 100 000 levels would overflow a small thread stack inside a recursive parser.
  StaticArena<1024> small;
  EXPECT_EQ(parse(std::string(100000, '['), small).status(), Status::JsonInvalid);
  EXPECT_EQ(small.used(), 0u);  // refused before cJSON allocated anything
}

TEST(JsonArena, ExhaustionIsBufferTooSmallAndTheArenaIsNeverExceeded) {
  std::string big = "[";
  for (int i = 0; i < 200; ++i) {
    big += (i ? "," : "") + std::to_string(i);
  }
  big += "]";
  StaticArena<512> small;
  const auto result = parse(big, small);
  ASSERT_EQ(result.status(), Status::BufferTooSmall);
  EXPECT_NE(std::string(result.error().detail.c_str()).find("512"), std::string::npos);
  EXPECT_LE(small.high_water(), small.capacity());

  // The same document fits a larger arena; the status tells "too small" from "invalid".
  StaticArena<65536> large;
  const auto ok = parse(big, large);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 200u);
  EXPECT_EQ(ok->at(199).as_int64(), 199);
}

TEST(JsonArena, ANearlyFullArenaFailsCleanlyAtEverySize) {
  const std::string doc = R"({"detail": "Token is blacklisted", "code": "token_not_valid",
                              "messages": [{"token_class": "RefreshToken"}]})";
  std::vector<uint8_t> memory(4096);
  size_t needed = 0;
  {
    Arena arena(ByteSpan(memory.data(), memory.size()));
    ASSERT_TRUE(parse(doc, arena).ok());
    needed = arena.used();
  }
  for (size_t size = 0; size < needed; ++size) {
    std::vector<uint8_t> exact(size);  // exact size so ASan sees any overrun
    Arena arena(ByteSpan(exact.data(), exact.size()));
    EXPECT_EQ(parse(doc, arena).status(), Status::BufferTooSmall) << "arena of " << size;
  }
  std::vector<uint8_t> exact(needed);
  Arena arena(ByteSpan(exact.data(), exact.size()));
  EXPECT_TRUE(parse(doc, arena).ok());
}

TEST(JsonArena, ParsedValuesLiveInTheArenaGivenToParse) {
  StaticArena<4096> arena;
  const auto root = parse(R"({"access": "eyJ.x.y"})", arena);
  ASSERT_TRUE(root.ok());
  const std::string_view access = *root->get("access").as_string();
  const auto* begin = reinterpret_cast<const uint8_t*>(&arena);
  const auto* p = reinterpret_cast<const uint8_t*>(access.data());
  EXPECT_GE(p, begin);
  EXPECT_LT(p, begin + sizeof(arena));
}

TEST(JsonArena, ScopesNestAndRestoreThePreviousArena) {
  StaticArena<4096> outer;
  StaticArena<4096> inner;
  ArenaScope scope(outer);
  ASSERT_TRUE(parse("[1,2,3]", inner).ok());  // parse uses its own arena ...
  EXPECT_GT(inner.used(), 0u);
  EXPECT_EQ(outer.used(), 0u);  // ... and leaves the outer scope's alone
}

// Text placed so that it ends exactly where an inaccessible page begins: any read past its end
// faults, also inside libcjson, which the sanitizers do not instrument.
class GuardedText {
 public:
  GuardedText() {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* memory =
        mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(memory, MAP_FAILED);
    base_ = static_cast<char*>(memory);
    EXPECT_EQ(mprotect(base_ + page_, page_, PROT_NONE), 0);
  }
  ~GuardedText() { munmap(base_, 2 * page_); }
  std::string_view place(std::string_view text) {
    char* start = base_ + page_ - text.size();
    std::memcpy(start, text.data(), text.size());
    return std::string_view(start, text.size());
  }

 private:
  size_t page_ = 0;
  char* base_ = nullptr;
};

TEST(JsonArena, EveryPrefixOfADocumentIsHandledWithoutReadingPastIt) {
  const std::string doc =
      R"({"id": 12, "title": "Caf\u00e9 \ud83d\ude00", "tags": ["a", "b\n"], "x": -1.5e-3,)"
      R"( "ok": true, "none": null, "f": false, "deep": [[{"k": [1]}]]})";
  StaticArena<16384> arena;
  GuardedText guarded;
  for (size_t cut = 0; cut <= doc.size(); ++cut) {
    arena.reset();
    const auto result = parse(guarded.place(std::string_view(doc).substr(0, cut)), arena);
    if (cut == doc.size()) {
      ASSERT_TRUE(result.ok()) << result.error().detail.c_str();
      EXPECT_EQ(result->get("title").as_string(), "Caf\xC3\xA9 \xF0\x9F\x98\x80"sv);
    } else {
      EXPECT_FALSE(result.ok()) << "prefix of " << cut;
    }
  }
  // Texts ending inside an escape, a number or a literal, right at the guard page.
  for (const char* tail : {"\"\\", "\"\\u", "\"\\u12", "\"\\ud83d\\u", "-", "1e", "t", "fals",
                           "nul", "[1,", "{\"a\"", "{\"a\":"}) {
    arena.reset();
    EXPECT_EQ(parse(guarded.place(tail), arena).status(), Status::JsonInvalid) << tail;
  }
  // A complete number at the very end must not make cJSON read on for more digits.
  arena.reset();
  EXPECT_EQ(parse(guarded.place("12345"), arena)->as_int64(), 12345);
  EXPECT_TRUE(parse(guarded.place("true"), arena)->as_bool().value());
}

TEST(JsonThreads, ParsingOnManyThreadsUsesEachThreadsOwnArena) {
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &failures] {
      StaticArena<8192> arena;
      for (int i = 0; i < 200; ++i) {
        arena.reset();
        const std::string doc =
            "{\"thread\": " + std::to_string(t) + ", \"i\": " + std::to_string(i) + "}";
        const auto root = parse(doc, arena);
        if (!root.ok() || root->get("thread").as_int64() != t || root->get("i").as_int64() != i) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures, std::vector<int>(8, 0));
}

}  // namespace
}  // namespace lsedge::json
