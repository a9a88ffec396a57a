// HAL: the monotonic clock. Never the wall clock: gateways often have no RTC.
#pragma once

#include <cstdint>

namespace lsedge::hal {

// Milliseconds since an arbitrary start, never going backwards, unaffected by date changes.
// Thread-safety: implementations must be safe to call from any thread.
class MonotonicClock {
 public:
  [[nodiscard]] virtual uint64_t now_ms() const = 0;
  // Sleeps at least `ms` on this clock (used for backoff); may return early on a signal.
  virtual void sleep_ms(uint32_t ms) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~MonotonicClock() = default;
};

}  // namespace lsedge::hal
