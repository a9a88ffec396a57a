#include "firmware/json/prefix_scan.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace lsedge::json {
namespace {

using namespace std::string_view_literals;
using Kind = PrefixScanner::Kind;

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::ObjectBegin:
      return "{";
    case Kind::ObjectEnd:
      return "}";
    case Kind::ArrayBegin:
      return "[";
    case Kind::ArrayEnd:
      return "]";
    case Kind::Key:
      return "key";
    case Kind::String:
      return "string";
    case Kind::Number:
      return "number";
    case Kind::Literal:
      return "literal";
    case Kind::End:
      return "end";
    case Kind::Cut:
      return "cut";
    case Kind::Invalid:
      return "invalid";
  }
  return "?";
}

// One token with where it ends in the text (for the every-prefix checks).
struct Seen {
  Kind kind;
  std::string text;
  size_t offset = 0;  // the token text's offset in the document
  friend bool operator==(const Seen& a, const Seen& b) {
    return a.kind == b.kind && a.text == b.text && a.offset == b.offset;
  }
};

// Every token up to and including the first End/Cut/Invalid (bounded, so a bug cannot hang).
std::vector<Seen> scan_all(std::string_view text) {
  PrefixScanner scanner(text);
  std::vector<Seen> out;
  for (size_t guard = 0; guard < text.size() + 8; ++guard) {
    const PrefixScanner::Token token = scanner.next();
    const size_t offset =
        token.text.data() == nullptr ? 0 : static_cast<size_t>(token.text.data() - text.data());
    out.push_back(Seen{token.kind, std::string(token.text), offset});
    if (token.kind == Kind::End || token.kind == Kind::Cut || token.kind == Kind::Invalid) {
      return out;
    }
  }
  ADD_FAILURE() << "the scanner never stopped";
  return out;
}

std::string shape(std::string_view text) {
  std::string out;
  for (const Seen& seen : scan_all(text)) {
    if (!out.empty()) {
      out += ' ';
    }
    out += kind_name(seen.kind);
    if (!seen.text.empty() && seen.kind != Kind::ObjectBegin && seen.kind != Kind::ObjectEnd &&
        seen.kind != Kind::ArrayBegin && seen.kind != Kind::ArrayEnd) {
      out += ":" + seen.text;
    }
  }
  return out;
}

// How many bytes of the document a token needs before the scanner can return it: through its
// closing quote or bracket, and one byte more for a number (more digits might follow).
size_t bytes_needed(const Seen& seen) {
  switch (seen.kind) {
    case Kind::Key:
    case Kind::String:
      return seen.offset + seen.text.size() + 1;
    case Kind::Number:
      return seen.offset + seen.text.size() + 1;
    default:
      return seen.offset + seen.text.size();
  }
}

// Cuts `document` at every byte: each prefix must give exactly the complete tokens of the whole
// document that fit in it, in order, then Cut (End only for the whole text).
void expect_every_prefix_is_sound(const std::string& document) {
  const std::vector<Seen> whole = scan_all(document);
  ASSERT_FALSE(whole.empty());
  ASSERT_EQ(whole.back().kind, Kind::End) << document;
  const size_t value_tokens = whole.size() - 1;
  for (size_t cut = 0; cut < document.size(); ++cut) {
    // An exact-size heap copy, so ASan sees any read past the prefix.
    std::unique_ptr<char[]> copy(new char[cut == 0 ? 1 : cut]);
    std::memcpy(copy.get(), document.data(), cut);
    const std::string_view prefix(copy.get(), cut);
    PrefixScanner scanner(prefix);
    size_t expected = 0;
    while (expected < value_tokens && bytes_needed(whole[expected]) <= cut) {
      ++expected;
    }
    for (size_t i = 0; i < expected; ++i) {
      const PrefixScanner::Token token = scanner.next();
      ASSERT_EQ(token.kind, whole[i].kind) << "cut at " << cut << ", token " << i;
      ASSERT_EQ(std::string(token.text), whole[i].text) << "cut at " << cut << ", token " << i;
      if (token.text.data() != nullptr) {
        ASSERT_EQ(static_cast<size_t>(token.text.data() - prefix.data()), whole[i].offset);
      }
    }
    const PrefixScanner::Token last = scanner.next();
    const bool complete = expected == value_tokens;  // only trailing whitespace is missing
    ASSERT_EQ(last.kind, complete ? Kind::End : Kind::Cut) << "cut at " << cut;
    ASSERT_EQ(scanner.next().kind, last.kind) << "Cut and End repeat";
  }
}

