// Specification of Spool::split and Spool::mark_imported: a refused entry is replaced by its
// parts in its place, refused tasks go to rejected/ one by one, and a kill -9 or a power loss at
// any step leaves either the entry or all of its parts queued, never both, never neither.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "firmware/spool/spool.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"

namespace lsedge::spool {
namespace {

using testing::CaptureLog;
using testing::FakeEntropy;
using testing::MemoryStorage;
using Crash = MemoryStorage::Crash;
using Op = MemoryStorage::Op;

constexpr char kDir[] = "/data/spool";
constexpr char kGroup1[] = "00000000000000000001";
constexpr uint32_t kReject = SplitPlan::kRejectTask;
constexpr uint32_t kMaxSplitPartsForTest = 8;  // split() refuses more

// Task `i` of source `src`, all of one length for i < 100 (so budgets can count tasks).
std::string task(const std::string& src, int i) {
  std::string n = std::to_string(i);
  if (n.size() < 2) {
    n = "0" + n;
  }
  return "{\"data\":{\"src\":\"" + src + "\",\"i\":\"" + n + "\",\"note\":\"a, [b] {c}\"}}";
}

std::vector<std::string> tasks(const std::string& src, int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back(task(src, i));
  }
  return out;
}

// A task file as people write them (whitespace between the tasks).
std::string file_of(const std::vector<std::string>& list) {
  std::string text = "[\n";
  for (size_t i = 0; i < list.size(); ++i) {
    text += (i == 0 ? "  " : " ,\n  ") + list[i];
  }
  return text + "\n]\n";
}

// The exact request body of these tasks.
std::string body_of(const std::vector<std::string>& list) {
  std::string text = "[";
  for (size_t i = 0; i < list.size(); ++i) {
    text += (i == 0 ? "" : ",") + list[i];
  }
  return text + "]";
}

// The budget that puts exactly `n` tasks of task()'s length in one entry.
uint64_t budget_for(size_t n) {
  return body_of(std::vector<std::string>(n, task("A", 0))).size();
}

// The top-level elements of a JSON array, byte for byte; empty if `body` is no array of objects.
std::vector<std::string> elements(const std::string& body) {
  std::vector<std::string> out;
  if (body.size() < 2 || body.front() != '[' || body.back() != ']') {
    return {};
  }
  int depth = 0;
  bool in_string = false;
  size_t start = 0;
  for (size_t i = 1; i + 1 < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (depth++ == 0) {
        start = i;
      }
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {
        out.push_back(body.substr(start, i - start + 1));
      }
    }
  }
  return body_of(out) == body ? out : std::vector<std::string>{};
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every file under DIR/<sub>/ (path relative to DIR -> content), in lexical order.
std::map<std::string, std::string> files_under(const MemoryStorage& storage,
                                               const std::string& sub) {
  std::map<std::string, std::string> out;
  const std::string prefix = std::string(kDir) + "/" + sub + "/";
  for (const auto& [path, content] : storage.snapshot()) {
    if (path.compare(0, prefix.size(), prefix) == 0 && path.back() != '/') {
      out[path.substr(std::string(kDir).size() + 1)] = content;
    }
  }
  return out;
}

// The queue's entries (name relative to DIR -> body) in lexical order, which is FIFO order;
// markers and import records left out.
std::vector<std::pair<std::string, std::string>> entries(const MemoryStorage& storage) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [path, content] : files_under(storage, "queue")) {
    if (ends_with(path, ".json")) {
      out.emplace_back(path, content);
    }
  }
  return out;
}

