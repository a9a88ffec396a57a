#include "firmware/labelstudio/projects.h"

#include <iterator>

#include "board_sizes.h"
#include "firmware/core/utf8.h"
#include "firmware/json/prefix_scan.h"
#include "firmware/labelstudio/json_scan.h"

namespace lsedge::labelstudio {
namespace {

using Kind = json::PrefixScanner::Kind;
using Token = json::PrefixScanner::Token;

constexpr std::string_view kProjects = "/api/projects/";
constexpr std::string_view kJson = "application/json";

// Page sizes to fall back through when a page is cut short; each divides the one before, so
// the projects already seen are a whole number of pages at the new size.
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

Error with_context(const Error& error, std::string_view context) {
  if (error.status == Status::Redirected) {
    return error;  // it names the URL already; a prefix would cut the Location's hint short
  }
  Error out = error;
  out.detail.clear();
  out.detail.append_truncated(context);
  out.detail.append_truncated(": ");
  out.detail.append_truncated(error.detail.view());
  return out;
}

// Client::call refuses a success answer cut short (HttpBodyTooLarge: most callers read bodies
// whole); the readers here scan prefixes, so they take it from last_response().
Result<http::Response> with_prefix(Client& client, Result<http::Response> response) {
  const http::Response& last = client.last_response();
  if (response.status() == Status::HttpBodyTooLarge && last.truncated && last.status >= 200 &&
      last.status < 300) {
    return last;
  }
  return response;
}

// A project object's members as far as the text holds them.
struct ScannedProject {
  Project project;
  bool has_id = false;
  bool has_title = false;
  Kind end = Kind::End;  // ObjectEnd: complete; Cut or Invalid: where it stopped
};

void take_title(std::string_view raw, Project& project) {
  char decoded[ProjectTitle::capacity() + 4];
  const std::optional<size_t> length = json::unescape_into(raw, decoded, sizeof(decoded));
  const std::string_view title(decoded, length.value_or(0));
  project.title.clear();
  project.title_truncated = title.size() > ProjectTitle::capacity();
  project.title.append_truncated(title);
}

// Reads the members of a project object; the scanner is just past its '{'.
void scan_project(json::PrefixScanner& scanner, ScannedProject& out) {
  for (;;) {
    const Token key = scanner.next();
    if (key.kind != Kind::Key) {
      out.end = key.kind;  // ObjectEnd, Cut, Invalid
      return;
    }
    const Token value = scanner.next();
    Kind last = value.kind;
    if (json::raw_equals(key.text, "id") && value.kind == Kind::Number) {
      const std::optional<int64_t> id = json::number_as_int64(value.text);
      out.has_id = id.has_value();
      out.project.id = id.value_or(0);
    } else if (json::raw_equals(key.text, "title") && value.kind == Kind::String) {
      take_title(value.text, out.project);
      out.has_title = true;
    } else if (json::raw_equals(key.text, "task_number") && value.kind == Kind::Number) {
      out.project.task_number = json::number_as_int64(value.text);
    } else {
      last = scan::finish_value(scanner, value.kind);
    }
    if (last == Kind::Cut || last == Kind::Invalid) {
      out.end = last;
      return;
    }
  }
}

// The project a scanned object stands for: complete with an id, or cut short by the response
// buffer after its id and title (Label Studio writes them first).
Result<Project> project_from(const ScannedProject& scanned, bool truncated) {
  if (scanned.end == Kind::ObjectEnd || (truncated && scanned.end == Kind::Cut)) {
    if (scanned.has_id && (scanned.end == Kind::ObjectEnd || scanned.has_title)) {
      return scanned.project;
    }
    if (scanned.end == Kind::ObjectEnd) {
      return Error(Status::JsonMissingField, "project without an integer \"id\"");
    }
    return Error(Status::HttpBodyTooLarge,
                 "the answer was cut short (response buffer) before the project's id and title");
  }
  if (scanned.end == Kind::Cut) {
    return Error(Status::JsonInvalid, "the answer ends inside its JSON");
  }
  return Error(Status::JsonInvalid, "the answer is not a JSON project object");
}

// One project object as the whole answer (GET /api/projects/{id}/, POST /api/projects/).
Result<Project> project_from_response(const http::Response& response) {
  json::PrefixScanner scanner(as_text(response.body));
  if (scanner.next().kind != Kind::ObjectBegin) {
    return Error(Status::JsonInvalid, "the answer is not a JSON object");
  }
  ScannedProject scanned;
  scan_project(scanner, scanned);
  return project_from(scanned, response.truncated);
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

// "/api/projects/?page=N&page_size=M&ordering=id&include=...[&title=...]".
Outcome page_endpoint(uint64_t page, uint32_t page_size, std::string_view title_contains,
                      PathText& out) {
  const bool built =
      out.append(kProjects) == Status::Ok && out.append("?page=") == Status::Ok &&
      out.append_uint(page) == Status::Ok && out.append("&page_size=") == Status::Ok &&
      out.append_uint(page_size) == Status::Ok && out.append("&ordering=id&") == Status::Ok &&
      out.append(kProjectInclude) == Status::Ok &&
      (title_contains.empty() || (out.append("&title=") == Status::Ok &&
                                  append_query_value(title_contains, out) == Status::Ok));
  if (!built) {
    return Error(Status::BufferTooSmall, "project list path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

// FNV-1a of a "next" link's text: telling a repeated link needs no copy of it.
uint64_t link_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037u;
  for (const char c : text) {
    hash = (hash ^ static_cast<uint8_t>(c)) * 1099511628211u;
  }
  return hash;
}

// What one page said besides its projects.
struct PageFacts {
  enum class Next : uint8_t { Unknown, Null, Link } next = Next::Unknown;
  uint64_t next_hash = 0;  // link_hash of a Link
  std::optional<int64_t> count;
  uint64_t projects = 0;  // handed to the visitor
  bool cut = false;       // the text ended before the page did
  bool has_results = false;
};

// The "results" list; the scanner is just past its '['. Each project goes to `visitor` when it
// is complete, or cut short after its id and title when `truncated`.
Outcome visit_results(json::PrefixScanner& scanner, bool truncated, ProjectVisitor& visitor,
                      PageFacts& facts) {
  for (;;) {
    const Token item = scanner.next();
    if (item.kind == Kind::ArrayEnd) {
      return {};
    }
    if (item.kind != Kind::ObjectBegin) {
      facts.cut = item.kind == Kind::Cut;
      if (facts.cut && truncated) {
        return {};
      }
      return Error(Status::JsonInvalid, "the \"results\" list does not hold project objects");
    }
    ScannedProject scanned;
    scan_project(scanner, scanned);
    facts.cut = scanned.end == Kind::Cut;
    LSEDGE_TRY_ASSIGN(const Project project, project_from(scanned, truncated));
    LSEDGE_TRY(visitor.on_project(project));
    ++facts.projects;
    if (facts.cut) {
      return {};
    }
  }
}

// One top-level member of a page (its key just read); the kind its value ended with.
Result<Kind> read_page_member(json::PrefixScanner& scanner, const Token& key, bool truncated,
                              ProjectVisitor& visitor, PageFacts& facts) {
  const Token value = scanner.next();
  if (json::raw_equals(key.text, "next") && value.kind != Kind::Cut) {
    facts.next = value.kind == Kind::String ? PageFacts::Next::Link : PageFacts::Next::Null;
    facts.next_hash = link_hash(value.text);
    return scan::finish_value(scanner, value.kind);
  }
  if (json::raw_equals(key.text, "count") && value.kind == Kind::Number) {
    facts.count = json::number_as_int64(value.text);
    return value.kind;
  }
  if (json::raw_equals(key.text, "results") && value.kind == Kind::ArrayBegin) {
    facts.has_results = true;
    LSEDGE_TRY(visit_results(scanner, truncated, visitor, facts));
    return facts.cut ? Kind::Cut : Kind::ArrayEnd;
  }
  return scan::finish_value(scanner, value.kind);
}

// Reads one page (possibly cut short) and hands its projects to `visitor`.
Result<PageFacts> visit_page(const http::Response& response, ProjectVisitor& visitor) {
  json::PrefixScanner scanner(as_text(response.body));
  PageFacts facts;
  if (scanner.next().kind != Kind::ObjectBegin) {
    return Error(Status::JsonInvalid, "the answer is not a JSON object");
  }
  for (;;) {
    const Token key = scanner.next();
    if (key.kind == Kind::ObjectEnd) {
      break;
    }
    Kind last = key.kind;
    if (key.kind == Kind::Key) {
      LSEDGE_TRY_ASSIGN(last, read_page_member(scanner, key, response.truncated, visitor, facts));
    }
    if (key.kind != Kind::Key || last == Kind::Cut || last == Kind::Invalid) {
      facts.cut = last == Kind::Cut;
      if (facts.cut && response.truncated) {
        return facts;  // what it holds was visited
      }
      return Error(Status::JsonInvalid, "the answer is not a JSON project page");
    }
  }
  if (!facts.has_results) {
    return Error(Status::JsonMissingField, "no \"results\" list");
  }
  return facts;
}

// Whether another page follows one that was read (whole, or cut short after one project).
Result<bool> more_pages(const PageFacts& facts, uint64_t seen) {
  if (facts.next == PageFacts::Next::Link) {
    if (facts.projects == 0) {
      // A "next" after an empty page would loop until the deadline.
      return Error(Status::HttpMalformedResponse, "empty page with a \"next\" link");
    }
    return true;
  }
  if (facts.next == PageFacts::Next::Null || !facts.cut) {
    return false;  // null, or absent from a whole page: the last page
  }
  if (facts.count) {
    return *facts.count > 0 && seen < static_cast<uint64_t>(*facts.count);
  }
  return Error(Status::HttpBodyTooLarge,
               "a one-project page was cut short (response buffer) before it said whether more "
               "follow");
}

// A listing's progress over the pages it read: it must end within LSEDGE_MAX_LIST_PAGES, and
// each page must link to another page than the one before (a server that repeats "next" while
// ignoring page= would otherwise be asked forever).
class PageGuard {
 public:
  Outcome check(const PageFacts& facts) {
    ++pages_;
    if (facts.next != PageFacts::Next::Link) {
      return {};
    }
    if (linked_ && facts.next_hash == last_hash_) {
      return Error(Status::PaginationRunaway,
                   "two pages in a row have the same \"next\" link; stopped listing");
    }
    linked_ = true;
    last_hash_ = facts.next_hash;
    if (pages_ >= LSEDGE_MAX_LIST_PAGES) {
      Error error(Status::PaginationRunaway, "still a \"next\" link after ");
      (void)error.detail.append_uint(pages_);
      error.detail.append_truncated(" pages (LSEDGE_MAX_LIST_PAGES); stopped listing");
      return error;
    }
    return {};
  }

 private:
  uint64_t pages_ = 0;
  uint64_t last_hash_ = 0;
  bool linked_ = false;
};

// How many whole projects the "results" of a page cut short hold.
uint64_t whole_projects(std::string_view text) {
  const json::PrefixMember results = json::find_top_member(text, "results");
  if (results.kind != Kind::ArrayBegin) {
    return 0;
  }
  json::PrefixScanner scanner(results.text);
  uint64_t whole = 0;
  if (scanner.next().kind != Kind::ArrayBegin) {
    return whole;
  }
  while (scanner.next().kind == Kind::ObjectBegin && scan::skip_rest(scanner) == Kind::ObjectEnd) {
    ++whole;
  }
  return whole;
}

// The page size to ask for after a page of kPageSizes[index] was cut short holding `whole`
// projects: the largest smaller size that fits (1 when not even one project fits).
size_t smaller_page(size_t index, uint64_t whole) {
  size_t next = index + 1;
  while (next + 1 < std::size(kPageSizes) && kPageSizes[next] > whole) {
    ++next;
  }
  return next;
}

}  // namespace

Outcome list_projects(Client& client, ProjectVisitor& visitor, Deadline deadline,
                      std::string_view title_contains) {
  size_t size_index = 0;
  uint64_t seen = 0;  // projects before the current page (a multiple of the page size)
  PageGuard guard;
  for (;;) {
    const uint32_t page_size = kPageSizes[size_index];
    PathText endpoint;
    LSEDGE_TRY(page_endpoint(seen / page_size + 1, page_size, title_contains, endpoint));
    auto response = with_prefix(
        client, client.call(http::Method::Get, endpoint.view(), {}, {}, true, deadline));
    const bool cut =
        (response.ok() && response->truncated) || response.status() == Status::HttpBodyTooLarge;
    if (cut && size_index + 1 < std::size(kPageSizes)) {
      // Visiting what it holds would make the offset no multiple of the page size: ask for
      // fewer at once, as many as fitted.
      size_index =
          smaller_page(size_index, response.ok() ? whole_projects(as_text(response->body)) : 0);
      continue;
    }
    if (!response.ok()) {
      return with_context(response.error(), "GET /api/projects/");
    }
    auto facts = visit_page(*response, visitor);
    if (!facts.ok()) {
      return with_context(facts.error(), "GET /api/projects/");
    }
    if (const Outcome guarded = guard.check(*facts); !guarded.ok()) {
      return with_context(guarded.error(), "GET /api/projects/");
    }
    seen += page_size;  // every page but the last is full
    auto more = more_pages(*facts, seen);
    if (!more.ok()) {
      return with_context(more.error(), "GET /api/projects/");
    }
    if (!*more) {
      return {};
    }
  }
}

Result<Project> get_project(Client& client, int64_t id, Deadline deadline) {
  if (id <= 0) {
    return Error(Status::InvalidArgument, "project id must be positive");
  }
  FixedString<96> endpoint;
  (void)endpoint.append(kProjects);  // fits: 14 + 19 digits + 2 + 28
  (void)endpoint.append_int(id);
  (void)endpoint.append("/?");
  (void)endpoint.append(kProjectInclude);
  LSEDGE_TRY_ASSIGN(
      const http::Response response,
      with_prefix(client, client.call(http::Method::Get, endpoint.view(), {}, {}, true, deadline)));
  auto project = project_from_response(response);
  if (!project.ok()) {
    return with_context(project.error(), "GET /api/projects/{id}/");
  }
  return project;
}

namespace {

// Sends the laid-out body; the answer's project.
Result<Project> post_project(Client& client, ProjectBodySource& body, Deadline deadline) {
  FixedString<64> endpoint;
  (void)endpoint.append(kProjects);  // fits: 14 + 1 + 28
  (void)endpoint.append("?");
  (void)endpoint.append(kProjectInclude);
  // Not safe to resend: a second POST would create a second project.
  LSEDGE_TRY_ASSIGN(const http::Response response,
                    with_prefix(client, client.call(http::Method::Post, endpoint.view(), kJson,
                                                    body, false, deadline)));
  auto project = project_from_response(response);
  if (!project.ok()) {
    Error error = with_context(project.error(), "POST /api/projects/");
    error.detail.append_truncated(
        " (the server created the project; `project ensure` finds it by its title)");
    return error;
  }
  return project;
}

}  // namespace

Result<Project> create_project(Client& client, const ProjectSpec& spec, Deadline deadline) {
  ProjectTitle title;
  LSEDGE_TRY(format_project_title(spec.name, spec.task_id, title));
  ProjectBodySource body;
  LSEDGE_TRY(body.open(title.view(), spec));
  return post_project(client, body, deadline);
}

Result<EnsuredProject> ensure_project(Client& client, const ProjectSpec& spec, Deadline deadline) {
  ProjectTitle title;
  LSEDGE_TRY(format_project_title(spec.name, spec.task_id, title));
  ProjectBodySource body;  // checks the label config before anything is sent
  LSEDGE_TRY(body.open(title.view(), spec));
  ExactTitle match(title.view());
  LSEDGE_TRY(list_projects(client, match, deadline, title.view()));
  EnsuredProject ensured;
  if (match.found()) {
    ensured.project = *match.found();
    return ensured;
  }
  LSEDGE_TRY_ASSIGN(ensured.project, post_project(client, body, deadline));
  ensured.created = true;
  return ensured;
}

// ---- ProjectBodySource ---------------------------------------------------------------------

namespace {

// The JSON string escape of one byte of UTF-8 text (RFC 8259 7): quote, backslash and the
// controls; every other byte as is. Returns its length (1, 2 or 6).
uint8_t escape_byte(uint8_t byte, char (&out)[6]) {
  static constexpr char kHex[] = "0123456789abcdef";
  char short_form = 0;
  switch (byte) {
    case '"':
      short_form = '"';
      break;
    case '\\':
      short_form = '\\';
      break;
    case '\b':
      short_form = 'b';
      break;
    case '\f':
      short_form = 'f';
      break;
    case '\n':
      short_form = 'n';
      break;
    case '\r':
      short_form = 'r';
      break;
    case '\t':
      short_form = 't';
      break;
    default:
      break;
  }
  if (short_form != 0) {
    out[0] = '\\';
    out[1] = short_form;
    return 2;
  }
  if (byte < 0x20U) {
    const char escaped[6] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0x0FU]};
    for (size_t i = 0; i < 6; ++i) {
      out[i] = escaped[i];
    }
    return 6;
  }
  out[0] = static_cast<char>(byte);
  return 1;
}

// 2..4 for a UTF-8 lead byte, 0 for anything else.
uint8_t sequence_length(uint8_t lead) {
  if ((lead & 0xE0U) == 0xC0U) {
    return 2;
  }
  if ((lead & 0xF0U) == 0xE0U) {
    return 3;
  }
  if ((lead & 0xF8U) == 0xF0U) {
    return 4;
  }
  return 0;
}

}  // namespace

void ProjectBodySource::close() {
  if (file_ && storage_ != nullptr) {
    storage_->close(*file_);
  }
  file_.reset();
}

void ProjectBodySource::add(Part part, std::string_view text, std::string_view what) {
  segments_[count_++] = Segment{part, text, what};  // at most kMaxSegments: see open()
}

Outcome ProjectBodySource::open(std::string_view title, const ProjectSpec& spec) {
  close();
  count_ = 0;
  size_ = 0;
  storage_ = spec.storage;
  add(Part::Literal, "{\"title\":\"");
  add(Part::Escaped, title, "project title");
  if (!spec.label_config_file.empty()) {
    if (storage_ == nullptr) {
      return Error(Status::InvalidArgument, "a label config file needs a Storage");
    }
    Result<hal::FileHandle> opened = storage_->open_read(spec.label_config_file);
    if (!opened.ok()) {
      Error error = opened.error();
      error.detail.clear();
      error.detail.append_truncated("cannot read the label config ");
      error.detail.append_truncated(spec.label_config_file);
      return error;
    }
    file_ = *opened;
    add(Part::Literal, "\",\"label_config\":\"");
    add(Part::EscapedFile, spec.label_config_file, "label config");
  } else if (!spec.label_config.empty()) {
    add(Part::Literal, "\",\"label_config\":\"");
    add(Part::Escaped, spec.label_config, "label config");
  }
  if (!spec.description.empty()) {
    add(Part::Literal, "\",\"description\":\"");
    add(Part::Escaped, spec.description, "project description");
  }
  add(Part::Literal, "\"}");
  for (size_t i = 0; i < count_; ++i) {
    LSEDGE_TRY_ASSIGN(const uint64_t bytes, measure(i));
    size_ += bytes;
  }
  return rewind();
}

Result<uint64_t> ProjectBodySource::measure(size_t index) {
  const Segment& segment = segments_[index];
  if (segment.part == Part::Literal) {
    return uint64_t{segment.text.size()};
  }
  LSEDGE_TRY(rewind());
  uint64_t bytes = 0;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const std::optional<uint8_t> byte, next_byte(segment));
    if (!byte) {
      return bytes;
    }
    char escaped[6];
    bytes += escape_byte(*byte, escaped);
  }
}

