#include "firmware/labelstudio/import_refusal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "firmware/core/fixed_string.h"
#include "firmware/json/prefix_scan.h"

namespace lsedge::labelstudio {
namespace {

// ---- bodies as Label Studio builds them (tasks/validation.py, core/utils/common.py) ----------

// One task of a batch: good, or failing with `detail` (a Python ValidationError text).
struct Item {
  bool good = true;
  std::string detail;
  std::string repr = "{'text': 'x'}";  // Python's repr of the item, as format_error echoes it
};

Item good() {
  return Item{};
}
Item missing_image(std::string repr = "{'text': 'x'}") {
  return Item{false,
              "\"image\" key is expected in task data [assume: item as is = task root with "
              "values] ",
              std::move(repr)};
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

// TaskValidator.to_internal_value's list, entry by entry (nullopt-like "" marks `{}`).
std::vector<std::string> label_studio_entries(const std::vector<Item>& items) {
  std::vector<std::string> errors;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].good) {
      errors.push_back("{}");
      continue;
    }
    // format_error with one detail whose code is "invalid": 'Error {code} at item {i}: ...'
    // with an empty code, hence the two spaces.
    errors.push_back(json_string("Error  at item " + std::to_string(i) + ": " + items[i].detail +
                                 " :: " + items[i].repr));
    if (errors.size() >= 100) {
      errors[99] = "\"...\"";
      break;
    }
  }
  return errors;
}

std::string envelope(const std::string& non_field_errors) {
  return R"({"id":"1b5c5e3e-8a0e-4f1e-9d0f-2f1f3d6a0c11","status_code":400,"version":"1.20.0",)"
         R"("detail":"Validation error","exc_info":null,"validation_errors":{"non_field_errors":)" +
         non_field_errors + "}}";
}

std::string refusal_body(const std::vector<Item>& items) {
  std::string list = "[";
  const std::vector<std::string> entries = label_studio_entries(items);
  for (size_t i = 0; i < entries.size(); ++i) {
    list += (i == 0 ? "" : ",") + entries[i];
  }
  return envelope(list + "]");
}

const std::string kMissingImageMessage =
    R"(Error  at item 1: \"image\" key is expected in task data [assume: item as is = task root )"
    R"(with values])";

class Refusal : public ::testing::Test {
 protected:
  // Parses a copy of `body` exactly its size (ASan sees any read past it); views stay valid
  // until the next parse.
  const ImportRefusal& parse(const std::string& body, bool truncated, uint64_t batch) {
    copy_.reset(new char[body.size() + 1]);
    std::memcpy(copy_.get(), body.data(), body.size());
    result_ = std::make_unique<ImportRefusal>(parse_import_refusal(
        ConstByteSpan(reinterpret_cast<const uint8_t*>(copy_.get()), body.size()), truncated,
        batch));
    return *result_;
  }
  std::unique_ptr<char[]> copy_;
  std::unique_ptr<ImportRefusal> result_;
};

TEST_F(Refusal, AllGoodButOne) {
  const ImportRefusal& r = parse(refusal_body({good(), missing_image(), good()}), false, 3);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 3u);
  EXPECT_FALSE(r.cut);
  EXPECT_EQ(r.refused_count, 1u);
  EXPECT_FALSE(r.verdicts[0].refused);
  EXPECT_TRUE(r.verdicts[0].message.empty());
  EXPECT_TRUE(r.verdicts[1].refused);
  EXPECT_EQ(r.verdicts[1].message, kMissingImageMessage);  // raw, up to " :: ", no echo
  EXPECT_FALSE(r.verdicts[2].refused);
  FixedString<256> text;
  ASSERT_TRUE(json::append_unescaped(r.verdicts[1].message, text));
  EXPECT_EQ(text.view(),
            "Error  at item 1: \"image\" key is expected in task data [assume: item as is = task "
            "root with values]");
}

TEST_F(Refusal, TheIssuesExactBody) {
  const std::string body =
      R"({"id":"…","status_code":400,"version":"1.20.0","detail":"Validation error",)"
      R"("exc_info":null,"validation_errors":{"non_field_errors":[{},"Error at item 1: )"
      R"(\"image\" key is expected in task data [assume: item as is = task root with values]  )"
      R"(:: {'text': 'x'}",{}]}})";
  const ImportRefusal& r = parse(body, false, 3);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 3u);
  EXPECT_EQ(r.refused_count, 1u);
  EXPECT_EQ(r.verdicts[1].message,
            R"(Error at item 1: \"image\" key is expected in task data [assume: item as is = )"
            R"(task root with values])");
}

