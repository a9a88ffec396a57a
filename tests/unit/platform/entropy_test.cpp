#include "platform/linux/linux_entropy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace lsedge::platform {
namespace {

size_t count_zero_bytes(const std::vector<uint8_t>& bytes) {
  return static_cast<size_t>(std::count(bytes.begin(), bytes.end(), uint8_t{0}));
}

TEST(LinuxEntropy, FillsTheWholeBuffer) {
  LinuxEntropy entropy;
  std::vector<uint8_t> bytes(4096, 0);
  ASSERT_EQ(entropy.fill(ByteSpan(bytes.data(), bytes.size())), Status::Ok);
  // ~16 zero bytes expected from random data; a partial fill would leave hundreds.
  EXPECT_LT(count_zero_bytes(bytes), 64u);
}

TEST(LinuxEntropy, SuccessiveFillsDiffer) {
  LinuxEntropy entropy;
  std::vector<uint8_t> a(32, 0);
  std::vector<uint8_t> b(32, 0);
  ASSERT_EQ(entropy.fill(ByteSpan(a.data(), a.size())), Status::Ok);
  ASSERT_EQ(entropy.fill(ByteSpan(b.data(), b.size())), Status::Ok);
  EXPECT_NE(a, b);
}

TEST(LinuxEntropy, FillsLargeBuffersToTheEnd) {
  // Above 256 bytes getrandom may return short; the tail must still be filled.
  LinuxEntropy entropy;
  std::vector<uint8_t> bytes(4 * 1024 * 1024, 0);
  const auto outcome = entropy.fill_with_error(ByteSpan(bytes.data(), bytes.size()));
  ASSERT_TRUE(outcome.ok()) << outcome.error().code;
  const std::vector<uint8_t> tail(bytes.end() - 4096, bytes.end());
  EXPECT_LT(count_zero_bytes(tail), 64u);
}

TEST(LinuxEntropy, EmptyBufferIsOk) {
  LinuxEntropy entropy;
  EXPECT_EQ(entropy.fill(ByteSpan()), Status::Ok);
}

}  // namespace
}  // namespace lsedge::platform
