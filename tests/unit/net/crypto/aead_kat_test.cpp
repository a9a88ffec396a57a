// Known-answer tests of the record ciphers through PSA, on the Mbed TLS build lsedge ships
// (lsedge_mbedtls, the board's config) and initialised as lsedge does (net::tls_platform_init,
// net::tls_random_seed). Each case runs on whichever AES implementation Mbed TLS detects at run
// time (AES-NI + PCLMULQDQ on x86-64, the Armv8 Crypto Extensions on aarch64, tables otherwise);
// ctest also runs the binary under qemu CPU models without those instructions, and on aarch64
// the cases are repeated with detection forced to "absent", so both outcomes are checked.
// LSEDGE_EXPECT_AES=hw|sw (set by ctest) says which implementation the CPU must get.
#include <gtest/gtest.h>
#include <psa/crypto.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "firmware/net/tls_platform.h"
#include "tests/fakes/fake_entropy.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#if defined(__x86_64__) && defined(MBEDTLS_AESNI_C)
// library/aesni.h (internal): the run-time check gcm.c and aes.c make.
extern "C" int mbedtls_aesni_has_support(unsigned int what);
constexpr unsigned kAesniAes = 0x02000000u;    // MBEDTLS_AESNI_AES
constexpr unsigned kAesniClmul = 0x00000002u;  // MBEDTLS_AESNI_CLMUL
#endif
#if defined(__aarch64__) && defined(MBEDTLS_AESCE_C)
// library/aesce.h (internal): the cached getauxval() answer; -1 = not asked yet.
extern "C" signed char mbedtls_aesce_has_support_result;
extern "C" int mbedtls_aesce_has_support_impl(void);
#endif

namespace {

std::vector<uint8_t> hex(const char* text) {
  std::vector<uint8_t> out;
  for (size_t i = 0; text[i] != '\0' && text[i + 1] != '\0'; i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoul(std::string(text + i, 2), nullptr, 16)));
  }
  return out;
}

std::string to_hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// Does Mbed TLS take its hardware AES path on this CPU? (Its own detection.)
bool mbedtls_uses_hardware_aes() {
#if defined(__x86_64__) && defined(MBEDTLS_AESNI_C)
  return mbedtls_aesni_has_support(kAesniAes) != 0 && mbedtls_aesni_has_support(kAesniClmul) != 0;
#elif defined(__aarch64__) && defined(MBEDTLS_AESCE_C)
  return (mbedtls_aesce_has_support_result == -1 ? mbedtls_aesce_has_support_impl()
                                                 : mbedtls_aesce_has_support_result) == 1;
#else
  return false;
#endif
}

// What the CPU says, asked independently of Mbed TLS.
bool cpu_has_aes() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0)
    return false;
  return (c & bit_AES) != 0 && (c & bit_PCLMUL) != 0;
#elif defined(__aarch64__)
  const unsigned long caps = getauxval(AT_HWCAP);
  return (caps & HWCAP_AES) != 0 && (caps & HWCAP_PMULL) != 0;
#else
  return false;  // armhf: Armv7, no AES instructions (and no AESCE code in the build)
#endif
}

