// CLOCK_MONOTONIC arithmetic shared by the clock and the condition variable (internal).
#pragma once

#include <time.h>

#include <cstdint>

namespace lsedge::platform::detail {

inline constexpr uint64_t kNsPerMs = 1000000U;
inline constexpr uint64_t kNsPerSecond = 1000000000U;

// tv_sec is widened before scaling: with a 32-bit time_t (armhf) `tv_sec * 1000` overflows after
// ~24.8 days of uptime.
inline uint64_t timespec_to_ms(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000U + static_cast<uint64_t>(ts.tv_nsec) / kNsPerMs;
}

// The absolute CLOCK_MONOTONIC time `ms` from now. Adding at most ~49.7 days keeps tv_sec far
// from any time_t limit.
inline timespec monotonic_after_ms(uint32_t ms) {
  timespec at{};
  (void)::clock_gettime(CLOCK_MONOTONIC, &at);  // cannot fail for CLOCK_MONOTONIC on Linux
  uint64_t ns = static_cast<uint64_t>(at.tv_nsec) + (ms % 1000U) * kNsPerMs;
  const uint64_t seconds = static_cast<uint64_t>(at.tv_sec) + ms / 1000U + ns / kNsPerSecond;
  ns %= kNsPerSecond;
  at.tv_sec = static_cast<time_t>(seconds);
  at.tv_nsec = static_cast<long>(ns);
  return at;
}

}  // namespace lsedge::platform::detail
