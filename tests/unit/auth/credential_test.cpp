#include "firmware/auth/credential.h"

#include <gtest/gtest.h>

#include <string>

#include "board_sizes.h"
#include "tests/fakes/test_tokens.h"

namespace lsedge::auth {
namespace {

using namespace std::string_view_literals;
using testing::make_jwt;

TEST(TrimToken, StripsWhatPastingAddsAroundTheToken) {
  EXPECT_EQ(trim_token("  abc \r\n"), "abc");
  EXPECT_EQ(trim_token("\tabc\n\n"), "abc");
  EXPECT_EQ(trim_token("\xEF\xBB\xBF"
                       "abc\r\n"),
            "abc");                                   // BOM from a Windows editor
  EXPECT_EQ(trim_token(" \xEF\xBB\xBF abc"), "abc");  // BOM after spaces
  EXPECT_EQ(trim_token("\v\fabc def\f"), "abc def");  // inside is kept
  EXPECT_EQ(trim_token(" \r\n\t "), "");
  EXPECT_EQ(trim_token(""), "");
  EXPECT_EQ(trim_token("abc\xEF\xBB\xBF"), "abc\xEF\xBB\xBF");  // only a leading BOM
}

TEST(ClassifyCredential, APatIsAPersonalAccessToken) {
  EXPECT_EQ(classify_credential(testing::kSeedPat).value(), CredentialKind::PersonalAccessToken);
  EXPECT_EQ(classify_credential(testing::make_pat()).value(), CredentialKind::PersonalAccessToken);
}

TEST(ClassifyCredential, PastedWhitespaceAroundATokenIsIgnored) {
  const std::string pat(testing::kSeedPat);
  EXPECT_EQ(classify_credential("  " + pat + "\r\n").value(), CredentialKind::PersonalAccessToken);
  EXPECT_EQ(classify_credential("\xEF\xBB\xBF" + pat + "\n").value(),
            CredentialKind::PersonalAccessToken);
  EXPECT_EQ(classify_credential("\t" + std::string(testing::kLegacyKey) + "\n").value(),
            CredentialKind::LegacyKey);
}

TEST(ClassifyCredential, AnAccessTokenIsRefusedWithAHintToPasteThePat) {
  const auto result = classify_credential(testing::make_access_token(1769531227, 1769531527));
  // The hint to paste the PAT is the app's message for this status (tests/unit/app).
  ASSERT_EQ(result.status(), Status::AccessTokenGiven);
}

TEST(ClassifyCredential, LegacyKeysAreAnyPrintableAsciiWithoutSpaces) {
  EXPECT_EQ(classify_credential(testing::kLegacyKey).value(), CredentialKind::LegacyKey);
  EXPECT_EQ(classify_credential("ABCDEF0123456789abcdef0123456789ABCDEF01").value(),
            CredentialKind::LegacyKey);
  EXPECT_EQ(classify_credential("short-key_1.2~!").value(), CredentialKind::LegacyKey);
  EXPECT_EQ(classify_credential("abc.def.ghi").value(), CredentialKind::LegacyKey);
  EXPECT_EQ(classify_credential("eyJnot-a-jwt-no-dot").value(), CredentialKind::LegacyKey);
}

TEST(ClassifyCredential, EmptyInputIsItsOwnError) {
  EXPECT_EQ(classify_credential("").status(), Status::EmptyInput);
  EXPECT_EQ(classify_credential(" \r\n").status(), Status::EmptyInput);
  EXPECT_EQ(classify_credential("\xEF\xBB\xBF").status(), Status::EmptyInput);
}

TEST(ClassifyCredential, WhitespaceOrControlInsideIsRefusedWithItsPosition) {
  const std::string pat(testing::kSeedPat);
  const std::string split = pat.substr(0, 40) + "\n" + pat.substr(40);  // wrapped by a terminal
  const auto wrapped = classify_credential(split);
  ASSERT_EQ(wrapped.status(), Status::MalformedToken);
  EXPECT_NE(std::string(wrapped.error().detail.c_str())
                .find("the token contains whitespace at position 41 of "),
            std::string::npos)
      << wrapped.error().detail.c_str();
  EXPECT_EQ(classify_credential("4b7e0f3c9a1d 2e8f6a5b").status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential("Token 4b7e0f3c9a1d2e8f").status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential("abc\tdef").status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential("abc\x7f"
                                "def")
                .status(),
            Status::MalformedToken);
  EXPECT_EQ(classify_credential(std::string("abc\0def", 7)).status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential("cl\xC3\xA9").status(), Status::MalformedToken);  // non-ASCII
}

TEST(ClassifyCredential, JwtShapedGarbageIsMalformedNotALegacyKey) {
  const std::string pat(testing::kSeedPat);
  // The header.payload form that GET /api/token/ lists (no signature).
  EXPECT_EQ(classify_credential(pat.substr(0, pat.rfind('.'))).status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential(pat.substr(0, pat.size() / 2)).status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential("eyJ.not.base64!").status(), Status::MalformedToken);
  EXPECT_EQ(classify_credential("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln").status(),
            Status::MalformedToken);
}

TEST(ClassifyCredential, AJwtOfAnotherOrNoTokenTypeIsMalformed) {
  const auto sliding = classify_credential(make_jwt(R"({"token_type":"sliding","exp":10})"));
  ASSERT_EQ(sliding.status(), Status::MalformedToken);
  EXPECT_NE(std::string(sliding.error().detail.c_str()).find("not refresh"), std::string::npos);
  const auto none = classify_credential(make_jwt(R"({"sub":"1","exp":10})"));
  ASSERT_EQ(none.status(), Status::MalformedToken);
  EXPECT_NE(std::string(none.error().detail.c_str()).find("no token_type"), std::string::npos);
}

TEST(ClassifyCredential, TooLongIsBufferTooSmall) {
  EXPECT_EQ(classify_credential(std::string(LSEDGE_TOKEN_CAPACITY + 1, 'a')).status(),
            Status::BufferTooSmall);
  EXPECT_EQ(classify_credential(std::string(LSEDGE_TOKEN_CAPACITY, 'a')).value(),
            CredentialKind::LegacyKey);
}

TEST(ClassifyCredential, NoErrorDetailEverContainsTheToken) {
  const std::string pat(testing::kSeedPat);
  const std::string signature = pat.substr(pat.rfind('.') + 1);
  const std::string inputs[] = {
      pat.substr(0, 60) + " " + pat.substr(60),
      pat.substr(0, pat.rfind('.')),
      testing::make_access_token(1, 301),
      make_jwt(R"({"token_type":"sliding"})"),
      pat + "!",
      "4b7e0f3c9a1d 2e8f6a5b4c3d2e1f0a9b8c7d6e5f",
  };
  for (const std::string& input : inputs) {
    const auto result = classify_credential(input);
    ASSERT_FALSE(result.ok()) << input;
    const std::string detail = result.error().detail.c_str();
    EXPECT_EQ(detail.find("eyJ"), std::string::npos) << detail;
    EXPECT_EQ(detail.find(signature.substr(0, 10)), std::string::npos) << detail;
    EXPECT_EQ(detail.find("4b7e0f3c"), std::string::npos) << detail;
  }
}

// Quotes kept around (or left inside) a token: refused by shape, not sent as a legacy key.
TEST(ClassifyCredential, QuotesInsideAreRefusedWithTheirPositionNeverTheToken) {
  const std::string key = "4b7e0f3c9a1d2e8f4b7e0f3c9a1d2e8f4b7e0f3c";
  ASSERT_EQ(classify_credential(key).value(), CredentialKind::LegacyKey);
  const auto quoted = classify_credential("\"" + key + "\"");
  ASSERT_EQ(quoted.status(), Status::MalformedToken);
  EXPECT_EQ(quoted.error().detail.view(),
            "the token contains a quote (\") at position 1 of 42; remove the quotes around it (a "
            "Docker --env-file keeps them)");
  const std::string pat(testing::kSeedPat);
  for (const std::string& bad :
       {pat + "'", "`" + key + "`", key.substr(0, 20) + "\"" + key.substr(20)}) {
    const auto result = classify_credential(bad);
    ASSERT_EQ(result.status(), Status::MalformedToken) << bad;
    const std::string detail(result.error().detail.view());
    EXPECT_NE(detail.find("a quote ("), std::string::npos) << detail;
    EXPECT_EQ(detail.find("4b7e0f"), std::string::npos) << detail;
    EXPECT_EQ(detail.find("eyJ"), std::string::npos) << detail;
  }
  EXPECT_NE(
      std::string(
          classify_credential(key.substr(0, 20) + "\"" + key.substr(20)).error().detail.view())
          .find("at position 21 of 41"),
      std::string::npos);
  EXPECT_TRUE(check_token_characters(key).ok());
  EXPECT_TRUE(check_token_characters(pat).ok());
  EXPECT_EQ(check_token_characters("abc def").error().detail.view(),
            "the token contains whitespace at position 4 of 7; copy the whole token again, as one "
            "line");
}

TEST(ContainsTokenShape, FindsAJwtOrALegacyKeyAnywhere) {
  const std::string pat(testing::kSeedPat);
  const std::string key = "4b7e0f3c9a1d2e8f4b7e0f3c9a1d2e8f4b7e0f3c";
  EXPECT_TRUE(contains_token_shape(pat));
  EXPECT_TRUE(contains_token_shape("https://" + pat + "/"));
  EXPECT_TRUE(contains_token_shape("/etc/" + key + ".pem"));
  EXPECT_TRUE(contains_token_shape(key));
  EXPECT_TRUE(contains_token_shape(testing::make_pat()));
  // Not tokens: short hex, hostnames, UUIDs, ordinary paths and URLs.
  EXPECT_FALSE(contains_token_shape(key.substr(0, 39)));
  EXPECT_FALSE(contains_token_shape("/etc/ssl/certs/ca-certificates.crt"));
  EXPECT_FALSE(contains_token_shape("https://label-studio.example.com:8443/ls/"));
  EXPECT_FALSE(contains_token_shape("/var/lib/lsedge/123e4567-e89b-12d3-a456-426614174000.pem"));
  EXPECT_FALSE(contains_token_shape("https://eyJ.example.com/"));  // too short to be a JWT
  EXPECT_FALSE(contains_token_shape("eyjafjallajokull.volcanoes.example"));
  EXPECT_FALSE(contains_token_shape(""));
}

}  // namespace
}  // namespace lsedge::auth
