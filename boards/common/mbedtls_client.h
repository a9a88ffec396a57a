// Mbed TLS 2.28 options of lsedge's firmware build: a TLS 1.2 client and nothing else. Included
// by each board's mbedtls_config.h (the board may set tuning macros first). Not used by the host
// presets, which link Debian's libmbedtls.
//
// Suites: ECDHE-ECDSA and ECDHE-RSA with AES-128/256-GCM and ChaCha20-Poly1305. Curves:
// secp256r1, secp384r1, x25519. Hashes: SHA-256, SHA-384/512 (no SHA-1: CA roots signed with it
// are skipped as unparsable, which configure() allows). Certificates: RSA (PKCS#1 v1.5 and PSS)
// and ECDSA signatures, verified only.
#ifndef LSEDGE_MBEDTLS_CLIENT_H
#define LSEDGE_MBEDTLS_CLIENT_H

// System.
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE  // X.509 validity against time(); nothing else reads the clock
// UTC fields by arithmetic (firmware/net/tls_platform.cpp): glibc's gmtime_r loads the time zone
// and allocates on first use, and needs no zone anyway.
#define MBEDTLS_PLATFORM_GMTIME_R_ALT

// Memory: every mbedtls_calloc comes from one static pool (net::tls_platform_init). No
// MBEDTLS_THREADING_C: lsedge drives TLS from one thread. MEMORY_DEBUG only adds the use
// counters behind net::tls_pool_stats() (it prints nothing unless the pool is corrupted).
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG

// Randomness: CTR_DRBG seeded straight from hal::Entropy; no mbedtls_entropy, so no platform
// entropy source either.
#define MBEDTLS_CTR_DRBG_C

// Symmetric crypto. ROM tables: AES tables in .rodata, not 8 KiB of .bss filled at run time.
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C  // also SHA-384

// Public keys: verification of RSA and ECDSA signatures, ECDHE.
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
// No MBEDTLS_PK_WRITE_C: the pin hashes the leaf's DER SubjectPublicKeyInfo (pk_raw) as parsed.

// Certificates (X.509 parse + PEM/base64 for the CA bundle).
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C  // ECDSA needs it
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE

// TLS: 1.2 client over streams only (no DTLS, no server, no renegotiation, no debug output:
// debug levels >= 3 print key material). TLS 1.3 in 2.28 is experimental and stays off.
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SESSION_TICKETS  // client side of resumption by ticket
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_ERROR_C  // mbedtls_strerror() texts in error details
#define MBEDTLS_SSL_CIPHERSUITES                             \
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,           \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       \
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,         \
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,         \
      MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256

// Record buffers: a server may send full 16 KiB records (no max_fragment_length negotiation
// is relied on); what lsedge sends is split into 4 KiB records.
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

// Smaller working memory for bignum/ECC (the pool peak), at some speed cost.
#ifndef MBEDTLS_MPI_WINDOW_SIZE
#define MBEDTLS_MPI_WINDOW_SIZE 2
#endif
#ifndef MBEDTLS_MPI_MAX_SIZE
#define MBEDTLS_MPI_MAX_SIZE 512  // RSA up to 4096 bits
#endif
#ifndef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 2
#endif
#ifndef MBEDTLS_ECP_FIXED_POINT_OPTIM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#endif

#endif  // LSEDGE_MBEDTLS_CLIENT_H
