// Mbed TLS configuration of the host board (MBEDTLS_CONFIG_FILE, every preset): the shared
// client options (boards/common/mbedtls_client.h) with this board's cipher-suite order, most
// preferred first (the server picks; most honour the client's order for equal strength).
#ifndef LSEDGE_BOARD_MBEDTLS_CONFIG_H
#define LSEDGE_BOARD_MBEDTLS_CONFIG_H

// x86-64: AES-NI and PCLMULQDQ (MBEDTLS_AESNI_C, run-time detection; aesni.c built with SSSE3,
// cmake/Dependencies.cmake). Measured on this Mbed TLS (bench/tls_ciphers.sh, docs/firmware.md):
// AES-128-GCM seals + opens a 16 KiB record in 528 k instructions, ChaCha20-Poly1305 in 916 k, and
// a keep-alive call's records cost 16.7 k against 35.2 k (bench/tls_record_cost.sh). AES-GCM
// first; ChaCha20-Poly1305 next, which a CPU without AES-NI would rather have (AES-GCM in tables:
// 3.4 M) but no server is asked to know that.
#define LSEDGE_MBEDTLS_SUITES                                                             \
  MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,             \
      MBEDTLS_TLS1_3_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                                      \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                              \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,                                \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                                    \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

// Full 16 KiB records out (LSEDGE_HTTP_SEND_CHUNK): an import of 100,000 tasks (112 MB) sends
// 6,900 records instead of 27,500, each a system call and ~1 k instructions of its own.
#define MBEDTLS_SSL_OUT_CONTENT_LEN 16384

#include "common/mbedtls_client.h"

#endif  // LSEDGE_BOARD_MBEDTLS_CONFIG_H