// All queued tasks in FIFO order, checking that each entry is a whole batch as its name says.
std::vector<std::string> queued(const MemoryStorage& storage) {
  std::vector<std::string> out;
  for (const auto& [path, body] : entries(storage)) {
    const auto list = elements(body);
    EXPECT_FALSE(list.empty()) << "not a whole batch: " << path;
    const size_t dash = path.rfind('-');
    EXPECT_EQ(path.substr(dash + 1, path.size() - dash - 6), std::to_string(list.size())) << path;
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

// The tasks in rejected/, each checked to be `[task]` beside its reason.
std::vector<std::string> rejected_tasks(const MemoryStorage& storage) {
  std::vector<std::string> out;
  const auto files = files_under(storage, "rejected");
  for (const auto& [path, body] : files) {
    if (!ends_with(path, ".json")) {
      continue;
    }
    const auto list = elements(body);
    EXPECT_FALSE(list.empty()) << path;
    EXPECT_EQ(files.count(path.substr(0, path.size() - 5) + ".reason.txt"), 1u) << path;
    out.insert(out.end(), list.begin(), list.end());
  }
  return out;
}

// Directories in the queue other than groups (a split's staging directory).
std::vector<std::string> split_dirs(const MemoryStorage& storage) {
  std::vector<std::string> out;
  for (const auto& [path, content] : storage.snapshot()) {
    if (path.find("/queue/") != std::string::npos && ends_with(path, ".split/")) {
      out.push_back(path);
    }
  }
  return out;
}

// A plan given task by task. Thread-safety: one thread at a time.
class VectorPlan final : public SplitPlan {
 public:
  VectorPlan(uint32_t parts, std::vector<uint32_t> of, std::map<uint64_t, std::string> reasons = {})
      : parts_(parts), of_(std::move(of)), reasons_(std::move(reasons)) {}
  uint32_t part_count() const override { return parts_; }
  uint32_t part_of(uint64_t index) const override {
    ++calls_;
    return index < of_.size() ? of_[static_cast<size_t>(index)] : kReject;
  }
  std::string_view reason(uint64_t index) const override {
    const auto found = reasons_.find(index);
    last_ = found == reasons_.end() ? "refused " + std::to_string(index) : found->second;
    return last_;
  }
  uint64_t calls() const { return calls_; }

 private:
  uint32_t parts_;
  std::vector<uint32_t> of_;
  std::map<uint64_t, std::string> reasons_;
  mutable std::string last_;
  mutable uint64_t calls_ = 0;
};

VectorPlan halves(uint64_t n) {
  std::vector<uint32_t> of(static_cast<size_t>(n), 0);
  for (size_t i = static_cast<size_t>(n / 2); i < of.size(); ++i) {
    of[i] = 1;
  }
  return VectorPlan(2, of);
}

struct Fixture {
  MemoryStorage storage;
  FakeEntropy entropy;
  CaptureLog log;
  Spool spool{storage, entropy, Logger(&log, "spool")};
  int files = 0;
  Fixture() {
    storage.put_directory("/data");
    storage.put_directory(kDir);  // empty: `run` makes a spool of it (it never creates one)
    storage.put_directory("/in");
  }
  // Adds the tasks as one task file.
  SpoolAddResult add(const std::vector<std::string>& list, uint64_t budget = 1u << 20) {
    const std::string name = "/in/" + std::to_string(files++) + ".json";
    storage.put_file(name, file_of(list));
    auto added = spool.add(name, budget);
    EXPECT_TRUE(added.ok()) << added.error().detail.view();
    return added.ok() ? *added : SpoolAddResult();
  }
  SpoolEntry next() {
    SpoolEntry entry;
    auto more = spool.next(entry);
    EXPECT_TRUE(more.ok()) << more.error().detail.view();
    EXPECT_TRUE(more.ok() && *more) << "the queue is empty";
    return entry;
  }
};

std::string read_body(MemoryStorage& storage, const SpoolEntry& entry) {
  SpoolEntryBody body(storage);
  EXPECT_TRUE(body.open(entry).ok());
  std::string out;
  uint8_t buffer[512];
  for (;;) {
    auto got = body.read(ByteSpan(buffer));
    EXPECT_TRUE(got.ok());
    if (!got.ok() || *got == 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(buffer), *got);
  }
  return out;
}

// Confirms every entry in order; returns the tasks delivered.
std::vector<std::string> drain(Spool& spool, MemoryStorage& storage) {
  std::vector<std::string> delivered;
  SpoolEntry entry;
  for (;;) {
    auto more = spool.next(entry);
    EXPECT_TRUE(more.ok()) << more.error().detail.view();
    if (!more.ok() || !*more) {
      break;
    }
    const auto list = elements(read_body(storage, entry));
    EXPECT_EQ(list.size(), entry.tasks) << entry.path.view();
    delivered.insert(delivered.end(), list.begin(), list.end());
    EXPECT_TRUE(spool.confirm(entry).ok());
  }
  return delivered;
}

TEST(SpoolSplit, PartsTakeTheEntrysPlaceAndRefusedTasksGoToRejectedOneByOne) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const auto a = tasks("A", 0, 14);
  f.add(a, budget_for(10));  // entries of 10 and 4 tasks
  f.add(tasks("B", 0, 3));
  SpoolEntry entry = f.next();
  ASSERT_EQ(entry.name.view(), "0000000000-10.json");
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  const VectorPlan plan(2, {0, 0, kReject, 0, 0, 1, 1, kReject, 1, 1},
                        {{2, "Error at item 2: \"image\" key is expected"}});
  ASSERT_TRUE(f.spool.split(entry, plan).ok());

  const std::string g = std::string("queue/") + kGroup1 + "/";
  const auto queue = entries(f.storage);
  ASSERT_EQ(queue.size(), 4u);
  EXPECT_EQ(queue[0].first, g + "0000000000.0000000000-4.json");
  EXPECT_EQ(queue[0].second, body_of({a[0], a[1], a[3], a[4]})) << "byte for byte";
  EXPECT_EQ(queue[1].first, g + "0000000000.0000000005-4.json");
  EXPECT_EQ(queue[1].second, body_of({a[5], a[6], a[8], a[9]}));
  EXPECT_EQ(queue[2].first, g + "0000000001-4.json");
  EXPECT_EQ(files_under(f.storage, "queue").size(), 4u) << "the entry's marker is gone too";

  const std::string r = std::string("rejected/") + kGroup1 + "-0000000000-10.item";
  const std::map<std::string, std::string> expected_rejected = {
      {r + "2.json", "[" + a[2] + "]"},
      {r + "2.reason.txt", "Error at item 2: \"image\" key is expected\n"},
      {r + "7.json", "[" + a[7] + "]"},
      {r + "7.reason.txt", "refused 7\n"},
  };
  EXPECT_EQ(files_under(f.storage, "rejected"), expected_rejected);
  EXPECT_TRUE(split_dirs(f.storage).empty());
  EXPECT_TRUE(files_under(f.storage, "tmp").empty());
  EXPECT_NE(f.log.all_text().find("split 00000000000000000001/0000000000-10.json (10 tasks) into "
                                  "2 parts; 2 refused tasks moved to /data/spool/rejected"),
            std::string::npos)
      << f.log.all_text();

  auto counts = f.spool.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_entries, 4u);
  EXPECT_EQ(counts->queued_tasks, 4u + 4u + 4u + 3u);
  EXPECT_EQ(counts->rejected_entries, 2u);
  EXPECT_EQ(counts->outcome_unknown, 0u);

  SpoolEntry part = f.next();
  EXPECT_EQ(part.group.view(), kGroup1);
  EXPECT_EQ(part.name.view(), "0000000000.0000000000-4.json");
  EXPECT_EQ(part.sequence, 1u);
  EXPECT_EQ(part.batch, 0u);
  EXPECT_EQ(part.tasks, 4u);
  EXPECT_FALSE(part.outcome_unknown) << "the refused entry's mark does not carry to its parts";
  EXPECT_EQ(part.import_id, 0);
  EXPECT_EQ(read_body(f.storage, part), body_of({a[0], a[1], a[3], a[4]}));
  EXPECT_EQ(drain(f.spool, f.storage),
            concat(concat({a[0], a[1], a[3], a[4], a[5], a[6], a[8], a[9]},
                          std::vector<std::string>(a.begin() + 10, a.end())),
                   tasks("B", 0, 3)));
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
  EXPECT_EQ(f.storage.open_directories(), 0u);
}

