// labelstudio::Client over the real Connection, TcpTransport and TokenManager, with a scripted
// socket and a manual clock: what goes on the wire, and what comes back as errors.
#include "firmware/labelstudio/client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "firmware/labelstudio/api_error.h"
#include "tests/fakes/test_tokens.h"
#include "tests/unit/labelstudio/api_rig.h"

namespace lsedge::labelstudio {
namespace {

using testing::make_access_token;
using testing::make_pat;

using test::count;
using test::envelope;
using test::http_response;
using test::Rig;

std::string refresh_ok(const std::string& access) {
  return http_response(200, R"({"access":")" + access + R"("})");
}

const std::string kWhoamiBody =
    R"({"id":7,"first_name":"Ed","last_name":"Ge","username":"edge","email":"edge@example.com",)"
    R"("active_organization":1,"permissions":["projects.view"]})";

TEST(Client, PatIsExchangedThenTheAccessTokenIsSentAsBearer) {
  Rig rig;
  const std::string pat = make_pat();
  const std::string access = make_access_token(1000, 1300);
  ASSERT_TRUE(rig.tokens->set_credential(pat).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(access))
      .then_data(http_response(200, kWhoamiBody));

  auto user = rig.client->whoami(rig.deadline());
  ASSERT_TRUE(user.ok()) << status_name(user.status()) << " " << user.error().detail.c_str();
  EXPECT_EQ(user->id, 7);
  EXPECT_EQ(user->email.view(), "edge@example.com");
  EXPECT_EQ(user->username.view(), "edge");
  EXPECT_EQ(user->first_name.view(), "Ed");

  const std::string wire = rig.sent();
  const std::string refresh_body = R"({"refresh":")" + pat + R"("})";
  EXPECT_EQ(wire.rfind("POST /api/token/refresh/ HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(wire.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(wire.find("\r\n\r\n" + refresh_body), std::string::npos);
  EXPECT_NE(wire.find("GET /api/current-user/whoami HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(wire.find("Authorization: Bearer " + access + "\r\n"), std::string::npos);
  // The PAT goes only into the refresh body, never into an Authorization header.
  EXPECT_EQ(wire.find("Bearer " + pat), std::string::npos);
  EXPECT_EQ(count(wire, pat), 1u);
  EXPECT_EQ(rig.socket.connect_calls(), 1u);  // one kept-alive connection for both
}

TEST(Client, BasePathPrefixesEveryEndpointIncludingTheRefresh) {
  Rig rig(16384, "/ls");
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(make_access_token(1000, 1300)))
      .then_data(http_response(200, kWhoamiBody));
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  const std::string wire = rig.sent();
  EXPECT_EQ(wire.rfind("POST /ls/api/token/refresh/ HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(wire.find("GET /ls/api/current-user/whoami HTTP/1.1\r\n"), std::string::npos);
}

TEST(Client, A401ToABearerRequestRefreshesOnceAndResendsOnce) {
  Rig rig;
  const std::string first = make_access_token(1000, 1300, "first");
  const std::string second = make_access_token(1001, 1301, "second");
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(first))
      .then_data(envelope(401, "Authentication credentials were not provided."))
      .then_data(refresh_ok(second))
      .then_data(http_response(200, kWhoamiBody));

  auto user = rig.client->whoami(rig.deadline());
  ASSERT_TRUE(user.ok()) << user.error().detail.c_str();
  const std::string wire = rig.sent();
  EXPECT_EQ(count(wire, "POST /api/token/refresh/"), 2u);
  EXPECT_EQ(count(wire, "GET /api/current-user/whoami"), 2u);
  EXPECT_NE(wire.find("Bearer " + first), std::string::npos);
  EXPECT_NE(wire.find("Bearer " + second), std::string::npos);
}

TEST(Client, ASecond401IsFinalAndSaysWhatToCheck) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(make_access_token(1000, 1300, "a")))
      .then_data(envelope(401, "Authentication credentials were not provided."))
      .then_data(refresh_ok(make_access_token(1000, 1300, "b")))
      .then_data(envelope(401, "Authentication credentials were not provided."));

  auto user = rig.client->whoami(rig.deadline());
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status(), Status::AuthenticationFailed);
  EXPECT_EQ(user.error().http_status, 401);
  EXPECT_NE(user.error().detail.view().find("Authentication credentials were not provided."),
            std::string_view::npos);
  EXPECT_NE(user.error().detail.view().find("Personal Access Tokens are enabled"),
            std::string_view::npos);
  EXPECT_EQ(count(rig.sent(), "POST /api/token/refresh/"), 2u);  // no loop
  EXPECT_EQ(status_class(user.status()), StatusClass::Auth);     // exit 3
}

class RefreshFailure : public ::testing::TestWithParam<const char*> {};

TEST_P(RefreshFailure, A401FromTheRefreshIsFinalAndKeepsTheServersDetail) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection().then_data(envelope(401, GetParam()));

  auto user = rig.client->whoami(rig.deadline());
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.status(), Status::RefreshRejected);
  EXPECT_EQ(user.error().http_status, 401);
  EXPECT_EQ(user.error().detail.view(), GetParam());
  EXPECT_EQ(count(rig.sent(), "POST /api/token/refresh/"), 1u);  // never retried
  EXPECT_EQ(rig.sent().find("whoami"), std::string::npos);       // nothing sent without a token
  EXPECT_EQ(status_class(user.status()), StatusClass::Auth);     // exit 3
  EXPECT_GT(std::string(refresh_failure_hint(user.error().detail.view())).size(), 20u);
}

INSTANTIATE_TEST_SUITE_P(SimplejwtDetails, RefreshFailure,
                         ::testing::Values("Token is blacklisted", "Token is invalid",
                                           "Token is expired", "Token has wrong type",
                                           "Token has no id",
                                           "No active account found for the given token."));

TEST(Client, EachRefreshFailureGetsItsOwnAdvice) {
  EXPECT_NE(std::string(refresh_failure_hint("Token is blacklisted")).find("revoked"),
            std::string::npos);
  EXPECT_NE(std::string(refresh_failure_hint("Token is expired")).find("expired"),
            std::string::npos);
  EXPECT_NE(std::string(refresh_failure_hint("Token is invalid")).find("another server"),
            std::string::npos);
  // simplejwt's older wording for a bad signature: invalid (another server, or its secret key
  // changed), not an expired PAT.
  const std::string invalid_or_expired = refresh_failure_hint("Token is invalid or expired");
  EXPECT_NE(invalid_or_expired.find("secret key changed"), std::string::npos);
  EXPECT_EQ(invalid_or_expired.find("has expired"), std::string::npos);
  EXPECT_NE(std::string(refresh_failure_hint("Token has wrong type")).find("not a Personal"),
            std::string::npos);
  EXPECT_NE(std::string(refresh_failure_hint("No active account found for the given token."))
                .find("deactivated"),
            std::string::npos);
}

TEST(Client, AccessTokenIsReusedUntilItsDeadlineThenRefreshedBeforeUse) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(make_access_token(1000, 1300, "one")))
      .then_data(http_response(200, kWhoamiBody))
      .then_data(http_response(200, kWhoamiBody))
      .then_data(refresh_ok(make_access_token(2000, 2300, "two")))
      .then_data(http_response(200, kWhoamiBody));

  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  rig.clock.advance(269'999);  // lifetime 300 s, margin 30 s: still valid
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  EXPECT_EQ(count(rig.sent(), "POST /api/token/refresh/"), 1u);
  rig.clock.advance(1);  // now due: refreshed before the request, no 401 needed
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  EXPECT_EQ(count(rig.sent(), "POST /api/token/refresh/"), 2u);
  EXPECT_EQ(count(rig.sent(), "GET /api/current-user/whoami"), 3u);
}

