#include "firmware/core/deadline.h"

#include <gtest/gtest.h>

namespace lsedge {
namespace {

TEST(Deadline, RemainingAndExpiry) {
  const auto d = Deadline::after(1000, 250);
  EXPECT_FALSE(d.expired(1249));
  EXPECT_TRUE(d.expired(1250));
  EXPECT_EQ(d.remaining_ms(1000), 250u);
  EXPECT_EQ(d.remaining_ms(5000), 0u);
}

TEST(Deadline, SaturatesInsteadOfWrapping) {
  const auto d = Deadline::after(UINT64_MAX - 5, 100);
  EXPECT_TRUE(d.is_never());
  EXPECT_EQ(Deadline::never().remaining_ms(0), UINT32_MAX);
  EXPECT_EQ(Deadline::earliest(Deadline::at(5), Deadline::at(3)).at_ms(), 3u);
}

}  // namespace
}  // namespace lsedge
