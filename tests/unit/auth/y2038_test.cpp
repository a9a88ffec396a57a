// Times past 2038 (32-bit time_t overflows at 2^31 - 1 s, 2038-01-19): armhf's time_t is 32 bits,
// and lsedge's claims are int64 everywhere. Built for every board and run under qemu-arm in the
// firmware-armhf preset.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "firmware/auth/credential.h"
#include "firmware/auth/jwt.h"
#include "firmware/auth/token_manager.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fakes/std_sync.h"
#include "tests/fakes/test_tokens.h"

namespace lsedge::auth {
namespace {

constexpr int64_t k2100 = 4102444800;  // 2100-01-01T00:00:00Z
static_assert(k2100 > std::numeric_limits<int32_t>::max());

// Answers every refresh with an access token minted in 2100 (iat) for 5 minutes.
class Exchanger2100 final : public RefreshExchanger {
 public:
  Outcome exchange(std::string_view pat, SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                   std::optional<int64_t>& server_now_out, Deadline) override {
    server_now_out = k2100;  // the server's Date, in 2100 too
    ++calls;
    last_pat = std::string(pat);
    return access_out.assign(testing::make_access_token(k2100, k2100 + 300)) == Status::Ok
               ? Outcome()
               : Outcome(Status::BufferTooSmall);
  }
  int calls = 0;
  std::string last_pat;
};

TEST(Y2038, ClaimsPast2038DecodeExactly) {
  const std::string pat = testing::make_pat(k2100 - 86400, k2100);
  const Result<JwtClaims> claims = decode_jwt_claims(pat);
  ASSERT_TRUE(claims.ok()) << claims.error().detail.view();
  ASSERT_TRUE(claims->exp.has_value());
  ASSERT_TRUE(claims->iat.has_value());
  EXPECT_EQ(*claims->exp, k2100);
  EXPECT_EQ(*claims->iat, k2100 - 86400);
}

TEST(Y2038, AccessLifetimeIsExpMinusIatPast2038) {
  const AccessExpiry e = access_token_expiry(1000, k2100 + 300, k2100, std::nullopt);
  EXPECT_FALSE(e.lifetime_assumed);
  EXPECT_EQ(e.lifetime_ms, 300000u);
  EXPECT_EQ(e.deadline_ms, 1000u + 270000u);
  // From the server's Date in 2100: exp - Date.
  const AccessExpiry dated = access_token_expiry(1000, k2100 + 300, k2100, k2100 + 100);
  EXPECT_EQ(dated.source, LifetimeSource::ServerDate);
  EXPECT_EQ(dated.lifetime_ms, 200000u);
}

TEST(Y2038, APatExpiringIn2100IsAValidCredentialAndRefreshes) {
  const std::string pat = testing::make_pat(k2100 - 86400, k2100);
  const Result<CredentialKind> kind = classify_credential(pat);
  ASSERT_TRUE(kind.ok()) << kind.error().detail.view();
  EXPECT_EQ(*kind, CredentialKind::PersonalAccessToken);

  testing::ManualClock clock(5000);
  testing::StdMutex mutex;
  testing::StdConditionVariable condition;
  testing::CaptureLog log;
  TokenManager tokens(clock, mutex, condition, Logger(&log, "auth"));
  ASSERT_TRUE(tokens.set_credential(pat).ok());

  Exchanger2100 exchanger;
  SecretString<kAuthHeaderCapacity> header;
  uint64_t generation = 0;
  const Outcome result =
      tokens.authorization_header(exchanger, header, generation, Deadline::never());
  ASSERT_TRUE(result.ok()) << result.error().detail.view();
  EXPECT_EQ(exchanger.calls, 1);
  EXPECT_EQ(exchanger.last_pat, pat);
  EXPECT_EQ(std::string(header.expose()),
            "Bearer " + testing::make_access_token(k2100, k2100 + 300));
  EXPECT_NE(generation, 0u);
  ASSERT_TRUE(tokens.access_deadline_ms().has_value());
  EXPECT_EQ(*tokens.access_deadline_ms(), 5000u + 270000u);

  // Still current just before the deadline: no second refresh.
  clock.advance(269000);
  ASSERT_TRUE(tokens.authorization_header(exchanger, header, generation, Deadline::never()).ok());
  EXPECT_EQ(exchanger.calls, 1);
}

}  // namespace
}  // namespace lsedge::auth