TEST_F(Refusal, AllBad) {
  std::vector<Item> items(5, missing_image());
  const ImportRefusal& r = parse(refusal_body(items), false, 5);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 5u);
  EXPECT_FALSE(r.cut);
  EXPECT_EQ(r.refused_count, 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_TRUE(r.verdicts[i].refused);
    EXPECT_EQ(r.verdicts[i].message.substr(0, 18), "Error  at item " + std::to_string(i) + ": ");
  }
}

TEST_F(Refusal, MultipleErrorsAndCodesForms) {
  const std::string list =
      R"(["Errors ['invalid', 'required'] at item 0: a, b :: {'x': 1}",)"
      R"("Error required  at item 1: This field is required. :: {'y': 2}", {}, )"
      R"("Error  at item 3: no echo at all"])";
  const ImportRefusal& r = parse(envelope(list), false, 4);
  ASSERT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 4u);
  EXPECT_EQ(r.refused_count, 3u);
  EXPECT_EQ(r.verdicts[0].message, "Errors ['invalid', 'required'] at item 0: a, b");
  EXPECT_EQ(r.verdicts[1].message, "Error required  at item 1: This field is required.");
  EXPECT_EQ(r.verdicts[3].message, "Error  at item 3: no echo at all");
}

TEST_F(Refusal, OneHundredFiftyAllBadIsCutAtTheEllipsis) {
  std::vector<Item> items(150, missing_image());
  const std::string body = refusal_body(items);
  ASSERT_NE(body.find(",\"...\"]"), std::string::npos);
  const ImportRefusal& r = parse(body, false, 150);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 99u);  // entry 99 is "...": no verdict from there on
  EXPECT_TRUE(r.cut);
  EXPECT_EQ(r.refused_count, 99u);
}

TEST_F(Refusal, AListLongerThanAHundredKeepsOnlyTheVerdictsBeforeTheEllipsis) {
  // Label Studio only checks the count when an error is appended: with items 0 and 120 bad the
  // list has 121 entries and "..." overwrites the good verdict of item 99.
  std::vector<Item> items(150, good());
  items[0] = missing_image();
  items[120] = missing_image();
  const std::vector<std::string> entries = label_studio_entries(items);
  ASSERT_EQ(entries.size(), 121u);
  ASSERT_EQ(entries[99], "\"...\"");
  const ImportRefusal& r = parse(refusal_body(items), false, 150);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 99u);
  EXPECT_TRUE(r.cut);
  EXPECT_EQ(r.refused_count, 1u);
  EXPECT_TRUE(r.verdicts[0].refused);
  for (size_t i = 1; i < 99; ++i) {
    EXPECT_FALSE(r.verdicts[i].refused) << i;
  }
}

TEST_F(Refusal, TheHundredthItemFailingLeavesOnlyTheEllipsis) {
  std::vector<Item> items(100, good());
  items[99] = missing_image();
  const ImportRefusal& r = parse(refusal_body(items), false, 100);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 99u);
  EXPECT_TRUE(r.cut);
  EXPECT_EQ(r.refused_count, 0u);  // item 99's error was overwritten: it has no verdict
}

TEST_F(Refusal, FewerEntriesThanTasksIsCut) {
  const ImportRefusal& r = parse(refusal_body({good(), missing_image()}), false, 4);
  EXPECT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 2u);
  EXPECT_TRUE(r.cut);
}

// Cuts a 3-item body at every byte: each prefix gives exactly the verdicts whose entry (or, for
// a failed item, whose message up to " :: ") is inside it, the same as the whole body's.
TEST_F(Refusal, TruncatedAtEveryByteOfAThreeItemBody) {
  for (const std::vector<Item>& items :
       {std::vector<Item>{good(), missing_image("{'text': '" + std::string(300, 'e') + "'}"),
                          missing_image()},
        std::vector<Item>{missing_image(), good(), good()}}) {
    const std::string body = refusal_body(items);
    // Views into `body`, which outlives the loop (parse() copies).
    const ImportRefusal whole = parse_import_refusal(as_bytes(body), false, 3);
    ASSERT_TRUE(whole.item_list);
    ASSERT_EQ(whole.known, 3u);
    // Where each verdict becomes known: after `{}`, or after the " :: " of a failed item.
    const size_t list_start = body.find("\"non_field_errors\":[") + 20;
    std::vector<size_t> known_at;
    size_t at = list_start;
    for (const Item& item : items) {
      if (item.good) {
        at = body.find("{}", at) + 2;
        known_at.push_back(at);
      } else {
        known_at.push_back(body.find(" :: ", at) + 4);
        at = body.find("\"", body.find(" :: ", at)) + 1;
      }
    }
    size_t previous_known = 0;
    for (size_t cut = 0; cut < body.size(); ++cut) {
      const ImportRefusal& r = parse(body.substr(0, cut), true, 3);
      size_t expected = 0;
      while (expected < 3 && known_at[expected] <= cut) {
        ++expected;
      }
      ASSERT_EQ(r.item_list, cut >= list_start) << "cut at " << cut;
      if (!r.item_list) {
        ASSERT_EQ(r.known, 0u);
        continue;
      }
      ASSERT_EQ(r.known, expected) << "cut at " << cut;
      ASSERT_GE(r.known, previous_known);
      previous_known = r.known;
      ASSERT_EQ(r.cut, r.known < 3) << "cut at " << cut;
      size_t refused = 0;
      for (size_t i = 0; i < r.known; ++i) {
        ASSERT_EQ(r.verdicts[i].refused, whole.verdicts[i].refused) << cut;
        ASSERT_EQ(std::string(r.verdicts[i].message), std::string(whole.verdicts[i].message))
            << cut;
        refused += r.verdicts[i].refused ? 1 : 0;
      }
      ASSERT_EQ(r.refused_count, refused);
    }
  }
}

