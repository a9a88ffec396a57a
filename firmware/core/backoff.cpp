#include "firmware/core/backoff.h"

namespace lsedge {

uint32_t backoff_ceiling_ms(const BackoffPolicy& policy, uint32_t attempt) {
  const uint64_t cap = policy.cap_ms;
  uint64_t ceiling = policy.base_ms;
  // Doubling stops once the cap is reached, so the loop runs at most ~33 times and the
  // 64-bit value never exceeds 2 * UINT32_MAX.
  for (uint32_t i = 0; i < attempt && ceiling < cap; ++i) {
    ceiling *= 2;
  }
  return static_cast<uint32_t>(ceiling < cap ? ceiling : cap);
}

uint32_t full_jitter_delay_ms(const BackoffPolicy& policy, uint32_t attempt, uint32_t random) {
  const uint64_t span = uint64_t{backoff_ceiling_ms(policy, attempt)} + 1;  // <= 2^32
  // Multiply-shift maps [0, 2^32) onto [0, span) evenly; the product is < 2^64.
  return static_cast<uint32_t>((uint64_t{random} * span) >> 32);
}

std::optional<uint64_t> parse_retry_after_ms(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (value.empty()) {
    return std::nullopt;
  }
  constexpr uint64_t kMaxSeconds = UINT64_MAX / 1000;
  uint64_t seconds = 0;
  bool saturated = false;
  for (const char c : value) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    const auto digit = static_cast<uint64_t>(c - '0');
    if (saturated || seconds > (kMaxSeconds - digit) / 10) {
      saturated = true;  // keep checking the remaining characters are digits
      continue;
    }
    seconds = seconds * 10 + digit;
  }
  return saturated ? UINT64_MAX : seconds * 1000;
}

uint64_t retry_delay_ms(const BackoffPolicy& policy, uint32_t attempt, uint32_t random,
                        std::optional<uint64_t> retry_after_ms) {
  const uint64_t jittered = full_jitter_delay_ms(policy, attempt, random);
  if (!retry_after_ms) {
    return jittered;
  }
  const uint64_t server =
      *retry_after_ms < policy.max_retry_after_ms ? *retry_after_ms : policy.max_retry_after_ms;
  return server > jittered ? server : jittered;
}

bool is_transient(Status status) {
  switch (status) {
    case Status::Timeout:
    case Status::PeerClosed:
    case Status::ConnectionReset:
    case Status::ConnectionRefused:
    case Status::DnsFailure:
    case Status::NetworkError:
    case Status::HttpTruncatedResponse:
    case Status::ServerError:
    case Status::RateLimited:
      return true;
    default:
      return false;
  }
}

}  // namespace lsedge
