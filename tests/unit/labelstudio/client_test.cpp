// labelstudio::Client over the real Connection, TcpTransport and TokenManager, with a scripted
// socket and a manual clock: what goes on the wire, and what comes back as errors.
#include "firmware/labelstudio/client.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

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
      {R"({"access":"garbage-not-a-jwt"})", Status::MalformedToken},
      {R"({"access":")" + make_pat() + R"("})", Status::MalformedToken},  // a refresh token
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

}  // namespace
}  // namespace lsedge::labelstudio