Outcome ProjectBodySource::rewind() {
  segment_ = 0;
  offset_ = 0;
  pending_length_ = 0;
  pending_at_ = 0;
  raw_length_ = 0;
  raw_at_ = 0;
  sequence_have_ = 0;
  sequence_need_ = 0;
  return {};
}

Result<std::optional<uint8_t>> ProjectBodySource::next_file_byte(const Segment& segment) {
  if (raw_at_ == raw_length_) {
    Result<size_t> got = storage_->read_at(*file_, offset_, ByteSpan(raw_));
    if (!got.ok()) {
      Error error = got.error();
      error.detail.clear();
      error.detail.append_truncated("reading the label config ");
      error.detail.append_truncated(segment.text);
      return error;
    }
    raw_length_ = *got;
    raw_at_ = 0;
    if (raw_length_ == 0) {
      return std::optional<uint8_t>();
    }
  }
  ++offset_;
  return std::optional<uint8_t>(raw_[raw_at_++]);
}

Result<std::optional<uint8_t>> ProjectBodySource::next_byte(const Segment& segment) {
  std::optional<uint8_t> byte;
  if (segment.part == Part::EscapedFile) {
    LSEDGE_TRY_ASSIGN(byte, next_file_byte(segment));
  } else if (offset_ < segment.text.size()) {
    byte = static_cast<uint8_t>(segment.text[static_cast<size_t>(offset_++)]);
  }
  LSEDGE_TRY(check_utf8(segment, byte));
  return byte;
}

