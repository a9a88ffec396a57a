// The Label Studio project title for a name and a task id: "{name} ({id[:8]})", at most 50
// characters as the server counts them.
#pragma once

#include <cstddef>
#include <string_view>

#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"

namespace lsedge::labelstudio {

// Label Studio's PROJECT_TITLE_MIN_LEN and PROJECT_TITLE_MAX_LEN, counted in Unicode code points
// (Python's len()) after the serializer strips whitespace.
inline constexpr size_t kProjectTitleMinChars = 3;
inline constexpr size_t kProjectTitleMaxChars = 50;
// The id part of the title: id[:8].
inline constexpr size_t kProjectTitleIdChars = 8;
// 50 code points of at most 4 bytes each. Thread-safety: a value type (FixedString).
using ProjectTitle = FixedString<kProjectTitleMaxChars * 4>;

// Writes "{name} ({id8})", or "{name}" when there is no id, into `out`.
// Both inputs must be valid UTF-8 (InvalidUtf8 otherwise, with the byte offset in the detail)
// and are cleaned the same way:
//   - control characters (C0 U+0000-U+001F, DEL, C1 U+0080-U+009F) become spaces; runs of
//     spaces are kept, not collapsed;
//   - the ends are trimmed of those and of Unicode whitespace, the set Python's str.strip()
//     removes (U+0020, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000),
//     which is also what the server's serializer strips before counting.
// An empty name after cleaning is EmptyInput; an empty id after cleaning means "no id"; a title
// shorter than kProjectTitleMinChars is UsageError (the server would refuse it).
// id8 is the first 8 code points of the cleaned id (a shorter id is used whole), with any
// whitespace they end in trimmed. Ids are normally ASCII UUIDs.
// When the title would exceed 50 code points, the name is cut to fit, whitespace at the cut is
// trimmed (no "Foo ... (id)"), and "..." is appended: "{cut}... ({id8})" is exactly 50 code
// points unless the trim removed some. The cut is on a code point boundary, never inside a UTF-8
// sequence; it may separate a base letter from a following combining mark, since the server
// counts code points too. `out` is written only on success. Thread-safety: a pure function.
[[nodiscard]] Outcome format_project_title(std::string_view name, std::string_view id,
                                           ProjectTitle& out);

// The number of code points in valid UTF-8 (bytes that are not continuation bytes).
// Thread-safety: a pure function.
[[nodiscard]] size_t count_code_points(std::string_view valid_utf8);

}  // namespace lsedge::labelstudio
