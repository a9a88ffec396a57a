// A bump allocator over caller-owned memory, reset per request.
#pragma once

#include <cstddef>
#include <cstdint>

#include "firmware/core/secure_wipe.h"
#include "firmware/core/span.h"

namespace lsedge {

// Thread-safety: none; one arena per request on one thread.
class Arena {
 public:
  explicit Arena(ByteSpan memory) : memory_(memory) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // nullptr when the arena is exhausted; callers report BufferTooSmall.
  [[nodiscard]] void* allocate(size_t size, size_t alignment = alignof(max_align_t)) {
    const auto base = reinterpret_cast<uintptr_t>(memory_.data());
    uintptr_t start = base + used_;
    const uintptr_t misalignment = start % alignment;
    if (misalignment != 0) {
      start += alignment - misalignment;
    }
    const size_t offset = static_cast<size_t>(start - base);
    if (offset > memory_.size() || size > memory_.size() - offset) {
      return nullptr;
    }
    used_ = offset + size;
    if (used_ > high_water_) {
      high_water_ = used_;
    }
    return memory_.data() + offset;
  }

  void reset() { used_ = 0; }
  // Zeroes what was handed out (it may have held secrets), then resets.
  void wipe() {
    secure_wipe(memory_.data(), used_);
    used_ = 0;
  }
  [[nodiscard]] size_t used() const { return used_; }
  [[nodiscard]] size_t capacity() const { return memory_.size(); }
  [[nodiscard]] size_t high_water() const { return high_water_; }

 private:
  ByteSpan memory_;
  size_t used_ = 0;
  size_t high_water_ = 0;
};

// An Arena with its memory inside. Thread-safety: as Arena.
template <size_t N>
class StaticArena : public Arena {
 public:
  StaticArena() : Arena(ByteSpan(storage_, N)) {}

 private:
  alignas(max_align_t) uint8_t storage_[N];
};

}  // namespace lsedge