TEST_F(Refusal, ATruncatedBodyFromTheHttpBufferKeepsItsCompleteEntries) {
  // 100 items of ~1 KB echoed, read through an 8 KiB buffer (a gateway's body limit).
  std::vector<Item> items(100, good());
  for (size_t i = 0; i < items.size(); i += 3) {
    items[i] = missing_image("{'text': '" + std::string(1000, 't') + "'}");
  }
  const std::string body = refusal_body(items);
  ASSERT_GT(body.size(), 30000u);
  const ImportRefusal& r = parse(body.substr(0, 8192), true, 100);
  EXPECT_TRUE(r.item_list);
  EXPECT_TRUE(r.cut);
  // The entries whose verdict is inside the first 8192 bytes.
  size_t expected = 0;
  size_t at = body.find("\"non_field_errors\":[") + 20;
  for (const std::string& entry : label_studio_entries(items)) {
    const size_t known_at = entry == "{}" ? at + 2 : at + entry.find(" :: ") + 4;
    if (known_at > 8192) {
      break;
    }
    ++expected;
    at += entry.size() + 1;
  }
  EXPECT_EQ(r.known, expected);
  EXPECT_EQ(r.known, 22u);
  for (size_t i = 0; i < r.known; ++i) {
    EXPECT_EQ(r.verdicts[i].refused, i % 3 == 0) << i;
  }
}

TEST_F(Refusal, TruncatedBeforeAnyVerdictIsAnItemListWithNothingKnown) {
  const std::string body = refusal_body({missing_image(), good()});
  const ImportRefusal& r = parse(body.substr(0, body.find("Error") + 5), true, 2);
  EXPECT_TRUE(r.item_list);  // split, do not reject: nothing is known yet
  EXPECT_EQ(r.known, 0u);
  EXPECT_TRUE(r.cut);
}

TEST_F(Refusal, BodiesWithoutAnItemList) {
  const std::vector<std::string> bodies = {
      envelope(R"(["load_tasks: No tasks added"])"),
      envelope(R"(["Maximum task number is 1000000, current task number is 1000001"])"),
      envelope(R"("Error  at item 0: x :: y")"),  // not a list
      envelope(R"({})"),
      envelope(R"([])"),
      envelope(R"([{},{},{}])"),  // Label Studio never sends an all-good list
      R"({"id":"x","status_code":400,"detail":"Validation error","validation_errors":)"
      R"({"title":["Ensure this field has at least 3 characters."]}})",
      R"({"detail":"Authentication credentials were not provided."})",
      R"([{},"Error  at item 1: x :: y"])",
      "<!DOCTYPE html><html><body>Bad Request</body></html>",
      "",
      "null",
  };
  for (const std::string& body : bodies) {
    for (const uint64_t batch : {uint64_t{1}, uint64_t{3}}) {
      const ImportRefusal& r = parse(body, false, batch);
      EXPECT_FALSE(r.item_list) << body;
      EXPECT_EQ(r.known, 0u) << body;
      EXPECT_EQ(r.refused_count, 0u) << body;
    }
  }
}

