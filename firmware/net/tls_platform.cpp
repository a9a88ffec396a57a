#include "firmware/net/tls_platform.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/platform_util.h>
#include <psa/crypto.h>

#include <climits>
#include <ctime>
#include <new>

#include "board_sizes.h"
#include "firmware/core/civil_time.h"

#if defined(LSEDGE_MBEDTLS_POOLED)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#if defined(MBEDTLS_PLATFORM_GMTIME_R_ALT)
// Mbed TLS's X.509 validity check: UTC by arithmetic instead of glibc's gmtime_r, which loads
// the time zone (fopen, malloc) on first use. C linkage from platform_util.h's declaration.
struct tm* mbedtls_platform_gmtime_r(const mbedtls_time_t* tt, struct tm* tm_buf) {
  if (tt == nullptr || tm_buf == nullptr) {
    return nullptr;
  }
  const lsedge::CivilTime civil = lsedge::civil_from_unix_seconds(static_cast<int64_t>(*tt));
  if (civil.year - 1900 > INT_MAX || civil.year - 1900 < INT_MIN) {
    return nullptr;
  }
  *tm_buf = tm{};
  tm_buf->tm_year = static_cast<int>(civil.year - 1900);
  tm_buf->tm_mon = civil.month - 1;
  tm_buf->tm_mday = civil.day;
  tm_buf->tm_hour = civil.hour;
  tm_buf->tm_min = civil.minute;
  tm_buf->tm_sec = civil.second;
  tm_buf->tm_wday = civil.weekday;
  tm_buf->tm_yday = civil.yearday;
  return tm_buf;
}
#endif

namespace lsedge::net {
namespace {

constexpr char kPersonalization[] = "lsedge tls client";

struct Random {
  mbedtls_ctr_drbg_context drbg;
  hal::Entropy* entropy = nullptr;  // what reseeds draw from
  bool seeded = false;
  bool psa_ready = false;
};

Random& random_state() {
  // Constructed on first use, never destroyed (Mbed TLS may use it until exit).
  alignas(Random) static unsigned char storage[sizeof(Random)];
  static Random* const state = [] {
    Random* r = new (storage) Random;  // placement new into static storage: not heap
    mbedtls_ctr_drbg_init(&r->drbg);
    return r;
  }();
  return *state;
}

int draw_entropy(void* /*context*/, unsigned char* out, size_t size) {
  hal::Entropy* entropy = random_state().entropy;
  if (entropy == nullptr || entropy->fill(ByteSpan(out, size)) != Status::Ok) {
    return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
  }
  return 0;
}

}  // namespace
}  // namespace lsedge::net

// PSA Crypto's random source (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG): the same generator as TLS.
extern "C" psa_status_t mbedtls_psa_external_get_random(
    mbedtls_psa_external_random_context_t* /*context*/, uint8_t* output, size_t output_size,
    size_t* output_length) {
  *output_length = 0;
  if (lsedge::net::tls_random(nullptr, output, output_size) != 0) {
    return PSA_ERROR_INSUFFICIENT_ENTROPY;
  }
  *output_length = output_size;
  return PSA_SUCCESS;
}

namespace lsedge::net {

Outcome tls_random_seed(hal::Entropy& entropy) {
  Random& r = random_state();
  r.entropy = &entropy;
  const int rc =
      r.seeded ? mbedtls_ctr_drbg_reseed(&r.drbg, nullptr, 0)
               : mbedtls_ctr_drbg_seed(&r.drbg, &draw_entropy, nullptr,
                                       reinterpret_cast<const unsigned char*>(kPersonalization),
                                       sizeof(kPersonalization) - 1);
  if (rc != 0) {
    const Status status = rc == MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED ? Status::EntropyFailure
                                                                           : Status::BufferTooSmall;
    return Error(status, "seeding the TLS random generator from the HAL entropy source failed")
        .with_code(rc);
  }
  r.seeded = true;
  if (!r.psa_ready) {
    const psa_status_t status = psa_crypto_init();
    if (status != PSA_SUCCESS) {
      return Error(Status::BufferTooSmall,
                   "initialising PSA Crypto failed (out of Mbed TLS memory?); raise "
                   "LSEDGE_MBEDTLS_POOL_BYTES")
          .with_code(static_cast<int>(status));
    }
    r.psa_ready = true;
  }
  return {};
}

void tls_random_release(const hal::Entropy& entropy) {
  Random& r = random_state();
  if (r.entropy == &entropy) {
    r.entropy = nullptr;
  }
}

int tls_random(void* /*context*/, unsigned char* out, size_t size) {
  Random& r = random_state();
  if (!r.seeded) {
    return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
  }
  return mbedtls_ctr_drbg_random(&r.drbg, out, size);
}

#if defined(LSEDGE_MBEDTLS_POOLED)

// Test binaries that run an Mbed TLS server in the same process share the pool with it and
// set a bigger one; everything else gets the board's size.
#ifndef LSEDGE_TLS_POOL_BYTES
#define LSEDGE_TLS_POOL_BYTES LSEDGE_MBEDTLS_POOL_BYTES
#endif

namespace {
alignas(alignof(std::max_align_t)) unsigned char g_tls_pool[LSEDGE_TLS_POOL_BYTES];
}  // namespace

void tls_platform_init() {
  // A function-local static: initialised exactly once, thread-safely.
  static const bool initialised = [] {
    mbedtls_memory_buffer_alloc_init(g_tls_pool, sizeof(g_tls_pool));
    return true;
  }();
  (void)initialised;
}

TlsPoolStats tls_pool_stats() {
  TlsPoolStats stats;
  stats.pooled = true;
  stats.size = sizeof(g_tls_pool);
#if defined(MBEDTLS_MEMORY_DEBUG)
  mbedtls_memory_buffer_alloc_cur_get(&stats.used, &stats.blocks);
  mbedtls_memory_buffer_alloc_max_get(&stats.peak, &stats.peak_blocks);
#endif
  return stats;
}

void tls_pool_reset_peak() {
#if defined(MBEDTLS_MEMORY_DEBUG)
  mbedtls_memory_buffer_alloc_max_reset();
#endif
}

#else  // the heap (host presets)

void tls_platform_init() {}

TlsPoolStats tls_pool_stats() {
  return {};
}

void tls_pool_reset_peak() {}

#endif

}  // namespace lsedge::net
