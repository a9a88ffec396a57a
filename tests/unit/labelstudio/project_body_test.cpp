// ProjectBodySource (the create body, escaped while it streams from the label config file) and
// projects too large for the response buffer (a server that ignores include=).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firmware/json/prefix_scan.h"
#include "firmware/labelstudio/projects.h"
#include "tests/fakes/test_tokens.h"
#include "tests/unit/labelstudio/api_rig.h"

namespace lsedge::labelstudio {
namespace {

using test::body_after_head;
using test::count;
using test::http_response;
using test::MemoryStorage;
using test::Rig;

// The body read in pieces of `chunk` bytes until the end.
std::string drain(ProjectBodySource& source, size_t chunk) {
  std::string out;
  std::vector<uint8_t> buffer(chunk);
  for (;;) {
    auto got = source.read(ByteSpan(buffer.data(), buffer.size()));
    EXPECT_TRUE(got.ok()) << got.error().detail.c_str();
    if (!got.ok() || *got == 0) {
      return out;
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), *got);
  }
}

// A reference escaper written from RFC 8259 7, independently of the one under test.
std::string reference_escape(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char u[7];
          snprintf(u, sizeof(u), "\\u%04x", c);
          out += u;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

// The decoded value of top-level string member `key` of a JSON text (json::PrefixScanner).
std::string member(const std::string& body, std::string_view key) {
  const json::PrefixMember found = json::find_top_member(body, key);
  EXPECT_EQ(found.kind, json::PrefixScanner::Kind::String) << key;
  std::string out(found.text.size() + 16, '\0');
  const auto n = json::unescape_into(found.text, out.data(), out.size());
  EXPECT_TRUE(n.has_value());
  out.resize(n.value_or(0));
  return out;
}

// Every ASCII byte but NUL (it decodes to U+FFFD), quotes and backslashes among them.
std::string every_ascii() {
  std::string text;
  for (int c = 1; c < 0x80; ++c) {
    text += static_cast<char>(c);
  }
  return text + "\"\\\"\\\\";
}

TEST(ProjectBodySource, EscapesEveryControlCharacterQuoteAndBackslash) {
  std::string config = std::string(1, '\0') + every_ascii();
  ProjectSpec spec;
  spec.label_config = config;
  spec.description = "tab\there \"quoted\" back\\slash\n";
  ProjectBodySource source;
  ASSERT_TRUE(source.open("Title \"q\"", spec).ok());
  const std::string body = drain(source, 4096);
  EXPECT_EQ(body, "{\"title\":\"Title \\\"q\\\"\",\"label_config\":\"" + reference_escape(config) +
                      "\",\"description\":\"" + reference_escape(std::string(spec.description)) +
                      "\"}");
  EXPECT_EQ(source.size(), body.size());
  EXPECT_NE(body.find("\\u0000\\u0001\\u0002"), std::string::npos);
  EXPECT_NE(body.find("\\u001f !"), std::string::npos);
  EXPECT_NE(body.find("~\x7f"), std::string::npos);  // DEL needs no escape
  EXPECT_EQ(member(body, "label_config"), "\xEF\xBF\xBD" + every_ascii());
  EXPECT_EQ(member(body, "description"), spec.description);
}

TEST(ProjectBodySource, StreamsAFileWithMultibyteTextAcrossEveryChunkBoundary) {
  // Multibyte characters straddle the source's 256-byte file reads and every read size below.
  std::string config;
  while (config.size() < 7000) {
    config += "<Label value=\"Käfer \xE2\x82\xAC \xF0\x9F\x90\x9E\" background=\"#ff0000\"/>\n";
  }
  MemoryStorage storage;
  storage.files["labels.xml"] = config;
  ProjectSpec spec;
  spec.label_config_file = "labels.xml";
  spec.storage = &storage;
  ProjectBodySource source;
  ASSERT_TRUE(source.open("Bugs", spec).ok());
  const std::string expected =
      "{\"title\":\"Bugs\",\"label_config\":\"" + reference_escape(config) + "\"}";
  EXPECT_EQ(source.size(), expected.size());
  for (const size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{7}, size_t{255},
                             size_t{256}, size_t{257}, size_t{4096}, size_t{65536}}) {
    ASSERT_TRUE(source.rewind().ok());
    EXPECT_EQ(drain(source, chunk), expected) << chunk;
  }
  EXPECT_EQ(member(expected, "label_config"), config);
  EXPECT_LE(storage.largest_read, 256u);  // never the file whole
  EXPECT_EQ(storage.open_handles, 1u);
  source.close();
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(ProjectBodySource, RewindInTheMiddleStartsOver) {
  MemoryStorage storage;
  storage.files["c.xml"] = std::string(1000, 'a') + "\n\"" + std::string(1000, 'b');
  ProjectSpec spec;
  spec.label_config_file = "c.xml";
  spec.storage = &storage;
  spec.description = "d";
  ProjectBodySource source;
  ASSERT_TRUE(source.open("T12", spec).ok());
  const std::string whole = drain(source, 333);
  ASSERT_TRUE(source.rewind().ok());
  uint8_t part[700];
  ASSERT_TRUE(source.read(ByteSpan(part)).ok());
  ASSERT_TRUE(source.rewind().ok());
  EXPECT_EQ(drain(source, 100), whole);
  EXPECT_EQ(whole.size(), source.size());
}

TEST(ProjectBodySource, InvalidUtf8IsRefusedWithItsByteOffset) {
  const std::string head(255, 'x');  // the bad sequence starts at the last byte of a file read
  struct Case {
    std::string text;
    std::string where;
  };
  const std::vector<Case> cases = {
      {head + "\xC3\x28", "at byte 255"},          // lead byte without continuation
      {head + "\xE2\x82", "at byte 255"},          // cut at the end of the file
      {head + "\xC0\x80", "at byte 255"},          // overlong NUL
      {head + "\xED\xA0\x80", "at byte 255"},      // a surrogate
      {head + "\xF4\x90\x80\x80", "at byte 255"},  // above U+10FFFF
      {head + "a\x80", "at byte 256"},             // stray continuation
      {std::string("\xFF") + head, "at byte 0"},   // never valid
  };
  for (const Case& c : cases) {
    MemoryStorage storage;
    storage.files["bad.xml"] = c.text;
    ProjectSpec spec;
    spec.label_config_file = "bad.xml";
    spec.storage = &storage;
    ProjectBodySource source;
    const Outcome opened = source.open("Title", spec);
    ASSERT_EQ(opened.status(), Status::InvalidUtf8);
    EXPECT_EQ(opened.error().detail.view(),
              "label config: invalid UTF-8 " + c.where + " of bad.xml");
  }
  ProjectSpec spec;
  spec.description = "ok \xE2\x82";
  ProjectBodySource source;
  EXPECT_EQ(source.open("Title", spec).error().detail.view(),
            "project description: invalid UTF-8 at byte 3");
}

TEST(ProjectBodySource, AMissingFileNamesIt) {
  MemoryStorage storage;
  ProjectSpec spec;
  spec.label_config_file = "nowhere.xml";
  spec.storage = &storage;
  ProjectBodySource source;
  const Outcome opened = source.open("Title", spec);
  EXPECT_EQ(opened.status(), Status::FileError);
  EXPECT_EQ(opened.error().detail.view(), "cannot read the label config nowhere.xml");
  ProjectSpec no_storage;
  no_storage.label_config_file = "x.xml";
  EXPECT_EQ(source.open("Title", no_storage).status(), Status::InvalidArgument);
  EXPECT_EQ(storage.open_handles, 0u);
}

// ---- create with a streamed config -----------------------------------------------------------

std::string big_project(int64_t id, const std::string& title, size_t labels) {
  std::string config = "<View><Image name=\\\"image\\\" value=\\\"$image\\\"/><RectangleLabels>";
  std::string parsed;
  for (size_t i = 0; i < labels; ++i) {
    config += "<Label value=\\\"label_" + std::to_string(i) + "\\\" background=\\\"#00ff00\\\"/>";
    parsed += std::string(parsed.empty() ? "" : ",") + "\"label_" + std::to_string(i) + "\"";
  }
  config += "</RectangleLabels></View>";
  return R"({"id":)" + std::to_string(id) + R"(,"title":")" + title +
         R"(","description":"","label_config":")" + config +
         R"(","parsed_label_config":{"label":{"type":"RectangleLabels","labels":[)" + parsed +
         R"(]}},"task_number":2})";
}

TEST(CreateProject, TheLabelConfigFileIsStreamedAndResentWholeAfterA401) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::make_pat()).ok());
  MemoryStorage storage;
  std::string config =
      "<View><Image name=\"image\" value=\"$image\"/><RectangleLabels name=\"l\" "
      "toName=\"image\">\n";
  for (int i = 0; i < 150; ++i) {
    config += "  <Label value=\"Класс " + std::to_string(i) + "\" background=\"#a0b0c0\"/>\n";
  }
  config += "</RectangleLabels></View>\n";
  ASSERT_GT(config.size(), 7000u);
  storage.files["big.xml"] = config;
  rig.socket.add_connection()
      .then_data(http_response(
          200, R"({"access":")" + testing::make_access_token(1000, 1300, "one") + R"("})"))
      .then_data(
          http_response(401, R"({"detail":"Authentication credentials were not provided."})"))
      .then_data(http_response(
          200, R"({"access":")" + testing::make_access_token(1000, 1300, "two") + R"("})"))
      .then_data(http_response(201, big_project(42, "Cam (abc12345)", 150)));
  ProjectSpec spec;
  spec.name = "Cam";
  spec.task_id = "abc12345";
  spec.label_config_file = "big.xml";
  spec.storage = &storage;
  auto created = create_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(created.ok()) << created.error().detail.c_str();
  EXPECT_EQ(created->id, 42);
  const std::string wire = rig.sent();
  EXPECT_EQ(count(wire, "POST /api/projects/?include=id,title,task_number HTTP/1.1\r\n"), 2u);
  const std::string body =
      "{\"title\":\"Cam (abc12345)\",\"label_config\":\"" + reference_escape(config) + "\"}";
  EXPECT_EQ(count(wire, "Content-Length: " + std::to_string(body.size()) + "\r\n"), 2u);
  EXPECT_EQ(count(wire, body), 2u);
  EXPECT_EQ(storage.open_handles, 0u);
}