TEST(SpoolSplit, HalvingDownToSingleTasksKeepsTheOrderBeforeLaterEntriesAndGroups) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const auto a = tasks("A", 0, 45);
  f.add(a, budget_for(37));  // entries of 37 and 8 tasks
  f.add(tasks("B", 0, 5));
  std::vector<std::string> delivered;
  int splits = 0;
  SpoolEntry entry;
  while (*f.spool.next(entry)) {
    EXPECT_LE(entry.name.size(), kSpoolNameCapacity);
    if (entry.group.view() == kGroup1 && entry.tasks > 1 && entry.batch == 0) {
      ASSERT_TRUE(f.spool.split(entry, halves(entry.tasks)).ok()) << entry.name.view();
      ++splits;
      continue;
    }
    const auto list = elements(read_body(f.storage, entry));
    delivered.insert(delivered.end(), list.begin(), list.end());
    ASSERT_TRUE(f.spool.confirm(entry).ok());
  }
  EXPECT_EQ(splits, 36) << "37 tasks halved down to single tasks";
  EXPECT_EQ(delivered, concat(a, tasks("B", 0, 5)));
  EXPECT_TRUE(files_under(f.storage, "rejected").empty());
  EXPECT_TRUE(files_under(f.storage, "queue").empty());
}

// A 1 MiB batch of tiny tasks holds ~100,000 of them: 17 halvings of its first part, every
// name the same length however deep, and every task still there in order.
TEST(SpoolSplit, TheDeepestNestingOfAOneMebibyteBatchKeepsShortNames) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  std::vector<std::string> tiny;
  std::string body = "[";
  for (int i = 0; body.size() + 12 < (1u << 20); ++i) {
    tiny.push_back("{\"i\":" + std::to_string(i) + "}");
    body += (i == 0 ? "" : ",") + tiny.back();
  }
  f.add(tiny);
  SpoolEntry entry = f.next();
  ASSERT_EQ(entry.tasks, tiny.size());
  int depth = 0;
  while (entry.tasks > 1) {
    ASSERT_TRUE(f.spool.split(entry, halves(entry.tasks)).ok()) << depth;
    ++depth;
    entry = f.next();
    EXPECT_EQ(entry.name.size(), std::string("0000000000.0000000000-").size() +
                                     std::to_string(entry.tasks).size() + 5);
  }
  EXPECT_GE(depth, 16);
  EXPECT_EQ(entry.name.view(), "0000000000.0000000000-1.json");
  auto counts = f.spool.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_tasks, tiny.size());
  EXPECT_EQ(counts->queued_entries, static_cast<uint64_t>(depth) + 1);
  EXPECT_EQ(queued(f.storage), tiny);
}

TEST(SpoolSplit, PartsCanBeSplitAgainAroundRejectsAndAllRejectedLeavesNoPart) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const auto a = tasks("A", 0, 9);
  f.add(a);
  f.add(tasks("B", 0, 2));
  SpoolEntry entry = f.next();
  // 9 tasks: task 4 refused; the rest in one part (progress: fewer tasks).
  ASSERT_TRUE(f.spool.split(entry, VectorPlan(1, {0, 0, 0, 0, kReject, 0, 0, 0, 0})).ok());
  entry = f.next();
  EXPECT_EQ(entry.name.view(), "0000000000.0000000000-8.json");
  // Its tasks 1 and 6 (a[1], a[7]) refused, the rest in three parts.
  ASSERT_TRUE(f.spool.split(entry, VectorPlan(4, {0, kReject, 0, 2, 2, 3, kReject, 3})).ok());
  const std::string g = std::string("queue/") + kGroup1 + "/";
  std::vector<std::string> names;
  for (const auto& [path, body] : entries(f.storage)) {
    names.push_back(path);
  }
  EXPECT_EQ(names, (std::vector<std::string>{g + "0000000000.0000000000-2.json",
                                             g + "0000000000.0000000003-2.json",
                                             g + "0000000000.0000000005-2.json",
                                             "queue/00000000000000000002/0000000000-2.json"}));
  entry = f.next();
  // A part whose tasks are all refused leaves nothing queued.
  ASSERT_TRUE(f.spool.split(entry, VectorPlan(1, {kReject, kReject})).ok());
  const std::string r = std::string("rejected/") + kGroup1 + "-0000000000";
  std::set<std::string> rejected;
  for (const auto& [path, body] : files_under(f.storage, "rejected")) {
    rejected.insert(path);
  }
  EXPECT_EQ(rejected, (std::set<std::string>{
                          r + "-9.item4.json", r + "-9.item4.reason.txt",
                          r + ".0000000000-8.item1.json", r + ".0000000000-8.item1.reason.txt",
                          r + ".0000000000-8.item6.json", r + ".0000000000-8.item6.reason.txt",
                          r + ".0000000000-2.item0.json", r + ".0000000000-2.item0.reason.txt",
                          r + ".0000000000-2.item1.json", r + ".0000000000-2.item1.reason.txt"}));
  EXPECT_EQ(files_under(f.storage, "rejected").at(r + ".0000000000-8.item6.json"),
            "[" + a[7] + "]");
  EXPECT_EQ(drain(f.spool, f.storage), concat({a[3], a[5], a[6], a[8]}, tasks("B", 0, 2)));
  auto counts = f.spool.counts();
  EXPECT_EQ(counts->rejected_entries, 5u);
  EXPECT_EQ(rejected_tasks(f.storage).size(), 5u);
  // A new add never reuses a SEQ that rejected/ still names (1); 2 left no trace.
  EXPECT_EQ(f.add(tasks("C", 0, 1)).sequence, 2u);
}

