#include "firmware/auth/token_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/capture_log.h"
#include "tests/fakes/manual_clock.h"
#include "tests/fakes/std_sync.h"
#include "tests/fakes/test_tokens.h"

namespace lsedge::auth {
namespace {

using testing::CaptureLog;
using testing::ManualClock;
using testing::StdConditionVariable;
using testing::StdMutex;

constexpr int64_t kIat = 1769531227;  // 2026, server clock

// Answers the refresh with a scripted access token or Error; can hold callers until released
// and move the manual clock as if the request took time.
class FakeExchanger final : public RefreshExchanger {
 public:
  explicit FakeExchanger(ManualClock& clock) : clock_(clock) {}

  Outcome exchange(std::string_view pat, SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                   std::optional<int64_t>& server_now_out, Deadline deadline) override {
    std::unique_lock<std::mutex> lock(mutex_);
    server_now_out = server_now_;
    ++calls_;
    pats_.emplace_back(pat);
    deadlines_.push_back(deadline.at_ms());
    entered_.notify_all();
    released_.wait(lock, [&] { return !blocking_; });
    if (latency_ms_ != 0) {
      clock_.advance(latency_ms_);
    }
    if (failure_.status != Status::Ok) {
      return failure_;
    }
    return access_out.assign(next_access_) == Status::Ok ? Outcome() : Status::BufferTooSmall;
  }

  void answer(std::string access) {
    std::lock_guard<std::mutex> lock(mutex_);
    next_access_ = std::move(access);
    failure_ = Error();
  }
  void fail(Error error) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = std::move(error);
  }
  void set_latency(uint64_t ms) { latency_ms_ = ms; }
  // The Date the next answers carry (nullopt: none).
  void set_server_now(std::optional<int64_t> now) {
    std::lock_guard<std::mutex> lock(mutex_);
    server_now_ = now;
  }
  void block() {
    std::lock_guard<std::mutex> lock(mutex_);
    blocking_ = true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    blocking_ = false;
    released_.notify_all();
  }
  // Waits (real time, bounded) until `n` calls have entered exchange().
  bool wait_for_calls(int n) {
    std::unique_lock<std::mutex> lock(mutex_);
    return entered_.wait_for(lock, std::chrono::seconds(10), [&] { return calls_ >= n; });
  }
  int calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<std::string> pats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pats_;
  }
  std::vector<uint64_t> deadlines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return deadlines_;
  }

 private:
  ManualClock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable entered_;
  std::condition_variable released_;
  bool blocking_ = false;
  int calls_ = 0;
  std::vector<std::string> pats_;
  std::vector<uint64_t> deadlines_;
  std::string next_access_;
  Error failure_;
  std::atomic<uint64_t> latency_ms_{0};
  std::optional<int64_t> server_now_;
};

