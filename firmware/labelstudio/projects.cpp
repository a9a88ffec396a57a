#include "firmware/labelstudio/projects.h"

#include <iterator>

#include "board_sizes.h"
#include "firmware/json/json.h"

namespace lsedge::labelstudio {
namespace {

constexpr std::string_view kProjects = "/api/projects/";
constexpr std::string_view kJson = "application/json";

// Page sizes to fall back through when a page does not fit the response buffer; each divides
// the one before, so the items already seen are a whole number of pages at the new size.
constexpr uint32_t kPageSizes[] = {100, 50, 25, 5, 1};

using PathText = FixedString<LSEDGE_PATH_CAPACITY>;

// RFC 3986 query component: everything but the unreserved characters is percent-encoded.
Status append_query_value(std::string_view value, PathText& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : value) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      if (out.append(c) != Status::Ok) {
        return Status::BufferTooSmall;
      }
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    const char escaped[3] = {'%', kHex[byte >> 4], kHex[byte & 0x0F]};
    if (out.append(std::string_view(escaped, 3)) != Status::Ok) {
      return Status::BufferTooSmall;
    }
  }
  return Status::Ok;
}

Result<Project> project_from(json::Value object) {
  Project project;
  const auto id = object.get("id").as_int64();
  if (!id) {
    return Error(Status::JsonMissingField, "project without an integer \"id\"");
  }
  project.id = *id;
  if (const auto title = object.get("title").as_string()) {
    project.title_truncated = project.title.append(*title) != Status::Ok;
    if (project.title_truncated) {
      project.title.append_truncated(*title);
    }
  }
  project.task_number = object.get("task_number").as_int64();
  return project;
}

Error with_context(const Error& error, std::string_view context) {
  Error out = error;
  out.detail.clear();
  out.detail.append_truncated(context);
  out.detail.append_truncated(": ");
  out.detail.append_truncated(error.detail.view());
  return out;
}

// The page is too big for this board's response buffer or JSON arena: worth a smaller page.
bool page_too_large(Status status) {
  return status == Status::HttpBodyTooLarge || status == Status::BufferTooSmall;
}

// Finds the exact title; the lowest id wins so every gateway picks the same project.
class ExactTitle final : public ProjectVisitor {
 public:
  explicit ExactTitle(std::string_view title) : title_(title) {}
  Outcome on_project(const Project& project) override {
    if (!project.title_truncated && project.title.view() == title_ &&
        (!found_ || project.id < found_->id)) {
      found_ = project;
    }
    return {};
  }
  [[nodiscard]] const std::optional<Project>& found() const { return found_; }

 private:
  std::string_view title_;
  std::optional<Project> found_;
};

// GET and parse with the client's arena; the value lives until the client's next call.
Result<json::Value> fetch_json(Client& client, std::string_view endpoint, Deadline deadline) {
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    client.call(http::Method::Get, endpoint, {}, {}, true, deadline));
  client.arena().reset();
  return json::parse(as_text(response.body), client.arena());
}

