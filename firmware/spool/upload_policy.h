// What the uploader (lsedge run) does with a failed import request. Pure functions, so the
// table is unit-tested without a server.
#pragma once

#include <cstdint>

#include "firmware/core/result.h"

namespace lsedge::spool {

// Thread-safety: a value type.
enum class UploadAction : uint8_t {
  Confirm,     // the server answered 2xx (its body did not parse): the tasks are stored
  Retry,       // transient: wait (backoff, Retry-After), then send the same entry again
  Probe,       // Label Studio's own JSON 5xx: ask the server something cheap, then
               // poison_action() decides between Retry and Reject
  Reject,      // the server refused this entry's content: move it to rejected/
  SplitItems,  // 400 listing a verdict per task: reject the refused tasks, resend the others
  Split,       // 413 (a proxy's body limit): split the entry in halves and send each
  Stop,        // retrying cannot help (credentials, project, local storage): exit, queue intact
};

// Label Studio rejects an entry that failed this many times in a row with its JSON 500.
inline constexpr uint32_t kDefaultPoisonAfter = 5;

// What the uploader knows about a failed request besides its Error. Thread-safety: a value type.
struct UploadAnswer {
  uint64_t tasks = 1;  // tasks in the entry
  // The answer's Content-Type is application/json: Label Studio's own error envelope, not the
  // HTML page of a proxy (502/503/504 from nginx) or of a server that is starting.
  bool json = false;
  // A 400 whose body lists a verdict per task (labelstudio::parse_import_refusal's item_list).
  bool item_list = false;
};

// The answered status decides (also when the answer was truncated: only its body is cut):
// 2xx → Confirm; 400 → SplitItems with an item list and more than one task, else Reject;
// 413 → Split (more than one task) or Reject (the single task exceeds the proxy's limit);
// 408, 429 → Retry; 401 (final after the client's refresh), 403, 404 → Stop (they concern the
// token or the project: rejecting would empty the whole queue into rejected/); other 4xx →
// Reject; 502/503/504 or any 5xx that is not JSON (a proxy or an outage) → Retry; another JSON
// 5xx → Probe; 1xx/3xx → Stop. Without an answer: network and TLS errors, timeouts, cut or
// unreadable answers → Retry (TLS too: a gateway behind a captive portal or a server
// mid-certificate-rotation recovers on its own, and exiting would only make the service
// manager restart us); anything local → Stop. Thread-safety: pure function.
[[nodiscard]] UploadAction upload_action(const Error& error, const UploadAnswer& answer);
// The same for a request that is not an import (the project check, an import's status poll):
// no item list, no probe (a JSON 5xx is retried).
[[nodiscard]] UploadAction upload_action(const Error& error);

// After a Probe: `server_answered` is true when the probe request got its 2xx. `streak` counts
// the entry's JSON 5xx answers in a row that came while the server answered probes; an
// unanswered probe means the server is failing as a whole (an outage: everything waits), so
// the streak restarts. Returns Reject when the streak reaches `poison_after`, else Retry.
// Thread-safety: pure function of its arguments (updates `streak`).
[[nodiscard]] UploadAction poison_action(bool server_answered, uint32_t& streak,
                                         uint32_t poison_after);

// Whether the server may have acted on the request despite the error. A 5xx may come after the
// import ran (a proxy's timeout, a failure after the commit); a 4xx, including 429 and a
// truncated one, says it did not. Without a response, a request of which no byte left
// (`sent_any` false) cannot have been seen. Thread-safety: pure function.
[[nodiscard]] bool upload_outcome_unknown(const Error& error, bool sent_any);

}  // namespace lsedge::spool
