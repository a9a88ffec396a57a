#include "firmware/json/writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/core/arena.h"
#include "firmware/json/value.h"

namespace lsedge::json {
namespace {

using namespace std::string_view_literals;

// A JSON string value written alone, or the failure.
std::string written(std::string_view value) {
  uint8_t buffer[512];
  Writer writer(buffer);
  const Status status = writer.string(value);
  if (status != Status::Ok) {
    return std::string("<") + status_name(status) + ">";
  }
  return std::string(writer.text());
}

TEST(JsonWriter, WritesTheRefreshBody) {
  uint8_t buffer[128];
  Writer w(buffer);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.member_string("refresh", "eyJh.eyJ0.sig"), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  const auto size = w.finish();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 27u);
  EXPECT_EQ(w.text(), R"({"refresh":"eyJh.eyJ0.sig"})"sv);
}

TEST(JsonWriter, WritesNestedContainersWithCommasInTheRightPlaces) {
  uint8_t buffer[256];
  Writer w(buffer);
  ASSERT_EQ(w.begin_array(), Status::Ok);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.member_string("image", "/data/1.jpg"), Status::Ok);
  ASSERT_EQ(w.member_int64("n", -42), Status::Ok);
  ASSERT_EQ(w.member_bool("ok", true), Status::Ok);
  ASSERT_EQ(w.member_null("none"), Status::Ok);
  ASSERT_EQ(w.key("tags"), Status::Ok);
  ASSERT_EQ(w.begin_array(), Status::Ok);
  ASSERT_EQ(w.end_array(), Status::Ok);
  ASSERT_EQ(w.key("meta"), Status::Ok);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  ASSERT_EQ(w.boolean(false), Status::Ok);
  ASSERT_EQ(w.null(), Status::Ok);
  ASSERT_EQ(w.string("s"), Status::Ok);
  ASSERT_EQ(w.int64(7), Status::Ok);
  ASSERT_EQ(w.end_array(), Status::Ok);
  ASSERT_TRUE(w.finish().ok());
  EXPECT_EQ(w.text(),
            R"([{"image":"/data/1.jpg","n":-42,"ok":true,"none":null,"tags":[],"meta":{}},)"
            R"(false,null,"s",7])"sv);
}

