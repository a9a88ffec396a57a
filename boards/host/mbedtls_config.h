// Mbed TLS configuration of the host board (MBEDTLS_CONFIG_FILE, every preset): the shared
// client options (boards/common/mbedtls_client.h) with this board's cipher-suite order, most
// preferred first (the server picks; most honour the client's order for equal strength).
#ifndef LSEDGE_BOARD_MBEDTLS_CONFIG_H
#define LSEDGE_BOARD_MBEDTLS_CONFIG_H

// x86-64: AES-NI and PCLMULQDQ (MBEDTLS_AESNI_C, run-time detection). AES-GCM first: in hardware
// it is faster than ChaCha20-Poly1305 (docs/firmware.md).
#define LSEDGE_MBEDTLS_SUITES                                                                   \
  MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                         \
      MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                                            \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                                          \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,                                            \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                                    \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256

#include "common/mbedtls_client.h"

#endif  // LSEDGE_BOARD_MBEDTLS_CONFIG_H
