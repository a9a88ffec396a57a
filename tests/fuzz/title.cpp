// The project title formatter: any name and id (the input cut at its first 0xFF byte; invalid
// UTF-8 included). Checked: no crash or sanitizer report; a title is valid UTF-8 of 3 to 50 code
// points without control characters, not starting or ending with a space; formatting is a
// function (the same inputs give the same title).
#include <string>
#include <string_view>

#include "firmware/core/utf8.h"
#include "firmware/labelstudio/title.h"
#include "tests/fuzz/fuzz_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lsedge;
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t cut = all.find('\xFF');
  const std::string name = all.substr(0, cut);
  const std::string id = cut == std::string::npos ? std::string() : all.substr(cut + 1);
  labelstudio::ProjectTitle title;
  const Outcome made = labelstudio::format_project_title(name, id, title);
  if (!made.ok()) {
    LSEDGE_FUZZ_CHECK(title.empty());
    return 0;
  }
  const std::string_view text = title.view();
  size_t code_points = 0;
  for (size_t at = 0; at < text.size();) {
    const std::optional<CodePoint> cp = utf8_decode(text, at);
    LSEDGE_FUZZ_CHECK(cp.has_value());
    LSEDGE_FUZZ_CHECK(cp->value >= 0x20 && cp->value != 0x7F &&
                      !(cp->value >= 0x80 && cp->value <= 0x9F));
    at += cp->length;
    ++code_points;
  }
  LSEDGE_FUZZ_CHECK(code_points >= labelstudio::kProjectTitleMinChars);
  LSEDGE_FUZZ_CHECK(code_points <= labelstudio::kProjectTitleMaxChars);
  LSEDGE_FUZZ_CHECK(code_points == labelstudio::count_code_points(text));
  LSEDGE_FUZZ_CHECK(text.front() != ' ' && text.back() != ' ');
  labelstudio::ProjectTitle again;
  LSEDGE_FUZZ_CHECK(labelstudio::format_project_title(name, id, again).ok());
  LSEDGE_FUZZ_CHECK(again.view() == text);
  return 0;
}
