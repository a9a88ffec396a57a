// HAL: cryptographically secure random bytes (DRBG seeds, backoff jitter).
#pragma once

#include "firmware/core/span.h"
#include "firmware/core/status.h"

namespace lsedge::hal {

// Thread-safety: implementations must be safe to call from any thread.
class Entropy {
 public:
  // Fills all of `out`, or returns EntropyFailure.
  [[nodiscard]] virtual Status fill(lsedge::ByteSpan out) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~Entropy() = default;
};

}  // namespace lsedge::hal
