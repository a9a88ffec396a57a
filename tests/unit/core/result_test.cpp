#include "firmware/core/result.h"

#include <gtest/gtest.h>

namespace lsedge {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') {
    return Error(Status::InvalidArgument, "not a digit").with_code(c);
  }
  return c - '0';
}

Result<int> sum_two(char a, char b) {
  auto x = parse_digit(a);
  LSEDGE_TRY(x);
  auto y = parse_digit(b);
  LSEDGE_TRY(y);
  return *x + *y;
}

Result<int> sum_two_assigned(char a, char b) {
  LSEDGE_TRY_ASSIGN(const int x, parse_digit(a));
  int y = 0;
  LSEDGE_TRY_ASSIGN(y, parse_digit(b));
  return x + y;
}

Outcome check(bool good) {
  LSEDGE_TRY(good ? Status::Ok : Status::Timeout);
  return {};
}

TEST(Result, CarriesValueOrError) {
  auto ok = sum_two('3', '4');
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  auto bad = sum_two('3', 'x');
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status(), Status::InvalidArgument);
  EXPECT_EQ(bad.error().code, 'x');
  EXPECT_EQ(bad.error().detail.view(), "not a digit");
}

TEST(Result, TryAssignDeclaresOrAssignsAndReturnsTheFirstError) {
  auto ok = sum_two_assigned('3', '4');
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 7);
  auto bad = sum_two_assigned('x', 'y');
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 'x');
}

TEST(Result, VoidOutcome) {
  EXPECT_TRUE(check(true).ok());
  EXPECT_EQ(check(false).status(), Status::Timeout);
}

TEST(Error, DetailIsBoundedAndNeverOverflows) {
  std::string huge(5000, 'd');
  Error e(Status::ServerError, huge);
  EXPECT_EQ(e.detail.size(), kErrorDetailCapacity);
}

}  // namespace
}  // namespace lsedge