// Waits (real time, bounded) until `predicate` holds. Threaded tests check with EXPECT, not
// ASSERT, so that a failure still releases and joins every thread.
template <class Predicate>
bool eventually(Predicate predicate) {
  for (int i = 0; i < 10000; ++i) {
    if (predicate())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

class TokenManagerTest : public ::testing::Test {
 protected:
  explicit TokenManagerTest(uint64_t start_ms = 1000)
      : clock(start_ms), exchanger(clock), tokens(clock, mutex, condition, Logger(&log, "auth")) {}

  struct Header {
    Status status;
    std::string value;
    uint64_t generation;
    Error error;
  };
  Header header(Deadline deadline = Deadline::never()) { return header_with(exchanger, deadline); }
  Header header_with(RefreshExchanger& with, Deadline deadline = Deadline::never()) {
    SecretString<kAuthHeaderCapacity> out;
    uint64_t generation = 99;
    const Outcome result = tokens.authorization_header(with, out, generation, deadline);
    return {result.status(), std::string(out.expose()), generation, result.error()};
  }
  void use_pat() { ASSERT_TRUE(tokens.set_credential(pat).ok()); }

  const std::string pat = testing::make_pat();
  ManualClock clock;
  StdMutex mutex;
  StdConditionVariable condition;
  CaptureLog log;
  FakeExchanger exchanger;
  TokenManager tokens;
};

// --- expiry arithmetic ------------------------------------------------------------------------

TEST(AccessTokenExpiry, MarginIsAFifthOfTheLifetimeAtMost30Seconds) {
  const AccessExpiry five_minutes = access_token_expiry(1000, kIat + 300, kIat, std::nullopt);
  EXPECT_EQ(five_minutes.lifetime_ms, 300000u);
  EXPECT_EQ(five_minutes.margin_ms, 30000u);
  EXPECT_EQ(five_minutes.deadline_ms, 1000u + 270000u);
  EXPECT_FALSE(five_minutes.lifetime_assumed);

  const AccessExpiry one_minute = access_token_expiry(0, kIat + 60, kIat, std::nullopt);
  EXPECT_EQ(one_minute.margin_ms, 12000u);
  EXPECT_EQ(one_minute.deadline_ms, 48000u);

  const AccessExpiry ten_seconds = access_token_expiry(0, kIat + 10, kIat, std::nullopt);
  EXPECT_EQ(ten_seconds.margin_ms, 2000u);
  EXPECT_EQ(ten_seconds.deadline_ms, 8000u);

  const AccessExpiry one_hour = access_token_expiry(0, kIat + 3600, kIat, std::nullopt);
  EXPECT_EQ(one_hour.margin_ms, 30000u);
  EXPECT_EQ(one_hour.deadline_ms, 3570000u);
}

TEST(AccessTokenExpiry, MissingOrBackwardsTimesAssume300Seconds) {
  for (const auto& [exp, iat] :
       {std::pair<std::optional<int64_t>, std::optional<int64_t>>{std::nullopt, kIat},
        {kIat + 300, std::nullopt},
        {std::nullopt, std::nullopt},
        {kIat, kIat},
        {kIat - 1, kIat}}) {
    const AccessExpiry e = access_token_expiry(5000, exp, iat, std::nullopt);
    EXPECT_TRUE(e.lifetime_assumed);
    EXPECT_EQ(e.lifetime_ms, 300000u);
    EXPECT_EQ(e.deadline_ms, 5000u + 270000u);
  }
}

TEST(AccessTokenExpiry, Beyond2038AndAbsurdValuesDoNotOverflow) {
  // A token minted in 2225 (past a 32-bit time_t) is still just exp - iat.
  const AccessExpiry far =
      access_token_expiry(1000, int64_t{8076731227}, int64_t{8076730927}, std::nullopt);
  EXPECT_EQ(far.deadline_ms, 1000u + 270000u);
  // Lifetimes whose milliseconds do not fit in 64 bits saturate instead of wrapping.
  const AccessExpiry absurd = access_token_expiry(1000, INT64_MAX, INT64_MIN, INT64_MIN);
  EXPECT_EQ(absurd.source, LifetimeSource::ServerDate);
  EXPECT_EQ(absurd.lifetime_ms, UINT64_MAX);
  EXPECT_EQ(absurd.deadline_ms, UINT64_MAX - 30000u + 1000u);  // no wrap to a small value
  const AccessExpiry late = access_token_expiry(UINT64_MAX - 10, kIat + 300, kIat, std::nullopt);
  EXPECT_EQ(late.deadline_ms, UINT64_MAX);
  const AccessExpiry big = access_token_expiry(0, int64_t{9007199254740991}, 0, 0);
  EXPECT_EQ(big.lifetime_ms, 9007199254740991000u);
  EXPECT_EQ(big.deadline_ms, 9007199254740991000u - 30000u);
  // The same through exp - iat is implausible (> 24 h): assumed.
  EXPECT_TRUE(access_token_expiry(0, int64_t{9007199254740991}, 0, std::nullopt).lifetime_assumed);
}

TEST(AccessTokenExpiry, ServerDateGivesTheLifetime) {
  const AccessExpiry e = access_token_expiry(1000, kIat + 300, kIat, kIat);
  EXPECT_EQ(e.source, LifetimeSource::ServerDate);
  EXPECT_FALSE(e.lifetime_assumed);
  EXPECT_EQ(e.lifetime_ms, 300000u);
  EXPECT_EQ(e.margin_ms, 30000u);
  EXPECT_EQ(e.deadline_ms, 1000u + 270000u);
  // The Date a second later (minted at .99 s): one second less.
  EXPECT_EQ(access_token_expiry(0, kIat + 300, kIat, kIat + 1).lifetime_ms, 299000u);
}

TEST(AccessTokenExpiry, TheMarginCoversTheWholeSecondRounding) {
  // A 3 s token: refreshed after 2 s, before the server's rounded-down exp can pass.
  const AccessExpiry three = access_token_expiry(0, kIat + 3, kIat, kIat);
  EXPECT_EQ(three.lifetime_ms, 3000u);
  EXPECT_EQ(three.margin_ms, 1000u);
  EXPECT_EQ(three.deadline_ms, 2000u);
  EXPECT_EQ(access_token_expiry(0, kIat + 3, kIat, std::nullopt).margin_ms, 1000u);
  // Never more than the lifetime: a 1 s token is due at once.
  const AccessExpiry one = access_token_expiry(500, kIat + 1, kIat, kIat);
  EXPECT_EQ(one.margin_ms, 1000u);
  EXPECT_EQ(one.deadline_ms, 500u);
  // From 5 s on, a fifth is the larger.
  EXPECT_EQ(access_token_expiry(0, kIat + 10, kIat, kIat).margin_ms, 2000u);
}

TEST(AccessTokenExpiry, CopiedIatIsIgnoredWhenTheServerSaysTheTime) {
  // Label Studio <= 1.20: the access token carries the PAT's iat (a day old here), so
  // exp - iat = PAT age + 300 s. The answer's Date puts the lifetime right.
  const int64_t pat_iat = kIat - 86400;
  const AccessExpiry from_date = access_token_expiry(0, kIat + 300, pat_iat, kIat);
  EXPECT_EQ(from_date.source, LifetimeSource::ServerDate);
  EXPECT_EQ(from_date.lifetime_ms, 300000u);
  // Without a Date, a day and 5 minutes is implausible: 300 s assumed, not 86700 s.
  const AccessExpiry no_date = access_token_expiry(0, kIat + 300, pat_iat, std::nullopt);
  EXPECT_TRUE(no_date.lifetime_assumed);
  EXPECT_EQ(no_date.lifetime_ms, 300000u);
  // A PAT an hour old gives a plausible-looking 3900 s: the rule cannot tell (Date is the fix).
  EXPECT_EQ(access_token_expiry(0, kIat + 300, kIat - 3600, std::nullopt).lifetime_ms, 3900000u);
}

TEST(AccessTokenExpiry, DateAtOrAfterExpFallsBackToIatThenTo300Seconds) {
  // A Date at or past exp (a skewed proxy clock) is not used.
  const AccessExpiry late_date = access_token_expiry(0, kIat + 300, kIat, kIat + 300);
  EXPECT_EQ(late_date.source, LifetimeSource::IssuedAt);
  EXPECT_EQ(late_date.lifetime_ms, 300000u);
  const AccessExpiry nothing = access_token_expiry(0, kIat + 300, std::nullopt, kIat + 999);
  EXPECT_EQ(nothing.source, LifetimeSource::Assumed);
  EXPECT_EQ(nothing.lifetime_ms, 300000u);
  // exp - iat exactly 24 h is plausible; one second more is not.
  EXPECT_EQ(access_token_expiry(0, kIat + 86400, kIat, std::nullopt).source,
            LifetimeSource::IssuedAt);
  EXPECT_EQ(access_token_expiry(0, kIat + 86401, kIat, std::nullopt).source,
            LifetimeSource::Assumed);
}

// --- one thread ------------------------------------------------------------------------------

TEST_F(TokenManagerTest, NoCredentialIsACallerError) {
  EXPECT_FALSE(tokens.kind().has_value());
  EXPECT_EQ(header().status, Status::InvalidArgument);
  EXPECT_EQ(exchanger.calls(), 0);
}

TEST_F(TokenManagerTest, LegacyKeyIsSentAsTokenAndNeverRefreshed) {
  ASSERT_TRUE(tokens.set_credential(std::string(testing::kLegacyKey) + "\n").ok());
  EXPECT_EQ(tokens.kind(), CredentialKind::LegacyKey);
  for (int i = 0; i < 3; ++i) {
    const Header h = header();
    EXPECT_EQ(h.status, Status::Ok);
    EXPECT_EQ(h.value, "Token " + std::string(testing::kLegacyKey));
    EXPECT_EQ(h.generation, 0u);
    tokens.invalidate(h.generation);
    clock.advance(10'000'000);
  }
  EXPECT_EQ(exchanger.calls(), 0);
  EXPECT_FALSE(tokens.access_deadline_ms());
}

TEST_F(TokenManagerTest, APatIsExchangedAndTheAccessTokenSentAsBearer) {
  use_pat();
  EXPECT_EQ(tokens.kind(), CredentialKind::PersonalAccessToken);
  const std::string access = testing::make_access_token(kIat, kIat + 300);
  exchanger.answer(access);
  const Header h = header();
  ASSERT_EQ(h.status, Status::Ok) << h.error.detail.c_str();
  EXPECT_EQ(h.value, "Bearer " + access);
  EXPECT_NE(h.value.find(access), std::string::npos);
  EXPECT_EQ(h.value.find(pat), std::string::npos) << "the PAT is never a Bearer value";
  EXPECT_EQ(h.generation, 1u);
  ASSERT_EQ(exchanger.pats().size(), 1u);
  EXPECT_EQ(exchanger.pats()[0], pat);  // the whole, trimmed PAT is what gets exchanged
}

TEST_F(TokenManagerTest, RefreshesExactlyWhenDueAndNotBefore) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "first"));
  ASSERT_EQ(header().status, Status::Ok);  // t_sent = 1000
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 270000u);
  exchanger.answer(testing::make_access_token(kIat + 270, kIat + 570, "second"));

  clock.set(1000 + 270000 - 1);
  const Header before = header();
  EXPECT_EQ(exchanger.calls(), 1);
  EXPECT_EQ(before.generation, 1u);

  clock.set(1000 + 270000);
  const Header due = header();
  EXPECT_EQ(exchanger.calls(), 2);
  EXPECT_EQ(due.generation, 2u);
  EXPECT_NE(due.value, before.value);
  EXPECT_EQ(tokens.access_deadline_ms(), 271000u + 270000u);
}

