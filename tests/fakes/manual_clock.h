// A hal::MonotonicClock the test moves by hand; sleep_ms advances it instantly.
#pragma once

#include <atomic>
#include <cstdint>

#include "hal/clock.h"

namespace lsedge::testing {

class ManualClock final : public hal::MonotonicClock, public hal::WallClock {
 public:
  explicit ManualClock(uint64_t start_ms = 1000) : now_(start_ms) {}
  uint64_t now_ms() const override { return now_.load(); }
  void sleep_ms(uint32_t ms) override {
    now_ += ms;
    ++sleeps_;
    slept_total_ += ms;
  }
  // The wall clock: a fixed start (2026-12-06T00:00:00Z) plus the manual time.
  int64_t unix_seconds() const override {
    return kWallStart + static_cast<int64_t>(now_.load() / 1000);
  }
  static constexpr int64_t kWallStart = 1796515200;
  void advance(uint64_t ms) { now_ += ms; }
  void set(uint64_t ms) { now_ = ms; }
  uint64_t sleeps() const { return sleeps_.load(); }
  uint64_t slept_total_ms() const { return slept_total_.load(); }

 private:
  std::atomic<uint64_t> now_;
  std::atomic<uint64_t> sleeps_{0};
  std::atomic<uint64_t> slept_total_{0};
};

}  // namespace lsedge::testing
