#include "firmware/labelstudio/import.h"

#include "firmware/json/json.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kJson = "application/json";

int64_t count_field(json::Value root, std::string_view key) {
  return root.get(key).as_int64().value_or(0);
}

}  // namespace

Result<ImportResult> parse_import_result(std::string_view text, Arena& arena) {
  auto root = json::parse(text, arena);
  if (!root.ok()) {
    return Error(root.error()).with_detail("import answer is not JSON");
  }
  if (!root->is_object()) {
    return Error(Status::JsonInvalid, "import answer is not a JSON object");
  }
  ImportResult result;
  if (const auto task_count = root->get("task_count").as_int64()) {
    result.task_count = *task_count;
    result.annotation_count = count_field(*root, "annotation_count");
    result.prediction_count = count_field(*root, "prediction_count");
    result.duration_s = root->get("duration").as_double().value_or(0);
    result.could_be_tasks_list = root->get("could_be_tasks_list").as_bool().value_or(false);
    const json::Value uploads = root->get("file_upload_ids");
    if (uploads.is_array()) {
      result.file_upload_count = uploads.size();
      result.first_file_upload_id = uploads.at(0).as_int64().value_or(0);
    }
    return result;
  }
  if (const auto import_id = root->get("import").as_int64()) {
    result.queued = true;
    result.import_id = *import_id;
    return result;
  }
  return Error(Status::JsonMissingField, "import answer has neither \"task_count\" nor \"import\"");
}

Result<ImportResult> post_import(Client& client, int64_t project_id, std::string_view content_type,
                                 http::BodySource& body, bool safe_to_resend, Deadline deadline) {
  if (project_id <= 0) {
    return Error(Status::InvalidArgument, "project id must be positive");
  }
  // No trailing slash: Label Studio routes "<pk>/import" only; "import/" is a 404.
  FixedString<48> endpoint;
  (void)endpoint.append("/api/projects/");
  (void)endpoint.append_int(project_id);
  (void)endpoint.append("/import");
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    client.call(http::Method::Post, endpoint.view(), content_type, body,
                                safe_to_resend, deadline));
  client.arena().reset();
  auto result = parse_import_result(as_text(response.body), client.arena());
  if (!result.ok()) {
    Error error = result.error();
    Error with_context(error.status, "POST ");
    with_context.detail.append_truncated(endpoint.view());
    with_context.detail.append_truncated(": ");
    with_context.detail.append_truncated(error.detail.view());
    with_context.http_status = response.status;
    return with_context;
  }
  return result;
}

Result<ImportResult> import_tasks(Client& client, int64_t project_id, http::BodySource& batch,
                                  Deadline deadline, bool safe_to_resend) {
  return post_import(client, project_id, kJson, batch, safe_to_resend, deadline);
}

FixedString<128> describe_import(const ImportResult& result) {
  FixedString<128> text;
  // Each piece is far shorter than the capacity; truncation would only shorten the sentence.
  if (result.queued) {
    text.append_truncated("queued import id ");
    (void)text.append_int(result.import_id);
    text.append_truncated(" (not polled)");
    return text;
  }
  text.append_truncated("imported ");
  (void)text.append_int(result.task_count);
  text.append_truncated(" tasks (");
  (void)text.append_int(result.annotation_count);
  text.append_truncated(" annotations, ");
  (void)text.append_int(result.prediction_count);
  text.append_truncated(" predictions, ");
  (void)text.append_uint(result.file_upload_count);
  text.append_truncated(" files) in ");
  // A hostile duration (negative, NaN, huge) must not overflow the conversion.
  const double seconds = result.duration_s;
  const double ms = seconds >= 0 && seconds < 1e9 ? seconds * 1000.0 + 0.5 : 0;
  (void)text.append_uint(static_cast<uint64_t>(ms));
  text.append_truncated(" ms");
  return text;
}

}  // namespace lsedge::labelstudio