TEST_F(TokenManagerTest, ShortLifetimesUseAFifthAsMargin) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 60));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 48000u);
  clock.set(1000 + 48000);
  exchanger.answer(testing::make_access_token(kIat, kIat + 10));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
  EXPECT_EQ(tokens.access_deadline_ms(), 49000u + 8000u);
  clock.advance(7999);
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
  clock.advance(1);
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 3);
}

TEST_F(TokenManagerTest, TheLifetimeCountsFromWhenTheRefreshWasSent) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  exchanger.set_latency(5000);  // the answer takes 5 s: usable life shrinks, never grows
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(clock.now_ms(), 6000u);
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 270000u);
}

TEST_F(TokenManagerTest, AnAnswerSlowerThanTheLifetimeIsStillUsedOnce) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 10));
  exchanger.set_latency(9000);  // past the 8 s deadline when it arrives
  const Header h = header();
  ASSERT_EQ(h.status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 1);
  EXPECT_EQ(h.generation, 1u);
}

TEST_F(TokenManagerTest, MissingExpOrIatMeans300SecondsAndAWarning) {
  use_pat();
  exchanger.answer(testing::make_jwt(R"({"token_type":"access","jti":"x","user_id":"1"})"));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 270000u);
  EXPECT_NE(log.all_text().find("assuming 300 s"), std::string::npos) << log.all_text();
}

