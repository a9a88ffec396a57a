#include "firmware/auth/jwt.h"

#include <gtest/gtest.h>

#include <string>

#include "board_sizes.h"
#include "tests/fakes/test_tokens.h"

namespace lsedge::auth {
namespace {

using testing::base64url_encode;
using testing::make_jwt;

TEST(JwtClaims, DecodesTheSeedPatWhoseExpIsBeyond2038) {
  const Result<JwtClaims> claims = decode_jwt_claims(testing::kSeedPat);
  ASSERT_TRUE(claims.ok()) << claims.error().detail.c_str();
  EXPECT_EQ(claims->token_type.view(), "refresh");
  EXPECT_EQ(claims->exp, int64_t{8076731227});  // > INT32_MAX: year 2225
  EXPECT_EQ(claims->iat, int64_t{1769531227});
  EXPECT_GT(*claims->exp, int64_t{INT32_MAX});
}

TEST(JwtClaims, DecodesASimplejwtAccessToken) {
  const Result<JwtClaims> claims =
      decode_jwt_claims(testing::make_access_token(1769531227, 1769531527));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->token_type.view(), "access");
  EXPECT_EQ(*claims->exp - *claims->iat, 300);
}

TEST(JwtClaims, MissingOrUnusableTimesAreNulloptNotErrors) {
  const auto none = decode_jwt_claims(make_jwt(R"({"token_type":"access"})"));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->exp);
  EXPECT_FALSE(none->iat);
  const auto odd = decode_jwt_claims(
      make_jwt(R"({"token_type":"access","exp":"1769531527","iat":1769531227.5})"));
  ASSERT_TRUE(odd.ok());
  EXPECT_FALSE(odd->exp) << "a string is not a NumericDate";
  EXPECT_FALSE(odd->iat) << "fractional";
  const auto huge = decode_jwt_claims(make_jwt(R"({"token_type":"access","exp":1e300,"iat":0})"));
  ASSERT_TRUE(huge.ok());
  EXPECT_FALSE(huge->exp);
  EXPECT_EQ(huge->iat, 0);
}

TEST(JwtClaims, TokenTypeIsEmptyWhenAbsentOrNotAString) {
  EXPECT_TRUE(decode_jwt_claims(make_jwt(R"({"exp":1})"))->token_type.empty());
  EXPECT_TRUE(decode_jwt_claims(make_jwt(R"({"token_type":7})"))->token_type.empty());
  EXPECT_EQ(decode_jwt_claims(make_jwt(R"({"token_type":"sliding"})"))->token_type.view(),
            "sliding");
  EXPECT_EQ(decode_jwt_claims(make_jwt(R"({"token_type":"a-very-long-token-type"})")).status(),
            Status::MalformedToken);
}

TEST(JwtClaims, PaddedSegmentsAreAccepted) {
  const std::string payload = R"({"token_type":"refresh","exp":10,"iat":1})";
  const std::string jwt = base64url_encode(testing::kHs256Header, true) + "." +
                          base64url_encode(payload, true) + "." + base64url_encode("sig", true);
  EXPECT_EQ(decode_jwt_claims(jwt)->token_type.view(), "refresh");
}

TEST(JwtClaims, RequiresExactlyThreeNonEmptyParts) {
  const std::string h = base64url_encode(testing::kHs256Header);
  const std::string p = base64url_encode(R"({"token_type":"refresh"})");
  for (const std::string& bad : {h, h + "." + p, h + "." + p + ".", "." + p + ".c2ln", h + "..c2ln",
                                 h + "." + p + ".c2ln.c2ln", std::string("..")}) {
    const auto result = decode_jwt_claims(bad);
    EXPECT_EQ(result.status(), Status::MalformedToken) << bad;
  }
  const auto two = decode_jwt_claims(h + "." + p);
  EXPECT_NE(std::string(two.error().detail.c_str()).find("has 2"), std::string::npos)
      << two.error().detail.c_str();
}

TEST(JwtClaims, HeaderAndPayloadMustBeJsonObjects) {
  const std::string h = base64url_encode(testing::kHs256Header);
  const std::string sig = ".c2ln";
  struct Case {
    std::string jwt;
    const char* detail;
  } cases[] = {
      {h + "." + base64url_encode("[1,2]") + sig, "payload is not a JSON object"},
      {h + "." + base64url_encode("\"refresh\"") + sig, "payload is not a JSON object"},
      {h + "." + base64url_encode("{\"token_type\":") + sig, "payload is not valid JSON"},
      {h + "." + base64url_encode("not json") + sig, "payload is not valid JSON"},
      {base64url_encode("[]") + "." + base64url_encode("{}") + sig, "header is not a JSON object"},
      {base64url_encode("{") + "." + base64url_encode("{}") + sig, "header is not valid JSON"},
      {h + ".e30!" + sig, "payload is not valid base64url"},
      {h + "." + base64url_encode("{}") + ".c2l+", "signature is not valid base64url"},
      {h + "." + base64url_encode("{\"a\":\"\xFF\"}") + sig, "payload is not valid JSON"},
  };
  for (const Case& c : cases) {
    const auto result = decode_jwt_claims(c.jwt);
    EXPECT_EQ(result.status(), Status::MalformedToken) << c.jwt;
    EXPECT_NE(std::string(result.error().detail.c_str()).find(c.detail), std::string::npos)
        << result.error().detail.c_str();
  }
}

TEST(JwtClaims, HostilePayloadsFailCleanly) {
  // Deep nesting, and a payload that parses into more nodes than the scratch arena holds. Both
  // fit the smallest board's LSEDGE_TOKEN_CAPACITY (1 KiB), so the parser is what refuses them.
  const auto deep = decode_jwt_claims(make_jwt(std::string(100, '[') + std::string(100, ']')));
  EXPECT_EQ(deep.status(), Status::MalformedToken);
  std::string wide = "{\"a\":[";
  for (int i = 0; i < 300; ++i)
    wide += i ? ",0" : "0";
  wide += "]}";
  const auto many = decode_jwt_claims(make_jwt(wide));
  EXPECT_EQ(many.status(), Status::BufferTooSmall);
  const auto too_long = decode_jwt_claims(std::string(LSEDGE_TOKEN_CAPACITY + 1, 'e'));
  EXPECT_EQ(too_long.status(), Status::BufferTooSmall);
}

TEST(JwtClaims, DetailsNeverQuoteTheToken) {
  const std::string h = base64url_encode(testing::kHs256Header);
  const std::string payload = base64url_encode("{\"secret-ish\":");
  const auto result = decode_jwt_claims(h + "." + payload + ".c2ln");
  ASSERT_FALSE(result.ok());
  const std::string detail = result.error().detail.c_str();
  EXPECT_EQ(detail.find(payload.substr(0, 8)), std::string::npos) << detail;
  EXPECT_EQ(detail.find("secret-ish"), std::string::npos) << detail;
}

TEST(LooksLikeJwt, MatchesJwtShapesButNeverALegacyKey) {
  EXPECT_TRUE(looks_like_jwt(testing::kSeedPat));
  EXPECT_TRUE(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOjF9"));  // truncated PAT
  EXPECT_FALSE(looks_like_jwt(testing::kLegacyKey));
  EXPECT_FALSE(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9"));  // no dot
  EXPECT_FALSE(looks_like_jwt("abc.def.ghi"));
  EXPECT_FALSE(looks_like_jwt(""));
}

}  // namespace
}  // namespace lsedge::auth