TEST(Client, LegacyKeyIsSentAsTokenAndNeverRefreshed) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::kLegacyKey).ok());
  rig.socket.add_connection()
      .then_data(http_response(200, kWhoamiBody))
      .then_data(envelope(401, "Invalid token."));
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  auto second = rig.client->whoami(rig.deadline());
  EXPECT_EQ(second.status(), Status::AuthenticationFailed);
  EXPECT_EQ(second.error().detail.view(), "Invalid token.");
  const std::string wire = rig.sent();
  EXPECT_EQ(count(wire, "Authorization: Token " + std::string(testing::kLegacyKey) + "\r\n"), 2u);
  EXPECT_EQ(wire.find("refresh"), std::string::npos);
}

TEST(Client, ValidationErrorsAreSpelledOut) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::kLegacyKey).ok());
  rig.socket.add_connection().then_data(
      http_response(400, R"({"id":"x","status_code":400,"version":"1","detail":"Validation error",)"
                         R"("exc_info":null,"validation_errors":{"title":)"
                         R"(["Ensure this field has no more than 50 characters."]}})"));
  auto r = rig.client->call(http::Method::Post, "/api/projects/", "application/json",
                            as_bytes(R"({"title":"x"})"), false, rig.deadline());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), Status::ValidationFailed);
  EXPECT_EQ(r.error().detail.view(),
            "Validation error — title: Ensure this field has no more than 50 characters.");
}

