#include "firmware/core/result.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <utility>

namespace lsedge {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') {
    return Error(Status::InvalidArgument, "not a digit").with_code(c);
  }
  return c - '0';
}

// LSEDGE_TRY on a Result lvalue (LSEDGE_TRY_ASSIGN is the usual form, tested below).
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

// The value and the error share storage: a Result is an Error plus a flag, not both.
static_assert(sizeof(Result<size_t>) <= sizeof(Error) + alignof(Error),
              "Result<size_t> must not carry a value beside its Error");
static_assert(sizeof(Outcome) == sizeof(Error), "Outcome is an Error or just its Status");

TEST(Result, SizesAreTheErrorPlusAtMostAFlag) {
  EXPECT_LE(sizeof(Result<size_t>), sizeof(Error) + alignof(Error));
  EXPECT_EQ(sizeof(Outcome), sizeof(Error));
}

// A value type that counts its own constructions and destructions.
struct Tracked {
  static int live;
  static int copies;
  static int moves;
  int n = 0;
  explicit Tracked(int value) : n(value) { ++live; }
  Tracked(const Tracked& other) : n(other.n) {
    ++live;
    ++copies;
  }
  Tracked(Tracked&& other) noexcept : n(other.n) {
    other.n = -1;
    ++live;
    ++moves;
  }
  Tracked& operator=(const Tracked&) = delete;
  Tracked& operator=(Tracked&&) = delete;
  ~Tracked() { --live; }
};
int Tracked::live = 0;
int Tracked::copies = 0;
int Tracked::moves = 0;

// Volatile, so an optimizer cannot drop the poison as stores before a constructor (GCC's
// lifetime DSE) or answer the reads from what it assumes a constructor left.
void poison(unsigned char* raw, size_t size) {
  volatile unsigned char* bytes = raw;
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = 0xA5;
  }
}
unsigned char peek(const unsigned char* raw, size_t i) {
  const volatile unsigned char* bytes = raw;
  return bytes[i];
}

// The storage is poisoned first: had the value-holding Result constructed an Error (status,
// codes, the detail's terminator and size), the poison past the value would be overwritten.
TEST(Result, ValueNeverConstructsAnError) {
  alignas(Result<size_t>) unsigned char raw[sizeof(Result<size_t>)];
  poison(raw, sizeof(raw));
  auto* r = new (raw) Result<size_t>(size_t{7});
  ASSERT_TRUE(r->ok());
  EXPECT_EQ(**r, 7u);
  // Bytes past the value (where an Error's detail would be) are untouched.
  for (size_t i = sizeof(size_t) + 16; i < sizeof(Error); ++i) {
    ASSERT_EQ(peek(raw, i), 0xA5) << "byte " << i;
  }
  EXPECT_EQ(r->status(), Status::Ok);
  EXPECT_EQ(r->error().status, Status::Ok);
  EXPECT_TRUE(r->error().detail.empty());
  r->~Result<size_t>();
}

TEST(Result, SuccessfulOutcomeWritesOnlyItsStatus) {
  alignas(Outcome) unsigned char raw[sizeof(Outcome)];
  poison(raw, sizeof(raw));
  auto* o = new (raw) Outcome();
  EXPECT_TRUE(o->ok());
  for (size_t i = 1; i < sizeof(raw); ++i) {
    ASSERT_EQ(peek(raw, i), 0xA5) << "byte " << i;
  }
  EXPECT_EQ(o->error().status, Status::Ok);
  o->~Outcome();
}

TEST(Result, ValueLifetimeIsBalancedInBothStates) {
  Tracked::live = Tracked::copies = Tracked::moves = 0;
  {
    Result<Tracked> good(Tracked(5));
    Result<Tracked> copied(good);
    Result<Tracked> moved(std::move(good));
    EXPECT_EQ(copied->n, 5);
    EXPECT_EQ(moved->n, 5);
    EXPECT_EQ(Tracked::copies, 1);
    EXPECT_EQ(Tracked::live, 3);

    Result<Tracked> bad(Error(Status::Timeout, "slow"));
    Result<Tracked> bad_copy(bad);
    Result<Tracked> bad_moved(std::move(bad));
    EXPECT_EQ(Tracked::live, 3);  // an error holds no T
    EXPECT_EQ(bad_copy.status(), Status::Timeout);
    EXPECT_EQ(bad_copy.error().detail.view(), "slow");
    EXPECT_EQ(bad_moved.error().detail.view(), "slow");
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(Result, OutcomeCopiesAndAssignsBothStates) {
  Outcome good;
  Outcome bad = Error(Status::NotFound, "missing").with_http_status(404);
  Outcome good_copy(good);
  Outcome bad_copy(bad);
  EXPECT_TRUE(good_copy.ok());
  EXPECT_EQ(bad_copy.status(), Status::NotFound);
  EXPECT_EQ(bad_copy.error().http_status, 404);
  EXPECT_EQ(bad_copy.error().detail.view(), "missing");
  good_copy = bad;
  EXPECT_EQ(good_copy.error().detail.view(), "missing");
  bad_copy = good;
  EXPECT_TRUE(bad_copy.ok());
  EXPECT_TRUE(bad_copy.error().detail.empty());
  Outcome from_ok_status = Status::Ok;
  EXPECT_TRUE(from_ok_status.ok());
}

TEST(Result, MoveOnlyValues) {
  struct MoveOnly {
    explicit MoveOnly(int v) : value(v) {}
    MoveOnly(MoveOnly&&) = default;
    MoveOnly(const MoveOnly&) = delete;
    int value;
  };
  Result<MoveOnly> r(MoveOnly(3));
  Result<MoveOnly> moved(std::move(r));
  EXPECT_EQ(moved->value, 3);
}

#ifndef NDEBUG
TEST(ResultDeathTest, ValueOfAnErrorStopsTheProgram) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const Result<int> bad = Status::Timeout;
  EXPECT_DEATH((void)bad.value(), "");
  EXPECT_DEATH((void)*bad, "");
  Result<std::string> bad_text = Status::NotFound;
  EXPECT_DEATH((void)bad_text->size(), "");
}
#endif

TEST(Error, DetailIsBoundedAndNeverOverflows) {
  std::string huge(5000, 'd');
  Error e(Status::ServerError, huge);
  EXPECT_EQ(e.detail.size(), kErrorDetailCapacity);
}

}  // namespace
}  // namespace lsedge
