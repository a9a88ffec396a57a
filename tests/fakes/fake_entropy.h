// A deterministic hal::Entropy (xorshift) for tests; can be told to fail.
#pragma once

#include <cstdint>

#include "hal/entropy.h"

namespace lsedge::testing {

class FakeEntropy final : public hal::Entropy {
 public:
  explicit FakeEntropy(uint64_t seed = 0x9E3779B97F4A7C15ULL) : state_(seed) {}
  Status fill(ByteSpan out) override {
    if (fail_) {
      return Status::EntropyFailure;
    }
    for (auto& byte : out) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      byte = static_cast<uint8_t>(state_);
    }
    return Status::Ok;
  }
  void set_failing(bool fail) { fail_ = fail; }

 private:
  uint64_t state_;
  bool fail_ = false;
};

}  // namespace lsedge::testing
