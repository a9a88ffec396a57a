// hal::Entropy on Linux: the kernel CSPRNG via getrandom(2).
#pragma once

#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "hal/entropy.h"

namespace lsedge::platform {

// Blocks only at early boot until the kernel pool is initialised.
// Thread-safety: stateless; safe to call from any thread.
class LinuxEntropy final : public hal::Entropy {
 public:
  // Fills all of `out` or returns EntropyFailure.
  [[nodiscard]] Status fill(ByteSpan out) override;
  // As fill(), with errno in Error::code for diagnostics.
  [[nodiscard]] Outcome fill_with_error(ByteSpan out);
};

}  // namespace lsedge::platform
