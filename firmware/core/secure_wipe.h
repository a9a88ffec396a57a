// Zeroing that the optimiser may not remove, for secrets being released.
#pragma once

#include <cstddef>
#include <cstring>

namespace lsedge {

// Thread-safety: touches only the given memory.
inline void secure_wipe(void* data, size_t size) {
  if (size == 0) {
    return;
  }
#if defined(__GNUC__)
  // memset at memset's speed; the empty asm "reads" the memory, so the stores are not dead and
  // neither the compiler nor LTO may drop them (Linux's memzero_explicit does the same).
  std::memset(data, 0, size);
  __asm__ __volatile__("" : : "r"(data) : "memory");
#else
  volatile unsigned char* p = static_cast<volatile unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    p[i] = 0;
  }
#endif
}

}  // namespace lsedge
