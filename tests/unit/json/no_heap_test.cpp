// Proof that parsing and writing JSON never touch the heap: this binary interposes malloc and
// counts the calls made while a parse runs. (Not under ASan, which owns malloc.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "firmware/core/arena.h"
#include "firmware/json/json.h"
#include "firmware/json/prefix_scan.h"

#if !defined(__SANITIZE_ADDRESS__)
#define LSEDGE_COUNT_MALLOC 1
extern "C" void* __libc_malloc(size_t size);
extern "C" void* __libc_calloc(size_t count, size_t size);
extern "C" void* __libc_realloc(void* memory, size_t size);

namespace {
thread_local bool t_counting = false;
thread_local size_t t_allocations = 0;
}  // namespace

extern "C" void* malloc(size_t size) {
  if (t_counting)
    ++t_allocations;
  return __libc_malloc(size);
}
extern "C" void* calloc(size_t count, size_t size) {
  if (t_counting)
    ++t_allocations;
  return __libc_calloc(count, size);
}
extern "C" void* realloc(void* memory, size_t size) {
  if (t_counting)
    ++t_allocations;
  return __libc_realloc(memory, size);
}
#endif

namespace lsedge::json {
namespace {

#if defined(LSEDGE_COUNT_MALLOC)
// Counts heap allocations made by `work` on this thread.
template <class Work>
size_t allocations_during(Work work) {
  t_allocations = 0;
  t_counting = true;
  work();
  t_counting = false;
  return t_allocations;
}
#endif

TEST(JsonNoHeap, TheCounterSeesAHeapAllocation) {
#if defined(LSEDGE_COUNT_MALLOC)
  void* volatile memory = nullptr;
  EXPECT_EQ(allocations_during([&] { memory = std::malloc(32); }), 1u);
  std::free(memory);
#else
  GTEST_SKIP() << "malloc belongs to ASan in this build";
#endif
}

TEST(JsonNoHeap, ParsingSucceedingOrFailingAllocatesNothing) {
#if defined(LSEDGE_COUNT_MALLOC)
  const std::string doc =
      R"({"id": 1, "email": "a@b.c", "tags": ["x", "y", {"z": [1, 2.5, null, true]}],)"
      R"( "title": "Caf\u00e9 \ud83d\ude00 with a long enough string to need a buffer"})";
  StaticArena<16384> big;
  StaticArena<64> tiny;
  bool ok = false;
  Status small_status = Status::Ok;
  Status invalid_status = Status::Ok;
  const size_t count = allocations_during([&] {
    ok = parse(doc, big).ok();
    small_status = parse(doc, tiny).status();
    invalid_status = parse("{\"a\": [1, 2,", big).status();
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(small_status, Status::BufferTooSmall);
  EXPECT_EQ(invalid_status, Status::JsonInvalid);
  EXPECT_EQ(count, 0u);
#else
  GTEST_SKIP() << "malloc belongs to ASan in this build";
#endif
}

TEST(JsonNoHeap, WritingAllocatesNothing) {
#if defined(LSEDGE_COUNT_MALLOC)
  uint8_t buffer[256];
  Status status = Status::Ok;
  const size_t count = allocations_during([&] {
    Writer w(buffer);
    status = w.begin_object();
    if (status == Status::Ok)
      status = w.member_string("refresh", "a\"b\\c\n");
    if (status == Status::Ok)
      status = w.member_int64("n", INT64_MIN);
    if (status == Status::Ok)
      status = w.end_object();
  });
  EXPECT_EQ(status, Status::Ok);
  EXPECT_EQ(count, 0u);
#else
  GTEST_SKIP() << "malloc belongs to ASan in this build";
#endif
}

TEST(JsonNoHeap, PrefixScanningAllocatesNothing) {
#if defined(LSEDGE_COUNT_MALLOC)
  const std::string doc =
      R"({"detail": "Validation error", "validation_errors": {"non_field_errors": [{},)"
      R"( "Error at item 1: \"image\" key \u00e9\ud83d\ude00 :: {'text': 'x'}", {}]}, "n": 12)";
  size_t tokens = 0;
  PrefixMember member;
  FixedString<64> text;
  bool unescaped = false;
  const size_t count = allocations_during([&] {
    PrefixScanner scanner(doc);
    for (PrefixScanner::Token t = scanner.next();
         t.kind != PrefixScanner::Kind::Cut && t.kind != PrefixScanner::Kind::End &&
         t.kind != PrefixScanner::Kind::Invalid;
         t = scanner.next()) {
      ++tokens;
    }
    member = find_top_member(doc, "validation_errors");
    unescaped = append_unescaped(R"(\u00e9 \ud83d\ude00)", text);
  });
  EXPECT_EQ(tokens, 15u);  // up to the key "n": the number at the very end is Cut
  EXPECT_EQ(member.kind, PrefixScanner::Kind::ObjectBegin);
  EXPECT_TRUE(unescaped);
  EXPECT_EQ(count, 0u);
#else
  GTEST_SKIP() << "malloc belongs to ASan in this build";
#endif
}

}  // namespace
}  // namespace lsedge::json
