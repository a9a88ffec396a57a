// POST /api/projects/{id}/import: task batches (JSON) and, through upload.h, media files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/arena.h"
#include "firmware/core/backoff.h"
#include "firmware/core/deadline.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/http/http.h"
#include "firmware/labelstudio/client.h"
#include "hal/clock.h"
#include "hal/entropy.h"

namespace lsedge::labelstudio {

// What the server reported for one import request. Label Studio Community imports
// synchronously and answers with the counts; other editions queue the import and answer
// {"import": <id>} (queued = true, only import_id is set): its outcome comes from
// get_import_status / wait_for_import. Thread-safety: a value type.
struct ImportResult {
  bool queued = false;
  int64_t import_id = 0;
  int64_t task_count = 0;
  int64_t annotation_count = 0;
  int64_t prediction_count = 0;
  double duration_s = 0;             // server-side processing time
  size_t file_upload_count = 0;      // entries of file_upload_ids
  int64_t first_file_upload_id = 0;  // 0 when there is none
  bool could_be_tasks_list = false;  // a CSV/TSV/TXT upload the server could split into tasks
  // With return_task_ids: the answer's `task_ids` (the first of them, and how many).
  int64_t first_task_id = 0;
  size_t task_id_count = 0;
};

// Imports one batch of tasks: `batch` is a JSON array of tasks or one task object, exactly
// batch.size() bytes (the batch planner keeps it under the byte budget); sent with
// Content-Type: application/json and that Content-Length, read piece by piece.
// `safe_to_resend`: resend when a kept-alive connection turns out dead mid-request. Off by
// default, because the server may already have imported the batch (duplicates); a 401 resend
// is always done (the server did not act). Errors: Client::call's (400 is ValidationFailed with
// the server's validation messages in the detail), JsonInvalid / JsonMissingField for a 2xx
// answer that is not an import result. Thread-safety: as the Client.
[[nodiscard]] Result<ImportResult> import_tasks(Client& client, int64_t project_id,
                                                http::BodySource& batch, Deadline deadline,
                                                bool safe_to_resend = false);

// The shared request of import_tasks and upload_media, with any body type. `return_task_ids`
// asks the server for the created tasks' ids (ImportResult::first_task_id).
[[nodiscard]] Result<ImportResult> post_import(Client& client, int64_t project_id,
                                               std::string_view content_type,
                                               http::BodySource& body, bool safe_to_resend,
                                               Deadline deadline, bool return_task_ids = false);

// POST /api/projects/{id}/import/predictions: `body` is a JSON array of predictions, each with
// the `task` it belongs to (PredictionsBody). Returns how many the server created: Label Studio
// without its prediction validation skips the ones that do not fit the label config and says
// so only by a smaller count; with it, a 400 (ValidationFailed) lists "Prediction <i>: ...".
// Errors: Client::call's, JsonMissingField for a 2xx without `created`. Thread-safety: as the
// Client.
[[nodiscard]] Result<int64_t> import_predictions(Client& client, int64_t project_id,
                                                 http::BodySource& body, Deadline deadline);

// A queued import's state, from GET /api/projects/{pid}/imports/{id}/ (Enterprise / SaaS).
// Thread-safety: a value type.
struct ImportStatus {
  enum class State : uint8_t { Created, InProgress, Completed, Failed };
  State state = State::Created;
  FixedString<kErrorDetailCapacity> error;  // the server's `error` when Failed (may be cut)
  std::optional<int64_t> task_count;        // when the answer says
  std::optional<int64_t> first_task_id;     // `task_ids`' first (the import asked for them)
  [[nodiscard]] bool finished() const {
    return state == State::Completed || state == State::Failed;
  }
};
// Label Studio's name of the state: "created", "in_progress", "completed", "failed".
// Thread-safety: pure function.
[[nodiscard]] const char* import_state_name(ImportStatus::State state);

// Polls a queued import once. The answer echoes the submitted tasks, so it is read from a body
// that may be truncated (only `status`, `error` and `task_count` are needed, and Label Studio
// sends them before `tasks`). Errors: Client::call's (404: the import or the project is gone),
// JsonMissingField when there is no known `status`, JsonInvalid for an answer that is not a
// JSON object. Thread-safety: as the Client.
[[nodiscard]] Result<ImportStatus> get_import_status(Client& client, int64_t project_id,
                                                     int64_t import_id, Deadline deadline);
// The parser behind it: `body` is the answer, or only its first bytes when `truncated`.
// Thread-safety: pure function.
[[nodiscard]] Result<ImportStatus> parse_import_status(std::string_view body, bool truncated);

// How a queued import is polled: the wait before poll n (0 = the first, right after the 201) is
// drawn from [c/2, c] with c = min(cap_ms, base_ms * 2^n) (half fixed, so polls are never
// back to back; half jitter, so many gateways do not poll in step). The backoff's
// max_retry_after_ms bounds a 429/503's Retry-After between polls. Thread-safety: a value type.
struct ImportPollPolicy {
  BackoffPolicy backoff{500, 10000, 60000};
  uint32_t request_timeout_ms = LSEDGE_REQUEST_TIMEOUT_MS;  // one poll request
};
// The wait before poll number `attempt`; `random`: any uint32_t (e.g. from hal::Entropy).
// Thread-safety: pure function.
[[nodiscard]] uint32_t import_poll_delay_ms(const ImportPollPolicy& policy, uint32_t attempt,
                                            uint32_t random);

// What wait_for_import waits with between polls. Thread-safety: the caller's.
class PollPause {
 public:
  // Waits `ms`; false stops the wait (wait_for_import then returns Cancelled).
  [[nodiscard]] virtual bool pause_ms(uint32_t ms) = 0;

 protected:
  ~PollPause() = default;
};
// Sleeps on the clock and never stops (for the CLI). Thread-safety: as the clock.
class ClockPause final : public PollPause {
 public:
  explicit ClockPause(hal::MonotonicClock& clock) : clock_(clock) {}
  bool pause_ms(uint32_t ms) override {
    clock_.sleep_ms(ms);
    return true;
  }

 private:
  hal::MonotonicClock& clock_;
};

// Polls a queued import until it has finished (Completed or Failed: both are results; a Failed
// import's `error` is the server's reason) or `until` has passed. Each poll waits
// import_poll_delay_ms first (or a longer Retry-After); transient poll failures (network, 5xx,
// 429: core is_transient) are polled again within the same bound, anything else (404, 401, an
// answer without a known status) is returned at once. Past `until`: Timeout naming the import
// and its last state (its outcome is unknown). Callers that must check for a stop between polls
// (the uploader) use get_import_status and import_poll_delay_ms one step at a time instead.
// Thread-safety: as the Client.
[[nodiscard]] Result<ImportStatus> wait_for_import(Client& client, int64_t project_id,
                                                   int64_t import_id, Deadline until,
                                                   const ImportPollPolicy& policy,
                                                   hal::MonotonicClock& clock,
                                                   hal::Entropy& entropy, PollPause& pause);

// Parses a 2xx import answer: the Community counts, or {"import": id}. Thread-safety: pure
// function (uses `arena`, which the caller resets).
[[nodiscard]] Result<ImportResult> parse_import_result(std::string_view json, Arena& arena);

// One line for people: "imported 3 tasks (1 annotations, 0 predictions, 1 files) in 120 ms" or
// "queued as import id 17". Thread-safety: pure function.
[[nodiscard]] FixedString<128> describe_import(const ImportResult& result);

}  // namespace lsedge::labelstudio
