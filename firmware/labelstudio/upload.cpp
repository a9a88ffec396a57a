#include "firmware/labelstudio/upload.h"

#include "firmware/labelstudio/multipart.h"

namespace lsedge::labelstudio {

Result<ImportResult> upload_media(Client& client, int64_t project_id, hal::Storage& storage,
                                  hal::Entropy& entropy, std::string_view path, Deadline deadline,
                                  bool safe_to_resend, bool return_task_ids) {
  LSEDGE_TRY(check_importable(path));  // before anything is sent
  MultipartBoundary boundary;
  LSEDGE_TRY(make_multipart_boundary(entropy, boundary));
  MultipartFileSource source(storage);  // closes the file however this returns
  LSEDGE_TRY(source.open(path, "file", boundary.view()));
  return post_import(client, project_id, source.content_type(), source, safe_to_resend, deadline,
                     return_task_ids);
}

}  // namespace lsedge::labelstudio
