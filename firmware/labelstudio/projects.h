// Label Studio projects: list (all pages), get, create, ensure-by-title.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/deadline.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/labelstudio/client.h"
#include "firmware/labelstudio/title.h"

namespace lsedge::labelstudio {

// The fields of a project lsedge uses. Thread-safety: a value type.
struct Project {
  int64_t id = 0;
  ProjectTitle title;
  bool title_truncated = false;        // the server's title did not fit `title`
  std::optional<int64_t> task_number;  // absent when the server did not say
};

// Receives each project of a listing. Returning an error stops the listing and becomes its
// result. It must not use the Client (its arena holds the page being walked).
// Thread-safety: called on the listing thread only.
class ProjectVisitor {
 public:
  virtual ~ProjectVisitor() = default;
  [[nodiscard]] virtual Outcome on_project(const Project& project) = 0;
};

// GET /api/projects/?page=N&page_size=S[&title=...] until the answer's "next" is null, each
// project to `visitor` in the server's order (pinned first, then newest). `title_contains`
// narrows the list server-side (case-insensitive substring). Pages start at 100 projects; a
// page too large for the response buffer (each project carries its label config) is asked for
// again in smaller pages at the same offset (50, 25, 5, 1). Errors: Client::call's,
// JsonInvalid / JsonMissingField for an answer that is not a project page, HttpMalformedResponse
// for a page with no projects that still has a "next". Thread-safety: as the Client.
[[nodiscard]] Outcome list_projects(Client& client, ProjectVisitor& visitor, Deadline deadline,
                                    std::string_view title_contains = {});

// GET /api/projects/{id}/. NotFound (404) when it does not exist or is not visible.
[[nodiscard]] Result<Project> get_project(Client& client, int64_t id, Deadline deadline);

// What create_project / ensure_project make. `name` and `task_id` go through
// format_project_title ("{name} ({task_id[:8]})", at most 50 characters); an empty
// label_config / description is left out, so the server's default applies.
// Thread-safety: a view.
struct ProjectSpec {
  std::string_view name;
  std::string_view task_id;
  std::string_view label_config;
  std::string_view description;
};

// POST /api/projects/ {"title", "label_config", "description"}; the JSON body is written into
// `body_buffer` (BufferTooSmall if it does not fit; LSEDGE_PROJECT_BODY_CAPACITY is the
// board's size for it). Never resent on a dead kept-alive connection (it would create a second
// project). Errors: format_project_title's (EmptyInput, InvalidUtf8), ValidationFailed with the
// server's validation messages (a bad label_config), Client::call's.
[[nodiscard]] Result<Project> create_project(Client& client, const ProjectSpec& spec,
                                             ByteSpan body_buffer, Deadline deadline);

// The outcome of ensure_project. Thread-safety: a value type.
struct EnsuredProject {
  Project project;
  bool created = false;
};

// Finds the project whose title is exactly the formatted title (lowest id when several), else
// creates it. The lookup lists projects filtered by `?title=`; exact (byte) comparison happens
// here. Two gateways ensuring the same title at the same moment can both create it: the
// server has no unique constraint on titles. Errors: as list_projects and create_project.
// Thread-safety: as the Client.
[[nodiscard]] Result<EnsuredProject> ensure_project(Client& client, const ProjectSpec& spec,
                                                    ByteSpan body_buffer, Deadline deadline);

}  // namespace lsedge::labelstudio