TEST(JsonWriter, EscapesQuotesBackslashesAndEveryControlCharacter) {
  EXPECT_EQ(written("plain"), R"("plain")");
  EXPECT_EQ(written(""), R"("")");
  EXPECT_EQ(written("say \"hi\""), R"("say \"hi\"")");
  EXPECT_EQ(written("C:\\path\\"), R"("C:\\path\\")");
  EXPECT_EQ(written("a\nb\rc\td\be\ff"), R"("a\nb\rc\td\be\ff")");
  EXPECT_EQ(written("\x00\x01\x1f"sv), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(written("\x7f / </script>"), R"("\u007f / </script>")");  // DEL: for terminals
  EXPECT_EQ(written("Caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"Caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

// JSON printed on a terminal (--json) cannot drive it: C1 controls (U+009B is a one-character CSI
// for some terminals) are \u escapes too; other characters stay UTF-8, and all round-trip.
TEST(JsonWriter, EscapesC1ControlsAndDelAndTheyRoundTrip) {
  EXPECT_EQ(written("\xC2\x9B"
                    "31m \xC2\x80\xC2\x9F\xC2\xA0\xC3\x9B"),
            "\"\\u009b31m \\u0080\\u009f\xC2\xA0\xC3\x9B\"");
  const std::string all = "a\x7f\xC2\x85\xC2\x9B\xC2\xA9z";
  uint8_t buffer[128];
  Writer w(buffer);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.member_string("v", all), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  StaticArena<4096> arena;
  const auto parsed = parse(w.text(), arena);
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail.c_str();
  EXPECT_EQ(parsed->get("v").as_string(), std::string_view(all));
}

TEST(JsonWriter, EscapesKeysToo) {
  uint8_t buffer[64];
  Writer w(buffer);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.member_int64("a\"b\n", 1), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  EXPECT_EQ(w.text(), R"({"a\"b\n":1})"sv);
}

TEST(JsonWriter, EveryControlCharacterRoundTripsThroughTheParser) {
  std::string all;
  for (int c = 1; c < 0x20; ++c) {
    all += static_cast<char>(c);
  }
  all += "\"\\/";
  uint8_t buffer[512];
  Writer w(buffer);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.member_string("v", all), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  StaticArena<4096> arena;
  const auto parsed = parse(w.text(), arena);
  ASSERT_TRUE(parsed.ok()) << parsed.error().detail.c_str();
  EXPECT_EQ(parsed->get("v").as_string(), std::string_view(all));
}

TEST(JsonWriter, WritesTheInt64Extremes) {
  uint8_t buffer[64];
  Writer w(buffer);
  ASSERT_EQ(w.begin_array(), Status::Ok);
  ASSERT_EQ(w.int64(INT64_MIN), Status::Ok);
  ASSERT_EQ(w.int64(INT64_MAX), Status::Ok);
  ASSERT_EQ(w.int64(0), Status::Ok);
  ASSERT_EQ(w.int64(8076731227), Status::Ok);
  ASSERT_EQ(w.end_array(), Status::Ok);
  EXPECT_EQ(w.text(), "[-9223372036854775808,9223372036854775807,0,8076731227]"sv);
}

TEST(JsonWriter, RefusesInvalidUtf8AndWritesNothingForIt) {
  EXPECT_EQ(written("caf\xE9"), "<invalid_utf8>");
  EXPECT_EQ(written("\xED\xA0\x80"), "<invalid_utf8>");  // surrogate
  EXPECT_EQ(written("\xC0\xAF"), "<invalid_utf8>");      // overlong '/'
  EXPECT_EQ(written("cut \xE2\x82"), "<invalid_utf8>");
  uint8_t buffer[64];
  Writer w(buffer);
  ASSERT_EQ(w.begin_object(), Status::Ok);
  EXPECT_EQ(w.key("bad\xFF"), Status::InvalidUtf8);
  EXPECT_EQ(w.text(), "{"sv);
  EXPECT_EQ(w.finish().status(), Status::InvalidUtf8);
}

TEST(JsonWriter, EachCallIsAllOrNothingWhenTheBufferIsShort) {
  // The full text is {"refresh":"abc"} (17 bytes); try every smaller buffer.
  const std::string_view full = R"({"refresh":"abc"})";
  for (size_t size = 0; size < full.size(); ++size) {
    std::vector<uint8_t> buffer(size);  // exact size: ASan sees any overrun
    Writer w(ByteSpan(buffer.data(), buffer.size()));
    Status status = w.begin_object();
    if (status == Status::Ok)
      status = w.member_string("refresh", "abc");
    if (status == Status::Ok)
      status = w.end_object();
    EXPECT_EQ(status, Status::BufferTooSmall) << size;
    EXPECT_EQ(w.finish().status(), Status::BufferTooSmall);
    // Whatever was written is whole calls only.
    EXPECT_TRUE(w.text() == "" || w.text() == "{" || w.text() == R"({"refresh":"abc")")
        << size << ": " << w.text();
  }
  std::vector<uint8_t> exact(full.size());
  Writer w(ByteSpan(exact.data(), exact.size()));
  ASSERT_EQ(w.begin_object(), Status::Ok);
  ASSERT_EQ(w.member_string("refresh", "abc"), Status::Ok);
  ASSERT_EQ(w.end_object(), Status::Ok);
  EXPECT_EQ(w.finish().value(), full.size());
}

TEST(JsonWriter, AnEscapedStringThatDoesNotFitLeavesNoPartialEscape) {
  uint8_t buffer[8];
  Writer w(buffer);
  ASSERT_EQ(w.begin_array(), Status::Ok);
  EXPECT_EQ(w.string("\x01\x02"), Status::BufferTooSmall);  // needs 14 bytes
  EXPECT_EQ(w.text(), "["sv);
}

TEST(JsonWriter, AFailureSticksSoABrokenDocumentIsNeverFinished) {
  uint8_t buffer[16];
  Writer w(buffer);
  ASSERT_EQ(w.begin_array(), Status::Ok);
  EXPECT_EQ(w.string("this does not fit in sixteen"), Status::BufferTooSmall);
  EXPECT_EQ(w.int64(1), Status::BufferTooSmall);  // would fit, but the document is broken
  EXPECT_EQ(w.end_array(), Status::BufferTooSmall);
  EXPECT_EQ(w.text(), "["sv);
  EXPECT_EQ(w.finish().status(), Status::BufferTooSmall);
}

TEST(JsonWriter, EnforcesTheGrammar) {
  uint8_t buffer[64];
  {
    Writer w(buffer);
    ASSERT_EQ(w.begin_object(), Status::Ok);
    EXPECT_EQ(w.string("value without key"), Status::InvalidArgument);
  }
  {
    Writer w(buffer);
    ASSERT_EQ(w.begin_array(), Status::Ok);
    EXPECT_EQ(w.key("key in array"), Status::InvalidArgument);
  }
  {
    Writer w(buffer);
    ASSERT_EQ(w.begin_array(), Status::Ok);
    EXPECT_EQ(w.end_object(), Status::InvalidArgument);
  }
  {
    Writer w(buffer);
    ASSERT_EQ(w.begin_object(), Status::Ok);
    ASSERT_EQ(w.key("k"), Status::Ok);
    EXPECT_EQ(w.end_object(), Status::InvalidArgument);  // the value is due
  }
  {
    Writer w(buffer);
    ASSERT_EQ(w.begin_object(), Status::Ok);
    ASSERT_EQ(w.key("k"), Status::Ok);
    EXPECT_EQ(w.key("k2"), Status::InvalidArgument);
  }
  {
    Writer w(buffer);
    EXPECT_EQ(w.end_array(), Status::InvalidArgument);
  }
  {
    Writer w(buffer);
    ASSERT_EQ(w.int64(1), Status::Ok);
    EXPECT_EQ(w.int64(2), Status::InvalidArgument);  // one top-level value
  }
  {
    Writer w(buffer);
    EXPECT_EQ(w.finish().status(), Status::InvalidArgument);  // nothing written
  }
  {
    Writer w(buffer);
    ASSERT_EQ(w.begin_object(), Status::Ok);
    EXPECT_EQ(w.finish().status(), Status::InvalidArgument);  // still open
  }
}

TEST(JsonWriter, NestingIsBoundedLikeTheParser) {
  uint8_t buffer[256];
  Writer w(buffer);
  for (int i = 0; i < LSEDGE_JSON_MAX_DEPTH; ++i) {
    ASSERT_EQ(w.begin_array(), Status::Ok) << i;
  }
  EXPECT_EQ(w.begin_array(), Status::InvalidArgument);
}

TEST(JsonWriter, AScalarTopLevelValueIsADocument) {
  uint8_t buffer[8];
  Writer w(buffer);
  ASSERT_EQ(w.boolean(true), Status::Ok);
  EXPECT_EQ(w.finish().value(), 4u);
  EXPECT_EQ(w.text(), "true"sv);
}

}  // namespace
}  // namespace lsedge::json