// Label Studio's 400 for an import whose second task lacks the $image key (format_error's shape).
const std::string kImportRefusal =
    R"({"id":"1b5c5e3e-8a0e-4f1e-9d0f-2f1f3d6a0c11","status_code":400,"version":"1.20.0",)"
    R"("detail":"Validation error","exc_info":null,"validation_errors":{"non_field_errors":[{},)"
    R"("Error at item 1: \"image\" key is expected in task data [assume: item as is = task root )"
    R"(with values]  :: {'text': 'x'}",{}]}})";

// A project object as Label Studio sends it (abridged, but with every kind of value).
const std::string kProject = R"({
  "id": 42,
  "title": "Gateway \u00e9 \ud83d\ude00 cameras",
  "description": "",
  "label_config": "<View><Image name=\"image\" value=\"$image\"/><RectangleLabels name=\"label\" toName=\"image\"><Label value=\"car\" background=\"#ff0000\"/></RectangleLabels></View>",
  "expert_instruction": "line\nbreak\ttab \/ slash \\ back",
  "show_instruction": false,
  "show_skip_button": true,
  "maximum_annotations": 1,
  "color": "#FFFFFF",
  "overlap_cohort_percentage": 100,
  "min_annotations_to_start_training": 0,
  "control_weights": {"label": {"type": "RectangleLabels", "labels": {"car": 1.0}, "overall": 1.0}},
  "created_by": {"id": 1, "first_name": "", "last_name": "", "email": "a@b.c", "avatar": null},
  "created_at": "2026-12-06T06:00:00.123456Z",
  "parsed_label_config": {"label": {"type": "RectangleLabels", "to_name": ["image"],
    "inputs": [{"type": "Image", "valueType": null, "value": "image"}],
    "labels": ["car"], "labels_attrs": {"car": {"value": "car", "background": "#ff0000"}}}},
  "evaluate_predictions_automatically": false,
  "config_has_control_tags": true,
  "skip_queue": "REQUEUE_FOR_OTHERS",
  "reveal_preannotations_interactively": false,
  "pinned_at": null,
  "finished_task_number": 0,
  "task_number": 1234567,
  "total_predictions_number": -3,
  "ratio": 1.5e-3,
  "big": 12E+2,
  "nested": [[[]], [{}], [1, [2, [3]]]]
}
)";

TEST(PrefixScanner, TokensOfTheImportRefusal) {
  EXPECT_EQ(shape(kImportRefusal),
            "{ key:id string:1b5c5e3e-8a0e-4f1e-9d0f-2f1f3d6a0c11 key:status_code number:400 "
            "key:version string:1.20.0 key:detail string:Validation error key:exc_info "
            "literal:null key:validation_errors { key:non_field_errors [ { } "
            "string:Error at item 1: \\\"image\\\" key is expected in task data [assume: item "
            "as is = task root with values]  :: {'text': 'x'} { } ] } } end");
}

TEST(PrefixScanner, TokensOfAProjectObjectAndDepth) {
  PrefixScanner scanner(kProject);
  EXPECT_EQ(scanner.next().kind, Kind::ObjectBegin);
  EXPECT_EQ(scanner.depth(), 1u);
  PrefixScanner::Token token = scanner.next();
  EXPECT_EQ(token.kind, Kind::Key);
  EXPECT_EQ(token.text, "id"sv);
  token = scanner.next();
  EXPECT_EQ(token.kind, Kind::Number);
  EXPECT_EQ(token.text, "42"sv);
  token = scanner.next();
  EXPECT_EQ(token.text, "title"sv);
  token = scanner.next();
  EXPECT_EQ(token.kind, Kind::String);
  EXPECT_EQ(token.text, R"(Gateway \u00e9 \ud83d\ude00 cameras)"sv);  // raw, still escaped
  size_t max_depth = 0;
  size_t tokens = 5;
  for (;;) {
    token = scanner.next();
    ++tokens;
    max_depth = std::max(max_depth, scanner.depth());
    if (token.kind == Kind::End || token.kind == Kind::Cut || token.kind == Kind::Invalid) {
      break;
    }
  }
  EXPECT_EQ(token.kind, Kind::End);
  EXPECT_EQ(scanner.depth(), 0u);
  EXPECT_EQ(max_depth, 5u);  // parsed_label_config.label.inputs[0]
  EXPECT_GT(tokens, 100u);
}

