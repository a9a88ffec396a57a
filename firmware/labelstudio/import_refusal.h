// What a refused import (400) says about each task of the batch, read from a body that may be
// truncated: Label Studio lists every item in `validation_errors.non_field_errors`, index-aligned
// with the request (`{}` for a good item, "Error at item N: ... :: <the item>" for a bad one),
// stops after 100 entries (the 100th becomes "..."), and echoes each failing item whole, so the
// list is often longer than the response buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/span.h"

namespace lsedge::labelstudio {

inline constexpr size_t kMaxItemVerdicts = 100;  // Label Studio lists at most 100 items

// Thread-safety: a value type (its views point into the response body).
struct ItemVerdict {
  bool refused = false;
  // The server's message for a refused item, raw (still JSON-escaped: json::append_unescaped),
  // up to " :: " where the echo of the item begins. Empty for a good item.
  std::string_view message;
};

// Thread-safety: a value type (views into the response body, valid while it is).
struct ImportRefusal {
  // The body holds an item list (else the refusal concerns the whole request, e.g. "No tasks
  // added" or a non-list payload: use the error's detail).
  bool item_list = false;
  // verdicts[0, known) are index-aligned with the batch's first `known` tasks.
  size_t known = 0;
  // The list does not cover the whole batch: "..." at the 100th entry, a truncated body, or
  // fewer entries than tasks. Tasks from `known` on have no verdict.
  bool cut = false;
  size_t refused_count = 0;  // refused items among the known ones
  ItemVerdict verdicts[kMaxItemVerdicts];
};

// Reads the item list of a 400 answer to an import of `batch_tasks` tasks. `truncated`: the body
// is only the first bytes of the answer (http::Response::truncated).
// Thread-safety: pure function.
[[nodiscard]] ImportRefusal parse_import_refusal(ConstByteSpan body, bool truncated,
                                                 uint64_t batch_tasks);

}  // namespace lsedge::labelstudio