// "/api/projects/?page=N&page_size=M[&title=...]".
Outcome page_endpoint(uint64_t page, uint32_t page_size, std::string_view title_contains,
                      PathText& out) {
  const bool built =
      out.append(kProjects) == Status::Ok && out.append("?page=") == Status::Ok &&
      out.append_uint(page) == Status::Ok && out.append("&page_size=") == Status::Ok &&
      out.append_uint(page_size) == Status::Ok &&
      (title_contains.empty() || (out.append("&title=") == Status::Ok &&
                                  append_query_value(title_contains, out) == Status::Ok));
  if (!built) {
    return Error(Status::BufferTooSmall, "project list path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

// Hands every project of one page to `visitor`; whether a next page follows.
Result<bool> visit_page(const json::Value& root, ProjectVisitor& visitor) {
  const json::Value results = root.get("results");
  if (!results.is_array()) {
    return Error(Status::JsonMissingField, "GET /api/projects/: no \"results\" list");
  }
  for (const json::Value item : results.items()) {
    auto project = project_from(item);
    if (!project.ok()) {
      return with_context(project.error(), "GET /api/projects/");
    }
    LSEDGE_TRY(visitor.on_project(*project));
  }
  if (!root.get("next").is_string()) {
    return false;  // null or absent: the last page
  }
  if (results.size() == 0) {
    // A "next" after an empty page would loop until the deadline.
    return Error(Status::HttpMalformedResponse,
                 "GET /api/projects/: empty page with a \"next\" link");
  }
  return true;
}

}  // namespace

Outcome list_projects(Client& client, ProjectVisitor& visitor, Deadline deadline,
                      std::string_view title_contains) {
  size_t size_index = 0;
  uint64_t seen = 0;  // projects before the current page (a multiple of the page size)
  for (;;) {
    const uint32_t page_size = kPageSizes[size_index];
    PathText endpoint;
    LSEDGE_TRY(page_endpoint(seen / page_size + 1, page_size, title_contains, endpoint));
    auto root = fetch_json(client, endpoint.view(), deadline);
    if (page_too_large(root.status()) && size_index + 1 < std::size(kPageSizes)) {
      ++size_index;
      continue;
    }
    if (!root.ok()) {
      return with_context(root.error(), "GET /api/projects/");
    }
    LSEDGE_TRY_ASSIGN(const bool more, visit_page(*root, visitor));
    if (!more) {
      return {};
    }
    seen += page_size;
  }
}

Result<Project> get_project(Client& client, int64_t id, Deadline deadline) {
  if (id <= 0) {
    return Error(Status::InvalidArgument, "project id must be positive");
  }
  FixedString<48> endpoint;
  (void)endpoint.append(kProjects);  // fits: 14 + 19 digits + 1
  (void)endpoint.append_int(id);
  (void)endpoint.append("/");
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    client.call(http::Method::Get, endpoint.view(), {}, {}, true, deadline));
  client.arena().reset();
  auto root = json::parse(as_text(response.body), client.arena());
  if (!root.ok()) {
    return with_context(root.error(), "GET /api/projects/{id}/");
  }
  auto project = project_from(*root);
  if (!project.ok()) {
    return with_context(project.error(), "GET /api/projects/{id}/");
  }
  return project;
}

Result<Project> create_project(Client& client, const ProjectSpec& spec, ByteSpan body_buffer,
                               Deadline deadline) {
  ProjectTitle title;
  LSEDGE_TRY(format_project_title(spec.name, spec.task_id, title));

  json::Writer writer(body_buffer);
  // Writer failures stick; finish() reports the first one.
  (void)writer.begin_object();
  (void)writer.member_string("title", title.view());
  if (!spec.label_config.empty()) {
    (void)writer.member_string("label_config", spec.label_config);
  }
  if (!spec.description.empty()) {
    (void)writer.member_string("description", spec.description);
  }
  (void)writer.end_object();
  auto length = writer.finish();
  if (!length.ok()) {
    return Error(length.error())
        .with_detail("project body (title, label_config, description) does not fit its buffer");
  }

  // Not safe to resend: a second POST would create a second project.
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    client.call(http::Method::Post, kProjects, kJson,
                                ConstByteSpan(body_buffer.data(), *length), false, deadline));
  client.arena().reset();
  auto root = json::parse(as_text(response.body), client.arena());
  if (!root.ok()) {
    return with_context(root.error(), "POST /api/projects/");
  }
  auto project = project_from(*root);
  if (!project.ok()) {
    return with_context(project.error(), "POST /api/projects/");
  }
  return project;
}

Result<EnsuredProject> ensure_project(Client& client, const ProjectSpec& spec, ByteSpan body_buffer,
                                      Deadline deadline) {
  ProjectTitle title;
  LSEDGE_TRY(format_project_title(spec.name, spec.task_id, title));
  ExactTitle match(title.view());
  LSEDGE_TRY(list_projects(client, match, deadline, title.view()));
  EnsuredProject ensured;
  if (match.found()) {
    ensured.project = *match.found();
    return ensured;
  }
  LSEDGE_TRY_ASSIGN(ensured.project, create_project(client, spec, body_buffer, deadline));
  ensured.created = true;
  return ensured;
}

}  // namespace lsedge::labelstudio
