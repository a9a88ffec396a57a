// Turns a Label Studio HTTP error response into an Error: Status from the HTTP status, the
// server's `detail` (and first validation messages) as the detail text.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/arena.h"
#include "firmware/core/result.h"
#include "firmware/http/connection.h"

namespace lsedge::labelstudio {

// The Status a non-2xx HTTP status maps to (3xx → Redirected, 401 → AuthenticationFailed,
// 5xx → ServerError ...). Thread-safety: pure function.
[[nodiscard]] Status status_for_http(uint16_t http_status);

// The answer's Content-Type is JSON (application/json, or a +json type). Thread-safety: pure.
[[nodiscard]] bool is_json_answer(const http::Response& response);

// A successful status with an HTML page where Label Studio's API answers JSON: a web app or a
// proxy's page at this URL (a wrong sub-path). NoApiAtUrl naming `endpoint`; nullopt otherwise.
// Thread-safety: pure function.
[[nodiscard]] std::optional<Error> html_instead_of_api(const http::Response& response,
                                                       std::string_view endpoint);

// Builds the Error for a non-2xx response; the body may be cut short (Response::truncated): it is
// read with json::PrefixScanner, never parsed whole, so `arena` is not used (kept for callers).
// Classified by the HTTP status always, except where the status alone would mislead:
//   3xx                                       Redirected: the Location, and the base URL it implies
//                                             when it ends with `endpoint` (the path asked for,
//                                             without the base path and query);
//   404 with an HTML page                     NoApiAtUrl (a wrong sub-path: Label Studio's API
//                                             answers 404 in JSON);
//   400 "plain HTTP request was sent to HTTPS port" (nginx)  HttpToHttpsPort.
// The detail is the envelope's `detail`, then the first message of each field of
// `validation_errors` as "field: message" (an item echo "... :: {item}" cut at " :: ") and how
// many more there are; a Retry-After in delta-seconds (429, 503) becomes retry_after_ms.
// Thread-safety: pure function of its arguments.
[[nodiscard]] Error error_from_response(const http::Response& response, Arena& arena,
                                        std::string_view endpoint = {});

// What the user should do about a refresh failure, chosen by the server's `detail`.
// Thread-safety: pure function.
[[nodiscard]] const char* refresh_failure_hint(std::string_view server_detail);

}  // namespace lsedge::labelstudio