TEST(SpoolSplit, PlansThatChangeNothingOrBreakTheOrderAreRefusedAndTouchNothing) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add(tasks("A", 0, 4));
  SpoolEntry entry = f.next();
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  const auto before = f.storage.snapshot();
  const std::vector<VectorPlan> refused = {
      VectorPlan(0, {kReject, kReject, kReject, kReject}),  // no parts
      VectorPlan(9, {0, 1, 2, 3}),                          // too many parts
      VectorPlan(2, {0, 0, 0, 0}),                          // one part: no progress
      VectorPlan(2, {1, 1, 1, 1}),                          // the same, in part 1
      VectorPlan(2, {0, 2, 1, 1}),                          // a part out of range
      VectorPlan(2, {0, 1, 0, 1}),                          // out of the tasks' order
  };
  for (const auto& plan : refused) {
    EXPECT_EQ(f.spool.split(entry, plan).status(), Status::InvalidArgument);
    EXPECT_EQ(f.storage.snapshot(), before);
  }
  SpoolEntry imported = entry;
  imported.import_id = 7;
  EXPECT_EQ(f.spool.split(imported, halves(4)).status(), Status::InvalidArgument);
  SpoolEntry gone = entry;
  (void)gone.path.assign(std::string(kDir) + "/queue/" + kGroup1 + "/0000000005-4.json");
  (void)gone.name.assign("0000000005-4.json");
  EXPECT_EQ(f.spool.split(gone, halves(4)).status(), Status::FileNotFound);
  EXPECT_EQ(f.storage.snapshot(), before);
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
  EXPECT_EQ(f.storage.open_directories(), 0u);
}

TEST(SpoolSplit, AnEntryWhoseFileDisagreesWithItsNameIsNotSplit) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add(tasks("A", 0, 4));
  SpoolEntry entry = f.next();
  const std::string path(entry.path.view());
  for (const std::string& body : {body_of(tasks("A", 0, 3)), body_of(tasks("A", 0, 5)),
                                  body_of(tasks("A", 0, 4)).substr(1), std::string("[]")}) {
    f.storage.put_file(path, body);
    const auto split = f.spool.split(entry, halves(4));
    EXPECT_EQ(split.status(), Status::JsonInvalid) << body;
    EXPECT_EQ(*f.storage.content(path), body) << "left as it was";
    EXPECT_TRUE(split_dirs(f.storage).empty());
  }
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
}

TEST(SpoolSplit, AStorageFailureBeforeTheCommitLeavesTheEntryAsItWas) {
  for (const Op op : {Op::CreateNew, Op::Append, Op::Sync, Op::SyncDirectory, Op::Rename}) {
    for (uint64_t nth = 1; nth < 12; ++nth) {
      Fixture f;
      ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
      const auto a = tasks("A", 0, 6);
      f.add(a);
      SpoolEntry entry = f.next();
      const auto before = f.storage.snapshot();
      f.storage.fail(op, nth, ENOSPC);
      const auto split = f.spool.split(entry, VectorPlan(2, {0, kReject, 0, 1, 1, 1}));
      if (split.ok()) {
        continue;  // the failure came after the split or not at all
      }
      const bool committed = !f.storage.content(std::string(entry.path.view())).has_value();
      // No space to stage the parts: a plan the spool cannot carry out (the uploader then moves
      // the entry to rejected/ whole, which needs no space).
      EXPECT_EQ(split.status(), committed ? Status::NoSpace : Status::InvalidArgument)
          << static_cast<int>(op) << " " << nth;
      EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
      if (!committed) {
        EXPECT_EQ(f.storage.snapshot(), before) << static_cast<int>(op) << " " << nth;
      }
      // Either way next() serves the right thing: the entry, or its finished split's parts.
      SpoolEntry first = f.next();
      EXPECT_EQ(first.name.view(),
                committed ? "0000000000.0000000000-2.json" : "0000000000-6.json");
      EXPECT_TRUE(split_dirs(f.storage).empty());
      if (!committed) {
        ASSERT_TRUE(f.spool.split(first, VectorPlan(2, {0, kReject, 0, 1, 1, 1})).ok());
      }
      EXPECT_EQ(rejected_tasks(f.storage), std::vector<std::string>{a[1]});
      EXPECT_EQ(drain(f.spool, f.storage),
                (std::vector<std::string>{a[0], a[2], a[3], a[4], a[5]}));
    }
  }
}

