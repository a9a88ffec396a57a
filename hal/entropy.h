// HAL: cryptographically secure random bytes (DRBG seeds, backoff jitter).
#pragma once

#include "firmware/core/span.h"
#include "firmware/core/status.h"

namespace lsedge::hal {

// Thread-safety: implementations must be safe to call from any thread.
class Entropy {
 public:
  virtual ~Entropy() = default;
  // Fills all of `out`, or returns EntropyFailure.
  [[nodiscard]] virtual Status fill(lsedge::ByteSpan out) = 0;
};

}  // namespace lsedge::hal
