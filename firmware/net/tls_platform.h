// Mbed TLS's process-wide memory. The firmware build (LSEDGE_FIRMWARE) compiles Mbed TLS with
// MBEDTLS_MEMORY_BUFFER_ALLOC_C: every mbedtls_calloc then comes from one static pool of
// LSEDGE_MBEDTLS_POOL_BYTES (boards/<board>/board.h) and Mbed TLS never reaches the heap. The
// host build links Debian's libmbedtls, which uses the heap; these calls then do nothing and
// the stats say "not pooled".
#pragma once

#include <cstddef>

namespace lsedge::net {

// Use of the Mbed TLS pool. Byte counts are the sizes Mbed TLS asked for; each block also takes
// a header of kTlsPoolBlockHeader bytes in the pool. Thread-safety: a value type.
struct TlsPoolStats {
  bool pooled = false;     // false: Mbed TLS allocates from the heap (host build)
  size_t size = 0;         // bytes in the pool
  size_t used = 0;         // bytes allocated now
  size_t blocks = 0;       // blocks allocated now
  size_t peak = 0;         // most bytes allocated at once (since start-up or the last reset)
  size_t peak_blocks = 0;  // most blocks allocated at once
};

// Mbed TLS's block header in the pool (8 words).
inline constexpr size_t kTlsPoolBlockHeader = 8 * sizeof(void*);

// Points Mbed TLS's allocator at the static pool, once per process; later calls do nothing.
// Must run before any other Mbed TLS call allocates (memory from the heap cannot be freed into
// the pool): TlsTransport's constructor calls it. Thread-safety: safe from any thread.
void tls_platform_init();

// Current and peak use of the pool; {pooled = false} in the host build. Thread-safety: as
// safe as Mbed TLS's allocator (the firmware build drives TLS from one thread).
[[nodiscard]] TlsPoolStats tls_pool_stats();

// Starts a new peak measurement from the current use. Thread-safety: as tls_pool_stats().
void tls_pool_reset_peak();

}  // namespace lsedge::net