TEST(PrefixScanner, EveryPrefixOfTheImportRefusalGivesOnlyCompleteTokensThenCut) {
  expect_every_prefix_is_sound(kImportRefusal);
}

TEST(PrefixScanner, EveryPrefixOfAProjectObjectGivesOnlyCompleteTokensThenCut) {
  expect_every_prefix_is_sound(kProject);
}

TEST(PrefixScanner, EveryPrefixOfSmallDocuments) {
  for (const std::string doc :
       {"[]", "{}", "0 ", " -12.5e+3 ", "\"a\\u00e9\\\"b\"", "true", "[null,false,true]",
        R"({"a":[1,{"b":[]},"c"],"d":{"e":{"f":-0.0}}})", "[\"\xF0\x9F\x98\x80\", 1E5, 0e0]"}) {
    SCOPED_TRACE(doc);
    expect_every_prefix_is_sound(doc);
  }
}

TEST(PrefixScanner, ANumberAtTheVeryEndIsCut) {
  EXPECT_EQ(shape("12"), "cut");
  EXPECT_EQ(shape("12 "), "number:12 end");
  EXPECT_EQ(shape("[12"), "[ cut");
  EXPECT_EQ(shape("[12]"), "[ number:12 ] end");
  EXPECT_EQ(shape("{\"n\":-"), "{ key:n cut");
  EXPECT_EQ(shape("[1.5e"), "[ cut");
  // A literal cannot grow, so it is complete at the end; a partial one is Cut.
  EXPECT_EQ(shape("[true"), "[ literal:true cut");
  EXPECT_EQ(shape("[tr"), "[ cut");
  EXPECT_EQ(shape("true"), "literal:true end");
}

TEST(PrefixScanner, InvalidInputsAreInvalidAndStayInvalid) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "cut"},
      {"   ", "cut"},
      {"}", "invalid"},
      {"]", "invalid"},
      {"{]", "{ invalid"},
      {"[}", "[ invalid"},
      {"[1,]", "[ number:1 invalid"},
      {"{\"a\":1,}", "{ key:a number:1 invalid"},
      {"{\"a\" 1}", "{ key:a invalid"},
      {"{1:2}", "{ invalid"},
      {"{'a':1}", "{ invalid"},
      {"[01]", "[ invalid"},
      {"[-]", "[ invalid"},
      {"[1.]", "[ invalid"},
      {"[.5]", "[ invalid"},
      {"[1e]", "[ invalid"},
      {"[+1]", "[ invalid"},
      {"[1a]", "[ invalid"},
      {"[truex]", "[ invalid"},
      {"[nul]", "[ invalid"},
      {"[NaN]", "[ invalid"},
      {"[\"a\tb\"]", "[ invalid"},  // raw control character
      {"[\"\\x\"]", "[ invalid"},
      {"[\"\\u12G4\"]", "[ invalid"},
      {"[1 2]", "[ number:1 invalid"},
      {"[] []", "[ ] invalid"},
      {"{} x", "{ } invalid"},
      {"[1]]", "[ number:1 ] invalid"},
      {"[\"a\":1]", "[ string:a invalid"},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(shape(text), expected) << text;
  }
  PrefixScanner scanner("[x]");
  EXPECT_EQ(scanner.next().kind, Kind::ArrayBegin);
  EXPECT_EQ(scanner.next().kind, Kind::Invalid);
  EXPECT_EQ(scanner.next().kind, Kind::Invalid);
  EXPECT_EQ(scanner.skip_value(), Kind::Invalid);
}

TEST(PrefixScanner, StringsMayHoldAnyEscapeAndRawUtf8) {
  EXPECT_EQ(shape(R"(["\"\\\/\b\f\n\r\t\u0041\ud800"])"),
            R"([ string:\"\\\/\b\f\n\r\t\u0041\ud800 ] end)");
  // Bytes >= 0x80 pass the scanner (unescape_into replaces invalid UTF-8).
  EXPECT_EQ(shape("[\"\xFF\xC3\"]"), "[ string:\xFF\xC3 ] end");
  EXPECT_EQ(shape("[\"abc\\"), "[ cut");
  EXPECT_EQ(shape("[\"abc\\u00"), "[ cut");
}

