// The one place where llhttp error numbers become lsedge Errors (private to http/).
#pragma once

#include <cstdint>

#include "firmware/core/result.h"

namespace lsedge::http {

// `llhttp_errno` is an llhttp_errno_t, kept in Error::code; `reason` is llhttp's static
// explanation (may be null). Truncation at EOF → HttpTruncatedResponse, everything else →
// HttpMalformedResponse. Thread-safety: pure function.
[[nodiscard]] Error llhttp_error(int32_t llhttp_errno, const char* reason);

}  // namespace lsedge::http
