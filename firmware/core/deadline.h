// An absolute point on the monotonic clock by which an operation must finish.
#pragma once

#include <cstdint>

namespace lsedge {

// Times are milliseconds of hal::MonotonicClock. Thread-safety: a value type.
class Deadline {
 public:
  static constexpr uint64_t kNever = UINT64_MAX;

  constexpr Deadline() = default;
  static constexpr Deadline at(uint64_t at_ms) { return Deadline(at_ms); }
  static constexpr Deadline after(uint64_t now_ms, uint64_t timeout_ms) {
    return Deadline(timeout_ms > kNever - now_ms ? kNever : now_ms + timeout_ms);
  }
  static constexpr Deadline never() { return Deadline(kNever); }

  [[nodiscard]] constexpr uint64_t at_ms() const { return at_ms_; }
  [[nodiscard]] constexpr bool is_never() const { return at_ms_ == kNever; }
  [[nodiscard]] constexpr bool expired(uint64_t now_ms) const { return now_ms >= at_ms_; }
  // Remaining time, saturated to what a 32-bit OS timeout can take.
  [[nodiscard]] constexpr uint32_t remaining_ms(uint64_t now_ms) const {
    if (now_ms >= at_ms_) {
      return 0;
    }
    const uint64_t left = at_ms_ - now_ms;
    return left > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(left);
  }
  [[nodiscard]] static constexpr Deadline earliest(Deadline a, Deadline b) {
    return a.at_ms_ < b.at_ms_ ? a : b;
  }

 private:
  constexpr explicit Deadline(uint64_t at_ms) : at_ms_(at_ms) {}
  uint64_t at_ms_ = kNever;
};

}  // namespace lsedge
