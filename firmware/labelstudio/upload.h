// Uploading one media file into a project: the multipart import Label Studio's UI uses.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/deadline.h"
#include "firmware/core/result.h"
#include "firmware/labelstudio/client.h"
#include "firmware/labelstudio/import.h"
#include "hal/entropy.h"
#include "hal/storage.h"

namespace lsedge::labelstudio {

// POST /api/projects/{id}/import as multipart/form-data with one part, field "file", the file's
// basename as its filename and a Content-Type from its extension (multipart.h), streamed from
// `storage` in pieces with an exact Content-Length; the boundary is random (`entropy`). The
// server stores the file and creates one task pointing at it (for CSV/TSV/TXT/JSON files, the
// tasks in it). A file type Label Studio does not import is refused first (check_importable,
// UsageError). Errors: FileError naming the path when the file cannot be opened or read,
// EntropyFailure, MultipartFileSource::open's argument errors, then as import_tasks (a 400
// "<ext> extension is not supported" is ValidationFailed). `safe_to_resend` as in import_tasks.
// Thread-safety: as the Client.
[[nodiscard]] Result<ImportResult> upload_media(Client& client, int64_t project_id,
                                                hal::Storage& storage, hal::Entropy& entropy,
                                                std::string_view path, Deadline deadline,
                                                bool safe_to_resend = false,
                                                bool return_task_ids = false);

}  // namespace lsedge::labelstudio
