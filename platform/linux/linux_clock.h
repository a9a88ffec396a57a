// hal::MonotonicClock on Linux: CLOCK_MONOTONIC, immune to date changes and NTP steps.
#pragma once

#include <atomic>
#include <cstdint>

#include "hal/clock.h"

namespace lsedge::platform {

// Thread-safety: safe to call from any thread.
class LinuxClock final : public hal::MonotonicClock, public hal::WallClock {
 public:
  // `stop_requested` (optional, e.g. set by a SIGTERM handler) lets a signal end sleep_ms early;
  // without it, or while it is false, sleep_ms sleeps through signals to its absolute end time.
  explicit LinuxClock(const std::atomic<bool>* stop_requested = nullptr)
      : stop_requested_(stop_requested) {}

  // Milliseconds of CLOCK_MONOTONIC (time since boot, not counting suspend).
  [[nodiscard]] uint64_t now_ms() const override;
  // Sleeps until now + ms on CLOCK_MONOTONIC (absolute, so signals and retries do not stretch it).
  void sleep_ms(uint32_t ms) override;
  // CLOCK_REALTIME seconds: for status timestamps only (hal::WallClock).
  [[nodiscard]] int64_t unix_seconds() const override;

 private:
  const std::atomic<bool>* stop_requested_;
};

}  // namespace lsedge::platform
