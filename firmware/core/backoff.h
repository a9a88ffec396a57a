// Retry pacing: capped exponential backoff with full jitter, and the server's Retry-After.
// Pure functions: the random value is a parameter, so core needs no HAL and tests are exact.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/status.h"

namespace lsedge {

// How retries are paced. Thread-safety: a value type.
struct BackoffPolicy {
  uint32_t base_ms = 1000;  // ceiling of the first retry's delay (attempt 0)
  uint32_t cap_ms = 60000;  // the exponential ceiling never exceeds this
  // A server's Retry-After is honoured up to this much, so a hostile or confused server
  // cannot park the uploader forever (one hour).
  uint32_t max_retry_after_ms = 3600000;
};

// min(cap, base * 2^attempt), without overflow for any attempt. Thread-safety: pure function.
[[nodiscard]] uint32_t backoff_ceiling_ms(const BackoffPolicy& policy, uint32_t attempt);

// Full jitter: a delay spread uniformly over [0, backoff_ceiling_ms(attempt)], both ends
// included, chosen by `random` (any uint32_t, e.g. from hal::Entropy). attempt 0 is the delay
// before the first retry. Thread-safety: pure function.
[[nodiscard]] uint32_t full_jitter_delay_ms(const BackoffPolicy& policy, uint32_t attempt,
                                            uint32_t random);

// Parses a Retry-After value in its delta-seconds form (RFC 9110 10.2.3: one or more digits,
// surrounding spaces/tabs allowed) into milliseconds, saturating at UINT64_MAX. The HTTP-date
// form, an empty value, a sign or any other text is nullopt: an HTTP-date would need the wall
// clock, which lsedge never consults, so it is ignored and the jittered delay applies.
// Thread-safety: pure function.
[[nodiscard]] std::optional<uint64_t> parse_retry_after_ms(std::string_view value);

// The wait before retry number `attempt`: the full-jitter delay, or the server's Retry-After
// (clamped to policy.max_retry_after_ms) when that is longer. Thread-safety: pure function.
[[nodiscard]] uint64_t retry_delay_ms(const BackoffPolicy& policy, uint32_t attempt,
                                      uint32_t random, std::optional<uint64_t> retry_after_ms);

// Transient failures worth retrying after a delay: network errors and timeouts, a cut
// response, 5xx (ServerError) and 429 (RateLimited). Whether the request may be repeated
// without duplicating its effect (an import is not idempotent) is the caller's decision.
// Thread-safety: pure function.
[[nodiscard]] bool is_transient(Status status);

}  // namespace lsedge
