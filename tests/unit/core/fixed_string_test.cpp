#include "firmware/core/fixed_string.h"

#include <gtest/gtest.h>

#include <cstring>
#include <new>
#include <string>
#include <string_view>

namespace lsedge {
namespace {

TEST(FixedString, AppendIsAllOrNothing) {
  FixedString<8> s;
  ASSERT_EQ(s.append("abcde"), Status::Ok);
  EXPECT_EQ(s.append("fghij"), Status::BufferTooSmall);
  EXPECT_EQ(s.view(), "abcde");
  ASSERT_EQ(s.append("fgh"), Status::Ok);
  EXPECT_EQ(s.view(), "abcdefgh");
  EXPECT_EQ(s.remaining(), 0u);
  EXPECT_EQ(s.append(""), Status::Ok);
  EXPECT_EQ(s.append('x'), Status::BufferTooSmall);
  EXPECT_STREQ(s.c_str(), "abcdefgh");
}

TEST(FixedString, Integers) {
  FixedString<43> s;  // exactly the text below
  ASSERT_EQ(s.append_uint(0), Status::Ok);
  ASSERT_EQ(s.append(' '), Status::Ok);
  ASSERT_EQ(s.append_int(-9223372036854775807LL - 1), Status::Ok);
  ASSERT_EQ(s.append(' '), Status::Ok);
  ASSERT_EQ(s.append_uint(18446744073709551615ULL), Status::Ok);
  EXPECT_EQ(s.view(), "0 -9223372036854775808 18446744073709551615");
  FixedString<2> small;
  EXPECT_EQ(small.append_int(-10), Status::BufferTooSmall);
  EXPECT_EQ(small.view(), "");
}

TEST(FixedString, TruncatedAppendNeverSplitsUtf8) {
  FixedString<5> s;
  s.append_truncated(
      "ab\xE2\x82\xAC"
      "c");  // "ab€c": € is 3 bytes and fits exactly
  EXPECT_EQ(s.view(), "ab\xE2\x82\xAC");
  FixedString<4> t;
  t.append_truncated("ab\xE2\x82\xAC");  // € would be cut: dropped whole
  EXPECT_EQ(t.view(), "ab");
}

TEST(SecretString, WipeClearsTheStorage) {
  SecretString<16> secret;
  ASSERT_EQ(secret.assign("hunter2"), Status::Ok);
  const char* raw = secret.expose().data();
  secret.wipe();
  EXPECT_TRUE(secret.empty());
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(raw[i], '\0');
  }
}

TEST(SecretString, DestructorWipesTheStorage) {
  // The object lives in storage the test owns, so its bytes can be read after its lifetime ends
  // (the array outlives it); read through volatile, so no dead store is assumed away.
  using Secret = SecretString<32>;
  alignas(Secret) unsigned char storage[sizeof(Secret)];
  std::memset(storage, 0xA5, sizeof(storage));
  constexpr std::string_view kToken = "eyJsecret-token-value";
  Secret* secret = new (storage) Secret;
  ASSERT_EQ(secret->assign(kToken), Status::Ok);
  const size_t at =
      std::string_view(reinterpret_cast<const char*>(storage), sizeof(storage)).find(kToken);
  ASSERT_NE(at, std::string_view::npos);  // the secret's bytes really are in `storage`
  secret->~Secret();
  const volatile unsigned char* bytes = storage;
  for (size_t i = 0; i < kToken.size(); ++i) {
    EXPECT_EQ(bytes[at + i], 0u) << "byte " << i << " of the secret survived its destructor";
  }
}

TEST(SecretString, AShorterSecretLeavesNothingOfTheLongerOne) {
  // A wipe zeroes only the bytes written; assign wipes first, so a longer value's tail is gone.
  using Secret = SecretString<32>;
  alignas(Secret) unsigned char storage[sizeof(Secret)];
  std::memset(storage, 0xA5, sizeof(storage));
  Secret* secret = new (storage) Secret;
  ASSERT_EQ(secret->assign("long-secret-value-here"), Status::Ok);
  ASSERT_EQ(secret->assign("short"), Status::Ok);
  EXPECT_EQ(secret->expose(), "short");
  ASSERT_EQ(secret->append("+more"), Status::Ok);
  EXPECT_EQ(secret->append("this would not fit in the rest"), Status::BufferTooSmall);
  EXPECT_EQ(secret->expose(), "short+more");
  secret->~Secret();
  const volatile unsigned char* bytes = storage;
  std::string seen;
  for (size_t i = 0; i < sizeof(storage); ++i) {
    seen += static_cast<char>(bytes[i]);
  }
  EXPECT_EQ(seen.find("secret"), std::string::npos);
  EXPECT_EQ(seen.find("short"), std::string::npos);
  EXPECT_EQ(seen.find("more"), std::string::npos);
}

TEST(SecretString, OversizedAssignLeavesItEmpty) {
  SecretString<4> secret;
  EXPECT_EQ(secret.assign("too long"), Status::BufferTooSmall);
  EXPECT_TRUE(secret.empty());
}

}  // namespace
}  // namespace lsedge