TEST(Client, ErrorStatusesMapToTheirClass) {
  EXPECT_EQ(status_for_http(403), Status::PermissionDenied);
  EXPECT_EQ(status_for_http(404), Status::NotFound);
  EXPECT_EQ(status_for_http(429), Status::RateLimited);
  EXPECT_EQ(status_for_http(502), Status::ServerError);
  EXPECT_EQ(status_for_http(302), Status::Redirected);
  EXPECT_EQ(status_for_http(308), Status::Redirected);
  EXPECT_EQ(status_for_http(418), Status::UnexpectedHttpStatus);
}

TEST(Client, NonJsonErrorBodiesStillGiveAClearError) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(testing::kLegacyKey).ok());
  rig.socket.add_connection().then_data(
      "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 20\r\n\r\n"
      "<html>oops</html>   ");
  auto r = rig.client->whoami(rig.deadline());
  EXPECT_EQ(r.status(), Status::ServerError);
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_EQ(r.error().detail.view(), "HTTP 502 with no detail from the server");
}

TEST(Client, RetryAfterInSecondsIsCarriedInTheError) {
  struct Case {
    std::string head;
    uint64_t retry_after_ms;
  };
  const Case cases[] = {
      {"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n", 7000},
      {"HTTP/1.1 503 Service Unavailable\r\nretry-after:  120 \r\n", 120000},
      // The HTTP-date form would need the wall clock: ignored.
      {"HTTP/1.1 503 Service Unavailable\r\nRetry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n", 0},
      {"HTTP/1.1 503 Service Unavailable\r\n", 0},
  };
  for (const auto& c : cases) {
    Rig rig;
    ASSERT_TRUE(rig.tokens->set_credential(testing::kLegacyKey).ok());
    rig.socket.add_connection().then_data(c.head + "Content-Length: 0\r\n\r\n");
    auto r = rig.client->whoami(rig.deadline());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().retry_after_ms, c.retry_after_ms) << c.head;
  }
}

TEST(Client, MalformedRefreshAnswersAreClearErrors) {
  struct Case {
    std::string body;
    Status status;
  };
  const Case cases[] = {
      {"not json", Status::JsonInvalid},
      {R"({"refresh":"x"})", Status::JsonMissingField},
      {R"({"access":""})", Status::JsonMissingField},
      // The server's token, not the user's PAT, is at fault (exit 5, not 3).
      {R"({"access":"garbage-not-a-jwt"})", Status::ServerTokenMalformed},
      {R"({"access":")" + make_pat() + R"("})", Status::ServerTokenMalformed},  // a refresh token
  };
  for (const auto& c : cases) {
    Rig rig;
    ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
    rig.socket.add_connection().then_data(http_response(200, c.body));
    auto r = rig.client->whoami(rig.deadline());
    EXPECT_EQ(r.status(), c.status) << c.body << " -> " << status_name(r.status());
    EXPECT_EQ(rig.sent().find("whoami"), std::string::npos) << c.body;
  }
}

TEST(Client, TheAccessTokenIsWipedFromTheResponseBuffersAndTheArena) {
  Rig rig;
  const std::string access = make_access_token(1000, 1300);
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(access))
      .then_data(http_response(200, kWhoamiBody));
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  const auto contains = [&](const uint8_t* data, size_t size) {
    return std::string(reinterpret_cast<const char*>(data), size).find(access.substr(0, 40)) !=
           std::string::npos;
  };
  EXPECT_FALSE(contains(rig.body.data(), rig.body.size()));
  EXPECT_FALSE(contains(rig.headers, sizeof(rig.headers)));
  EXPECT_FALSE(contains(rig.chunk, sizeof(rig.chunk)));
  EXPECT_FALSE(contains(rig.head, sizeof(rig.head)));
}

