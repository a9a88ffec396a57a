#include "firmware/core/backoff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace lsedge {
namespace {

BackoffPolicy policy(uint32_t base, uint32_t cap, uint32_t max_retry_after = 3600000) {
  BackoffPolicy p;
  p.base_ms = base;
  p.cap_ms = cap;
  p.max_retry_after_ms = max_retry_after;
  return p;
}

TEST(Backoff, CeilingDoublesFromTheBaseUntilTheCap) {
  const BackoffPolicy p = policy(500, 30000);
  EXPECT_EQ(backoff_ceiling_ms(p, 0), 500u);
  EXPECT_EQ(backoff_ceiling_ms(p, 1), 1000u);
  EXPECT_EQ(backoff_ceiling_ms(p, 2), 2000u);
  EXPECT_EQ(backoff_ceiling_ms(p, 5), 16000u);
  EXPECT_EQ(backoff_ceiling_ms(p, 6), 30000u);  // 32000 capped
  EXPECT_EQ(backoff_ceiling_ms(p, 7), 30000u);
}

TEST(Backoff, CeilingNeverOverflowsForHugeAttemptsOrValues) {
  for (const uint32_t attempt : {31u, 32u, 33u, 64u, 1000u, UINT32_MAX}) {
    EXPECT_EQ(backoff_ceiling_ms(policy(1000, 60000), attempt), 60000u) << attempt;
    EXPECT_EQ(backoff_ceiling_ms(policy(UINT32_MAX, UINT32_MAX), attempt), UINT32_MAX) << attempt;
    EXPECT_EQ(backoff_ceiling_ms(policy(3, UINT32_MAX), attempt), UINT32_MAX) << attempt;
  }
  // 2^31 * 2 would wrap a 32-bit product to 0.
  EXPECT_EQ(backoff_ceiling_ms(policy(1u << 31, UINT32_MAX), 1), UINT32_MAX);
  EXPECT_EQ(backoff_ceiling_ms(policy(1, UINT32_MAX), 31), 1u << 31);
}

TEST(Backoff, CapBelowTheBaseWins) {
  EXPECT_EQ(backoff_ceiling_ms(policy(5000, 1000), 0), 1000u);
  EXPECT_EQ(backoff_ceiling_ms(policy(5000, 1000), 9), 1000u);
}

TEST(Backoff, ZeroBaseOrCapMeansNoDelay) {
  EXPECT_EQ(backoff_ceiling_ms(policy(0, 1000), 20), 0u);
  EXPECT_EQ(full_jitter_delay_ms(policy(0, 1000), 20, UINT32_MAX), 0u);
  EXPECT_EQ(full_jitter_delay_ms(policy(1000, 0), 3, UINT32_MAX), 0u);
}

TEST(Backoff, FullJitterSpansZeroToTheCeilingInclusive) {
  const BackoffPolicy p = policy(1000, 60000);
  EXPECT_EQ(full_jitter_delay_ms(p, 0, 0), 0u);
  EXPECT_EQ(full_jitter_delay_ms(p, 0, UINT32_MAX), 1000u);
  EXPECT_EQ(full_jitter_delay_ms(p, 0, 1u << 31), 500u);  // the midpoint of [0, 1001)
  EXPECT_EQ(full_jitter_delay_ms(p, 3, UINT32_MAX), 8000u);
  EXPECT_EQ(full_jitter_delay_ms(p, 30, UINT32_MAX), 60000u);
  const BackoffPolicy huge = policy(UINT32_MAX, UINT32_MAX);
  EXPECT_EQ(full_jitter_delay_ms(huge, 0, UINT32_MAX), UINT32_MAX);
  EXPECT_EQ(full_jitter_delay_ms(huge, 0, 0), 0u);
}

TEST(Backoff, FullJitterIsMonotonicInTheRandomValueAndRoughlyUniform) {
  const BackoffPolicy p = policy(100, 60000);  // ceiling 100 at attempt 0: 101 buckets
  uint32_t previous = 0;
  uint32_t buckets[101] = {};
  for (uint64_t r = 0; r <= UINT32_MAX; r += 4099) {
    const uint32_t d = full_jitter_delay_ms(p, 0, static_cast<uint32_t>(r));
    ASSERT_LE(d, 100u);
    ASSERT_GE(d, previous);
    previous = d;
    ++buckets[d];
  }
  const uint32_t expected = static_cast<uint32_t>((uint64_t{UINT32_MAX} / 4099 + 1) / 101);
  for (uint32_t b = 0; b <= 100; ++b) {
    EXPECT_NEAR(buckets[b], expected, expected / 50 + 2) << "bucket " << b;
  }
}

TEST(Backoff, RetryAfterDeltaSecondsParses) {
  EXPECT_EQ(parse_retry_after_ms("0"), std::optional<uint64_t>(0));
  EXPECT_EQ(parse_retry_after_ms("30"), std::optional<uint64_t>(30000));
  EXPECT_EQ(parse_retry_after_ms(" 7\t"), std::optional<uint64_t>(7000));
  EXPECT_EQ(parse_retry_after_ms("0007"), std::optional<uint64_t>(7000));
  EXPECT_EQ(parse_retry_after_ms("86400"), std::optional<uint64_t>(86400000));
}

TEST(Backoff, RetryAfterHttpDateAndGarbageAreIgnored) {
  for (const char* text :
       {"", " ", "Wed, 21 Oct 2015 07:28:00 GMT", "-1", "+5", "1.5", "5s", "1 2", "0x10", "\xff"}) {
    EXPECT_EQ(parse_retry_after_ms(text), std::nullopt) << text;
  }
}

TEST(Backoff, RetryAfterHugeValuesSaturateInsteadOfWrapping) {
  EXPECT_EQ(parse_retry_after_ms("18446744073709551"),
            std::optional<uint64_t>(18446744073709551000u));
  EXPECT_EQ(parse_retry_after_ms("18446744073709552"), std::optional<uint64_t>(UINT64_MAX));
  EXPECT_EQ(parse_retry_after_ms("99999999999999999999999999999999"),
            std::optional<uint64_t>(UINT64_MAX));
  // Still refused if a bad character follows the overflow point.
  EXPECT_EQ(parse_retry_after_ms("99999999999999999999999x"), std::nullopt);
}

TEST(Backoff, RetryAfterLongerThanTheJitterWins) {
  const BackoffPolicy p = policy(1000, 60000);
  EXPECT_EQ(retry_delay_ms(p, 0, UINT32_MAX, 30000), 30000u);
  EXPECT_EQ(retry_delay_ms(p, 10, UINT32_MAX, 30000), 60000u);  // the jitter is longer
  EXPECT_EQ(retry_delay_ms(p, 10, 0, 30000), 30000u);
  EXPECT_EQ(retry_delay_ms(p, 2, UINT32_MAX, std::nullopt), 4000u);
  EXPECT_EQ(retry_delay_ms(p, 2, 0, 0), 0u);
}

TEST(Backoff, HostileRetryAfterIsClampedToTheMaximum) {
  const BackoffPolicy p = policy(1000, 60000, 3600000);
  EXPECT_EQ(retry_delay_ms(p, 0, 0, UINT64_MAX), 3600000u);
  EXPECT_EQ(retry_delay_ms(p, 0, 0, parse_retry_after_ms("99999999999")), 3600000u);
  EXPECT_EQ(retry_delay_ms(p, 0, 0, 3600001), 3600000u);
  EXPECT_EQ(retry_delay_ms(p, 0, 0, 3599999), 3599999u);
}

TEST(Backoff, TransientStatusesAreNetworkServerAndRateLimit) {
  for (const Status s : {Status::Timeout, Status::PeerClosed, Status::ConnectionReset,
                         Status::ConnectionRefused, Status::DnsFailure, Status::NetworkError,
                         Status::HttpTruncatedResponse, Status::ServerError, Status::RateLimited}) {
    EXPECT_TRUE(is_transient(s)) << status_name(s);
  }
  for (const Status s :
       {Status::Ok, Status::InvalidArgument, Status::BufferTooSmall, Status::ValidationFailed,
        Status::AuthenticationFailed, Status::RefreshRejected, Status::PermissionDenied,
        Status::NotFound, Status::TlsUnknownCa, Status::TlsNameMismatch, Status::FileError,
        Status::HttpMalformedResponse, Status::HttpBodyTooLarge, Status::JsonInvalid}) {
    EXPECT_FALSE(is_transient(s)) << status_name(s);
  }
}

}  // namespace
}  // namespace lsedge