// The heart of split's crash safety: a crash after every k storage operations of a split, in
// every crash mode, then a restart (the consumer's open() finishes or undoes it): the queue holds
// the entry whole or exactly its parts, in place, and rejected/ holds the refused tasks exactly
// when the parts are queued; every task exactly once. A split that reported success survives.
TEST(SpoolSplit, ACrashAtEveryStepOfASplitLosesNothingAndDuplicatesNothing) {
  const auto a = tasks("A", 0, 14);
  const auto b = tasks("B", 0, 3);
  const VectorPlan plan(2, {0, 0, kReject, 0, 0, 1, 1, kReject, 1, 1});
  const auto whole = concat(concat(a, b), {});
  const std::vector<std::string> kept = {a[0], a[1], a[3], a[4], a[5], a[6], a[8], a[9]};
  const auto after = concat(concat(kept, std::vector<std::string>(a.begin() + 10, a.end())), b);

  auto setup = [&](Fixture& f) -> SpoolEntry {
    EXPECT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    f.add(a, budget_for(10));
    f.add(b);
    SpoolEntry entry = f.next();
    EXPECT_TRUE(f.spool.mark_sending(entry).ok());
    return entry;
  };
  // Checks the spool after a restart; returns true if the split happened.
  auto check = [&](Fixture& f, const std::string& where) -> bool {
    Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
    const auto opened = consumer.open(kDir, Spool::Role::Consumer);
    EXPECT_TRUE(opened.ok()) << where << " " << opened.error().detail.view();
    EXPECT_TRUE(split_dirs(f.storage).empty()) << where;
    EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << where;
    const auto rejected = rejected_tasks(f.storage);
    const auto now = queued(f.storage);
    const bool split = now == after;
    if (split) {
      EXPECT_EQ(rejected, (std::vector<std::string>{a[2], a[7]})) << where;
      EXPECT_EQ(entries(f.storage).front().first,
                std::string("queue/") + kGroup1 + "/0000000000.0000000000-4.json")
          << where;
    } else {
      EXPECT_EQ(now, whole) << where;
      EXPECT_TRUE(rejected.empty()) << where;
      SpoolEntry first;
      EXPECT_TRUE(*consumer.next(first));
      EXPECT_EQ(first.name.view(), "0000000000-10.json") << where;
      EXPECT_TRUE(first.outcome_unknown) << "the entry's mark is kept while it is queued";
    }
    EXPECT_EQ(drain(consumer, f.storage), now) << where;
    return split;
  };

  uint64_t operations = 0;
  {
    Fixture f;
    const SpoolEntry entry = setup(f);
    const uint64_t start = f.storage.mutations();
    ASSERT_TRUE(f.spool.split(entry, plan).ok());
    operations = f.storage.mutations() - start;
    ASSERT_GT(operations, 15u);
  }
  int split = 0;
  int whole_count = 0;
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    for (uint64_t k = 0; k <= operations; ++k) {
      Fixture f;
      const SpoolEntry entry = setup(f);
      f.storage.crash_after(k);
      const bool reported_ok = f.spool.split(entry, plan).ok();
      EXPECT_EQ(reported_ok, k == operations) << k;
      f.storage.restart(mode);
      const std::string where =
          "mode " + std::to_string(static_cast<int>(mode)) + " k=" + std::to_string(k);
      const bool done = check(f, where);
      EXPECT_TRUE(done || !reported_ok) << "a split reported as done was undone; " << where;
      (done ? split : whole_count) += 1;
    }
  }
  EXPECT_GT(split, 0);
  EXPECT_GT(whole_count, 0);
}

// After a split returned, later work syncs the group again (here mark_sending of the first
// part); a power loss then must find the refused tasks in rejected/, not lost with the staging
// directory whose removal that sync made durable.
TEST(SpoolSplit, ASplitThatReturnedSurvivesLaterWorkAndAPowerLoss) {
  for (const Crash mode : {Crash::PowerLost, Crash::PowerLostTorn}) {
    Fixture f;
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    const auto a = tasks("A", 0, 6);
    f.add(a);
    SpoolEntry entry = f.next();
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    ASSERT_TRUE(f.spool.split(entry, VectorPlan(2, {0, kReject, 0, 1, kReject, 1})).ok());
    SpoolEntry part = f.next();
    ASSERT_TRUE(f.spool.mark_sending(part).ok());
    f.storage.restart(mode);
    Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
    ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
    EXPECT_EQ(rejected_tasks(f.storage), (std::vector<std::string>{a[1], a[4]}));
    EXPECT_EQ(queued(f.storage), (std::vector<std::string>{a[0], a[2], a[3], a[5]}));
    EXPECT_TRUE(split_dirs(f.storage).empty());
  }
}

