#include "firmware/labelstudio/title.h"

#include <cstdint>
#include <optional>

#include "firmware/core/utf8.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kEllipsis = "...";

// " (" + id8 + ")" always fits next to at least one code point of name and the ellipsis.
static_assert(kProjectTitleMaxChars >= 3 + kProjectTitleIdChars + kEllipsis.size() + 1,
              "the title limit must leave room for the id suffix, one character and '...'");

bool is_control(uint32_t cp) {
  return cp < 0x20U || (cp >= 0x7FU && cp <= 0x9FU);
}

// Python's str.isspace() minus the controls above (they are blanks anyway).
bool is_unicode_space(uint32_t cp) {
  return cp == 0x20U || cp == 0xA0U || cp == 0x1680U || (cp >= 0x2000U && cp <= 0x200AU) ||
         cp == 0x2028U || cp == 0x2029U || cp == 0x202FU || cp == 0x205FU || cp == 0x3000U;
}

// Trimmed at the ends: controls (they become spaces) and whitespace.
bool is_blank(uint32_t cp) {
  return is_control(cp) || is_unicode_space(cp);
}

bool is_continuation(char c) {
  return (static_cast<uint8_t>(c) & 0xC0U) == 0x80U;
}

// The code point ending at `end` (exclusive) of valid UTF-8; `start` receives where it begins.
uint32_t decode_last(std::string_view valid, size_t end, size_t& start) {
  start = end - 1;
  while (start > 0 && is_continuation(valid[start])) {
    --start;
  }
  const std::optional<CodePoint> cp = utf8_decode(valid, start);
  return cp ? cp->value : 0;  // always has a value: the text was validated
}

std::string_view trim_end(std::string_view valid) {
  size_t end = valid.size();
  while (end > 0) {
    size_t start = 0;
    if (!is_blank(decode_last(valid, end, start))) {
      break;
    }
    end = start;
  }
  return valid.substr(0, end);
}

// Validates `text` and returns it without blanks at either end.
Result<std::string_view> clean(std::string_view text, std::string_view what) {
  size_t offset = 0;
  std::optional<size_t> first;  // start of the first non-blank code point
  while (offset < text.size()) {
    const std::optional<CodePoint> cp = utf8_decode(text, offset);
    if (!cp) {
      Error error(Status::InvalidUtf8, what);
      error.detail.append_truncated(": invalid UTF-8 at byte ");
      (void)error.detail.append_uint(offset);  // diagnostics: dropped whole if it cannot fit
      return error;
    }
    if (!first && !is_blank(cp->value)) {
      first = offset;
    }
    offset += cp->length;
  }
  if (!first) {
    return std::string_view();
  }
  return trim_end(text.substr(*first));
}

// The first `count` code points of valid UTF-8 (all of it when shorter).
std::string_view first_code_points(std::string_view valid, size_t count) {
  size_t end = 0;
  for (size_t n = 0; n < count && end < valid.size(); ++n) {
    ++end;
    while (end < valid.size() && is_continuation(valid[end])) {
      ++end;
    }
  }
  return valid.substr(0, end);
}

// Appends valid UTF-8 with each control character replaced by a space.
Status append_cleaned(ProjectTitle& out, std::string_view valid) {
  size_t offset = 0;
  while (offset < valid.size()) {
    const std::optional<CodePoint> cp = utf8_decode(valid, offset);
    const size_t length = cp ? cp->length : 1;
    const Status status =
        (cp && is_control(cp->value)) ? out.append(' ') : out.append(valid.substr(offset, length));
    if (status != Status::Ok) {
      return status;
    }
    offset += length;
  }
  return Status::Ok;
}

// "<shown>[...][ (<id8>)]": the ellipsis when the name was cut, the id part when there is one.
Status append_title(ProjectTitle& title, std::string_view shown, bool cut, std::string_view id8) {
  Status status = append_cleaned(title, shown);
  if (status == Status::Ok && cut) {
    status = title.append(kEllipsis);
  }
  if (status == Status::Ok && !id8.empty()) {
    status = title.append(" (");
    status = status == Status::Ok ? append_cleaned(title, id8) : status;
    status = status == Status::Ok ? title.append(')') : status;
  }
  return status;
}

}  // namespace

size_t count_code_points(std::string_view valid_utf8) {
  size_t count = 0;
  for (const char c : valid_utf8) {
    count += is_continuation(c) ? 0 : 1;
  }
  return count;
}

Outcome format_project_title(std::string_view name, std::string_view id, ProjectTitle& out) {
  LSEDGE_TRY_ASSIGN(const std::string_view cleaned_name, clean(name, "project name"));
  LSEDGE_TRY_ASSIGN(const std::string_view cleaned_id, clean(id, "project id"));
  if (cleaned_name.empty()) {
    return Error(Status::EmptyInput, "project name: empty or only whitespace/control characters");
  }
  const std::string_view id8 = trim_end(first_code_points(cleaned_id, kProjectTitleIdChars));
  const size_t suffix_chars = id8.empty() ? 0 : 3 + count_code_points(id8);  // " (" id8 ")"

  std::string_view shown = cleaned_name;
  bool cut = false;
  if (count_code_points(shown) + suffix_chars > kProjectTitleMaxChars) {
    const size_t budget = kProjectTitleMaxChars - suffix_chars - kEllipsis.size();  // >= 1
    shown = trim_end(first_code_points(shown, budget));  // the first code point is not blank
    cut = true;
  }

  ProjectTitle title;
  LSEDGE_TRY(append_title(title, shown, cut, id8));
  if (count_code_points(title.view()) < kProjectTitleMinChars) {
    Error error(Status::UsageError, "project title \"");
    error.detail.append_truncated(title.view());
    error.detail.append_truncated(
        "\" is shorter than the 3 characters Label Studio requires; "
        "use a longer name");
    return error;
  }
  out = title;
  return {};
}

}  // namespace lsedge::labelstudio
