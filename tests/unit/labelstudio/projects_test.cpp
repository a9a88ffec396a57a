// list_projects / get_project / create_project / ensure_project on the wire.
#include "firmware/labelstudio/projects.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "board_sizes.h"
#include "tests/unit/labelstudio/api_rig.h"

namespace lsedge::labelstudio {
namespace {

using test::body_after_head;
using test::count;
using test::envelope;
using test::http_response;
using test::Rig;

const std::string kUserAgent = "User-Agent: lsedge/" LSEDGE_VERSION "\r\n";
// What every project list asks for besides the page.
const std::string kQuery = "&ordering=id&include=id,title,task_number";

std::string project_json(int64_t id, const std::string& title) {
  return R"({"id":)" + std::to_string(id) + R"(,"title":")" + title +
         R"(","description":"","label_config":"<View></View>","task_number":3,)"
         R"("created_by":{"id":1,"email":"e@x"}})";
}

std::string page(const std::vector<std::pair<int64_t, std::string>>& projects,
                 const std::string& next, int total = 0) {
  std::string results;
  for (const auto& [id, title] : projects) {
    results += (results.empty() ? "" : ",") + project_json(id, title);
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

// ---- list ------------------------------------------------------------------------------------

TEST(ListProjects, FollowsNextOverThreePages) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection()
      .then_data(page({{9, "A"}, {8, "B"}},
                      R"("http://ls.example:8080/api/projects/?page=2&page_size=100")", 5))
      .then_data(page({{7, "C"}, {6, "D"}},
                      R"("http://ls.example:8080/api/projects/?page=3&page_size=100")", 5))
      .then_data(page({{5, "E"}}, "null", 5));
  Collect all;
  Outcome listed = list_projects(*rig.client, all, rig.deadline());
  ASSERT_TRUE(listed.ok()) << listed.error().detail.c_str();
  EXPECT_EQ(all.ids, (std::vector<int64_t>{9, 8, 7, 6, 5}));
  EXPECT_EQ(all.titles, (std::vector<std::string>{"A", "B", "C", "D", "E"}));
  const std::string wire = rig.sent();
  EXPECT_EQ(count(wire, "GET /api/projects/?page=1&page_size=100" + kQuery + " HTTP/1.1\r\n"), 1u);
  EXPECT_EQ(count(wire, "GET /api/projects/?page=2&page_size=100" + kQuery + " HTTP/1.1\r\n"), 1u);
  EXPECT_EQ(count(wire, "GET /api/projects/?page=3&page_size=100" + kQuery + " HTTP/1.1\r\n"), 1u);
  EXPECT_EQ(count(wire, "GET "), 3u);
  EXPECT_EQ(count(wire, "Authorization: Token " + std::string(test::kLegacyKey) + "\r\n"), 3u);
  EXPECT_EQ(rig.socket.connect_calls(), 1u);
}

TEST(ListProjects, AbsentNextEndsTheListing) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(
      http_response(200, R"({"results":[)" + project_json(1, "Only") + "]}"));
  Collect all;
  ASSERT_TRUE(list_projects(*rig.client, all, rig.deadline()).ok());
  EXPECT_EQ(all.ids, std::vector<int64_t>{1});
}

TEST(ListProjects, TitleFilterIsPercentEncoded) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(page({}, "null"));
  Collect all;
  ASSERT_TRUE(list_projects(*rig.client, all, rig.deadline(), "Café & co (a+b)/#1").ok());
  EXPECT_NE(rig.sent().find("GET /api/projects/?page=1&page_size=100" + kQuery +
                            "&title=Caf%C3%A9%20%26%20co%20%28a%2Bb%29%2F%231 HTTP/1.1\r\n"),
            std::string::npos)
      << rig.sent();
  EXPECT_TRUE(all.ids.empty());
}

TEST(ListProjects, APageTooLargeForTheBufferIsAskedForAgainInSmallerPages) {
  Rig rig(4096);
  rig.legacy();
  std::vector<std::pair<int64_t, std::string>> hundred;
  for (int i = 0; i < 100; ++i) {
    hundred.push_back({1000 - i, "p"});
  }
  // 100 projects do not fit 4 KiB; 50 neither; 25 do.
  std::vector<std::pair<int64_t, std::string>> first50(hundred.begin(), hundred.begin() + 50);
  std::vector<std::pair<int64_t, std::string>> first25(hundred.begin(), hundred.begin() + 25);
  std::vector<std::pair<int64_t, std::string>> next25(hundred.begin() + 25, hundred.begin() + 50);
  ASSERT_GT(page(first50, "null").size(), 4096u);
  ASSERT_LT(page(first25, "null").size(), 4096u);
  // The too-large answer is cut short (Response::truncated) and the rest drained; the 4 KiB it
  // kept hold 25 to 49 whole projects, so pages of 25 follow (50 would not fit).
  rig.socket.add_connection()
      .then_data(page(hundred, R"("n")"))
      .then_data(page(first25, R"("x?page=2")"))
      .then_data(page(next25, "null"));
  Collect all;
  Outcome listed = list_projects(*rig.client, all, rig.deadline());
  ASSERT_TRUE(listed.ok()) << status_name(listed.status()) << " " << listed.error().detail.c_str();
  ASSERT_EQ(all.ids.size(), 50u);
  EXPECT_EQ(all.ids.front(), 1000);
  EXPECT_EQ(all.ids.back(), 951);
  const std::string wire = rig.sent();
  const size_t p100 = wire.find("?page=1&page_size=100" + kQuery + " ");
  const size_t p25 = wire.find("?page=1&page_size=25" + kQuery + " ");
  const size_t p25b = wire.find("?page=2&page_size=25" + kQuery + " ");
  ASSERT_NE(p25b, std::string::npos) << wire;
  EXPECT_LT(p100, p25);
  EXPECT_LT(p25, p25b);
  EXPECT_EQ(count(wire, "GET "), 3u);
}

TEST(ListProjects, FallbackKeepsTheOffsetOfThePagesAlreadySeen) {
  std::vector<std::pair<int64_t, std::string>> small(100, {1, "s"});
  for (int i = 0; i < 100; ++i) {
    small[static_cast<size_t>(i)].first = 500 - i;
  }
  // Page 1 at 100 fits (titles "s"); page 2 at 100 has long titles and does not.
  std::vector<std::pair<int64_t, std::string>> fat(100, {1, std::string(100, 'f')});
  ASSERT_LT(page(small, "null").size(), 16384u);
  ASSERT_GT(page(fat, "null").size(), 16384u);
  Rig wide(16384);
  wide.legacy();
  wide.socket.add_connection()
      .then_data(page(small, R"("n")"))
      .then_data(page(fat, R"("n")"))
      .then_data(page({{42, "after"}}, "null"));
  Collect all;
  Outcome listed = list_projects(*wide.client, all, wide.deadline());
  ASSERT_TRUE(listed.ok()) << listed.error().detail.c_str();
  EXPECT_EQ(all.ids.size(), 101u);
  EXPECT_EQ(all.ids.back(), 42);
  // 100 projects seen: page 3 of 50 starts right after them.
  EXPECT_NE(wide.sent().find("GET /api/projects/?page=3&page_size=50" + kQuery + " "),
            std::string::npos)
      << wide.sent();
}

TEST(ListProjects, VisitorErrorStopsTheListing) {
  struct Stop final : ProjectVisitor {
    Outcome on_project(const Project& project) override {
      ++calls;
      return project.id == 8 ? Outcome(Error(Status::Cancelled, "enough")) : Outcome();
    }
    int calls = 0;
  } stop;
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(page({{9, "A"}, {8, "B"}, {7, "C"}}, R"("more")"));
  Outcome listed = list_projects(*rig.client, stop, rig.deadline());
  EXPECT_EQ(listed.status(), Status::Cancelled);
  EXPECT_EQ(stop.calls, 2);
  EXPECT_EQ(count(rig.sent(), "GET "), 1u);
}

TEST(ListProjects, EmptyPageWithANextLinkIsRefusedInsteadOfLooping) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(page({}, R"("http://x/api/projects/?page=2")"));
  Collect all;
  EXPECT_EQ(list_projects(*rig.client, all, rig.deadline()).status(),
            Status::HttpMalformedResponse);
}

// A server that ignores page= and answers the same page with the same "next" forever (one such
// answer made 280,000 requests a minute) is stopped at the second page.
TEST(ListProjects, ARepeatedNextLinkIsARunaway) {
  Rig rig;
  rig.legacy();
  const std::string same = page({{9, "A"}}, R"("http://x/api/projects/?page=2")", 1000);
  rig.socket.add_connection().then_data(same).then_data(same).then_data(same);
  Collect all;
  const Outcome listed = list_projects(*rig.client, all, rig.deadline());
  EXPECT_EQ(listed.status(), Status::PaginationRunaway);
  EXPECT_NE(std::string(listed.error().detail.view()).find("same \"next\" link"), std::string::npos)
      << listed.error().detail.c_str();
  EXPECT_EQ(count(rig.sent(), "GET "), 2u);
}

// Links that differ each time still end at LSEDGE_MAX_LIST_PAGES pages.
TEST(ListProjects, AListingLongerThanThePageCapIsARunaway) {
  Rig rig;
  rig.legacy();
  auto& connection = rig.socket.add_connection();
  for (int i = 1; i <= LSEDGE_MAX_LIST_PAGES + 1; ++i) {
    connection.then_data(
        page({{i, "p"}}, R"("http://x/api/projects/?page=)" + std::to_string(i + 1) + R"(")"));
  }
  Collect all;
  const Outcome listed = list_projects(*rig.client, all, rig.deadline());
  EXPECT_EQ(listed.status(), Status::PaginationRunaway);
  EXPECT_NE(std::string(listed.error().detail.view()).find("LSEDGE_MAX_LIST_PAGES"),
            std::string::npos)
      << listed.error().detail.c_str();
  EXPECT_EQ(count(rig.sent(), "GET "), static_cast<size_t>(LSEDGE_MAX_LIST_PAGES));
  EXPECT_EQ(all.ids.size(), static_cast<size_t>(LSEDGE_MAX_LIST_PAGES));
}

// A redirect's detail is the Location and the URL to set: no context in front to cut it short.
TEST(ListProjects, ARedirectKeepsItsLocationAndHintWhole) {
  Rig rig;
  rig.legacy();
  const std::string location =
      "https://ls.example:8443/api/projects/?page=1&page_size=100&ordering=id&include=id,"
      "title,task_number&title=Redirect%20me%20please";
  rig.socket.add_connection().then_data(http_response(301, "", "Location: " + location + "\r\n"));
  Collect all;
  const Outcome listed = list_projects(*rig.client, all, rig.deadline(), "Redirect me please");
  ASSERT_EQ(listed.status(), Status::Redirected);
  const std::string detail(listed.error().detail.view());
  EXPECT_NE(detail.find(location), std::string::npos) << detail;
  EXPECT_NE(detail.find("try LABEL_STUDIO_URL=https://ls.example:8443"), std::string::npos)
      << detail;
}

TEST(ListProjects, AnswersThatAreNotProjectPagesAreErrors) {
  for (const std::string& body : {std::string(R"({"count":1})"), std::string(R"({"results":{}})"),
                                  std::string(R"({"results":[{"title":"no id"}],"next":null})"),
                                  std::string("[1,2]"), std::string("not json")}) {
    Rig rig;
    rig.legacy();
    rig.socket.add_connection().then_data(http_response(200, body));
    Collect all;
    Outcome listed = list_projects(*rig.client, all, rig.deadline());
    EXPECT_FALSE(listed.ok()) << body;
    EXPECT_TRUE(listed.status() == Status::JsonMissingField ||
                listed.status() == Status::JsonInvalid)
        << body << " " << status_name(listed.status());
  }
}

TEST(ListProjects, ServerErrorsKeepTheirStatus) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(envelope(404, "Invalid page."));
  Collect all;
  Outcome listed = list_projects(*rig.client, all, rig.deadline());
  EXPECT_EQ(listed.status(), Status::NotFound);
  EXPECT_NE(std::string(listed.error().detail.view()).find("Invalid page."), std::string::npos);
}

// ---- get ---------------------------------------------------------------------------------------

TEST(GetProject, ReadsIdTitleAndTaskNumber) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(200, project_json(7, "Cam (abc12345)")));
  auto project = get_project(*rig.client, 7, rig.deadline());
  ASSERT_TRUE(project.ok()) << project.error().detail.c_str();
  EXPECT_EQ(project->id, 7);
  EXPECT_EQ(project->title.view(), "Cam (abc12345)");
  EXPECT_EQ(project->task_number, std::optional<int64_t>(3));
  EXPECT_EQ(rig.sent().rfind("GET /api/projects/7/?include=id,title,task_number HTTP/1.1\r\n", 0),
            0u);
}

TEST(GetProject, MissingProjectIsNotFoundAndBadIdsAreRefused) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(envelope(404, "Not found."));
  auto project = get_project(*rig.client, 99, rig.deadline());
  EXPECT_EQ(project.status(), Status::NotFound);
  EXPECT_EQ(project.error().http_status, 404);
  EXPECT_EQ(get_project(*rig.client, 0, rig.deadline()).status(), Status::InvalidArgument);
  EXPECT_EQ(get_project(*rig.client, -5, rig.deadline()).status(), Status::InvalidArgument);
  EXPECT_EQ(rig.socket.connect_calls(), 1u);
}

// ---- create ----------------------------------------------------------------------------------

TEST(CreateProject, GoldenRequestAndTheNewId) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, project_json(42, "Cam (abc12345)")));
  ProjectSpec spec;
  spec.name = "  Cam ";
  spec.task_id = "abc12345-6789-4def";
  spec.label_config = "<View><Image name=\"img\" value=\"$image\"/></View>";
  spec.description = "line1\nline2";
  auto created = create_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(created.ok()) << created.error().detail.c_str();
  EXPECT_EQ(created->id, 42);
  EXPECT_EQ(created->title.view(), "Cam (abc12345)");
  const std::string body =
      R"J({"title":"Cam (abc12345)","label_config":"<View><Image name=\"img\" )J"
      R"(value=\"$image\"/></View>","description":"line1\nline2"})";
  EXPECT_EQ(rig.sent(),
            "POST /api/projects/?include=id,title,task_number HTTP/1.1\r\n"
            "Host: ls.example:8080\r\n" +
                kUserAgent +
                "Accept: application/json\r\n"
                "Connection: keep-alive\r\n"
                "Content-Type: application/json\r\n"
                "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Authorization: Token " +
                std::string(test::kLegacyKey) + "\r\n\r\n" + body);
}