class AeadKat : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    lsedge::net::tls_platform_init();
    static lsedge::testing::FakeEntropy entropy;
    ASSERT_TRUE(lsedge::net::tls_random_seed(entropy).ok());
  }

  // Encrypts, checks ciphertext||tag against `expected`, decrypts back, and checks that a
  // flipped tag bit is rejected.
  static std::vector<uint8_t> seal(psa_algorithm_t alg, psa_key_type_t type,
                                   const std::vector<uint8_t>& key,
                                   const std::vector<uint8_t>& nonce,
                                   const std::vector<uint8_t>& aad,
                                   const std::vector<uint8_t>& plain) {
    psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attributes, type);
    psa_set_key_algorithm(&attributes, alg);
    psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_ENCRYPT | PSA_KEY_USAGE_DECRYPT);
    psa_key_id_t id = 0;
    EXPECT_EQ(psa_import_key(&attributes, key.data(), key.size(), &id), PSA_SUCCESS);
    std::vector<uint8_t> sealed(plain.size() + 16);
    size_t length = 0;
    EXPECT_EQ(psa_aead_encrypt(id, alg, nonce.data(), nonce.size(), aad.data(), aad.size(),
                               plain.data(), plain.size(), sealed.data(), sealed.size(), &length),
              PSA_SUCCESS);
    EXPECT_EQ(length, sealed.size());
    std::vector<uint8_t> opened(plain.size() + 1);
    size_t opened_length = 0;
    EXPECT_EQ(
        psa_aead_decrypt(id, alg, nonce.data(), nonce.size(), aad.data(), aad.size(), sealed.data(),
                         sealed.size(), opened.data(), opened.size(), &opened_length),
        PSA_SUCCESS);
    opened.resize(opened_length);
    EXPECT_EQ(opened, plain);
    std::vector<uint8_t> forged = sealed;
    forged.back() ^= 1;
    EXPECT_EQ(
        psa_aead_decrypt(id, alg, nonce.data(), nonce.size(), aad.data(), aad.size(), forged.data(),
                         forged.size(), opened.data(), opened.size(), &opened_length),
        PSA_ERROR_INVALID_SIGNATURE);
    EXPECT_EQ(psa_destroy_key(id), PSA_SUCCESS);
    return sealed;
  }

  static std::string sha256_hex(const std::vector<uint8_t>& data) {
    std::vector<uint8_t> digest(32);
    size_t length = 0;
    EXPECT_EQ(psa_hash_compute(PSA_ALG_SHA_256, data.data(), data.size(), digest.data(),
                               digest.size(), &length),
              PSA_SUCCESS);
    return to_hex(digest);
  }

  // One full record and a bit (16 KiB + 13 bytes), the bulk paths: pattern (7i + 3) mod 256, key
  // 00 01 .. (16 or 32 bytes), nonce 00 01 .. 0b, 13 zero bytes of AAD. The expected digests of
  // ciphertext||tag are OpenSSL's (Python cryptography 48 / OpenSSL 3).
  static std::vector<uint8_t> big_plain() {
    std::vector<uint8_t> plain(16384 + 13);
    for (size_t i = 0; i < plain.size(); ++i)
      plain[i] = static_cast<uint8_t>(i * 7 + 3);
    return plain;
  }
  static std::vector<uint8_t> counting(size_t n) {
    std::vector<uint8_t> out(n);
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<uint8_t>(i);
    return out;
  }

  static void run_all_vectors() {
    // GCM: McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 4 and 16 (60 bytes:
    // a partial last block, 20 bytes of AAD).
    const auto plain = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
        "49a6b525b16aedf5aa0de657ba637b39");
    const auto aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    const auto iv = hex("cafebabefacedbaddecaf888");
    EXPECT_EQ(to_hex(seal(PSA_ALG_GCM, PSA_KEY_TYPE_AES, hex("feffe9928665731c6d6a8f9467308308"),
                          iv, aad, plain)),
              "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d"
              "8f6a5aac84aa051ba30b396a0aac973d58e091"
              "5bc94fbc3221a5db94fae95ae7121a47");
    EXPECT_EQ(to_hex(seal(PSA_ALG_GCM, PSA_KEY_TYPE_AES,
                          hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
                          iv, aad, plain)),
              "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7"
              "b08b1056828838c5f61e6393ba7a0abcc9f662"
              "76fc6ece0f4e1768cddf8853bb2d551b");
    // ChaCha20-Poly1305: RFC 8439 section 2.8.2.
    const char* sunscreen =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        "future, sunscreen would be it.";
    const std::vector<uint8_t> text(sunscreen, sunscreen + std::strlen(sunscreen));
    std::vector<uint8_t> chacha_key(32);
    for (size_t i = 0; i < 32; ++i)
      chacha_key[i] = static_cast<uint8_t>(0x80 + i);
    EXPECT_EQ(to_hex(seal(PSA_ALG_CHACHA20_POLY1305, PSA_KEY_TYPE_CHACHA20, chacha_key,
                          hex("070000004041424344454647"), hex("50515253c0c1c2c3c4c5c6c7"), text)),
              "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fa"
              "fb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4"
              "fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
              "1ae10b594f09e26a7e902ecbd0600691");
    // Bulk.
    const auto big = big_plain();
    const auto nonce = counting(12);
    const std::vector<uint8_t> zeros(13);
    EXPECT_EQ(sha256_hex(seal(PSA_ALG_GCM, PSA_KEY_TYPE_AES, counting(16), nonce, zeros, big)),
              "e5d1bf671dec755acb4c4ba2eaaa4787f580e82902474aff4d1f86113a87dc00");
    EXPECT_EQ(sha256_hex(seal(PSA_ALG_GCM, PSA_KEY_TYPE_AES, counting(32), nonce, zeros, big)),
              "202e9efd11743ecad22e67523ca65b60905f2055c0f41a16434def45576ad5de");
    EXPECT_EQ(sha256_hex(seal(PSA_ALG_CHACHA20_POLY1305, PSA_KEY_TYPE_CHACHA20, counting(32), nonce,
                              zeros, big)),
              "21c4ded222e19a3c60fe5b796514b7b8ed45e9b8cb3572ee8494b06e87ca354e");
  }
};

// Mbed TLS's detection agrees with the CPU (and with what ctest says this run's CPU model has).
TEST_F(AeadKat, DetectsTheCpusAesInstructions) {
  const bool hardware = mbedtls_uses_hardware_aes();
#if (defined(__x86_64__) && defined(MBEDTLS_AESNI_C)) || \
    (defined(__aarch64__) && defined(MBEDTLS_AESCE_C))
  EXPECT_EQ(hardware, cpu_has_aes());
#else
  // No hardware AES code in this build (armhf: Armv7), whatever the CPU offers.
  EXPECT_FALSE(hardware) << "CPU reports AES instructions: " << cpu_has_aes();
#endif
  const char* expect = std::getenv("LSEDGE_EXPECT_AES");
  if (expect != nullptr) {
    EXPECT_EQ(hardware, std::string(expect) == "hw") << "LSEDGE_EXPECT_AES=" << expect;
  }
  std::printf("AES implementation: %s\n", hardware ? "hardware" : "software (tables)");
}

TEST_F(AeadKat, KnownAnswersOnTheDetectedImplementation) {
  run_all_vectors();
}

#if defined(__aarch64__) && defined(MBEDTLS_AESCE_C)
// A core without the Crypto Extensions (qemu-user 7.2 has no such aarch64 CPU model): detection
// forced to "absent", so the table implementation runs in the same binary.
TEST_F(AeadKat, KnownAnswersWithDetectionForcedToSoftware) {
  const signed char saved = mbedtls_aesce_has_support_result;
  mbedtls_aesce_has_support_result = 0;
  ASSERT_FALSE(mbedtls_uses_hardware_aes());
  run_all_vectors();
  mbedtls_aesce_has_support_result = saved;
}
#endif

}  // namespace