TEST_F(TokenManagerTest, TheAnswersDateSetsTheLifetimeAndCopiedIatIsHarmless) {
  use_pat();
  // An access token with the PAT's iat (a day old) and exp 300 s after the server's Date.
  exchanger.set_server_now(kIat);
  exchanger.answer(testing::make_access_token(kIat - 86400, kIat + 300));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 270000u);  // 300 s less the 30 s margin
  EXPECT_EQ(log.all_text().find("assuming"), std::string::npos) << log.all_text();
  clock.set(1000 + 269999);
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 1);
  clock.set(1000 + 270000);  // refreshed ahead of the server's expiry, never after it
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
}

TEST_F(TokenManagerTest, WithoutADateExpMinusIatIsUsedAndSaidSo) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 600));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 570000u);
  EXPECT_NE(log.all_text().find("no usable Date header"), std::string::npos) << log.all_text();
}

TEST_F(TokenManagerTest, AccessTokenMintedAfter2038WorksTheSame) {
  use_pat();
  exchanger.answer(testing::make_access_token(8076730927, 8076731227));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(tokens.access_deadline_ms(), 1000u + 270000u);
}

TEST_F(TokenManagerTest, AbsurdExpNeverOverflowsIntoAnEarlyRefresh) {
  use_pat();
  exchanger.set_server_now(-9007199254740991);
  exchanger.answer(testing::make_jwt(
      R"({"token_type":"access","exp":9007199254740991,"iat":-9007199254740991})"));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_GT(*tokens.access_deadline_ms(), uint64_t{1} << 63);
  clock.set(uint64_t{1} << 62);
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 1);
}

