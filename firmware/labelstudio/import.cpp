#include "firmware/labelstudio/import.h"

#include "firmware/json/json.h"
#include "firmware/json/prefix_scan.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kJson = "application/json";

using json::PrefixScanner;
using Kind = json::PrefixScanner::Kind;

// What parse_import_status found in the (maybe cut) answer. Thread-safety: a value type.
struct StatusFields {
  bool status_seen = false;
  bool status_is_string = false;
  std::string_view status;  // raw (still escaped)
  bool error_seen = false;
  std::string_view error;  // raw; when error_cut, only the bytes that arrived
  bool error_cut = false;
  std::optional<int64_t> task_count;
  std::optional<int64_t> first_task_id;
};

enum class Scan : uint8_t { Next, Cut, Invalid };

Scan scan_stop(Kind kind) {
  return kind == Kind::Cut ? Scan::Cut : Scan::Invalid;
}

// The raw bytes of a string value cut by the end of the text: from its opening quote on, after
// `key` (a Key token's text, a view into `text`).
std::string_view cut_string_after(std::string_view text, std::string_view key) {
  size_t at = static_cast<size_t>(key.data() + key.size() - text.data()) + 1;  // past the '"'
  const auto skip_space = [&] {
    while (at < text.size() &&
           (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) {
      ++at;
    }
  };
  skip_space();
  if (at >= text.size() || text[at] != ':') {
    return {};
  }
  ++at;
  skip_space();
  if (at >= text.size() || text[at] != '"') {
    return {};
  }
  return text.substr(at + 1);
}

// One member's value (the scanner is just past its key).
enum class Field : uint8_t { Other, Status, Error, TaskCount, TaskIds };

Field field_named(std::string_view raw_key) {
  if (json::raw_equals(raw_key, "status")) {
    return Field::Status;
  }
  if (json::raw_equals(raw_key, "error")) {
    return Field::Error;
  }
  if (json::raw_equals(raw_key, "task_ids")) {
    return Field::TaskIds;
  }
  return json::raw_equals(raw_key, "task_count") ? Field::TaskCount : Field::Other;
}

// `task_ids`: its first number; the rest of the array is skipped.
Scan read_first_task_id(PrefixScanner& scanner, StatusFields& fields) {
  const size_t depth = scanner.depth();
  const PrefixScanner::Token first = scanner.next();
  if (first.kind == Kind::Cut || first.kind == Kind::Invalid) {
    return scan_stop(first.kind);
  }
  if (first.kind == Kind::Number) {
    fields.first_task_id = json::number_as_int64(first.text);
  }
  while (scanner.depth() >= depth) {
    const Kind kind = scanner.next().kind;
    if (kind == Kind::Cut || kind == Kind::Invalid) {
      return scan_stop(kind);
    }
  }
  return Scan::Next;
}

// A member's scalar value, kept when it is one lsedge reads.
void note_value(Field field, const PrefixScanner::Token& value, StatusFields& fields) {
  if (field == Field::Status) {
    fields.status_seen = true;
    fields.status_is_string = value.kind == Kind::String;
    fields.status = value.kind == Kind::String ? value.text : std::string_view();
  } else if (field == Field::Error) {
    fields.error_seen = value.kind == Kind::String;  // null: no reason
    fields.error = fields.error_seen ? value.text : std::string_view();
  } else if (field == Field::TaskCount && value.kind == Kind::Number) {
    fields.task_count = json::number_as_int64(value.text);
  }
}

Scan read_member(std::string_view text, PrefixScanner& scanner, std::string_view key,
                 StatusFields& fields) {
  const Field field = field_named(key);
  if (field == Field::Other) {
    const Kind skipped = scanner.skip_value();
    return skipped == Kind::Cut || skipped == Kind::Invalid ? scan_stop(skipped) : Scan::Next;
  }
  const PrefixScanner::Token value = scanner.next();
  if (value.kind == Kind::Cut) {
    if (field == Field::Error) {  // the reason may be long: keep what arrived
      fields.error_seen = true;
      fields.error_cut = true;
      fields.error = cut_string_after(text, key);
    }
    return Scan::Cut;
  }
  if (value.kind == Kind::Invalid) {
    return Scan::Invalid;
  }
  if (field == Field::TaskIds && value.kind == Kind::ArrayBegin) {
    return read_first_task_id(scanner, fields);
  }
  if (value.kind == Kind::ObjectBegin || value.kind == Kind::ArrayBegin) {
    // Not a value lsedge can use: skip the container's contents (an unknown-typed field).
    for (size_t depth = scanner.depth(); scanner.depth() >= depth;) {
      const Kind kind = scanner.next().kind;
      if (kind == Kind::Cut || kind == Kind::Invalid) {
        return scan_stop(kind);
      }
    }
  }
  note_value(field, value, fields);
  return Scan::Next;
}

// Scans the top-level object; Cut when the text ended first.
Scan scan_status_fields(std::string_view text, StatusFields& fields) {
  PrefixScanner scanner(text);
  const PrefixScanner::Token first = scanner.next();
  if (first.kind != Kind::ObjectBegin) {
    return first.kind == Kind::Cut ? Scan::Cut : Scan::Invalid;
  }
  for (;;) {
    const PrefixScanner::Token token = scanner.next();
    if (token.kind == Kind::ObjectEnd) {
      const Kind end = scanner.next().kind;
      return end == Kind::End ? Scan::Next : scan_stop(end);
    }
    if (token.kind != Kind::Key) {
      return scan_stop(token.kind);
    }
    const Scan member = read_member(text, scanner, token.text, fields);
    if (member != Scan::Next) {
      return member;
    }
  }
}

// Decodes a raw string that may end inside an escape sequence (a cut body): the incomplete
// escape at the end is dropped.
template <size_t N>
void append_raw_prefix(std::string_view raw, FixedString<N>& out) {
  for (int tries = 0; tries < 3; ++tries) {
    if (raw.empty() || json::append_unescaped(raw, out)) {
      return;
    }
    const size_t backslash = raw.rfind('\\');
    raw = backslash == std::string_view::npos ? std::string_view() : raw.substr(0, backslash);
  }
  out.append_truncated("(unreadable)");
}

std::optional<ImportStatus::State> state_named(std::string_view raw) {
  constexpr struct {
    std::string_view name;
    ImportStatus::State state;
  } kStates[] = {{"created", ImportStatus::State::Created},
                 {"in_progress", ImportStatus::State::InProgress},
                 {"completed", ImportStatus::State::Completed},
                 {"failed", ImportStatus::State::Failed}};
  for (const auto& entry : kStates) {
    if (raw == entry.name) {
      return entry.state;
    }
  }
  return std::nullopt;
}

Error unknown_status(const StatusFields& fields, size_t body_size, bool truncated) {
  Error error(Status::JsonMissingField);
  if (!fields.status_seen) {
    error.detail.append_truncated("import status answer has no \"status\"");
    if (truncated) {
      error.detail.append_truncated(" in its first ");
      (void)error.detail.append_uint(body_size);
      error.detail.append_truncated(" bytes");
    }
    return error;
  }
  if (!fields.status_is_string) {
    error.detail.append_truncated("import status answer's \"status\" is not a string");
    return error;
  }
  FixedString<40> shown;
  append_raw_prefix(fields.status, shown);
  error.detail.append_truncated("unknown import status \"");
  error.detail.append_truncated(shown.view());
  error.detail.append_truncated(
      "\" (expected created, in_progress, completed or failed; a newer Label Studio?)");
  return error;
}

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
    const json::Value task_ids = root->get("task_ids");
    if (task_ids.is_array()) {
      result.task_id_count = task_ids.size();
      result.first_task_id = task_ids.at(0).as_int64().value_or(0);
    }
    return result;
  }
  if (const auto import_id = root->get("import").as_int64()) {
    if (*import_id <= 0) {  // it is polled by this id: a server's 0 or -1 would be a bug here
      return Error(Status::JsonInvalid, "import answer's \"import\" id is not positive");
    }
    result.queued = true;
    result.import_id = *import_id;
    return result;
  }
  return Error(Status::JsonMissingField, "import answer has neither \"task_count\" nor \"import\"");
}