TEST(PrefixScanner, DepthLimitIs64) {
  const std::string deep_ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_EQ(scan_all(deep_ok).back().kind, Kind::End);
  const std::string too_deep = std::string(65, '[') + std::string(65, ']');
  const std::vector<Seen> tokens = scan_all(too_deep);
  EXPECT_EQ(tokens.size(), 65u);  // 64 ArrayBegin, then Invalid
  EXPECT_EQ(tokens.back().kind, Kind::Invalid);
  // Objects and arrays mixed deep down keep their own closing brackets apart.
  std::string mixed;
  for (int i = 0; i < 32; ++i) {
    mixed += "{\"k\":[";
  }
  for (int i = 0; i < 32; ++i) {
    mixed += "]}";
  }
  EXPECT_EQ(scan_all(mixed).back().kind, Kind::End);
  std::string crossed = mixed;
  crossed[mixed.size() - 1] = ']';
  EXPECT_EQ(scan_all(crossed).back().kind, Kind::Invalid);
  // A million brackets cost no stack: the scanner does not recurse.
  EXPECT_EQ(scan_all(std::string(1000000, '[')).back().kind, Kind::Invalid);
}

TEST(PrefixScanner, SkipValueSkipsContainersWhole) {
  PrefixScanner scanner(R"({"a":{"x":[1,2,{"y":3}]},"b":"s","c":[)");
  EXPECT_EQ(scanner.next().kind, Kind::ObjectBegin);
  EXPECT_EQ(scanner.next().text, "a"sv);
  EXPECT_EQ(scanner.skip_value(), Kind::ObjectEnd);
  EXPECT_EQ(scanner.depth(), 1u);
  EXPECT_EQ(scanner.next().text, "b"sv);
  EXPECT_EQ(scanner.skip_value(), Kind::String);
  EXPECT_EQ(scanner.next().text, "c"sv);
  EXPECT_EQ(scanner.skip_value(), Kind::Cut);
  PrefixScanner arrays("[[1],2]");
  EXPECT_EQ(arrays.next().kind, Kind::ArrayBegin);
  EXPECT_EQ(arrays.skip_value(), Kind::ArrayEnd);
  EXPECT_EQ(arrays.skip_value(), Kind::Number);
  EXPECT_EQ(arrays.skip_value(), Kind::ArrayEnd);  // the container's own end
  EXPECT_EQ(arrays.next().kind, Kind::End);
}

TEST(FindTopMember, FindsScalarsAndContainersInWholeAndCutTexts) {
  PrefixMember member = find_top_member(kImportRefusal, "status_code");
  EXPECT_EQ(member.kind, Kind::Number);
  EXPECT_EQ(member.text, "400"sv);
  member = find_top_member(kImportRefusal, "detail");
  EXPECT_EQ(member.kind, Kind::String);
  EXPECT_EQ(member.text, "Validation error"sv);
  member = find_top_member(kImportRefusal, "exc_info");
  EXPECT_EQ(member.kind, Kind::Literal);
  member = find_top_member(kImportRefusal, "validation_errors");
  EXPECT_EQ(member.kind, Kind::ObjectBegin);
  EXPECT_EQ(member.text.front(), '{');
  EXPECT_EQ(member.text.back(), '}');
  const PrefixMember list = find_top_member(member.text, "non_field_errors");
  EXPECT_EQ(list.kind, Kind::ArrayBegin);
  EXPECT_EQ(list.text.substr(0, 4), "[{},"sv);
  EXPECT_EQ(list.text.back(), ']');
  EXPECT_EQ(find_top_member(kImportRefusal, "missing").kind, Kind::End);
  EXPECT_EQ(find_top_member(kImportRefusal, "non_field_errors").kind, Kind::End);  // not top
  // Cut inside validation_errors: the container is returned up to the end of the text.
  const std::string cut = kImportRefusal.substr(0, kImportRefusal.find("Error at"));
  member = find_top_member(cut, "validation_errors");
  EXPECT_EQ(member.kind, Kind::ObjectBegin);
  EXPECT_EQ(member.text, R"({"non_field_errors":[{},")"sv);
  EXPECT_EQ(find_top_member(cut, "missing").kind, Kind::Cut);
  EXPECT_EQ(find_top_member(cut.substr(0, cut.find("400") + 2), "status_code").kind, Kind::Cut);
  EXPECT_EQ(find_top_member(kProject, "task_number").text, "1234567"sv);
  EXPECT_EQ(find_top_member(kProject, "title").kind, Kind::String);
}

