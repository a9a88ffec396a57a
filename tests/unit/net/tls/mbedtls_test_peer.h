// Test-only additions to the board's Mbed TLS client set (MBEDTLS_USER_CONFIG_FILE): the
// in-process server of unit_tls (tls_test_server.cpp). Every preset builds a second Mbed TLS,
// lsedge_mbedtls_test_peer, with these, and unit_tls's own copies of net/ and http/ against it
// (one config per binary: the server fields change struct layouts). The client suites, curves
// and record sizes stay the board's.
#ifndef LSEDGE_MBEDTLS_TEST_PEER_H
#define LSEDGE_MBEDTLS_TEST_PEER_H

#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_CACHE_C         // resumption by session id
#define MBEDTLS_SSL_TICKET_C        // resumption by ticket
#define MBEDTLS_PK_RSA_ALT_SUPPORT  // the key wrapper that counts signatures
#define MBEDTLS_ENTROPY_C           // the server seeds its DRBG from the OS
#define MBEDTLS_NET_C
#define MBEDTLS_FS_IO  // certificate and key files
// The server thread and the client share the one pool and PSA.
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD

#endif  // LSEDGE_MBEDTLS_TEST_PEER_H