TEST(Client, NoTokenReachesTheLog) {
  Rig rig;
  const std::string pat = make_pat();
  const std::string access = make_access_token(1000, 1300);
  ASSERT_TRUE(rig.tokens->set_credential(pat).ok());
  rig.socket.add_connection()
      .then_data(refresh_ok(access))
      .then_data(envelope(401, "Authentication credentials were not provided."))
      .then_data(envelope(401, "Token is blacklisted"));
  auto r = rig.client->whoami(rig.deadline());
  EXPECT_EQ(r.status(), Status::RefreshRejected);
  const std::string logged = rig.log.all_text();
  EXPECT_FALSE(logged.empty());
  EXPECT_EQ(logged.find("eyJ"), std::string::npos) << logged;
  EXPECT_EQ(std::string(r.error().detail.view()).find("eyJ"), std::string::npos);
}

// ---- the server's clock ------------------------------------------------------------------------

TEST(Client, TheRefreshAnswersDateSetsTheAccessTokenLifetime) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  // Label Studio <= 1.20: the access token carries the PAT's iat, a day before the Date.
  const int64_t now = 1769531227;  // Tue, 27 Jan 2026 16:27:07 GMT
  rig.socket.add_connection()
      .then_data(
          http_response(200, R"({"access":")" + make_access_token(now - 86400, now + 300) + R"("})",
                        "Date: Tue, 27 Jan 2026 16:27:07 GMT\r\n"))
      .then_data(http_response(200, kWhoamiBody));
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  // 300 s - 30 s margin after the request was sent, not a day later.
  EXPECT_EQ(rig.tokens->access_deadline_ms(), std::optional<uint64_t>(5000 + 270000));
}

TEST(Client, ARefreshAnswerWithoutAUsableDateFallsBackAndSaysSo) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection()
      .then_data(http_response(200, R"({"access":")" + make_access_token(1000, 1600) + R"("})",
                               "Date: Sunday, 06-Nov-94 08:49:37 GMT\r\n"))
      .then_data(http_response(200, kWhoamiBody));
  ASSERT_TRUE(rig.client->whoami(rig.deadline()).ok());
  EXPECT_EQ(rig.tokens->access_deadline_ms(), std::optional<uint64_t>(5000 + 570000));
  EXPECT_NE(rig.log.all_text().find("Date header is not an HTTP date"), std::string::npos)
      << rig.log.all_text();
}

// ---- wrong URLs and what is not Label Studio
// -----------------------------------------------------

std::string html_page(int status, const std::string& reason, const std::string& html,
                      const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: " +
         std::to_string(html.size()) + "\r\n" + extra + "\r\n" + html;
}

TEST(Client, AnHtml404IsNoApiAtThisUrlEvenWhenItIsLargerThanTheBuffer) {
  Rig rig(4096, "/wrong");
  rig.legacy();
  // Label Studio's own 404 page is large: cut short, its status still counts.
  std::string html = "<!DOCTYPE html><html><head><title>Not Found</title></head><body>";
  while (html.size() < 20000) {
    html += "<p>The requested resource was not found on this server.</p>";
  }
  html += "</body></html>";
  rig.socket.add_connection().then_data(html_page(404, "Not Found", html));
  auto user = rig.client->whoami(rig.deadline());
  ASSERT_EQ(user.status(), Status::NoApiAtUrl) << status_name(user.status());
  EXPECT_EQ(user.error().http_status, 404);
  EXPECT_NE(std::string(user.error().detail.view()).find("/api/current-user/whoami"),
            std::string::npos);
  EXPECT_EQ(std::string(user.error().detail.view()).find("board"), std::string::npos);
}