TEST(CreateProject, EmptyLabelConfigAndDescriptionAreLeftOut) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(http_response(201, project_json(3, "Plain")));
  ProjectSpec spec;
  spec.name = "Plain";
  auto created = create_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(body_after_head(rig.sent()), R"({"title":"Plain"})");
}

TEST(CreateProject, ValidationErrorsFromTheServerSurface) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(
      envelope(400, "Validation error",
               R"({"label_config":["Validation failed on : 'toName' is a required property"]})"));
  ProjectSpec spec;
  spec.name = "Broken config";
  spec.label_config = "<View><Choices name=\"c\"/></View>";
  auto created = create_project(*rig.client, spec, rig.deadline());
  ASSERT_EQ(created.status(), Status::ValidationFailed);
  EXPECT_EQ(created.error().http_status, 400);
  EXPECT_EQ(created.error().detail.view(),
            "Validation error — label_config: Validation failed on : 'toName' is a required "
            "property");
}

TEST(CreateProject, LocalFailuresSendNothing) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection();
  ProjectSpec spec;
  spec.name = "ab";  // Label Studio's minimum is 3 characters
  EXPECT_EQ(create_project(*rig.client, spec, rig.deadline()).status(), Status::UsageError);
  spec.name = "Good";
  spec.label_config = "<View>\xC3\x28</View>";
  const auto bad_config = create_project(*rig.client, spec, rig.deadline());
  EXPECT_EQ(bad_config.status(), Status::InvalidUtf8);
  EXPECT_EQ(bad_config.error().detail.view(), "label config: invalid UTF-8 at byte 6");
  spec.label_config = {};
  spec.name = " \t ";
  EXPECT_EQ(create_project(*rig.client, spec, rig.deadline()).status(), Status::EmptyInput);
  spec.name = "bad \xff utf8";
  EXPECT_EQ(create_project(*rig.client, spec, rig.deadline()).status(), Status::InvalidUtf8);
  EXPECT_EQ(rig.socket.connect_calls(), 0u);
}

