#include "firmware/net/tls_platform.h"

#if defined(LSEDGE_MBEDTLS_POOLED)
#include <mbedtls/memory_buffer_alloc.h>
#include <mbedtls/platform_util.h>

#include <climits>
#include <ctime>

#include "board_sizes.h"
#include "firmware/core/civil_time.h"
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
