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
#include "hal/storage.h"

namespace lsedge::labelstudio {

// The fields of a project lsedge uses. Thread-safety: a value type.
struct Project {
  int64_t id = 0;
  ProjectTitle title;
  bool title_truncated = false;        // the server's title did not fit `title`
  std::optional<int64_t> task_number;  // absent when the server did not say
};

// Receives each project of a listing. Returning an error stops the listing and becomes its
// result. Thread-safety: called on the listing thread only.
class ProjectVisitor {
 public:
  [[nodiscard]] virtual Outcome on_project(const Project& project) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~ProjectVisitor() = default;
};

// The fields asked for: Label Studio (drf-flex-fields, REST_FLEX_FIELDS = {'FIELDS_PARAM':
// 'include'}) then leaves out the label config, parsed_label_config and control_weights that
// make a project object grow with its labels. It honours it on GET only.
inline constexpr std::string_view kProjectInclude = "include=id,title,task_number";

// GET /api/projects/?page=N&page_size=S&ordering=id&include=...[&title=...] until the answer's
// "next" is null, each project to `visitor` in id order (stable while projects are created).
// `title_contains` narrows the list server-side (case-insensitive substring). Answers are read
// with json::PrefixScanner, so a body cut short by the response buffer (Response::truncated; a
// server that ignores include=) still yields what it holds: pages start at 100 projects; a page
// cut short is asked for again at the same offset in pages of 50, 25, 5 or 1, the largest that
// its whole projects showed would fit; a one-project
// page cut short yields that project's id and title, which Label Studio writes first, and the
// page's "next" (written before the results). Errors: Client::call's, JsonInvalid for an answer
// that is not a project page, JsonMissingField for a project without an integer id,
// HttpBodyTooLarge when even a one-project page is cut before the project's id and title,
// HttpMalformedResponse for a page with no projects that still has a "next", PaginationRunaway
// for a "next" link equal to the previous page's or still present after LSEDGE_MAX_LIST_PAGES
// pages. Thread-safety: as the Client.
[[nodiscard]] Outcome list_projects(Client& client, ProjectVisitor& visitor, Deadline deadline,
                                    std::string_view title_contains = {});

// GET /api/projects/{id}/?include=... (a body cut short still gives the id and title).
// NotFound (404) when it does not exist or is not visible.
[[nodiscard]] Result<Project> get_project(Client& client, int64_t id, Deadline deadline);

// What create_project / ensure_project make. `name` and `task_id` go through
// format_project_title ("{name} ({task_id[:8]})", 3 to 50 characters). The label config is
// `label_config` or, when `label_config_file` is set, that file read through `storage` (streamed
// into the request, so its size is bounded by nothing but the server); both must be UTF-8. An
// empty label config / description is left out, so the server's default applies.
// Thread-safety: a view.
struct ProjectSpec {
  std::string_view name;
  std::string_view task_id;
  std::string_view label_config;
  std::string_view label_config_file;
  hal::Storage* storage = nullptr;  // for label_config_file
  std::string_view description;
};

// The JSON body of a project create, {"title":…,"label_config":…,"description":…}, escaped while
// it is sent: the label config may come from a file read in small pieces, never whole. open()
// reads it once to check it (UTF-8) and to count the escaped size, so Content-Length is exact;
// rewind() starts over for a resend. A file that changes between the two reads makes the
// request fail (the Connection refuses a body whose length differs from size()).
// Thread-safety: one thread at a time.
class ProjectBodySource final : public http::BodySource {
 public:
  ProjectBodySource() = default;
  ProjectBodySource(const ProjectBodySource&) = delete;
  ProjectBodySource& operator=(const ProjectBodySource&) = delete;
  ~ProjectBodySource() { close(); }

  // Lays out the body for `title` (already formatted) and the spec's config and description.
  // Errors: InvalidUtf8 naming the part and the byte offset; the Storage's (FileNotFound,
  // FileError) naming the file; InvalidArgument for a file without a Storage.
  [[nodiscard]] Outcome open(std::string_view title, const ProjectSpec& spec);
  void close();

  [[nodiscard]] Result<size_t> read(ByteSpan out) override;
  [[nodiscard]] Outcome rewind() override;
  [[nodiscard]] uint64_t size() const override { return size_; }

 private:
  enum class Part : uint8_t { Literal, Escaped, EscapedFile };
  struct Segment {
    Part part = Part::Literal;
    std::string_view text;  // Literal, Escaped: the bytes; EscapedFile: the path
    std::string_view what;  // for error details
  };
  // The next raw byte of an escaped segment; nullopt at its end.
  [[nodiscard]] Result<std::optional<uint8_t>> next_byte(const Segment& segment);
  [[nodiscard]] Result<std::optional<uint8_t>> next_file_byte(const Segment& segment);
  [[nodiscard]] Outcome check_utf8(const Segment& segment, std::optional<uint8_t> byte);
  // The escaped size of segment `index`, checking it on the way.
  [[nodiscard]] Result<uint64_t> measure(size_t index);
  void add(Part part, std::string_view text, std::string_view what = {});

  static constexpr size_t kMaxSegments = 7;
  Segment segments_[kMaxSegments];
  size_t count_ = 0;
  hal::Storage* storage_ = nullptr;
  std::optional<hal::FileHandle> file_;
  uint64_t size_ = 0;
  // Position: the segment, the byte within it (memory) or the file offset, and the escape of
  // the last byte still being copied out.
  size_t segment_ = 0;
  uint64_t offset_ = 0;
  char pending_[6] = {};
  uint8_t pending_length_ = 0;
  uint8_t pending_at_ = 0;
  // File bytes read ahead, and the UTF-8 sequence being checked.
  uint8_t raw_[256] = {};
  size_t raw_length_ = 0;
  size_t raw_at_ = 0;
  uint8_t sequence_[4] = {};
  uint8_t sequence_have_ = 0;
  uint8_t sequence_need_ = 0;
  uint64_t sequence_start_ = 0;  // byte offset of the sequence within its segment
};

// POST /api/projects/ with ProjectBodySource's body. Never resent on a dead kept-alive
// connection (it would create a second project); resent once after a 401 (the body rewinds).
// The answer (the whole project, however large: include= is ignored on POST) is read with the
// prefix scanner, so a 201 cut short still gives the id and title. Errors: format_project_title's
// (EmptyInput, InvalidUtf8, UsageError for a title under 3 characters), ProjectBodySource::open's,
// ValidationFailed with the server's validation messages (a bad label_config), Client::call's.
[[nodiscard]] Result<Project> create_project(Client& client, const ProjectSpec& spec,
                                             Deadline deadline);

// The outcome of ensure_project. Thread-safety: a value type.
struct EnsuredProject {
  Project project;
  bool created = false;
};

// Finds the project whose title is exactly the formatted title (lowest id when several), else
// creates it. The title and the label config are checked before anything is sent. The lookup
// lists projects filtered by `?title=`; exact (byte) comparison happens here. Two gateways
// ensuring the same title at the same moment can both create it: the server has no unique
// constraint on titles. Errors: as list_projects and create_project. Thread-safety: as the
// Client.
[[nodiscard]] Result<EnsuredProject> ensure_project(Client& client, const ProjectSpec& spec,
                                                    Deadline deadline);

}  // namespace lsedge::labelstudio
