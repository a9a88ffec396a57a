#include "firmware/core/packed_strings.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

namespace lsedge {
namespace {

struct Row {
  int id;
  const char* name;
  std::string_view label;
};

constexpr Row kRows[] = {{1, "alpha", "A"}, {2, "", ""}, {3, "gamma delta", "with\0nul"}};

constexpr auto kNames = pack_strings<packed_bytes(kRows, &Row::name)>(kRows, &Row::name);
constexpr auto kLabels = pack_strings<packed_bytes(kRows, &Row::label)>(kRows, &Row::label);

// Everything is computed by the compiler: the table is a constant.
static_assert(kNames.size() == 3);
static_assert(kNames[0] == "alpha" && kNames[1].empty() && kNames[2] == "gamma delta");
static_assert(packed_bytes(kRows, &Row::name) == 6 + 1 + 12);

TEST(PackedStrings, KeepsEachStringWithItsLengthAndTerminator) {
  // Indices at run time, as the program's lookups are (constant ones are checked above).
  volatile size_t last = 2;
  EXPECT_STREQ(kNames.c_str(0), "alpha");
  EXPECT_STREQ(kNames.c_str(1), "");
  EXPECT_STREQ(kNames.c_str(last), "gamma delta");
  EXPECT_EQ(kNames[last].size(), std::strlen(kNames.c_str(last)));
  EXPECT_EQ(kNames[last].data()[kNames[last].size()], '\0');
}

TEST(PackedStrings, StringViewFieldsKeepTheirLength) {
  // A string_view from a literal stops at the first NUL, as the row would.
  EXPECT_EQ(kLabels[0], "A");
  EXPECT_EQ(kLabels[1], "");
  EXPECT_EQ(kLabels[2], "with");
}

TEST(PackedStrings, StringsDoNotOverlap) {
  for (size_t i = 0; i + 1 < kNames.size(); ++i) {
    EXPECT_LT(kNames[i].data() + kNames[i].size(), kNames[i + 1].data());
  }
}

}  // namespace
}  // namespace lsedge