// A second crash while the restarted consumer finishes or undoes the interrupted split.
TEST(SpoolSplit, ACrashWhileRecoveringASplitIsRecoveredToo) {
  const auto a = tasks("A", 0, 6);
  const VectorPlan plan(2, {0, kReject, 0, 1, kReject, 1});
  int recoveries = 0;
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost}) {
    for (uint64_t k = 0;; ++k) {
      bool finished_first_time = false;
      for (uint64_t j = 0;; ++j) {
        Fixture f;
        EXPECT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
        f.add(a);
        SpoolEntry entry = f.next();
        f.storage.crash_after(k);
        finished_first_time = f.spool.split(entry, plan).ok();
        f.storage.restart(mode);
        if (finished_first_time) {
          break;
        }
        Spool recovering(f.storage, f.entropy, Logger(&f.log, "spool"));
        f.storage.crash_after(j);
        const bool recovered = recovering.open(kDir, Spool::Role::Consumer).ok();
        f.storage.restart(mode);
        Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
        ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok());
        EXPECT_TRUE(split_dirs(f.storage).empty());
        const auto now = queued(f.storage);
        const auto rejected = rejected_tasks(f.storage);
        if (rejected.empty()) {
          EXPECT_EQ(now, a) << k << " " << j;
        } else {
          EXPECT_EQ(rejected, (std::vector<std::string>{a[1], a[4]})) << k << " " << j;
          EXPECT_EQ(now, (std::vector<std::string>{a[0], a[2], a[3], a[5]})) << k << " " << j;
        }
        ++recoveries;
        if (recovered) {
          break;
        }
      }
      if (finished_first_time) {
        break;
      }
    }
  }
  EXPECT_GT(recoveries, 20);
}

// Random plans (1 to 8 parts, refusals anywhere, order kept), split again and again, with a
// random crash in a third of the splits: the queue drains with every task not refused exactly
// once and in order, before the later group, and every refused task once in rejected/.
TEST(SpoolSplit, RandomNestedPlansAndCrashesNeverLoseOrDuplicateATask) {
  std::mt19937 rng(20261206);
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
  const Crash modes[] = {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn};
  int crashes = 0;
  int refusals = 0;
  for (int round = 0; round < 80; ++round) {
    Fixture f;
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    const auto all = tasks("R" + std::to_string(round), 0, 1 + static_cast<int>(rng() % 40));
    f.add(all);
    f.add(tasks("Z", 0, 2));
    std::set<std::string> refused;
    std::vector<std::string> delivered;
    SpoolEntry entry;
    for (int step = 0; step < 400 && *f.spool.next(entry); ++step) {
      const auto list = elements(read_body(f.storage, entry));
      ASSERT_EQ(list.size(), entry.tasks);
      if (list.front().find("\"Z\"") != std::string::npos || (entry.tasks == 1 && chance(50))) {
        delivered = concat(delivered, list);
        ASSERT_TRUE(f.spool.confirm(entry).ok());
        continue;
      }
      const uint32_t parts = 1 + static_cast<uint32_t>(rng() % kMaxSplitPartsForTest);
      std::vector<uint32_t> of;
      uint32_t part = 0;
      std::set<uint32_t> used;
      for (size_t i = 0; i < list.size(); ++i) {
        if (chance(15)) {
          of.push_back(kReject);
          continue;
        }
        part = std::min(parts - 1, part + (chance(30) ? 1 + static_cast<uint32_t>(rng() % 2) : 0));
        of.push_back(part);
        used.insert(part);
      }
      const bool progress =
          used.size() > 1 || static_cast<size_t>(std::count(of.begin(), of.end(), kReject)) > 0;
      const VectorPlan plan(parts, of);
      const bool crash = progress && chance(33);
      if (crash) {
        f.storage.crash_after(rng() % 40);
      }
      const auto split = f.spool.split(entry, plan);
      if (!progress) {
        ASSERT_EQ(split.status(), Status::InvalidArgument);
        delivered = concat(delivered, list);
        ASSERT_TRUE(f.spool.confirm(entry).ok());
        continue;
      }
      if (crash && f.storage.crashed()) {
        ++crashes;
        f.storage.restart(modes[rng() % 3]);
        ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
      } else {
        ASSERT_TRUE(split.ok()) << split.error().detail.view();
        f.storage.crash_after(UINT64_MAX / 2);  // lifts an unused crash point
      }
      if (!f.storage.content(std::string(entry.path.view())).has_value()) {
        for (size_t i = 0; i < list.size(); ++i) {
          if (of[i] == kReject) {
            refused.insert(list[i]);
            ++refusals;
          }
        }
      }
    }
    EXPECT_TRUE(files_under(f.storage, "queue").empty()) << "round " << round;
    std::vector<std::string> expected;
    for (const auto& t : all) {
      if (refused.count(t) == 0) {
        expected.push_back(t);
      }
    }
    EXPECT_EQ(delivered, concat(expected, tasks("Z", 0, 2))) << "round " << round;
    auto in_rejected = rejected_tasks(f.storage);
    EXPECT_EQ(std::set<std::string>(in_rejected.begin(), in_rejected.end()), refused);
    EXPECT_EQ(in_rejected.size(), refused.size()) << "round " << round;
    EXPECT_TRUE(split_dirs(f.storage).empty());
  }
  EXPECT_GT(crashes, 20);
  EXPECT_GT(refusals, 100);
}

