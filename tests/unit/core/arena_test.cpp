#include "firmware/core/arena.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace lsedge {
namespace {

TEST(Arena, AllocatesAlignedUntilFullThenReturnsNull) {
  StaticArena<64> arena;
  void* a = arena.allocate(3, 1);
  ASSERT_NE(a, nullptr);
  void* b = arena.allocate(8, 8);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % 8, 0u);
  EXPECT_EQ(arena.allocate(100, 1), nullptr);
  EXPECT_EQ(arena.allocate(SIZE_MAX, 1), nullptr);
  const size_t used = arena.used();
  arena.reset();
  EXPECT_EQ(arena.used(), 0u);
  EXPECT_EQ(arena.high_water(), used);
  EXPECT_NE(arena.allocate(64, 1), nullptr);
  EXPECT_EQ(arena.allocate(1, 1), nullptr);
}

}  // namespace
}  // namespace lsedge