// The manager has only the monotonic clock. Were it comparing exp with a wall clock, a clock
// at 0 (1970) would never refresh and one at 2100 would refresh on every call.
class TokenManagerClockStart : public TokenManagerTest,
                               public ::testing::WithParamInterface<uint64_t> {
 protected:
  TokenManagerClockStart() : TokenManagerTest(GetParam()) {}
};

TEST_P(TokenManagerClockStart, BehaviourDoesNotDependOnTheClocksOrigin) {
  const uint64_t start = GetParam();
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(tokens.access_deadline_ms(), start + 270000u);
  clock.set(start + 269999);
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 1);
  clock.set(start + 270000);
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
}

INSTANTIATE_TEST_SUITE_P(WallClockLookalikes, TokenManagerClockStart,
                         ::testing::Values(uint64_t{0},               // 1970-01-01 in epoch ms
                                           uint64_t{1769531227000},   // "now" (2026)
                                           uint64_t{4102444800000}),  // 2100-01-01
                         [](const auto& info) { return "start_" + std::to_string(info.param); });

TEST_F(TokenManagerTest, InvalidateRefreshesOnceAndIgnoresOlderGenerations) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "one"));
  const Header first = header();
  tokens.invalidate(first.generation);
  EXPECT_FALSE(tokens.access_deadline_ms());
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "two"));
  const Header second = header();
  EXPECT_EQ(exchanger.calls(), 2);
  EXPECT_EQ(second.generation, first.generation + 1);
  EXPECT_NE(second.value, first.value);

  tokens.invalidate(first.generation);  // a late 401 for the old token changes nothing
  tokens.invalidate(0);
  tokens.invalidate(12345);
  EXPECT_EQ(header().value, second.value);
  EXPECT_EQ(exchanger.calls(), 2);
}

TEST_F(TokenManagerTest, RefreshFailureIsReturnedAndALaterCallTriesAgain) {
  use_pat();
  exchanger.fail(Error(Status::RefreshRejected, "Token is blacklisted").with_http_status(401));
  const Header failed = header();
  EXPECT_EQ(failed.status, Status::RefreshRejected);
  EXPECT_EQ(failed.error.detail, std::string_view("Token is blacklisted"));
  EXPECT_EQ(failed.error.http_status, 401);
  EXPECT_EQ(failed.value, "");
  EXPECT_EQ(failed.generation, 0u);

  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  EXPECT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
}

TEST_F(TokenManagerTest, TheServersAccessTokenIsValidated) {
  use_pat();
  exchanger.answer(testing::make_pat());  // a refresh token where an access token belongs
  const Header wrong_type = header();
  // The server's token is at fault, never the user's PAT (exit 5, not 3).
  EXPECT_EQ(wrong_type.status, Status::ServerTokenMalformed);
  EXPECT_NE(std::string(wrong_type.error.detail.c_str()).find("not an access token"),
            std::string::npos);
  EXPECT_EQ(wrong_type.value, "");

  exchanger.answer("not-a-jwt");
  const Header garbage = header();
  EXPECT_EQ(garbage.status, Status::ServerTokenMalformed);
  EXPECT_NE(std::string(garbage.error.detail.c_str()).find("access token is unusable"),
            std::string::npos);

  exchanger.answer("");
  EXPECT_EQ(header().status, Status::ServerTokenMalformed);
  EXPECT_EQ(exchanger.calls(), 3);
  EXPECT_FALSE(tokens.access_deadline_ms());
}

TEST_F(TokenManagerTest, SetCredentialRefusesBadTokensAndKeepsTheOldOne) {
  ASSERT_TRUE(tokens.set_credential(testing::kLegacyKey).ok());
  EXPECT_EQ(tokens.set_credential(testing::make_access_token(kIat, kIat + 300)).status(),
            Status::AccessTokenGiven);
  EXPECT_EQ(tokens.set_credential("  ").status(), Status::EmptyInput);
  EXPECT_EQ(tokens.kind(), CredentialKind::LegacyKey);
  EXPECT_EQ(header().value, "Token " + std::string(testing::kLegacyKey));
}

