// POST /api/projects/{id}/import: task batches (JSON) and, through upload.h, media files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/arena.h"
#include "firmware/core/deadline.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/http/http.h"
#include "firmware/labelstudio/client.h"

namespace lsedge::labelstudio {

// What the server reported for one import request. Label Studio Community imports
// synchronously and answers with the counts; other editions queue the import and answer
// {"import": <id>} (queued = true, only import_id is set). Polling a queued import
// (GET /api/projects/{id}/imports/{import_id}) is not implemented. Thread-safety: a value type.
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

// The shared request of import_tasks and upload_media, with any body type.
[[nodiscard]] Result<ImportResult> post_import(Client& client, int64_t project_id,
                                               std::string_view content_type,
                                               http::BodySource& body, bool safe_to_resend,
                                               Deadline deadline);

// A queued import's state, from GET /api/projects/{pid}/imports/{id}/ (Enterprise / SaaS).
// Thread-safety: a value type.
struct ImportStatus {
  enum class State : uint8_t { Created, InProgress, Completed, Failed };
  State state = State::Created;
  FixedString<kErrorDetailCapacity> error;  // the server's `error` when Failed
  std::optional<int64_t> task_count;        // when the answer says
};
// Polls a queued import once. The answer echoes the submitted tasks, so it is read from a body
// that may be truncated (only `status` and `error` are needed). Errors: Client::call's (404:
// the import or the project is gone), JsonMissingField when there is no known `status`.
// Thread-safety: as the Client.
[[nodiscard]] Result<ImportStatus> get_import_status(Client& client, int64_t project_id,
                                                     int64_t import_id, Deadline deadline);

// Parses a 2xx import answer: the Community counts, or {"import": id}. Thread-safety: pure
// function (uses `arena`, which the caller resets).
[[nodiscard]] Result<ImportResult> parse_import_result(std::string_view json, Arena& arena);

// One line for people: "imported 3 tasks (1 annotations, 0 predictions, 1 files) in 120 ms" or
// "queued import id 17 (not polled)". Thread-safety: pure function.
[[nodiscard]] FixedString<128> describe_import(const ImportResult& result);

}  // namespace lsedge::labelstudio