// The whoami answer is read by the JSON tokenizer, no document built: the same answers as
// through cJSON for what Label Studio sends and for what it must never be taken for.
TEST(Client, WhoamiReadsItsFieldsFromAnyValidAnswerAndRefusesTheRest) {
  struct Case {
    std::string body;
    Status status;
    int64_t id;
    std::string username;
  };
  const std::vector<Case> cases = {
      {R"({"id":7,"username":"edge"})", Status::Ok, 7, "edge"},
      {"\xEF\xBB\xBF"
       R"( {"id":7, "username" : "ed\u00e9\"ge"} )",
       Status::Ok, 7, "ed\xC3\xA9\"ge"},
      {R"({"meta":{"id":1,"username":"inner"},"tags":[{"id":2}],"id":7,"username":"edge"})",
       Status::Ok, 7, "edge"},
      {R"({"id":7,"username":"first","username":"second","id":8})", Status::Ok, 7, "first"},
      {R"({"id":7,"username":null})", Status::Ok, 7, ""},
      {R"({"id":7,"username":["x"]})", Status::Ok, 7, ""},
      {R"({"id":"7","username":"edge"})", Status::JsonMissingField, 0, ""},
      {R"({"id":7.5})", Status::JsonMissingField, 0, ""},
      {R"({"username":"edge"})", Status::JsonMissingField, 0, ""},
      {R"({"id":7,"username":"edge"} {"id":8})", Status::JsonInvalid, 0, ""},
      {R"({"id":7,"username":"edge")", Status::JsonInvalid, 0, ""},
      {R"({"id":7,"note":"caf)"
       "\xE9"
       R"("})",
       Status::JsonInvalid, 0, ""},
      {R"([{"id":7}])", Status::JsonInvalid, 0, ""},
      {R"({"id":7,})", Status::JsonInvalid, 0, ""},
      {"", Status::JsonInvalid, 0, ""},
  };
  for (const Case& c : cases) {
    Rig rig;
    rig.legacy();
    rig.socket.add_connection().then_data(http_response(200, c.body));
    auto user = rig.client->whoami(rig.deadline());
    ASSERT_EQ(user.status(), c.status) << c.body << ": " << user.error().detail.c_str();
    if (user.ok()) {
      EXPECT_EQ(user->id, c.id) << c.body;
      EXPECT_EQ(user->username.view(), c.username) << c.body;
    } else {
      EXPECT_NE(user.error().detail.view().find("/api/current-user/whoami"),
                std::string_view::npos);
    }
  }
}

TEST(Client, AWebAppPageWithA200IsNoApiAtThisUrl) {
  // A single-page web app (or a proxy's landing page) answers every path with 200 and HTML.
  const std::string app = "<!doctype html><html><body><div id=\"root\"></div></body></html>";
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(html_page(200, "OK", app));
  auto user = rig.client->whoami(rig.deadline());
  ASSERT_EQ(user.status(), Status::NoApiAtUrl);
  EXPECT_EQ(user.error().detail.view(),
            "HTTP 200 with an HTML page for /api/current-user/whoami (Label Studio's API answers "
            "in JSON)");
  Rig pat;
  ASSERT_TRUE(pat.tokens->set_credential(make_pat()).ok());
  pat.socket.add_connection().then_data(html_page(200, "OK", app));
  auto refreshed = pat.client->whoami(pat.deadline());
  ASSERT_EQ(refreshed.status(), Status::NoApiAtUrl);
  EXPECT_NE(std::string(refreshed.error().detail.view()).find("/api/token/refresh/"),
            std::string::npos);
}

TEST(Client, AJson404IsStillNotFound) {
  Rig rig;
  rig.legacy();
  rig.socket.add_connection().then_data(envelope(404, "Not found."));
  auto r = rig.client->call(http::Method::Get, "/api/projects/9/", {}, {}, true, rig.deadline());
  EXPECT_EQ(r.status(), Status::NotFound);
}

TEST(Client, A404FromTheTokenEndpointIsNoApiAtThisUrl) {
  for (const bool html : {true, false}) {
    Rig rig(16384, "/ls");
    ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
    rig.socket.add_connection().then_data(html ? html_page(404, "Not Found", "<h1>404</h1>")
                                               : envelope(404, "Not found."));
    auto user = rig.client->whoami(rig.deadline());
    ASSERT_EQ(user.status(), Status::NoApiAtUrl) << html;
    EXPECT_NE(std::string(user.error().detail.view()).find("/ls/api/token/refresh/"),
              std::string::npos)
        << user.error().detail.view();
  }
}

TEST(Client, PlainHttpToAnHttpsPortSaysSoInsteadOfBlamingTheToken) {
  const std::string nginx =
      "<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n"
      "<body>\r\n<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was "
      "sent to HTTPS port</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection().then_data(html_page(400, "Bad Request", nginx));
  auto user = rig.client->whoami(rig.deadline());
  ASSERT_EQ(user.status(), Status::HttpToHttpsPort) << status_name(user.status());
  EXPECT_EQ(user.error().detail.view(), "The plain HTTP request was sent to HTTPS port");
  // With a legacy key (no refresh) the same.
  Rig legacy;
  legacy.legacy();
  legacy.socket.add_connection().then_data(html_page(400, "Bad Request", nginx));
  EXPECT_EQ(legacy.client->whoami(legacy.deadline()).status(), Status::HttpToHttpsPort);
}

TEST(Client, AnHtml401FromAProxyIsNotTheServerRejectingThePat) {
  Rig rig;
  ASSERT_TRUE(rig.tokens->set_credential(make_pat()).ok());
  rig.socket.add_connection().then_data(
      html_page(401, "Unauthorized", "<h1>401 Authorization Required</h1>"));
  EXPECT_EQ(rig.client->whoami(rig.deadline()).status(), Status::AuthenticationFailed);
}

