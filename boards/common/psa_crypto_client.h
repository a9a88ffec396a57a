// The PSA mechanisms an lsedge TLS client uses (MBEDTLS_PSA_CRYPTO_CONFIG_FILE): without this list
// Mbed TLS 3.6 derives one from the legacy options, with RSA encryption, OAEP, RSA key pairs,
// TLS 1.2 PSK and ECJPAKE that a client verifying servers never runs.
#ifndef LSEDGE_PSA_CRYPTO_CLIENT_H
#define LSEDGE_PSA_CRYPTO_CLIENT_H

// Records: TLS 1.3 and 1.2 AEAD suites.
#define PSA_WANT_ALG_GCM 1
#define PSA_WANT_ALG_CHACHA20_POLY1305 1
#define PSA_WANT_KEY_TYPE_AES 1
#define PSA_WANT_KEY_TYPE_CHACHA20 1
// Key schedule: TLS 1.3 HKDF, TLS 1.2 PRF, both over HMAC.
#define PSA_WANT_ALG_HMAC 1
#define PSA_WANT_ALG_HKDF 1
#define PSA_WANT_ALG_HKDF_EXTRACT 1
#define PSA_WANT_ALG_HKDF_EXPAND 1
#define PSA_WANT_ALG_TLS12_PRF 1
#define PSA_WANT_KEY_TYPE_HMAC 1
#define PSA_WANT_KEY_TYPE_DERIVE 1
#define PSA_WANT_KEY_TYPE_RAW_DATA 1
#define PSA_WANT_ALG_SHA_256 1
#define PSA_WANT_ALG_SHA_384 1
#define PSA_WANT_ALG_SHA_512 1
// Key exchange: ephemeral ECDH on x25519, P-256, P-384.
#define PSA_WANT_ALG_ECDH 1
#define PSA_WANT_ECC_MONTGOMERY_255 1
#define PSA_WANT_ECC_SECP_R1_256 1
#define PSA_WANT_ECC_SECP_R1_384 1
#define PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_BASIC 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_IMPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_EXPORT 1
#define PSA_WANT_KEY_TYPE_ECC_KEY_PAIR_GENERATE 1
// Server signatures: ECDSA, RSA PKCS#1 v1.5 and RSA-PSS, verified with public keys only.
#define PSA_WANT_ALG_ECDSA 1
#define PSA_WANT_ALG_RSA_PKCS1V15_SIGN 1
#define PSA_WANT_ALG_RSA_PSS 1
#define PSA_WANT_KEY_TYPE_RSA_PUBLIC_KEY 1

#endif  // LSEDGE_PSA_CRYPTO_CLIENT_H
