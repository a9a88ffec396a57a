// Mbed TLS configuration of the host board (MBEDTLS_CONFIG_FILE, every preset): the shared
// client options (boards/common/mbedtls_client.h) with this board's cipher-suite order, most
// preferred first (the server picks; most honour the client's order for equal strength).
#ifndef LSEDGE_BOARD_MBEDTLS_CONFIG_H
#define LSEDGE_BOARD_MBEDTLS_CONFIG_H

// x86-64: AES-NI and PCLMULQDQ are compiled in (MBEDTLS_AESNI_C, run-time detection), but
// measured on this Mbed TLS (bench/tls_ciphers.sh, docs/firmware.md) ChaCha20-Poly1305 protects a
// 16 KiB record in fewer instructions (1.12 M sealed + opened) than AES-128-GCM does with AES-NI
// (1.29 M: Mbed TLS 3.6's GHASH goes one block at a time and byte-reverses each one in scalar
// code) and in less time, and far fewer than table AES-GCM on a CPU without AES-NI (3.6 M).
// ChaCha20-Poly1305 first; AES-GCM (hardware where present) for servers that insist on it.
#define LSEDGE_MBEDTLS_SUITES                                                                   \
  MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS1_3_AES_128_GCM_SHA256,                   \
      MBEDTLS_TLS1_3_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,                                      \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,                                          \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                                            \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                                          \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

#include "common/mbedtls_client.h"

#endif  // LSEDGE_BOARD_MBEDTLS_CONFIG_H