TEST(FindTopMember, NonObjectsAndBrokenTextsAreInvalid) {
  EXPECT_EQ(find_top_member("[1]", "a").kind, Kind::Invalid);
  EXPECT_EQ(find_top_member("<html>", "a").kind, Kind::Invalid);
  EXPECT_EQ(find_top_member("", "a").kind, Kind::Cut);
  EXPECT_EQ(find_top_member(R"({"x":[1,,2],"a":1})", "a").kind, Kind::Invalid);
  EXPECT_EQ(find_top_member(R"({"a":{"b":]})", "a").kind, Kind::Invalid);
  // The first of duplicate keys wins; escaped keys match their decoded text.
  EXPECT_EQ(find_top_member(R"({"a":1,"a":2})", "a").text, "1"sv);
  EXPECT_EQ(find_top_member(R"({"\u0069d":7})", "id").text, "7"sv);
  EXPECT_EQ(find_top_member(R"({"idx":7,"i":8})", "id").kind, Kind::End);
}

std::string unescaped(std::string_view raw, size_t capacity = 256) {
  std::vector<char> out(capacity + 1, '#');
  const std::optional<size_t> n = unescape_into(raw, out.data(), capacity);
  EXPECT_EQ(out[capacity], '#') << "wrote past the capacity";
  return n ? std::string(out.data(), *n) : std::string("<invalid>");
}

