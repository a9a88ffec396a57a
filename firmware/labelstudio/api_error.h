// Turns a Label Studio HTTP error response into an Error: Status from the HTTP status, the
// server's `detail` (and validation messages) as the detail text.
#pragma once

#include "firmware/core/arena.h"
#include "firmware/core/result.h"
#include "firmware/http/connection.h"

namespace lsedge::labelstudio {

// The Status a non-2xx HTTP status maps to (401 → AuthenticationFailed, 5xx → ServerError ...).
[[nodiscard]] Status status_for_http(uint16_t http_status);

// Builds the Error for a non-2xx response. The body is parsed with `arena` (reset by the caller);
// `detail` is the envelope's `detail`, followed by `validation_errors` as "field: message" pairs;
// a Retry-After in delta-seconds (429, 503) becomes retry_after_ms.
// Thread-safety: pure function of its arguments.
[[nodiscard]] Error error_from_response(const http::Response& response, Arena& arena);

// What the user should do about a refresh failure, chosen by the server's `detail`.
[[nodiscard]] const char* refresh_failure_hint(std::string_view server_detail);

}  // namespace lsedge::labelstudio