TEST(CreateProject, IsNotResentWhenTheKeptConnectionDies) {
  Rig rig;
  rig.legacy();
  auto& kept = rig.socket.add_connection().then_data(http_response(200, project_json(1, "x")));
  rig.socket.add_connection().then_data(http_response(201, project_json(2, "y")));
  ASSERT_TRUE(get_project(*rig.client, 1, rig.deadline()).ok());
  kept.send_failure = Status::ConnectionReset;
  kept.fail_send_after_bytes = kept.sent.size() + 20;
  ProjectSpec spec;
  spec.name = "Once only";
  auto created = create_project(*rig.client, spec, rig.deadline());
  EXPECT_EQ(created.status(), Status::ConnectionReset);
  EXPECT_NE(std::string(created.error().detail.view()).find("not resent"), std::string::npos);
  EXPECT_EQ(rig.socket.connect_calls(), 1u);
}

// ---- ensure ----------------------------------------------------------------------------------

TEST(EnsureProject, FindsTheExactTitleWithTheLowestId) {
  Rig rig;
  rig.legacy();
  // icontains also returns near misses; only exact titles count, and the oldest (lowest id) wins.
  rig.socket.add_connection().then_data(page({{12, "cam (abc12345)"},
                                              {11, "Cam (abc12345)"},
                                              {10, "Cam (abc12345) copy"},
                                              {4, "Cam (abc12345)"},
                                              {6, "Cam (abc12345)"}},
                                             "null"));
  ProjectSpec spec;
  spec.name = "Cam";
  spec.task_id = "abc12345-ffff";
  auto ensured = ensure_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(ensured.ok()) << ensured.error().detail.c_str();
  EXPECT_FALSE(ensured->created);
  EXPECT_EQ(ensured->project.id, 4);
  EXPECT_EQ(ensured->project.title.view(), "Cam (abc12345)");
  const std::string wire = rig.sent();
  EXPECT_NE(wire.find("GET /api/projects/?page=1&page_size=100" + kQuery +
                      "&title=Cam%20%28abc12345%29 "),
            std::string::npos)
      << wire;
  EXPECT_EQ(wire.find("POST"), std::string::npos);
}