Result<ImportResult> post_import(Client& client, int64_t project_id, std::string_view content_type,
                                 http::BodySource& body, bool safe_to_resend, Deadline deadline,
                                 bool return_task_ids) {
  if (project_id <= 0) {
    return Error(Status::InvalidArgument, "project id must be positive");
  }
  // No trailing slash: Label Studio routes "<pk>/import" only; "import/" is a 404.
  FixedString<80> endpoint;
  (void)endpoint.append("/api/projects/");
  (void)endpoint.append_int(project_id);
  (void)endpoint.append("/import");
  if (return_task_ids) {
    (void)endpoint.append("?return_task_ids=true");
  }
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

Result<int64_t> import_predictions(Client& client, int64_t project_id, http::BodySource& body,
                                   Deadline deadline) {
  if (project_id <= 0) {
    return Error(Status::InvalidArgument, "project id must be positive");
  }
  FixedString<64> endpoint;
  (void)endpoint.append("/api/projects/");
  (void)endpoint.append_int(project_id);
  (void)endpoint.append("/import/predictions");  // no trailing slash, as "/import"
  LSEDGE_TRY_ASSIGN(
      const http::Response response,
      client.call(http::Method::Post, endpoint.view(), "application/json", body, false, deadline));
  client.arena().reset();
  auto root = json::parse(as_text(response.body), client.arena());
  const std::optional<int64_t> created =
      root.ok() && root->is_object() ? root->get("created").as_int64() : std::nullopt;
  if (!created || *created < 0) {
    Error error(Status::JsonMissingField, "POST ");
    error.detail.append_truncated(endpoint.view());
    error.detail.append_truncated(": the answer has no \"created\" count");
    error.http_status = response.status;
    return error;
  }
  return *created;
}

const char* import_state_name(ImportStatus::State state) {
  switch (state) {
    case ImportStatus::State::Created:
      return "created";
    case ImportStatus::State::InProgress:
      return "in_progress";
    case ImportStatus::State::Completed:
      return "completed";
    case ImportStatus::State::Failed:
      return "failed";
  }
  return "?";
}

Result<ImportStatus> parse_import_status(std::string_view body, bool truncated) {
  StatusFields fields;
  const Scan scanned = scan_status_fields(body, fields);
  if (scanned == Scan::Invalid || (scanned == Scan::Cut && !truncated)) {
    return Error(Status::JsonInvalid, scanned == Scan::Invalid
                                          ? "import status answer is not a JSON object"
                                          : "import status answer ends inside its JSON");
  }
  const std::optional<ImportStatus::State> state =
      fields.status_is_string ? state_named(fields.status) : std::nullopt;
  if (!state) {
    return unknown_status(fields, body.size(), truncated);
  }
  ImportStatus status;
  status.state = *state;
  status.task_count = fields.task_count;
  status.first_task_id = fields.first_task_id;
  if (fields.error_seen) {
    append_raw_prefix(fields.error, status.error);
    if (fields.error_cut) {
      status.error.append_truncated("...");
    }
  }
  return status;
}

Result<ImportStatus> get_import_status(Client& client, int64_t project_id, int64_t import_id,
                                       Deadline deadline) {
  if (project_id <= 0 || import_id <= 0) {
    return Error(Status::InvalidArgument, "project and import ids must be positive");
  }
  // With the trailing slash: Label Studio routes "<pk>/imports/<import_pk>/".
  FixedString<80> endpoint;
  (void)endpoint.append("/api/projects/");
  (void)endpoint.append_int(project_id);
  (void)endpoint.append("/imports/");
  (void)endpoint.append_int(import_id);
  (void)endpoint.append("/");
  auto called =
      client.call(http::Method::Get, endpoint.view(), {}, ConstByteSpan(), true, deadline);
  // The answer echoes the batch: a 2xx larger than the buffer is refused by call() (its other
  // callers read success answers whole), but its first bytes hold what is needed here.
  const http::Response& last = client.last_response();
  const bool cut_success = !called.ok() && called.status() == Status::HttpBodyTooLarge &&
                           last.truncated && last.status >= 200 && last.status < 300;
  if (!called.ok() && !cut_success) {
    return called.error();
  }
  const http::Response& response = called.ok() ? *called : last;
  auto status = parse_import_status(as_text(response.body), response.truncated);
  if (!status.ok()) {
    Error with_context(status.error().status, "GET ");
    with_context.detail.append_truncated(endpoint.view());
    with_context.detail.append_truncated(": ");
    with_context.detail.append_truncated(status.error().detail.view());
    with_context.http_status = response.status;
    return with_context;
  }
  return status;
}

uint32_t import_poll_delay_ms(const ImportPollPolicy& policy, uint32_t attempt, uint32_t random) {
  const uint32_t ceiling = backoff_ceiling_ms(policy.backoff, attempt);
  const uint32_t fixed = ceiling / 2;
  const uint32_t spread = ceiling - fixed;  // [fixed, ceiling], both ends included
  return fixed + static_cast<uint32_t>(static_cast<uint64_t>(random) % (uint64_t{spread} + 1));
}

namespace {

uint32_t random_u32(hal::Entropy& entropy) {
  uint8_t bytes[4] = {};
  // A failed source only loses the jitter: the fixed half of the delay remains.
  if (entropy.fill(ByteSpan(bytes)) != Status::Ok) {
    return 0;
  }
  return static_cast<uint32_t>(bytes[0]) | static_cast<uint32_t>(bytes[1]) << 8 |
         static_cast<uint32_t>(bytes[2]) << 16 | static_cast<uint32_t>(bytes[3]) << 24;
}

Error still_waiting(int64_t import_id, const char* last_state, uint64_t waited_ms,
                    const Error* last_error) {
  Error error(Status::Timeout, "import ");
  (void)error.detail.append_int(import_id);
  error.detail.append_truncated(" still ");
  error.detail.append_truncated(last_state);
  error.detail.append_truncated(" after ");
  (void)error.detail.append_uint(waited_ms / 1000);
  error.detail.append_truncated(" s; its outcome is unknown (check the project's tasks)");
  if (last_error != nullptr) {
    error.detail.append_truncated("; last poll: ");
    error.detail.append_truncated(last_error->detail.view());
  }
  return error;
}

}  // namespace

Result<ImportStatus> wait_for_import(Client& client, int64_t project_id, int64_t import_id,
                                     Deadline until, const ImportPollPolicy& policy,
                                     hal::MonotonicClock& clock, hal::Entropy& entropy,
                                     PollPause& pause) {
  const uint64_t started = clock.now_ms();
  const char* last_state = import_state_name(ImportStatus::State::Created);
  Error last_error;
  bool poll_failed = false;
  uint64_t retry_after = 0;
  for (uint32_t attempt = 0;; ++attempt) {
    const uint64_t now = clock.now_ms();
    if (until.expired(now)) {
      return still_waiting(import_id, last_state, now - started,
                           poll_failed ? &last_error : nullptr);
    }
    const uint64_t jittered = import_poll_delay_ms(policy, attempt, random_u32(entropy));
    const uint64_t wanted = retry_after > jittered ? retry_after : jittered;
    const uint32_t left = until.remaining_ms(now);
    if (!pause.pause_ms(wanted < left ? static_cast<uint32_t>(wanted) : left)) {
      return Error(Status::Cancelled, "stopped while waiting for a queued import");
    }
    Result<ImportStatus> polled = get_import_status(
        client, project_id, import_id, Deadline::after(clock.now_ms(), policy.request_timeout_ms));
    if (polled.ok()) {
      if (polled->finished()) {
        return polled;
      }
      last_state = import_state_name(polled->state);
      poll_failed = false;
      retry_after = 0;
      continue;
    }
    if (!is_transient(polled.status())) {
      return polled.error();
    }
    last_error = polled.error();
    poll_failed = true;
    const uint64_t cap = policy.backoff.max_retry_after_ms;
    retry_after = last_error.retry_after_ms < cap ? last_error.retry_after_ms : cap;
  }
}

Result<ImportResult> import_tasks(Client& client, int64_t project_id, http::BodySource& batch,
                                  Deadline deadline, bool safe_to_resend) {
  return post_import(client, project_id, kJson, batch, safe_to_resend, deadline);
}

FixedString<128> describe_import(const ImportResult& result) {
  FixedString<128> text;
  // Each piece is far shorter than the capacity; truncation would only shorten the sentence.
  if (result.queued) {
    text.append_truncated("queued as import id ");
    (void)text.append_int(result.import_id);
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