TEST_F(Refusal, HostileListsAreNotTrusted) {
  const std::vector<std::string> lists = {
      R"([{},"Error  at item 5: wrong index :: {}",{}])",
      R"(["Error  at item 1: shifted :: {}",{},{}])",
      R"([{},"Error  at item one: not a number :: {}",{}])",
      R"([{},"Error  at item 1 no colon :: {}",{}])",
      R"([{},"Error  at item 99999999999999999999999: huge :: {}",{}])",
      R"([{},"Warning at item 1: not an error :: {}",{}])",
      R"([{},"at item 1: Error :: {}",{}])",
      R"([{},"...",{}])",  // the ellipsis belongs at index 99 only
      R"([{"a":1},"Error  at item 1: x :: {}",{}])",
      R"([{},"Error  at item 1: x :: {}",[]])",
      R"([{},"Error  at item 1: x :: {}",1])",
      R"([{},"Error  at item 1: x :: {}",null])",
      R"([{},"Error  at item 1: x :: {}",{},{}])",  // more entries than tasks
      R"([{},"Error  at item 1: x :: {}",{}] garbage)",
      R"([{},"Error  at item 1: x :: {}",{},])",
  };
  for (const std::string& list : lists) {
    const ImportRefusal& r = parse(envelope(list), false, 3);
    EXPECT_FALSE(r.item_list) << list;
  }
  // A body that ends inside the list but was not truncated is broken: not trusted.
  const std::string whole = refusal_body({good(), missing_image(), good()});
  EXPECT_FALSE(parse(whole.substr(0, whole.size() - 6), false, 3).item_list);
  EXPECT_TRUE(parse(whole.substr(0, whole.size() - 6), true, 3).item_list);
  // A hostile entry visible in a truncated body spoils the list too.
  EXPECT_FALSE(parse(envelope(R"([{},"Error  at item 7: x :: {'t)"), true, 3).item_list);
}

TEST_F(Refusal, DeeplyNestedAndHugeBodiesAreRefusedWithoutRecursion) {
  const std::string deep = envelope(std::string(100000, '[') + std::string(100000, ']'));
  EXPECT_FALSE(parse(deep, false, 3).item_list);
  EXPECT_FALSE(parse(deep.substr(0, 50000), true, 3).item_list);
  std::string nested = R"({"validation_errors":)";
  for (int i = 0; i < 70; ++i) {
    nested += R"({"non_field_errors":)";
  }
  EXPECT_FALSE(parse(nested, true, 3).item_list);
}

TEST_F(Refusal, InvalidUtf8InAMessageIsKeptRawAndReplacedWhenDecoded) {
  const std::string list = "[\"Error  at item 0: bad \xFF\xC3 bytes :: {'t': '\xFE'}\",{}]";
  const ImportRefusal& r = parse(envelope(list), false, 2);
  ASSERT_TRUE(r.item_list);
  EXPECT_EQ(r.known, 2u);
  EXPECT_EQ(r.verdicts[0].message, "Error  at item 0: bad \xFF\xC3 bytes");
  FixedString<128> text;
  ASSERT_TRUE(json::append_unescaped(r.verdicts[0].message, text));
  EXPECT_EQ(text.view(), "Error  at item 0: bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_TRUE(utf8_valid(text.view()));
}

TEST_F(Refusal, AZeroTaskBatchHasNoItemList) {
  EXPECT_FALSE(parse(refusal_body({missing_image()}), false, 0).item_list);
}

// Random damage to real bodies: never a crash or a read past the body (ASan), and the result
// always keeps its own promises.
TEST_F(Refusal, SurvivesRandomDamage) {
  std::mt19937 random(10);
  std::vector<Item> items(30, good());
  for (size_t i = 0; i < items.size(); i += 4) {
    items[i] = missing_image();
  }
  const std::string sources[] = {refusal_body(items),
                                 refusal_body(std::vector<Item>(120, missing_image()))};
  size_t lists = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string body = sources[round % 2];
    const int edits = static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      static constexpr char kBytes[] = "{}[]\",:.0123456789 Eat\xFF";
      body[random() % body.size()] = kBytes[random() % (sizeof(kBytes) - 1)];
    }
    const bool truncated = random() % 2 == 0;
    if (truncated) {
      body.resize(random() % (body.size() + 1));
    }
    const uint64_t batch = 1 + random() % 130;
    const ImportRefusal& r = parse(body, truncated, batch);
    ASSERT_LE(r.known, std::min<uint64_t>(batch, kMaxItemVerdicts));
    ASSERT_LE(r.refused_count, r.known);
    if (!r.item_list) {
      ASSERT_EQ(r.known, 0u);
      continue;
    }
    ++lists;
    ASSERT_EQ(r.cut, r.known < batch);
    for (size_t i = 0; i < r.known; ++i) {
      const std::string_view message = r.verdicts[i].message;
      ASSERT_EQ(message.empty(), !r.verdicts[i].refused);
      if (!message.empty()) {
        ASSERT_GE(message.data(), copy_.get());
        ASSERT_LE(message.data() + message.size(), copy_.get() + body.size());
      }
    }
  }
  EXPECT_GT(lists, 500u);  // the damage leaves many lists readable, or this tests little
}

}  // namespace
}  // namespace lsedge::labelstudio