TEST(SpoolImport, AnImportRecordSurvivesARestartAndIsPolledNotResent) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add(tasks("A", 0, 3));
  f.add(tasks("B", 0, 2));
  SpoolEntry entry = f.next();
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  EXPECT_EQ(f.spool.mark_imported(entry, 0).status(), Status::InvalidArgument);
  EXPECT_EQ(f.spool.mark_imported(entry, -4).status(), Status::InvalidArgument);
  ASSERT_TRUE(f.spool.mark_imported(entry, 1234567890123LL).ok());
  EXPECT_TRUE(files_under(f.storage, "tmp").empty());
  f.storage.restart(Crash::PowerLost);

  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(restarted.counts()->outcome_unknown, 0u) << "the server answered: a known outcome";
  SpoolEntry again;
  ASSERT_TRUE(*restarted.next(again));
  EXPECT_EQ(again.path.view(), entry.path.view());
  EXPECT_EQ(again.import_id, 1234567890123LL);
  EXPECT_FALSE(again.outcome_unknown);
  EXPECT_EQ(restarted.split(again, halves(3)).status(), Status::InvalidArgument)
      << "an imported entry is polled, never split";
  SpoolEntry stale = again;
  stale.import_id = 0;
  EXPECT_EQ(restarted.split(stale, halves(3)).status(), Status::InvalidArgument)
      << "the record on disk counts, not only the caller's copy";
  ASSERT_TRUE(restarted.confirm(again).ok());
  EXPECT_EQ(restarted.counts()->possible_duplicates, 0u);
  for (const auto& [path, body] : files_under(f.storage, "queue")) {
    EXPECT_FALSE(ends_with(path, ".import")) << "confirm() removes the record: " << path;
  }
  SpoolEntry b;
  ASSERT_TRUE(*restarted.next(b));
  EXPECT_EQ(b.import_id, 0);
  ASSERT_TRUE(restarted.mark_imported(b, 9).ok());
  ASSERT_TRUE(*restarted.next(b));
  EXPECT_EQ(b.import_id, 9);
  ASSERT_TRUE(restarted.reject(b, "import 9 failed: bad data").ok());
  EXPECT_TRUE(files_under(f.storage, "queue").empty()) << "reject() removes the record too";
  EXPECT_EQ(restarted.mark_imported(b, 9).status(), Status::FileNotFound);
}

TEST(SpoolImport, AResentEntrysImportStaysAPossibleDuplicate) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add(tasks("A", 0, 2));
  SpoolEntry entry = f.next();
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  f.storage.restart(Crash::ProcessKilled);
  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry again;
  ASSERT_TRUE(*restarted.next(again));
  ASSERT_TRUE(again.outcome_unknown);
  ASSERT_TRUE(restarted.mark_sending(again).ok());
  ASSERT_TRUE(restarted.mark_imported(again, 77).ok());
  SpoolEntry polled;
  ASSERT_TRUE(*restarted.next(polled));
  EXPECT_EQ(polled.import_id, 77);
  EXPECT_TRUE(polled.outcome_unknown) << "an earlier request may also have been imported";
  ASSERT_TRUE(restarted.confirm(polled).ok());
  EXPECT_EQ(restarted.counts()->possible_duplicates, 1u);
}

// For a first send and for a resend after an unknown outcome (whose import stays a possible
// duplicate), a crash at every step: the import is recorded, or the entry stays outcome unknown
// (resent and counted); a recorded import that mark_imported() reported is never lost.
TEST(SpoolImport, ACrashWhileRecordingAnImportLeavesItRecordedOrOutcomeUnknown) {
  for (const bool resent : {false, true}) {
    for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
      int recorded = 0;
      int unknown = 0;
      for (uint64_t k = 0;; ++k) {
        Fixture f;
        ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
        f.add(tasks("A", 0, 2));
        SpoolEntry entry = f.next();
        ASSERT_TRUE(f.spool.mark_sending(entry).ok());
        entry.outcome_unknown = resent;
        f.storage.crash_after(k);
        const bool ok = f.spool.mark_imported(entry, 5).ok();
        f.storage.restart(mode);
        Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
        ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
        EXPECT_TRUE(files_under(f.storage, "tmp").empty());
        SpoolEntry again;
        ASSERT_TRUE(*restarted.next(again));
        if (again.import_id == 5) {
          EXPECT_EQ(again.outcome_unknown, resent) << k;
          ++recorded;
        } else {
          EXPECT_EQ(again.import_id, 0) << k;
          EXPECT_TRUE(again.outcome_unknown) << "not recorded: resent as a possible duplicate";
          EXPECT_FALSE(ok) << "a recorded import was lost; k=" << k << " resent=" << resent;
          ++unknown;
        }
        if (ok) {
          EXPECT_EQ(restarted.counts()->outcome_unknown, resent ? 1u : 0u) << k;
          break;
        }
      }
      EXPECT_GT(recorded, 0);
      EXPECT_GT(unknown, 0);
    }
  }
}

TEST(SpoolImport, AnUnreadableRecordMeansOutcomeUnknownNotABlockedQueue) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add(tasks("A", 0, 2));
  SpoolEntry entry = f.next();
  const std::string record = std::string(entry.path.view()) + ".import";
  for (const std::string& text : {std::string("x\n"), std::string("12 maybe\n"), std::string(""),
                                  std::string("0\n"), std::string(100, '7')}) {
    f.storage.put_file(record, text);
    SpoolEntry again;
    ASSERT_TRUE(*f.spool.next(again)) << text;
    EXPECT_EQ(again.import_id, 0) << text;
    EXPECT_TRUE(again.outcome_unknown) << text;
  }
  EXPECT_NE(f.log.all_text().find("cannot read the import record"), std::string::npos);
}

