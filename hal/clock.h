// HAL: the monotonic clock, for every deadline and expiry; and the wall clock, only for the times
// people read (gateways often have no RTC: it may be wrong or jump).
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

// The calendar time, for what is shown to people (status timestamps, "age" of a queued entry):
// never for deadlines, expiry or ordering. Thread-safety: safe to call from any thread.
class WallClock {
 public:
  // Seconds since 1970-01-01T00:00:00Z as the device's clock says (1970 on a board without RTC
  // before its first time sync).
  [[nodiscard]] virtual int64_t unix_seconds() const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap).
  ~WallClock() = default;
};

}  // namespace lsedge::hal
