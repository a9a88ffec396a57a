// The .env parser: any text, a scratch buffer of the text's size (always enough, as documented)
// or smaller, a visitor that wants every key or only some. Checked: no crash or sanitizer report;
// with scratch of the text's size BufferTooSmall never happens; keys have the documented shape;
// every value and key lies inside the text or the scratch; a failure has a detail with a line
// number and never the text of a value.
#include <string>
#include <string_view>
#include <vector>

#include "firmware/app/dotenv.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

bool key_char(char c, bool first) {
  const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  return first ? alpha : alpha || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

class Checker final : public app::DotenvVisitor {
 public:
  Checker(std::string_view text, const std::vector<char>& scratch, bool picky)
      : text_(text), scratch_(scratch), picky_(picky) {}
  bool wants(std::string_view key) const override { return !picky_ || key.size() % 2 == 0; }
  Outcome on_entry(std::string_view key, std::string_view value) override {
    LSEDGE_FUZZ_CHECK(!key.empty() && key_char(key[0], true));
    for (const char c : key) {
      LSEDGE_FUZZ_CHECK(key_char(c, false));
    }
    LSEDGE_FUZZ_CHECK(!picky_ || key.size() % 2 == 0);
    LSEDGE_FUZZ_CHECK(inside(key, text_.data(), text_.size()));
    LSEDGE_FUZZ_CHECK(value.empty() || inside(value, text_.data(), text_.size()) ||
                      inside(value, scratch_.data(), scratch_.size()));
    ++entries;
    return {};
  }
  size_t entries = 0;

 private:
  static bool inside(std::string_view part, const char* base, size_t size) {
    return part.data() >= base && part.data() + part.size() <= base + size;
  }
  std::string_view text_;
  const std::vector<char>& scratch_;
  bool picky_;
};

void parse(FuzzedDataProvider& input, const std::string& text) {
  const bool picky = input.ConsumeBool();
  const bool small = input.ConsumeBool();
  std::vector<char> scratch(small ? input.ConsumeIntegralInRange<size_t>(0, 16) : text.size());
  Checker checker(text, scratch, picky);
  const Outcome outcome =
      app::parse_dotenv(text, Span<char>(scratch.data(), scratch.size()), checker);
  if (outcome.ok()) {
    return;
  }
  LSEDGE_FUZZ_CHECK(outcome.status() == Status::ConfigInvalid ||
                    (small && outcome.status() == Status::BufferTooSmall));
  LSEDGE_FUZZ_CHECK(outcome.error().detail.view().find("line") != std::string_view::npos);
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string text(reinterpret_cast<const char*>(data), size);
  lsedge::fuzz::parse(input, text);
  return 0;
}
