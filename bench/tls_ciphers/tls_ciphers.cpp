// Record protection cost of the TLS record ciphers on this build's Mbed TLS (PSA AEAD, the board's
// config): AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, each sealing and opening full 16 KiB
// records as a TLS 1.3 record layer does (12-byte nonce, 5-byte header as AAD, 16-byte tag).
// Prints one line per cipher: ns per record (seal + open), MB/s, and which AES implementation ran.
// Instructions per record: bench/tls_ciphers.sh runs this under callgrind with two record counts.
//
//   tls_ciphers [--records N] [--cipher aes128gcm|aes256gcm|chacha20poly1305|all] [--software]
//
// --software (aarch64 only) forces Mbed TLS's Crypto Extensions detection to "absent", so the
// table implementation runs; on x86-64 the build without AES-NI is the separate tls_ciphers_soft.
// Not part of lsedge: a benchmark may use the standard library and the heap.
#include <psa/crypto.h>
#include <sys/random.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__) && defined(MBEDTLS_AESNI_C)
extern "C" int mbedtls_aesni_has_support(unsigned int what);  // library/aesni.h
#endif
#if defined(__aarch64__) && defined(MBEDTLS_AESCE_C)
extern "C" signed char mbedtls_aesce_has_support_result;  // library/aesce.h
extern "C" int mbedtls_aesce_has_support_impl(void);
#endif

// PSA's random source in lsedge is net/'s CTR_DRBG (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG); the benchmark
// draws nothing random but must provide it.
extern "C" psa_status_t mbedtls_psa_external_get_random(
    mbedtls_psa_external_random_context_t* /*context*/, uint8_t* output, size_t size,
    size_t* length) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = getrandom(output + done, size - done, 0);
    if (n <= 0)
      return PSA_ERROR_INSUFFICIENT_ENTROPY;
    done += static_cast<size_t>(n);
  }
  *length = size;
  return PSA_SUCCESS;
}

namespace {

struct Cipher {
  const char* name;
  psa_algorithm_t alg;
  psa_key_type_t type;
  size_t key_bytes;
};

const Cipher kCiphers[] = {
    {"aes128gcm", PSA_ALG_GCM, PSA_KEY_TYPE_AES, 16},
    {"aes256gcm", PSA_ALG_GCM, PSA_KEY_TYPE_AES, 32},
    {"chacha20poly1305", PSA_ALG_CHACHA20_POLY1305, PSA_KEY_TYPE_CHACHA20, 32},
};

const char* aes_implementation() {
#if defined(__x86_64__) && defined(MBEDTLS_AESNI_C)
  return mbedtls_aesni_has_support(0x02000000u) != 0 && mbedtls_aesni_has_support(0x2u) != 0
             ? "AES-NI+PCLMULQDQ"
             : "tables (CPU without AES-NI)";
#elif defined(__aarch64__) && defined(MBEDTLS_AESCE_C)
  const int has = mbedtls_aesce_has_support_result == -1 ? mbedtls_aesce_has_support_impl()
                                                         : mbedtls_aesce_has_support_result;
  return has == 1 ? "Armv8 Crypto Extensions" : "tables (forced or CPU without AES)";
#else
  return "tables (no hardware AES in this build)";
#endif
}

// Seals and opens `records` records; returns the seconds taken, or a negative value on failure.
double run(const Cipher& cipher, int records, size_t record_bytes) {
  psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
  psa_set_key_type(&attributes, cipher.type);
  psa_set_key_algorithm(&attributes, cipher.alg);
  psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
  std::vector<uint8_t> key(cipher.key_bytes, 0x5a);
  psa_key_id_t id = 0;
  if (psa_import_key(&attributes, key.data(), key.size(), &id) != PSA_SUCCESS)
    return -1;
  std::vector<uint8_t> plain(record_bytes, 0x42);
  std::vector<uint8_t> sealed(record_bytes + 16);
  std::vector<uint8_t> opened(record_bytes);
  uint8_t nonce[12] = {0};
  uint8_t header[5] = {0x17, 0x03, 0x03, 0, 0};
  header[3] = static_cast<uint8_t>(sealed.size() >> 8);
  header[4] = static_cast<uint8_t>(sealed.size());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < records; ++i) {
    nonce[11] = static_cast<uint8_t>(i);
    nonce[10] = static_cast<uint8_t>(i >> 8);
    size_t length = 0;
    if (psa_aead_encrypt(id, cipher.alg, nonce, sizeof nonce, header, sizeof header, plain.data(),
                         plain.size(), sealed.data(), sealed.size(), &length) != PSA_SUCCESS ||
        psa_aead_decrypt(id, cipher.alg, nonce, sizeof nonce, header, sizeof header, sealed.data(),
                         length, opened.data(), opened.size(), &length) != PSA_SUCCESS ||
        length != plain.size()) {
      psa_destroy_key(id);
      return -1;
    }
  }
  const auto end = std::chrono::steady_clock::now();
  psa_destroy_key(id);
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int records = 200;
  std::string which = "all";
  bool software = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--records" && i + 1 < argc) {
      records = std::atoi(argv[++i]);
    } else if (arg == "--cipher" && i + 1 < argc) {
      which = argv[++i];
    } else if (arg == "--software") {
      software = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--records N] [--cipher aes128gcm|aes256gcm|chacha20poly1305|all] "
                   "[--software]\n",
                   argv[0]);
      return 2;
    }
  }
  if (software) {
#if defined(__aarch64__) && defined(MBEDTLS_AESCE_C)
    mbedtls_aesce_has_support_result = 0;
#else
    std::fprintf(stderr, "--software: only on aarch64 (on x86-64 run tls_ciphers_soft)\n");
    return 2;
#endif
  }
  if (psa_crypto_init() != PSA_SUCCESS) {
    std::fprintf(stderr, "psa_crypto_init failed\n");
    return 1;
  }
  const size_t record_bytes = 16384;
  std::printf("# %d records of %zu bytes sealed + opened per cipher; AES: %s\n", records,
              record_bytes, aes_implementation());
  bool any = false;
  for (const Cipher& cipher : kCiphers) {
    if (which != "all" && which != cipher.name)
      continue;
    any = true;
    const double seconds = run(cipher, records, record_bytes);
    if (seconds < 0) {
      std::fprintf(stderr, "%s: PSA AEAD failed\n", cipher.name);
      return 1;
    }
    const double per_record_ns = seconds * 1e9 / records;
    const double mb_per_s = 2.0 * static_cast<double>(record_bytes) * records / seconds / 1e6;
    std::printf("%-17s %10.0f ns per record (seal + open)  %8.1f MB/s\n", cipher.name,
                per_record_ns, mb_per_s);
  }
  if (!any) {
    std::fprintf(stderr, "unknown cipher %s\n", which.c_str());
    return 2;
  }
  return 0;
}