// Checks the text as it streams by, one sequence at a time (nullopt: the segment's end).
Outcome ProjectBodySource::check_utf8(const Segment& segment, std::optional<uint8_t> byte) {
  const uint64_t at = offset_ - (byte ? 1 : 0);  // this byte's offset in the segment
  const bool in_sequence = sequence_need_ != 0;
  bool valid = true;
  if (!byte) {
    valid = sequence_need_ == 0;
  } else if (sequence_need_ == 0) {
    if (*byte >= 0x80U) {
      sequence_need_ = sequence_length(*byte);
      valid = sequence_need_ != 0;
      sequence_[0] = *byte;
      sequence_have_ = 1;
      sequence_start_ = at;
    }
  } else {
    sequence_[sequence_have_++] = *byte;
    if (sequence_have_ == sequence_need_) {
      const std::string_view sequence(reinterpret_cast<const char*>(sequence_), sequence_have_);
      const std::optional<CodePoint> cp = utf8_decode(sequence, 0);
      valid = cp && cp->length == sequence_have_;
      sequence_need_ = 0;
    } else {
      valid = (*byte & 0xC0U) == 0x80U;
    }
  }
  if (valid) {
    return {};
  }
  Error error(Status::InvalidUtf8, segment.what);
  error.detail.append_truncated(": invalid UTF-8 at byte ");
  (void)error.detail.append_uint(in_sequence ? sequence_start_ : at);
  sequence_need_ = 0;
  if (segment.part == Part::EscapedFile) {
    error.detail.append_truncated(" of ");
    error.detail.append_truncated(segment.text);
  }
  return error;
}

Result<size_t> ProjectBodySource::read(ByteSpan out) {
  size_t written = 0;
  while (written < out.size()) {
    if (pending_at_ < pending_length_) {
      out[written++] = static_cast<uint8_t>(pending_[pending_at_++]);
      continue;
    }
    if (segment_ == count_) {
      break;
    }
    const Segment& segment = segments_[segment_];
    std::optional<uint8_t> byte;
    if (segment.part == Part::Literal) {
      if (offset_ < segment.text.size()) {
        byte = static_cast<uint8_t>(segment.text[static_cast<size_t>(offset_++)]);
        out[written++] = *byte;
        continue;
      }
    } else {
      LSEDGE_TRY_ASSIGN(byte, next_byte(segment));
    }
    if (!byte) {
      ++segment_;  // this segment is done: the next one starts at its first byte
      offset_ = 0;
      raw_length_ = 0;
      raw_at_ = 0;
      continue;
    }
    pending_length_ = escape_byte(*byte, pending_);
    pending_at_ = 0;
  }
  return written;
}

}  // namespace lsedge::labelstudio
