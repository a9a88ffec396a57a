// Mbed TLS configuration of the aarch64-gateway board (MBEDTLS_CONFIG_FILE, every preset): the
// shared client options (boards/common/mbedtls_client.h) with this board's cipher-suite order, most
// preferred first (the server picks; most honour the client's order for equal strength).
#ifndef LSEDGE_BOARD_MBEDTLS_CONFIG_H
#define LSEDGE_BOARD_MBEDTLS_CONFIG_H

// aarch64: the Armv8 Crypto Extensions (MBEDTLS_AESCE_C, run-time detection). AES-GCM first: in
// hardware it is faster than ChaCha20-Poly1305 (docs/firmware.md).
#define LSEDGE_MBEDTLS_SUITES                                                                   \
  MBEDTLS_TLS1_3_AES_128_GCM_SHA256, MBEDTLS_TLS1_3_AES_256_GCM_SHA384,                         \
      MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,                                            \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,                                          \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,                                            \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,                                    \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256

// Size: no mbedtls_strerror() texts (~14 KB; docs/footprint.md). Messages keep lsedge's own
// text and the code.
#define LSEDGE_MBEDTLS_NO_ERROR_TEXTS

#include "common/mbedtls_client.h"

#endif  // LSEDGE_BOARD_MBEDTLS_CONFIG_H