TEST(Client, ARedirectShowsItsLocationAndTheUrlToUse) {
  Rig rig(16384, "/ls");
  rig.legacy();
  rig.socket.add_connection().then_data(
      html_page(301, "Moved Permanently", "<h1>301</h1>",
                "Location: https://ls.example:8443/ls/api/current-user/whoami\r\n"));
  auto user = rig.client->whoami(rig.deadline());
  ASSERT_EQ(user.status(), Status::Redirected);
  EXPECT_EQ(user.error().detail.view(),
            "HTTP 301 to https://ls.example:8443/ls/api/current-user/whoami; try "
            "LABEL_STUDIO_URL=https://ls.example:8443/ls");
  Rig relative;
  relative.legacy();
  relative.socket.add_connection().then_data(
      html_page(302, "Found", "", "Location: /label-studio/api/current-user/whoami?next=1\r\n"));
  EXPECT_EQ(relative.client->whoami(relative.deadline()).error().detail.view(),
            "HTTP 302 to /label-studio/api/current-user/whoami?next=1; try the sub-path "
            "/label-studio");
  Rig bare;
  bare.legacy();
  bare.socket.add_connection().then_data(html_page(302, "Found", ""));
  auto no_location = bare.client->whoami(bare.deadline());
  EXPECT_EQ(no_location.status(), Status::Redirected);
  EXPECT_EQ(no_location.error().detail.view(), "HTTP 302 without a Location header");
}

TEST(Client, ACutShortValidationErrorGivesTheFirstMessageWithoutTheItemEcho) {
  // Label Studio's refused import: one message per failing item, each echoing the item.
  std::string items;
  for (int i = 0; i < 100; ++i) {
    items += std::string(items.empty() ? "" : ",") + R"("Error at item )" + std::to_string(i) +
             R"(: \"image\" key is expected in task data [assume \"text\" as the data key] :: )"
             R"({'data': {'text': ')" +
             std::string(600, 'x') + R"('}}")";
  }
  const std::string body = R"({"id":"e1","status_code":400,"version":"1.20.0",)"
                           R"("detail":"Validation error","exc_info":null,)"
                           R"("validation_errors":{"non_field_errors":[)" +
                           items + "]}}";
  for (const size_t limit : {size_t{4096}, size_t{1} << 20}) {
    Rig rig(limit);
    rig.legacy();
    rig.socket.add_connection().then_data(http_response(400, body));
    auto r = rig.client->call(http::Method::Post, "/api/projects/1/import", "application/json",
                              as_bytes("[]"), false, rig.deadline());
    ASSERT_EQ(r.status(), Status::ValidationFailed) << limit;
    const std::string detail(r.error().detail.view());
    EXPECT_EQ(detail.rfind("Validation error — non_field_errors: Error at item 0: \"image\" key is "
                           "expected in task data [assume \"text\" as the data key] (+",
                           0),
              0u)
        << detail;
    EXPECT_EQ(detail.find("xxx"), std::string::npos) << detail;
    if (limit == 4096) {
      EXPECT_TRUE(rig.client->last_response().truncated);
      EXPECT_NE(detail.find("(answer cut short)"), std::string::npos) << detail;
    } else {
      EXPECT_NE(detail.find("(+99 more)"), std::string::npos) << detail;
    }
  }
}

TEST(Client, ErrorDetailsSurviveEveryCutOfTheBody) {
  const std::string body =
      R"({"id":"e1","status_code":400,"detail":"Validation error","validation_errors":)"
      R"({"title":["Too short.","Other."],"label_config":{"nested":[1,{"a":"b"}]},)"
      R"("non_field_errors":["Error at item 0: bad :: {}"]}})";
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    http::Response response;
    response.status = 400;
    response.content_type = "application/json";
    response.body = as_bytes(std::string_view(body).substr(0, cut));
    response.truncated = cut < body.size();
    StaticArena<64> arena;
    const Error error = error_from_response(response, arena);
    EXPECT_EQ(error.status, Status::ValidationFailed);
    EXPECT_FALSE(error.detail.empty()) << cut;
    if (cut == body.size()) {
      EXPECT_EQ(error.detail.view(),
                "Validation error — title: Too short.; non_field_errors: Error at item 0: bad "
                "(+1 more)");
    }
  }
}

}  // namespace
}  // namespace lsedge::labelstudio