TEST(SpoolSplit, NamesThatAreAlmostEntriesAreForeign) {
  for (const std::string name :
       {"0000000000.123-3.json", "0000000000.00000000001-3.json", "0000000000.0000000000-0.json",
        "0000000000.9999999999-2.json", "0000000000.0000000000-.json", "0000000000.0000000000-3",
        "000000000.0000000000-3.json", "0000000000,0000000000-3.json"}) {
    Fixture f;
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    f.add(tasks("A", 0, 1));
    f.add(tasks("B", 0, 1));
    SpoolEntry entry = f.next();
    ASSERT_TRUE(f.spool.confirm(entry).ok());
    f.storage.put_file(std::string(kDir) + "/queue/" + kGroup1 + "/" + name, "[{}]");
    entry = f.next();
    EXPECT_EQ(entry.sequence, 2u) << name << " is not an entry: the group is skipped";
    EXPECT_EQ(f.spool.counts()->queued_tasks, 1u) << name;
  }
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add(tasks("A", 0, 1));
  f.add(tasks("B", 0, 1));
  SpoolEntry entry = f.next();
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  f.storage.put_directory(std::string(kDir) + "/queue/" + kGroup1 + "/notes.split");
  EXPECT_EQ(f.next().sequence, 2u) << "not a split's staging directory";
}

// The uploader's whole cycle against a fake server that refuses bodies of more than 4 tasks
// (a proxy's 413: halve) and tasks marked bad (an index-aligned 400: those go to rejected/, the
// rest is sent again), and a task too large even alone (rejected whole): the queue drains, every
// good task arrives once and in order, every bad one is in rejected/ with its own reason.
TEST(SpoolSplit, AnUploaderDrainsAQueueOfRefusedAndOversizedBatches) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  auto bad = [](const std::string& t) { return t.find("BAD") != std::string::npos; };
  std::vector<std::string> all;
  for (int round = 0; round < 3; ++round) {
    std::vector<std::string> list;
    for (int i = 0; i < 23; ++i) {
      const bool is_bad = (i * 7 + round) % 5 == 0;
      list.push_back(task(std::string(is_bad ? "BAD" : "OK") + std::to_string(round), i));
    }
    all = concat(all, list);
    f.add(list, budget_for(10));
  }
  const std::string huge =
      "{\"data\":{\"src\":\"HUGE\",\"pad\":\"" + std::string(700, 'x') + "\"}}";
  f.add({task("OK9", 0), huge, task("OK9", 1)});
  all = concat(all, {task("OK9", 0), huge, task("OK9", 1)});
  f.add(tasks("ALLBAD", 0, 3));
  f.add(tasks("TAIL", 0, 2));

  std::vector<std::string> received;
  int splits = 0;
  SpoolEntry entry;
  for (int requests = 0; *f.spool.next(entry); ++requests) {
    ASSERT_LT(requests, 500) << "the queue does not drain";
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    const auto list = elements(read_body(f.storage, entry));
    ASSERT_EQ(list.size(), entry.tasks);
    const std::string body = read_body(f.storage, entry);
    if (body.size() > 700 && list.size() == 1) {
      ASSERT_TRUE(f.spool.reject(entry, "413: larger than the proxy's limit").ok());
      continue;
    }
    if (list.size() > 4 || body.size() > 700) {
      ASSERT_TRUE(f.spool.split(entry, halves(list.size())).ok());
      ++splits;
      continue;
    }
    std::vector<uint32_t> of;
    std::map<uint64_t, std::string> reasons;
    for (size_t i = 0; i < list.size(); ++i) {
      const bool refused = bad(list[i]) || list[i].find("ALLBAD") != std::string::npos;
      of.push_back(refused ? kReject : 0);
      if (refused) {
        reasons[i] = "Error at item " + std::to_string(i) + ": bad";
      }
    }
    if (std::count(of.begin(), of.end(), kReject) == 0) {
      received = concat(received, list);
      ASSERT_TRUE(f.spool.confirm(entry).ok());
      continue;
    }
    ASSERT_TRUE(f.spool.split(entry, VectorPlan(1, of, reasons)).ok());
  }
  std::vector<std::string> good;
  std::vector<std::string> refused;
  for (const auto& t : concat(all, concat(tasks("ALLBAD", 0, 3), tasks("TAIL", 0, 2)))) {
    if (t == huge) {
      continue;
    }
    (bad(t) ? refused : good).push_back(t);
  }
  EXPECT_GT(splits, 6);
  EXPECT_EQ(received, good) << "every good task exactly once, in order";
  auto in_rejected = rejected_tasks(f.storage);
  std::vector<std::string> expected_rejected = concat(refused, {huge});
  std::sort(in_rejected.begin(), in_rejected.end());
  std::sort(expected_rejected.begin(), expected_rejected.end());
  EXPECT_EQ(in_rejected, expected_rejected);
  for (const auto& [path, text] : files_under(f.storage, "rejected")) {
    if (ends_with(path, ".reason.txt") && path.find(".item") != std::string::npos) {
      const std::string item = path.substr(path.rfind(".item") + 5);
      EXPECT_EQ(text, "Error at item " + item.substr(0, item.find('.')) + ": bad\n") << path;
    }
  }
  auto counts = f.spool.counts();
  EXPECT_EQ(counts->queued_entries, 0u);
  EXPECT_EQ(counts->rejected_entries, expected_rejected.size());
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
  EXPECT_EQ(f.storage.open_directories(), 0u);
}

}  // namespace
}  // namespace lsedge::spool