TEST(EnsureProject, CreatesWhenNoTitleMatchesExactly) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection()
      .then_data(page({{3, "Cam (abc12345) old"}}, "null"))
      .then_data(http_response(201, project_json(77, "Cam (abc12345)")));
  ProjectSpec spec;
  spec.name = "Cam";
  spec.task_id = "abc12345";
  spec.label_config = "<View/>";
  auto ensured = ensure_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(ensured.ok()) << ensured.error().detail.c_str();
  EXPECT_TRUE(ensured->created);
  EXPECT_EQ(ensured->project.id, 77);
  const std::string wire = rig.sent();
  const size_t post = wire.find("POST /api/projects/?include=id,title,task_number HTTP/1.1\r\n");
  ASSERT_NE(post, std::string::npos);
  EXPECT_EQ(body_after_head(wire.substr(post)),
            R"J({"title":"Cam (abc12345)","label_config":"<View/>"})J");
}

TEST(EnsureProject, LongNamesAreFormattedToFiftyCharacters) {
  Rig rig;
  rig.legacy();
  const std::string name(60, 'n');
  const std::string title = std::string(36, 'n') + "... (deadbeef)";  // 36 + 3 + 11 = 50
  ASSERT_EQ(title.size(), 50u);
  rig.socket.add_connection()
      .then_data(page({}, "null"))
      .then_data(http_response(201, project_json(5, title)));
  ProjectSpec spec;
  spec.name = name;
  spec.task_id = "deadbeef-0000-1111";
  auto ensured = ensure_project(*rig.client, spec, rig.deadline());
  ASSERT_TRUE(ensured.ok()) << ensured.error().detail.c_str();
  EXPECT_TRUE(ensured->created);
  const std::string wire = rig.sent();
  EXPECT_NE(wire.find("&title=" + std::string(36, 'n') + "...%20%28deadbeef%29 "),
            std::string::npos)
      << wire;
  EXPECT_NE(wire.find(R"({"title":")" + title + R"("})"), std::string::npos) << wire;
  EXPECT_EQ(wire.find(name), std::string::npos);  // the raw 60-character name is never sent
}

TEST(EnsureProject, ListingFailureDoesNotCreate) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(envelope(403, "You do not have permission."));
  ProjectSpec spec;
  spec.name = "Cam";
  auto ensured = ensure_project(*rig.client, spec, rig.deadline());
  EXPECT_EQ(ensured.status(), Status::PermissionDenied);
  EXPECT_EQ(rig.sent().find("POST"), std::string::npos);
}

}  // namespace
}  // namespace lsedge::labelstudio