TEST(CreateProject, A201CutShortStillGivesTheNewId) {
  Rig rig(4096);
  rig.legacy();
  const std::string answer = big_project(77, "Cam (abc12345)", 300);
  ASSERT_GT(answer.size(), 8192u);
  rig.socket.add_connection().then_data(http_response(201, answer));
  ProjectSpec spec;
  spec.name = "Cam";
  spec.task_id = "abc12345";
  auto created = create_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(created.ok()) << status_name(created.status()) << " "
                            << created.error().detail.c_str();
  EXPECT_EQ(created->id, 77);
  EXPECT_EQ(created->title.view(), "Cam (abc12345)");
  EXPECT_FALSE(created->task_number.has_value());  // written after the config: cut off
  EXPECT_TRUE(rig.client->last_response().truncated);
}

TEST(CreateProject, A201CutBeforeTheIdSaysTheProjectWasCreated) {
  Rig rig(4096);
  rig.legacy();
  // A server that writes the config before the id.
  const std::string answer =
      R"({"label_config":")" + std::string(9000, 'x') + R"(","id":5,"title":"Cam"})";
  rig.socket.add_connection().then_data(http_response(201, answer));
  ProjectSpec spec;
  spec.name = "Cam";
  auto created = create_project(*rig.client, spec, rig.deadline());
  ASSERT_EQ(created.status(), Status::HttpBodyTooLarge);
  EXPECT_NE(std::string(created.error().detail.view()).find("the server created the project"),
            std::string::npos)
      << created.error().detail.view();
}

