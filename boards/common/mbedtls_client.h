// Mbed TLS 3.6 LTS options of every lsedge build: a TLS 1.3 + 1.2 client and nothing else.
// Included by each board's mbedtls_config.h (MBEDTLS_CONFIG_FILE), which sets the board's
// cipher-suite order (LSEDGE_MBEDTLS_SUITES) first. Mbed TLS's build_info.h then adds the test
// binaries' MBEDTLS_USER_CONFIG_FILE, derives the PSA mechanisms from these options and runs
// check_config.h.
//
// Versions: TLS 1.3 preferred, TLS 1.2 accepted. Key exchange: ECDHE over x25519, secp256r1,
// secp384r1. Certificates: RSA (PKCS#1 v1.5 and PSS) and ECDSA signatures, verified only.
// Hashes: SHA-256, SHA-384/512 (no SHA-1: CA roots signed with it are never matched as parents).
// Left out because a client never needs them: server side, DTLS, renegotiation, key generation
// beyond ECDHE, X.509/PEM/PK writing, PSA key storage, unused curves and ciphers.
#ifndef LSEDGE_MBEDTLS_CLIENT_H
#define LSEDGE_MBEDTLS_CLIENT_H

// System.
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE  // X.509 validity against time(); nothing else reads the clock
// UTC fields by arithmetic (firmware/net/tls_platform.cpp): glibc's gmtime_r loads the time zone
// and allocates on first use, and needs no zone anyway.
#define MBEDTLS_PLATFORM_GMTIME_R_ALT

// Memory. In the firmware build (LSEDGE_MBEDTLS_POOLED) every mbedtls_calloc comes from one
// static pool (net::tls_platform_init); MEMORY_DEBUG only adds the use counters behind
// net::tls_pool_stats(). The host presets keep the heap, so AddressSanitizer sees Mbed TLS's
// buffers. No MBEDTLS_THREADING_C: lsedge drives TLS from one thread.
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#if defined(LSEDGE_MBEDTLS_POOLED)
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG
#endif

// Randomness: one CTR_DRBG, seeded from hal::Entropy (net::tls_platform.cpp), serves both the
// TLS layer and PSA (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG), so there is no platform entropy source.
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG

// PSA Crypto: TLS 1.3 runs on it (MBEDTLS_USE_PSA_CRYPTO); psa_crypto_init() once per process.
// Volatile keys only: no key store on disk.
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
// The PSA mechanisms by name, not derived from the options above
// (boards/common/psa_crypto_client.h; the unit tests' TLS server names its own).
#define MBEDTLS_PSA_CRYPTO_CONFIG
#ifndef MBEDTLS_PSA_CRYPTO_CONFIG_FILE
#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "common/psa_crypto_client.h"
#endif
// Every buffer lsedge and the TLS layer pass to PSA is its own memory, never shared with another
// party, so PSA need not copy inputs and outputs (3.6's default): without this, decrypting a full
// 16 KiB record allocated two 16 KiB copies from the 48 KiB pool ("Mbed TLS ran out of memory
// while receiving") and cost a memcpy + zeroisation per record.
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

// Symmetric crypto. AES: AES-NI + PCLMULQDQ on x86-64 and the Armv8 Crypto Extensions (AESE,
// PMULL) on aarch64, each chosen at run time (cpuid, getauxval), with the table implementation
// for CPUs without them (and armhf, which is Armv7). ROM tables: .rodata, not 8 KiB of .bss.
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C
#define MBEDTLS_AESCE_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
// AES encryption only: GCM and CTR_DRBG never decrypt a block (no CBC/ECB/XTS, no DES); drops the
// inverse cipher, its tables and the decryption key schedules.
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
// No MBEDTLS_CIPHER_C: TLS records go through PSA, and without the generic cipher layer GCM calls
// AES through the lighter block_cipher module (bench/tls_record_cost.sh: 16.7 k instead of 19.9 k
// instructions of record protection per keep-alive call on host).
#define MBEDTLS_MD_C
#define MBEDTLS_HKDF_C  // TLS 1.3 key schedule
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
// The compact SHA-256/512 loops: -2.2 KB on aarch64 for +0.7 % of a cold start's instructions
// (firmware-host `lsedge whoami`, callgrind: SHA-256 645 k against 492 k of 21.7 M).
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_SMALLER

// Public keys: verification of RSA and ECDSA signatures, ECDHE.
#define MBEDTLS_BIGNUM_C
// Two-word by one-word division in Mbed TLS's own C: its one use (mbedtls_mpi_div_mpi) is off the
// hot paths, and the 128-bit division would otherwise come from libgcc (__udivti3, 832 B on
// aarch64). Multiplication keeps its assembly (MBEDTLS_HAVE_ASM).
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
// The RSA private operation without the CRT: a client that never signs still links it (Mbed TLS's
// pk tables name it), and this is its smaller form (-1.2 KB on aarch64).
#define MBEDTLS_RSA_NO_CRT
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

// Certificates (X.509 parse + PEM/base64 for the CA file). Trusted roots are looked up per
// handshake by subject through the CA callback, never kept parsed (net::CaLookup).
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C  // ECDSA signature conversion needs it
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_X509_TRUSTED_CERTIFICATE_CALLBACK
// No certificate printing and no OID descriptions; lsedge words the verify failures itself.
#define MBEDTLS_X509_REMOVE_INFO

// TLS: client over streams only (no DTLS, no server, no renegotiation, no debug output: debug
// levels >= 3 print key material).
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED  // resumption by ticket
// Middlebox compatibility (RFC 8446 D.4): some load balancers and proxies drop TLS 1.3 without it.
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SESSION_TICKETS  // TLS 1.2 tickets and TLS 1.3 NewSessionTicket
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
// mbedtls_strerror() texts in error details ("(SSL - ...)"). A board may leave them out
// (LSEDGE_MBEDTLS_NO_ERROR_TEXTS, ~14 KB of strings): every failure keeps lsedge's own message
// and advice (firmware/net/mbedtls_errors.cpp) and the numeric code; mbedtls_strerror() then
// yields "" (STRERROR_DUMMY, for the test peer's diagnostics).
#if defined(LSEDGE_MBEDTLS_NO_ERROR_TEXTS)
#define MBEDTLS_ERROR_STRERROR_DUMMY
#else
#define MBEDTLS_ERROR_C
#endif
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE  // TLS 1.3 requires it

#define MBEDTLS_SSL_CIPHERSUITES LSEDGE_MBEDTLS_SUITES

// Record buffers: a server may send full 16 KiB records (no max_fragment_length negotiation
// is relied on); what lsedge sends is split into 4 KiB records unless the board sends bigger
// ones (each record costs a send and its own nonce, header and tag, whatever its size).
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#ifndef MBEDTLS_SSL_OUT_CONTENT_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif

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
