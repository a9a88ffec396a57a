// Small helpers over json::PrefixScanner shared by the labelstudio readers (api_error, projects).
#pragma once

#include "firmware/json/prefix_scan.h"

namespace lsedge::labelstudio::scan {

using Kind = json::PrefixScanner::Kind;

// The text ended or broke: nothing more can be read.
[[nodiscard]] inline bool stopped(Kind kind) {
  return kind == Kind::Cut || kind == Kind::Invalid || kind == Kind::End;
}

// The scanner has just returned a container's opening token: skips to its end. Returns the
// closing token's kind, or Cut/Invalid/End when the text stops first.
[[nodiscard]] inline Kind skip_rest(json::PrefixScanner& scanner) {
  const size_t inside = scanner.depth();
  for (;;) {
    const Kind kind = scanner.next().kind;
    if (stopped(kind) || scanner.depth() < inside) {
      return kind;
    }
  }
}

// Finishes the value whose first token `first` was just read (a container is skipped whole).
[[nodiscard]] inline Kind finish_value(json::PrefixScanner& scanner, Kind first) {
  if (first == Kind::ObjectBegin || first == Kind::ArrayBegin) {
    return skip_rest(scanner);
  }
  return first;
}

}  // namespace lsedge::labelstudio::scan
