// Mbed TLS's process-wide state: its memory, its random generator and PSA Crypto.
// Memory: the firmware build (LSEDGE_FIRMWARE) compiles Mbed TLS with
// MBEDTLS_MEMORY_BUFFER_ALLOC_C: every mbedtls_calloc then comes from one static pool of
// LSEDGE_MBEDTLS_POOL_BYTES (boards/<board>/board.h) and Mbed TLS never reaches the heap. The host
// presets let Mbed TLS use the heap (AddressSanitizer then sees its buffers); the pool calls then
// do nothing and the stats say "not pooled".
// Randomness: one CTR_DRBG for the process, seeded from hal::Entropy, serves the TLS layer and
// PSA (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG); no other entropy source is compiled in.
#pragma once

#include <cstddef>

#include "firmware/core/result.h"
#include "hal/entropy.h"

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

// (Re)seeds the process's TLS random generator from `entropy`, which it then keeps for automatic
// reseeds until tls_random_release(entropy), and initialises PSA Crypto once. Errors:
// EntropyFailure, BufferTooSmall (no memory for PSA). Thread-safety: TLS's thread only.
[[nodiscard]] Outcome tls_random_seed(hal::Entropy& entropy);

// Forgets `entropy` if it is the one the generator keeps (its owner is going away); a reseed
// then fails instead of reading freed memory. Thread-safety: as tls_random_seed().
void tls_random_release(const hal::Entropy& entropy);

// The generator as Mbed TLS's f_rng (mbedtls_ssl_conf_rng); `context` is unused. 0 or an Mbed TLS
// error code. Thread-safety: as Mbed TLS's CTR_DRBG (locked when MBEDTLS_THREADING_C).
int tls_random(void* context, unsigned char* out, size_t size);

// Current and peak use of the pool; {pooled = false} in the host build. Thread-safety: as
// safe as Mbed TLS's allocator (the firmware build drives TLS from one thread).
[[nodiscard]] TlsPoolStats tls_pool_stats();

// Starts a new peak measurement from the current use. Thread-safety: as tls_pool_stats().
void tls_pool_reset_peak();

}  // namespace lsedge::net