TEST(Unescape, DecodesEscapesAndSurrogatePairs) {
  EXPECT_EQ(unescaped(R"(a\"b\\c\/d\be\ff\ng\rh\ti)"), "a\"b\\c/d\be\ff\ng\rh\ti");
  EXPECT_EQ(unescaped(R"(\u00e9\u20AC)"), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(unescaped(R"(\ud83d\ude00)"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(unescaped("\xF0\x9F\x98\x80 raw"), "\xF0\x9F\x98\x80 raw");
  EXPECT_EQ(unescaped(""), "");
}

TEST(Unescape, ReplacesNulLoneSurrogatesAndInvalidUtf8) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(unescaped(R"(a\u0000b)"), "a" + fffd + "b");
  EXPECT_EQ(unescaped(R"(\ud83d)"), fffd);
  EXPECT_EQ(unescaped(R"(\ud83dx)"), fffd + "x");
  EXPECT_EQ(unescaped(R"(\ud83d\u0041)"), fffd + "A");  // the next escape is kept
  EXPECT_EQ(unescaped(R"(\ude00\ud83d)"), fffd + fffd);
  EXPECT_EQ(unescaped("a\xFF"
                      "b"),
            "a" + fffd + "b");
  EXPECT_EQ(unescaped("\xC3"), fffd);                        // truncated sequence
  EXPECT_EQ(unescaped("\xC0\xAF"), fffd + fffd);             // overlong
  EXPECT_EQ(unescaped("\xED\xA0\x80"), fffd + fffd + fffd);  // encoded surrogate
}

TEST(Unescape, RejectsWhatIsNotAStringBody) {
  EXPECT_EQ(unescaped(R"(a"b)"), "<invalid>");
  EXPECT_EQ(unescaped("a\nb"), "<invalid>");
  EXPECT_EQ(unescaped(R"(a\)"), "<invalid>");
  EXPECT_EQ(unescaped(R"(\x)"), "<invalid>");
  EXPECT_EQ(unescaped(R"(\u12)"), "<invalid>");
  EXPECT_EQ(unescaped(R"(\u12g4)"), "<invalid>");
  // Checked to the end even when the output is already full.
  EXPECT_EQ(unescaped(R"(abcdef\q)", 2), "<invalid>");
}

TEST(Unescape, CutsOnACharacterBoundary) {
  EXPECT_EQ(unescaped(R"(ab\u00e9)", 3), "ab");  // é needs two bytes, one is left
  EXPECT_EQ(unescaped(R"(ab\u00e9)", 4), "ab\xC3\xA9");
  EXPECT_EQ(unescaped(R"(\ud83d\ude00x)", 3), "");
  EXPECT_EQ(unescaped("abc", 0), "");
  // Nothing after the first character that did not fit, even if a shorter one would.
  EXPECT_EQ(unescaped(R"(a\u20ACb)", 3), "a");
  FixedString<5> out;
  ASSERT_EQ(out.append("ab"), Status::Ok);
  EXPECT_TRUE(append_unescaped(R"(\u00e9\u00e9)", out));
  EXPECT_EQ(out.view(), "ab\xC3\xA9"sv);
  EXPECT_FALSE(append_unescaped(R"(\z)", out));
  EXPECT_EQ(out.view(), "ab\xC3\xA9"sv);
}

TEST(RawEquals, ComparesDecodedText) {
  EXPECT_TRUE(raw_equals("detail", "detail"));
  EXPECT_TRUE(raw_equals(R"(d\u0065tail)", "detail"));
  EXPECT_TRUE(raw_equals(R"(a\"b)", "a\"b"));
  EXPECT_FALSE(raw_equals("detail", "detai"));
  EXPECT_FALSE(raw_equals("detai", "detail"));
  EXPECT_FALSE(raw_equals(R"(\q)", "\\q"));
  EXPECT_TRUE(raw_equals("", ""));
  // Same length with an escape decodes shorter; a longer raw text matches only through escapes;
  // invalid UTF-8 never matches (it decodes to U+FFFD).
  EXPECT_FALSE(raw_equals(R"(\u0069)", "\\u0069"));
  EXPECT_FALSE(raw_equals(R"(ab\n)", "ab\\n"));
  EXPECT_FALSE(raw_equals("detailed", "detail"));
  EXPECT_TRUE(raw_equals(R"(\u0069\u0064)", "id"));
  EXPECT_TRUE(raw_equals(R"(caf\u00e9 and more text)", "caf\xC3\xA9 and more text"));
  EXPECT_FALSE(raw_equals("caf\xE9", "caf\xEF\xBF\xBD"));
  EXPECT_FALSE(raw_equals("caf\xE9", "caf\xE9"));
  EXPECT_FALSE(raw_equals(R"(\u0063af)"
                          "\xE9",
                          "caf\xEF\xBF\xBD"));
}

TEST(NumberAsInt64, IntegersOnlyRangeChecked) {
  EXPECT_EQ(number_as_int64("0"), 0);
  EXPECT_EQ(number_as_int64("-0"), 0);
  EXPECT_EQ(number_as_int64("42"), 42);
  EXPECT_EQ(number_as_int64("-17"), -17);
  EXPECT_EQ(number_as_int64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(number_as_int64("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(number_as_int64("9223372036854775808"));
  EXPECT_FALSE(number_as_int64("-9223372036854775809"));
  EXPECT_FALSE(number_as_int64("99999999999999999999999"));
  EXPECT_FALSE(number_as_int64("1.0"));
  EXPECT_FALSE(number_as_int64("1e3"));
  EXPECT_FALSE(number_as_int64("01"));
  EXPECT_FALSE(number_as_int64(""));
  EXPECT_FALSE(number_as_int64("-"));
  EXPECT_FALSE(number_as_int64("+1"));
  EXPECT_FALSE(number_as_int64("12a"));
}

// Random bytes and random damage to real bodies: never a crash, never a read past the text
// (ASan), always stops within text.size() + 1 tokens.
TEST(PrefixScanner, SurvivesRandomDamage) {
  std::mt19937 random(20261206);
  const std::string sources[] = {kImportRefusal, kProject};
  for (int round = 0; round < 3000; ++round) {
    std::string text = sources[round % 2];
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      text[random() % text.size()] = static_cast<char>(random() % 256);
    }
    text.resize(random() % (text.size() + 1));
    std::unique_ptr<char[]> copy(new char[text.size() + 1]);
    std::memcpy(copy.get(), text.data(), text.size());
    const std::string_view view(copy.get(), text.size());
    const std::vector<Seen> tokens = scan_all(view);
    ASSERT_LE(tokens.size(), view.size() + 1);
    for (const Seen& seen : tokens) {
      if (seen.kind == Kind::String || seen.kind == Kind::Key) {
        char out[64];
        (void)unescape_into(seen.text, out, sizeof(out));
      }
    }
    (void)find_top_member(view, "validation_errors");
  }
}

}  // namespace
}  // namespace lsedge::json
