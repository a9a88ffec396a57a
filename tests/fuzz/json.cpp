// The JSON readers every answer goes through: parse() (cJSON on an arena) with Value's readers,
// and the prefix scanner for bodies that may be cut short (PrefixScanner, find_top_member,
// unescape_into, number_as_int64). Checked: no crash or sanitizer report; the prefix scanner
// ends (End, Cut or Invalid) and its tokens lie inside the text; every prefix of a text the
// scanner reads to End scans to Cut or End, never Invalid; unescaped strings fit their buffer.
#include <string>
#include <string_view>
#include <vector>

#include "firmware/core/arena.h"
#include "firmware/json/json.h"
#include "firmware/json/prefix_scan.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

using Kind = json::PrefixScanner::Kind;

// Reads a Value through every reader, recursing a little.
void walk(const json::Value& value, int depth) {
  (void)value.is_null();
  (void)value.as_string();
  (void)value.as_int64();
  (void)value.as_double();
  (void)value.as_bool();
  (void)value.require_string("id");
  (void)value.require_int64("id");
  if (depth > 3) {
    return;
  }
  for (size_t i = 0; i < value.size() && i < 8; ++i) {
    const json::Value item = value.at(i);
    (void)item.key();
    walk(item, depth + 1);
  }
  walk(value.get("detail"), depth + 1);
}

// Scans `text` to its end; returns the final kind.
Kind scan(std::string_view text) {
  json::PrefixScanner scanner(text);
  char out[64];
  for (size_t tokens = 0;; ++tokens) {
    LSEDGE_FUZZ_CHECK(tokens <= text.size() + 1);
    const json::PrefixScanner::Token token = scanner.next();
    LSEDGE_FUZZ_CHECK(scanner.position() <= text.size());
    if (!token.text.empty()) {
      LSEDGE_FUZZ_CHECK(token.text.data() >= text.data() &&
                        token.text.data() + token.text.size() <= text.data() + text.size());
    }
    if (token.kind == Kind::String || token.kind == Kind::Key) {
      const std::optional<size_t> n = json::unescape_into(token.text, out, sizeof(out));
      LSEDGE_FUZZ_CHECK(!n || *n <= sizeof(out));
    } else if (token.kind == Kind::Number) {
      (void)json::number_as_int64(token.text);
    } else if (token.kind == Kind::End || token.kind == Kind::Cut || token.kind == Kind::Invalid) {
      LSEDGE_FUZZ_CHECK(scanner.next().kind == token.kind);
      return token.kind;
    }
  }
}

void read(FuzzedDataProvider& input, const std::string& text) {
  static StaticArena<65536> arena;
  arena.reset();
  {
    json::ArenaScope scope(arena);
    const Result<json::Value> value = json::parse(text, arena);
    if (value.ok()) {
      walk(*value, 0);
    }
  }
  if (scan(text) == Kind::End) {
    const size_t cut = input.ConsumeIntegralInRange<size_t>(0, text.size());
    LSEDGE_FUZZ_CHECK(scan(std::string_view(text).substr(0, cut)) != Kind::Invalid);
  }
  for (const char* key : {"id", "detail", "next", "results"}) {
    const json::PrefixMember member = json::find_top_member(text, key);
    if (member.kind == Kind::ObjectBegin || member.kind == Kind::ArrayBegin) {
      (void)scan(member.text);
    }
  }
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  lsedge::fuzz::read(input, std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