TEST_F(TokenManagerTest, ReplacingTheCredentialDropsTheAccessToken) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  ASSERT_EQ(header().status, Status::Ok);
  ASSERT_TRUE(tokens.set_credential(testing::make_pat(kIat, kIat + 1000)).ok());
  EXPECT_FALSE(tokens.access_deadline_ms());
  ASSERT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
  EXPECT_EQ(exchanger.pats()[1], testing::make_pat(kIat, kIat + 1000));
}

TEST_F(TokenManagerTest, NoTimeLeftMeansTimeoutWithoutAnExchange) {
  use_pat();
  const Header h = header(Deadline::at(clock.now_ms()));
  EXPECT_EQ(h.status, Status::Timeout);
  EXPECT_EQ(exchanger.calls(), 0);
}

TEST_F(TokenManagerTest, TheCallersDeadlineIsPassedToTheExchanger) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  ASSERT_EQ(header(Deadline::after(clock.now_ms(), 60000)).status, Status::Ok);
  EXPECT_EQ(exchanger.deadlines(), std::vector<uint64_t>{61000});
}

// --- many threads ----------------------------------------------------------------------------

constexpr int kThreads = 16;

// Runs `call` on kThreads threads at once and collects what each returned.
template <class Call>
auto concurrently(Call call) {
  std::vector<decltype(call())> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[static_cast<size_t>(i)] = call(); });
  }
  for (auto& thread : threads)
    thread.join();
  return results;
}

TEST_F(TokenManagerTest, SixteenThreadsAcrossAnExpiryCauseOneRefreshAndShareIt) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "old"));
  ASSERT_EQ(header().status, Status::Ok);
  const std::string fresh = testing::make_access_token(kIat + 300, kIat + 600, "new");
  exchanger.answer(fresh);
  exchanger.block();
  clock.advance(270000);  // the token is due

  std::vector<Header> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[static_cast<size_t>(i)] = header(); });
  }
  EXPECT_TRUE(exchanger.wait_for_calls(2));
  EXPECT_TRUE(eventually([&] { return condition.waiting() == kThreads - 1; }))
      << "waiting: " << condition.waiting();
  exchanger.release();
  for (auto& thread : threads)
    thread.join();

  EXPECT_EQ(exchanger.calls(), 2);  // the first token, and one refresh for all sixteen
  for (const Header& h : results) {
    EXPECT_EQ(h.status, Status::Ok);
    EXPECT_EQ(h.value, "Bearer " + fresh);
    EXPECT_EQ(h.generation, 2u);
  }
}

TEST_F(TokenManagerTest, SixteenThreadsInvalidatingOneGenerationCauseOneRefresh) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "old"));
  const Header first = header();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "new"));

  // Each thread got a 401 with the first token: invalidate, then ask again.
  const auto results = concurrently([&] {
    tokens.invalidate(first.generation);
    return header();
  });
  EXPECT_EQ(exchanger.calls(), 2);
  for (const Header& h : results) {
    EXPECT_EQ(h.status, Status::Ok);
    EXPECT_EQ(h.generation, 2u);
    EXPECT_EQ(h.value, results[0].value);
    EXPECT_NE(h.value, first.value);
  }
}

TEST_F(TokenManagerTest, InvalidationsArrivingDuringTheRefreshDoNotStartAnother) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "old"));
  const Header first = header();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "new"));
  exchanger.block();
  tokens.invalidate(first.generation);
  std::thread refresher([&] { EXPECT_EQ(header().status, Status::Ok); });
  EXPECT_TRUE(exchanger.wait_for_calls(2));
  // Late 401s for the first token while the refresh is in flight.
  for (int i = 0; i < kThreads; ++i)
    tokens.invalidate(first.generation);
  exchanger.release();
  refresher.join();
  const Header after = header();
  EXPECT_EQ(after.generation, 2u);
  EXPECT_EQ(exchanger.calls(), 2);
}

