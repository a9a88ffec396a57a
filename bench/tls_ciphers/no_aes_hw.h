// MBEDTLS_USER_CONFIG_FILE of bench/tls_ciphers' tls_ciphers_soft: the board's config without the
// hardware AES code, so AES and GCM run on tables as on a CPU without AES instructions.
#undef MBEDTLS_AESNI_C
#undef MBEDTLS_AESCE_C