// ---- a server that ignores include= -------------------------------------------------------------

TEST(GetProject, AProjectTooLargeForTheBufferStillGivesItsIdAndTitle) {
  Rig rig(4096);
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(200, big_project(7, "Birds", 300)));
  auto project = get_project(*rig.client, 7, rig.deadline());
  ASSERT_TRUE(project.ok()) << project.error().detail.c_str();
  EXPECT_EQ(project->id, 7);
  EXPECT_EQ(project->title.view(), "Birds");
}

std::string big_page(const std::vector<std::pair<int64_t, std::string>>& projects,
                     const std::string& next, int total) {
  std::string results;
  for (const auto& [id, title] : projects) {
    results += (results.empty() ? "" : ",") + big_project(id, title, 120);
  }
  return http_response(200, R"({"count":)" + std::to_string(total) + R"(,"next":)" + next +
                                R"(,"previous":null,"results":[)" + results + "]}");
}

struct Collect final : ProjectVisitor {
  Outcome on_project(const Project& project) override {
    ids.push_back(project.id);
    titles.emplace_back(project.title.view());
    return {};
  }
  std::vector<int64_t> ids;
  std::vector<std::string> titles;
};

TEST(ListProjects, WithoutIncludeEachProjectIsReadFromAOneProjectPageCutShort) {
  Rig rig(4096);
  rig.legacy();
  ASSERT_GT(big_page({{1, "a"}}, "null", 3).size(), 4096u);
  auto& connection = rig.socket.add_connection();
  // The page of 100 is cut short inside its first project: pages of 1 follow at once.
  connection.then_data(big_page({{1, "First"}, {2, "Second"}, {3, "Third"}}, "null", 3));
  connection
      .then_data(big_page({{1, "First"}}, R"("http://x/api/projects/?page=2&page_size=1")", 3))
      .then_data(big_page({{2, "Second"}}, R"("http://x/api/projects/?page=3&page_size=1")", 3))
      .then_data(big_page({{3, "Third"}}, "null", 3));
  Collect all;
  Outcome listed = list_projects(*rig.client, all, rig.deadline());
  ASSERT_TRUE(listed.ok()) << status_name(listed.status()) << " " << listed.error().detail.c_str();
  EXPECT_EQ(all.ids, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(all.titles, (std::vector<std::string>{"First", "Second", "Third"}));
  const std::string wire = rig.sent();
  EXPECT_NE(wire.find("?page=3&page_size=1&ordering=id&include=id,title,task_number "),
            std::string::npos);
  EXPECT_EQ(count(wire, "GET "), 4u);
}

TEST(ListProjects, ACutOnePageWithoutNextFallsBackToTheCount) {
  Rig rig(4096);
  rig.legacy();
  // "next" written after the results (not DRF's order): the count says whether more follow.
  auto page_after = [](int64_t id, int total, const std::string& next) {
    return http_response(200, R"({"count":)" + std::to_string(total) + R"(,"results":[)" +
                                  big_project(id, "P" + std::to_string(id), 120) + R"(],"next":)" +
                                  next + "}");
  };
  auto& connection = rig.socket.add_connection();
  connection.then_data(page_after(1, 2, R"("n")"))
      .then_data(page_after(1, 2, R"("n")"))
      .then_data(page_after(2, 2, "null"));
  Collect all;
  Outcome listed = list_projects(*rig.client, all, rig.deadline());
  ASSERT_TRUE(listed.ok()) << listed.error().detail.c_str();
  EXPECT_EQ(all.ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(count(rig.sent(), "GET "), 3u);
}

TEST(EnsureProject, FindsALargeProjectAgainWithoutInclude) {
  Rig rig(4096);
  rig.legacy();
  auto& connection = rig.socket.add_connection();
  connection.then_data(big_page({{9, "Cam (abc12345)"}}, "null", 1))
      .then_data(big_page({{9, "Cam (abc12345)"}}, "null", 1));
  ProjectSpec spec;
  spec.name = "Cam";
  spec.task_id = "abc12345";
  auto ensured = ensure_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(ensured.ok()) << ensured.error().detail.c_str();
  EXPECT_FALSE(ensured->created);
  EXPECT_EQ(ensured->project.id, 9);
  EXPECT_EQ(rig.sent().find("POST"), std::string::npos);
  EXPECT_EQ(count(rig.sent(), "GET "), 2u);
}

TEST(ListProjects, ACutPageHoldingSomeWholeProjectsStepsToTheSizeThatFits) {
  Rig rig(4096);
  rig.legacy();
  // Projects of ~700 bytes: the 4 KiB kept of a page of 100 hold 5 whole ones, so pages of 5
  // follow (not 50 or 25, which would be cut short again).
  auto small_page = [](int64_t first, int64_t last, const std::string& next) {
    std::string results;
    for (int64_t id = first; id <= last; ++id) {
      results += (results.empty() ? "" : ",") + big_project(id, "P" + std::to_string(id), 8);
    }
    return http_response(200, R"({"count":10,"next":)" + next + R"(,"results":[)" + results + "]}");
  };
  const size_t one = big_project(1, "P1", 8).size() + 1;
  ASSERT_GE(4000 / one, 5u);
  ASSERT_LT(4096 / one, 25u);
  rig.socket.add_connection()
      .then_data(small_page(1, 10, "null"))
      .then_data(small_page(1, 5, R"("x?page=2")"))
      .then_data(small_page(6, 10, "null"));
  Collect all;
  Outcome listed = list_projects(*rig.client, all, rig.deadline());
  ASSERT_TRUE(listed.ok()) << listed.error().detail.c_str();
  EXPECT_EQ(all.ids, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  const std::string wire = rig.sent();
  EXPECT_EQ(count(wire, "GET "), 3u);
  EXPECT_NE(wire.find("?page=2&page_size=5&"), std::string::npos) << wire;
}

TEST(EnsureProject, ABadLabelConfigSendsNothing) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection();
  MemoryStorage storage;
  storage.files["bad.xml"] = "<View>\xFF</View>";
  ProjectSpec spec;
  spec.name = "Cam";
  spec.label_config_file = "bad.xml";
  spec.storage = &storage;
  EXPECT_EQ(ensure_project(*rig.client, spec, rig.deadline()).status(), Status::InvalidUtf8);
  EXPECT_EQ(rig.socket.connect_calls(), 0u);
}

}  // namespace
}  // namespace lsedge::labelstudio
