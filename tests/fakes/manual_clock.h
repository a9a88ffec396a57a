// A hal::MonotonicClock the test moves by hand; sleep_ms advances it instantly.
#pragma once

#include <atomic>
#include <cstdint>

#include "hal/clock.h"

namespace lsedge::testing {

class ManualClock final : public hal::MonotonicClock {
 public:
  explicit ManualClock(uint64_t start_ms = 1000) : now_(start_ms) {}
  uint64_t now_ms() const override { return now_.load(); }
  void sleep_ms(uint32_t ms) override {
    now_ += ms;
    ++sleeps_;
    slept_total_ += ms;
  }
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
