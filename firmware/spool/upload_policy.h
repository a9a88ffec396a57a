// What the uploader (lsedge run) does with a failed import request. Pure functions, so the
// table is unit-tested without a server.
#pragma once

#include <cstdint>

#include "firmware/core/result.h"

namespace lsedge::spool {

// Thread-safety: a value type.
enum class UploadAction : uint8_t {
  Confirm,  // the server answered 2xx (its body did not parse): the tasks are stored
  Retry,    // transient: wait (backoff, Retry-After), then send the same entry again
  Reject,   // the server refused this entry's content: move it to rejected/
  Stop,     // retrying cannot help (credentials, project, local storage): exit, queue intact
};

// Network and TLS errors, timeouts, cut or unreadable answers, 5xx and 429 → Retry (TLS too: a
// gateway behind a captive portal or a server mid-certificate-rotation recovers on its own, and
// exiting would only make the service manager restart us). 4xx other than 401/403/404/429 →
// Reject. 401 (final after the client's refresh), 403 and 404 concern the token or the project,
// not the entry — rejecting would empty the whole queue into rejected/ → Stop, as is anything
// local. Thread-safety: pure function.
[[nodiscard]] UploadAction upload_action(const Error& error);

// Whether the server may have acted on the request despite the error. A 5xx may come after the
// import ran (a proxy's timeout, a failure after the commit); a 4xx, including 429, says it did
// not. Without a response, a request of which no byte left (`sent_any` false) cannot have been
// seen. Thread-safety: pure function.
[[nodiscard]] bool upload_outcome_unknown(const Error& error, bool sent_any);

}  // namespace lsedge::spool