TEST_F(TokenManagerTest, WaitersShareTheRefreshFailureInsteadOfRetrying) {
  use_pat();
  exchanger.fail(Error(Status::RefreshRejected, "Token is blacklisted").with_http_status(401));
  exchanger.block();
  std::vector<Header> results(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] { results[static_cast<size_t>(i)] = header(); });
  }
  EXPECT_TRUE(exchanger.wait_for_calls(1));
  EXPECT_TRUE(eventually([&] { return condition.waiting() == kThreads - 1; }));
  exchanger.release();
  for (auto& thread : threads)
    thread.join();

  EXPECT_EQ(exchanger.calls(), 1);
  for (const Header& h : results) {
    EXPECT_EQ(h.status, Status::RefreshRejected);
    EXPECT_EQ(h.error.detail, std::string_view("Token is blacklisted"));
    EXPECT_EQ(h.error.http_status, 401);
    EXPECT_EQ(h.value, "");
  }
  // A later call may try again.
  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  EXPECT_EQ(header().status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 2);
}

TEST_F(TokenManagerTest, AWaiterGivesUpAtItsOwnDeadline) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300));
  exchanger.block();
  Header refreshed{};
  std::thread refresher([&] { refreshed = header(); });
  EXPECT_TRUE(exchanger.wait_for_calls(1));

  Header waited{};
  std::thread waiter([&] { waited = header(Deadline::after(clock.now_ms(), 50)); });
  const bool parked = eventually([&] { return condition.waiting() == 1; });
  EXPECT_TRUE(parked);
  if (!parked)
    exchanger.release();  // never leave a thread blocked behind a failed check
  clock.advance(100);     // the waiter's deadline passes on the monotonic clock
  waiter.join();
  EXPECT_EQ(waited.status, Status::Timeout);
  EXPECT_EQ(waited.value, "");

  exchanger.release();  // the refresh itself goes on and succeeds
  refresher.join();
  EXPECT_EQ(refreshed.status, Status::Ok);
  EXPECT_EQ(exchanger.calls(), 1);
}

TEST_F(TokenManagerTest, ReplacingThePatDuringARefreshDiscardsItsAnswer) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 300, "for-old-pat"));
  exchanger.block();
  Header result{};
  std::thread refresher([&] { result = header(); });
  EXPECT_TRUE(exchanger.wait_for_calls(1));
  EXPECT_TRUE(tokens.set_credential(testing::kLegacyKey).ok());
  exchanger.release();
  refresher.join();
  EXPECT_EQ(result.status, Status::Ok);
  EXPECT_EQ(result.value, "Token " + std::string(testing::kLegacyKey));
  EXPECT_FALSE(tokens.access_deadline_ms());
}

TEST_F(TokenManagerTest, ConcurrentUseUnderRepeatedExpiryStaysConsistent) {
  use_pat();
  exchanger.answer(testing::make_access_token(kIat, kIat + 10));
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const Header h = header();
        if (h.status != Status::Ok || h.value.rfind("Bearer eyJ", 0) != 0)
          failed = true;
        if (i % 7 == 0)
          tokens.invalidate(h.generation);
        clock.advance(50);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_FALSE(failed);
  EXPECT_GE(exchanger.calls(), 2);
  EXPECT_LE(exchanger.calls(), 8 * 200);
}

// --- secrets ---------------------------------------------------------------------------------

TEST_F(TokenManagerTest, NoTokenTextEverReachesTheLog) {
  const std::string access = testing::make_access_token(kIat, kIat + 300);
  const std::string no_times = testing::make_jwt(R"({"token_type":"access"})");
  ASSERT_TRUE(tokens.set_credential(testing::kLegacyKey).ok());
  (void)header();
  ASSERT_TRUE(tokens.set_credential("\n" + pat + "\n").ok());
  exchanger.answer(access);
  (void)header();
  tokens.invalidate(1);
  exchanger.answer(no_times);
  (void)header();
  exchanger.answer("garbage-access");
  tokens.invalidate(2);
  (void)header();
  exchanger.fail(Error(Status::RefreshRejected, "Token is blacklisted"));
  (void)header();
  (void)tokens.set_credential(access);  // refused: an access token

  const std::string text = log.all_text();
  EXPECT_FALSE(text.empty());
  for (const std::string& secret : {pat, access, no_times, std::string(testing::kLegacyKey)}) {
    for (size_t at = 0; at + 12 <= secret.size(); at += 12) {
      const std::string piece = secret.substr(at, 12);
      EXPECT_EQ(text.find(piece), std::string::npos) << "leaked: " << piece << "\n" << text;
    }
  }
  EXPECT_EQ(text.find("garbage-access"), std::string::npos);
}

}  // namespace
}  // namespace lsedge::auth
