// Zeroing that the optimiser may not remove, for secrets being released.
#pragma once

#include <cstddef>

namespace lsedge {

// Thread-safety: touches only the given memory.
inline void secure_wipe(void* data, size_t size) {
  volatile unsigned char* p = static_cast<volatile unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    p[i] = 0;
  }
#if defined(__GNUC__)
  __asm__ __volatile__("" : : "r"(data) : "memory");
#endif
}

}  // namespace lsedge
