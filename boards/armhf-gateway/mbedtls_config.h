// Mbed TLS configuration of the armhf-gateway board's firmware build (MBEDTLS_CONFIG_FILE); the
// options are shared, see boards/common/mbedtls_client.h.
#ifndef LSEDGE_BOARD_MBEDTLS_CONFIG_H
#define LSEDGE_BOARD_MBEDTLS_CONFIG_H

#include "common/mbedtls_client.h"

// Test binaries add to the client set here (e.g. the in-process TLS test server), before the
// check; product builds set no user file.
#if defined(MBEDTLS_USER_CONFIG_FILE)
#include MBEDTLS_USER_CONFIG_FILE
#endif

#include "mbedtls/check_config.h"

#endif  // LSEDGE_BOARD_MBEDTLS_CONFIG_H
