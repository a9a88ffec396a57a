#include "platform/linux/environment.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "board_sizes.h"

namespace lsedge::platform {
namespace {

TEST(LinuxGetenv, ReturnsTheValueOfASetVariable) {
  ASSERT_EQ(setenv("LSEDGE_TEST_URL", "https://ls.example:8443", 1), 0);
  const auto value = linux_getenv("LSEDGE_TEST_URL");
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "https://ls.example:8443");
  unsetenv("LSEDGE_TEST_URL");
}

TEST(LinuxGetenv, UnsetIsNulloptButEmptyIsAnEmptyValue) {
  unsetenv("LSEDGE_TEST_UNSET");
  EXPECT_FALSE(linux_getenv("LSEDGE_TEST_UNSET").has_value());
  ASSERT_EQ(setenv("LSEDGE_TEST_EMPTY", "", 1), 0);
  const auto value = linux_getenv("LSEDGE_TEST_EMPTY");
  ASSERT_TRUE(value.has_value());
  EXPECT_TRUE(value->empty());
  unsetenv("LSEDGE_TEST_EMPTY");
}

TEST(LinuxGetenv, NameIsNotReadPastItsView) {
  // The view "LSEDGE_TEST_AB" is taken from a longer string; only the view's bytes count.
  ASSERT_EQ(setenv("LSEDGE_TEST_AB", "short", 1), 0);
  ASSERT_EQ(setenv("LSEDGE_TEST_ABC", "long", 1), 0);
  const std::string longer = "LSEDGE_TEST_ABC";
  const auto value = linux_getenv(std::string_view(longer).substr(0, 14));
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "short");
  unsetenv("LSEDGE_TEST_AB");
  unsetenv("LSEDGE_TEST_ABC");
}

TEST(LinuxGetenv, InvalidNamesAreNullopt) {
  ASSERT_EQ(setenv("LSEDGE_TEST_SET", "v", 1), 0);
  EXPECT_FALSE(linux_getenv("").has_value());
  EXPECT_FALSE(linux_getenv("LSEDGE_TEST_SET=v").has_value());
  EXPECT_FALSE(linux_getenv(std::string_view("LSEDGE_TEST_SET\0x", 17)).has_value());
  EXPECT_FALSE(linux_getenv(std::string(LSEDGE_ENV_NAME_CAPACITY + 1, 'A')).has_value());
  unsetenv("LSEDGE_TEST_SET");
}

TEST(LinuxGetenv, AcceptsANameOfExactlyTheCapacity) {
  const std::string name(LSEDGE_ENV_NAME_CAPACITY, 'B');
  ASSERT_EQ(setenv(name.c_str(), "max", 1), 0);
  const auto value = linux_getenv(name);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "max");
  unsetenv(name.c_str());
}

}  // namespace
}  // namespace lsedge::platform
