#include "firmware/net/tls_platform.h"

#if defined(LSEDGE_MBEDTLS_POOLED)
#include <mbedtls/memory_buffer_alloc.h>

#include <config.h>  // board sizes
#endif

namespace lsedge::net {

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

#else  // Debian's libmbedtls: the heap

void tls_platform_init() {}

TlsPoolStats tls_pool_stats() {
  return {};
}

void tls_pool_reset_peak() {}

#endif

}  // namespace lsedge::net
