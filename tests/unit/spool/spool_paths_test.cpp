// The spool's error and recovery paths (issue #11 item 16): every storage call failing once, at
// every point of a consumer's life, loses no task; malformed names in queue/, tmp/ and rejected/
// are left alone; the marker's versions; the in-flight record's torn slots; the sequence
// counter's unreadable cases.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "firmware/spool/spool.h"
#include "firmware/spool/upload_policy.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"

namespace lsedge::spool {
namespace {

using testing::CaptureLog;
using testing::FakeEntropy;
using testing::MemoryStorage;
using Op = MemoryStorage::Op;

constexpr char kDir[] = "/data/spool";
const std::string kQueue = std::string(kDir) + "/queue/";
const std::string kTmp = std::string(kDir) + "/tmp/";
const std::string kRejected = std::string(kDir) + "/rejected/";
const std::string kSeq1 = "00000000000000000001";
const std::string kSeq2 = "00000000000000000002";

std::string tasks_json(int count, const std::string& tag) {
  std::string text = "[";
  for (int i = 0; i < count; ++i) {
    text += (i == 0 ? "" : ",") + std::string("{\"data\":{\"t\":\"") + tag +
            "\",\"i\":" + std::to_string(i) + "}}";
  }
  return text + "]";
}

// The tasks named in `text` ("addN#K"), in order.
std::vector<std::string> task_ids(const std::string& text) {
  static const std::regex kTask("\"t\":\"([a-z0-9]+)\",\"i\":([0-9]+)");
  std::vector<std::string> ids;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kTask);
       it != std::sregex_iterator(); ++it) {
    ids.push_back((*it)[1].str() + "#" + (*it)[2].str());
  }
  return ids;
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Halves, or the first task rejected and the rest in one part.
class HalvesPlan final : public SplitPlan {
 public:
  explicit HalvesPlan(uint64_t tasks, bool reject_first = false)
      : tasks_(tasks), reject_first_(reject_first) {}
  uint32_t part_count() const override { return reject_first_ ? 1 : 2; }
  uint32_t part_of(uint64_t index) const override {
    if (reject_first_) {
      return index == 0 ? kRejectTask : 0;
    }
    return index < tasks_ / 2 ? 0 : 1;
  }
  std::string_view reason(uint64_t) const override { return "refused alone"; }

 private:
  uint64_t tasks_;
  bool reject_first_;
};

struct Fixture {
  MemoryStorage storage;
  FakeEntropy entropy;
  CaptureLog log;
  Fixture() {
    storage.put_directory("/data");
    storage.put_directory("/in");
  }
  Spool make() { return Spool(storage, entropy, Logger(&log, "spool")); }
  void add(const std::string& tag, int tasks, uint64_t budget = UINT64_MAX) {
    Spool producer = make();
    ASSERT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
    storage.put_file("/in/t.json", tasks_json(tasks, tag));
    const auto added = producer.add("/in/t.json", budget);
    ASSERT_TRUE(added.ok()) << added.error().detail.view();
  }
  // Every task id in rejected/ entry files.
  std::multiset<std::string> rejected_tasks() const {
    std::multiset<std::string> ids;
    for (const auto& [path, content] : storage.snapshot()) {
      if (starts_with(path, kRejected) && ends_with(path, ".json")) {
        for (const std::string& id : task_ids(content)) {
          ids.insert(id);
        }
      }
    }
    return ids;
  }
  bool has(const std::string& path) const { return storage.snapshot().count(path) != 0; }
  bool logged(const std::string& text) const {
    return log.all_text().find(text) != std::string::npos;
  }
};

// What a consumer did with the tasks: sent (a confirm() was called for them, whatever it
// answered) and confirmed (confirm() said ok).
struct Ledger {
  std::multiset<std::string> sent;
  std::multiset<std::string> confirmed;
};

// A consumer's life: every entry checked, marked and then rejected (the first), split (the
// second), imported and confirmed (the third) or confirmed. Stops at the first failure and
// returns it.
Outcome consume(Fixture& f, Spool& spool, Ledger& ledger) {
  LSEDGE_TRY(spool.open(kDir, Spool::Role::Consumer));
  int served = 0;
  for (int guard = 0; guard < 100; ++guard) {
    SpoolEntry entry;
    LSEDGE_TRY_ASSIGN(const bool found, spool.next(entry));
    if (!found) {
      break;
    }
    LSEDGE_TRY_ASSIGN(const bool corrupt, spool.reject_if_corrupt(entry));
    if (corrupt) {
      continue;
    }
    LSEDGE_TRY_ASSIGN(const SpoolCounts counted, spool.counts());
    (void)counted;
    LSEDGE_TRY(spool.mark_sending(entry));
    ++served;
    if (served == 1) {
      LSEDGE_TRY(spool.reject(entry, "bad request"));
      continue;
    }
    if (served == 2 && entry.tasks >= 2 && entry.import_id == 0) {
      LSEDGE_TRY(spool.split(entry, HalvesPlan(entry.tasks, false)));
      continue;
    }
    if (served == 4 && entry.tasks >= 2 && entry.import_id == 0) {
      LSEDGE_TRY(spool.split(entry, HalvesPlan(entry.tasks, true)));
      continue;
    }
    if (served == 3 && entry.import_id == 0) {
      LSEDGE_TRY(spool.mark_imported(entry, 42));
      LSEDGE_TRY(spool.release(entry));
    }
    const std::optional<std::string> body = f.storage.content(entry.path.c_str());
    const std::vector<std::string> ids = body ? task_ids(*body) : std::vector<std::string>();
    ledger.sent.insert(ids.begin(), ids.end());
    LSEDGE_TRY(spool.confirm(entry));
    ledger.confirmed.insert(ids.begin(), ids.end());
  }
  spool.close();
  return {};
}

// Queues three adds (7 tasks in all, 6 entries) and leaves what crashes and old releases leave:
// a claim, a staging directory, a garbage directory and a reason note in tmp/, an old release's
// `.sending` marker beside an entry.
void prepare(Fixture& f, std::multiset<std::string>& all) {
  f.add("a", 1);
  f.add("b", 4, 60);
  f.add("c", 2);
  for (const std::string tag : {"a", "b", "c"}) {
    for (const std::string& id : task_ids(tasks_json(tag == "a" ? 1 : tag == "b" ? 4 : 2, tag))) {
      all.insert(id);
    }
  }
  f.storage.put_file(kTmp + "0123456789abcdef.claim", "");
  f.storage.put_directory(kTmp + "0123456789abcdee");
  f.storage.put_file(kTmp + "0123456789abcdee/0000000000-1.json", tasks_json(1, "zz"));
  f.storage.put_directory(kTmp + "0123456789abcded.garbage");
  f.storage.put_file(kTmp + "0123456789abcded.garbage/0000000000-1.json", tasks_json(1, "zz"));
  f.storage.put_file(kTmp + kSeq1 + "-0000000000-1.reason.txt", "half");
  f.storage.put_file(kQueue + kSeq2 + "/0000000001-1.json.sending", "");
}

// Every task is sent or rejected at least once, and none is confirmed twice: a failure at any
// storage call loses nothing, and a confirmed entry is gone.
void expect_no_loss(Fixture& f, const std::multiset<std::string>& all, const Ledger& first,
                    const std::string& where) {
  Spool spool = f.make();
  Ledger rest;
  const Outcome drained = consume(f, spool, rest);
  ASSERT_TRUE(drained.ok()) << where << ": " << drained.error().detail.view();
  SpoolCounts counts;
  {
    Spool check = f.make();
    ASSERT_TRUE(check.open(kDir, Spool::Role::Producer).ok()) << where;
    const auto counted = check.counts();
    ASSERT_TRUE(counted.ok()) << where;
    counts = *counted;
  }
  EXPECT_EQ(counts.queued_entries, 0u) << where;
  const std::multiset<std::string> rejected = f.rejected_tasks();
  for (const std::string& id : std::set<std::string>(all.begin(), all.end())) {
    const size_t seen = first.sent.count(id) + rest.sent.count(id) + rejected.count(id);
    EXPECT_GE(seen, 1u) << where << ": task " << id << " was lost";
    EXPECT_LE(first.confirmed.count(id) + rest.confirmed.count(id) + rejected.count(id), 1u)
        << where << ": task " << id << " confirmed or rejected twice";
  }
  EXPECT_EQ(f.storage.open_handles(), 0u) << where;
  EXPECT_EQ(f.storage.open_directories(), 0u) << where;
}

// The status a storage call reports for `err` (as LinuxStorage maps it).
Status expected_status(int err) {
  switch (err) {
    case ENOSPC:
      return Status::NoSpace;
    case ENOENT:
      return Status::FileNotFound;
    case ENOTEMPTY:
      return Status::DirectoryNotEmpty;
    default:
      return Status::FileError;
  }
}

class FaultSweep : public ::testing::TestWithParam<int> {};

// Each storage call of a consumer's life fails once (EIO or ENOSPC): the call that met it fails
// with the storage's status (or, for best-effort cleanup, goes on), and a restarted consumer
// drains the rest with no task lost or confirmed twice.
TEST_P(FaultSweep, AnyStorageFailureOnceLosesNoTask) {
  const int err = GetParam();
  const Op ops[] = {Op::ReadFile,  Op::OpenRead,      Op::CreateNew,     Op::ReadAt,
                    Op::Append,    Op::Size,          Op::Sync,          Op::Rename,
                    Op::Remove,    Op::MakeDirectory, Op::SyncDirectory, Op::OpenDirectory,
                    Op::NextEntry, Op::Exists,        Op::WriteAt,       Op::Info,
                    Op::LockFile};
  int failures_seen = 0;
  for (const Op op : ops) {
    for (uint64_t nth = 1; nth < 400; ++nth) {
      Fixture f;
      std::multiset<std::string> all;
      prepare(f, all);
      const uint64_t before = f.storage.calls(op);
      f.storage.fail(op, nth, err);
      Spool spool = f.make();
      Ledger ledger;
      const Outcome first = consume(f, spool, ledger);
      spool.close();
      const std::string where = "op " + std::to_string(static_cast<int>(op)) + " call " +
                                std::to_string(nth) + " errno " + std::to_string(err);
      if (f.storage.calls(op) - before < nth) {
        ASSERT_TRUE(first.ok()) << where << ": " << first.error().detail.view();
        break;  // the life made fewer calls: this op is done
      }
      if (!first.ok()) {
        ++failures_seen;
        // split() words a full disk as a plan it cannot carry out (the caller rejects the
        // entry whole), still saying the disk is full.
        const bool split_full = first.status() == Status::InvalidArgument &&
                                starts_with(first.error().detail.c_str(), "no disk space");
        // A DIR that is not there when the consumer looks is a missing spool.
        const bool missing = op == Op::Info && err == ENOENT;
        EXPECT_TRUE(first.status() == (missing ? Status::SpoolNotFound : expected_status(err)) ||
                    (err == ENOSPC && split_full))
            << where << ": " << status_name(first.status()) << " " << first.error().detail.view();
        if (err == ENOSPC) {
          EXPECT_NE(first.error().detail.view().find("disk full"), std::string_view::npos)
              << where << ": " << first.error().detail.view();
        }
      }
      expect_no_loss(f, all, ledger, where);
      if (HasFatalFailure()) {
        return;
      }
    }
  }
  EXPECT_GT(failures_seen, 50);
}

// Making a spool and adding to it, each storage call failing once: a failed add queues nothing
// (all of an add's tasks or none), leaves nothing a consumer's open() does not clear from tmp/,
// and the spool still takes the next add.
TEST_P(FaultSweep, AnyStorageFailureInCreateOrAddQueuesAllOrNothing) {
  const int err = GetParam();
  const Op ops[] = {Op::ReadFile,  Op::OpenRead,      Op::CreateNew,     Op::ReadAt,
                    Op::Append,    Op::Size,          Op::Sync,          Op::Rename,
                    Op::Remove,    Op::MakeDirectory, Op::SyncDirectory, Op::OpenDirectory,
                    Op::NextEntry, Op::Exists,        Op::WriteAt,       Op::Info,
                    Op::LockFile};
  int failures_seen = 0;
  for (const Op op : ops) {
    for (uint64_t nth = 1; nth < 400; ++nth) {
      Fixture f;
      f.storage.put_file("/in/t.json", tasks_json(5, "a"));
      const uint64_t before = f.storage.calls(op);
      f.storage.fail(op, nth, err);
      Outcome result;
      {
        Spool producer = f.make();
        result = producer.open(kDir, Spool::Role::Producer);
        if (result.ok()) {
          const auto added = producer.add("/in/t.json", 80);
          result = added.ok() ? Outcome() : Outcome(added.error());
        }
      }
      const std::string where = "op " + std::to_string(static_cast<int>(op)) + " call " +
                                std::to_string(nth) + " errno " + std::to_string(err);
      if (f.storage.calls(op) - before < nth) {
        ASSERT_TRUE(result.ok()) << where << ": " << result.error().detail.view();
        break;
      }
      failures_seen += result.ok() ? 0 : 1;
      if (!result.ok()) {
        EXPECT_NE(result.status(), Status::Ok);
        EXPECT_EQ(result.status(), expected_status(err))
            << where << ": " << status_name(result.status()) << " " << result.error().detail.view();
      }
      // A consumer opens it (clearing tmp/) and finds 5 tasks or none.
      Spool consumer = f.make();
      const Outcome opened = consumer.open(kDir, Spool::Role::Consumer);
      if (!opened.ok()) {
        // Only when the failure came before the spool existed (its marker).
        EXPECT_FALSE(result.ok()) << where;
        EXPECT_EQ(opened.status(), Status::SpoolNotFound) << where;
        continue;
      }
      const auto counts = consumer.counts();
      ASSERT_TRUE(counts.ok()) << where;
      EXPECT_EQ(counts->queued_tasks, result.ok() ? 5u : 0u) << where;
      for (const auto& [path, content] : f.storage.snapshot()) {
        EXPECT_FALSE(starts_with(path, kTmp) && path != kTmp) << where << ": " << path;
      }
      consumer.close();
      f.add("b", 1);
    }
  }
  EXPECT_GT(failures_seen, 20);
}

// The record names one entry; mark_sending() of another (only when FIFO was broken) keeps the
// first one's state beside it, as an old release's note: imported stays imported, sending stays
// outcome-unknown.
TEST(SpoolPaths, ADisplacedRecordKeepsTheEntrysState) {
  for (const bool imported : {true, false}) {
    for (const bool unknown : {false, true}) {
      Fixture f;
      f.add("a", 2);
      f.add("b", 2);
      if (unknown) {
        f.storage.put_file(kQueue + kSeq1 + "/0000000000-2.json.sending", "");
      }
      Spool spool = f.make();
      ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
      SpoolEntry first;
      ASSERT_TRUE(spool.next(first).ok());
      ASSERT_EQ(first.group.view(), kSeq1);
      EXPECT_EQ(first.outcome_unknown, unknown);
      ASSERT_TRUE(spool.mark_sending(first).ok());
      if (imported) {
        ASSERT_TRUE(spool.mark_imported(first, 31).ok());
      }
      SpoolEntry second;
      (void)second.group.assign(kSeq2);
      (void)second.name.assign("0000000000-2.json");
      (void)second.path.assign(kQueue + kSeq2 + "/0000000000-2.json");
      second.tasks = 2;
      ASSERT_TRUE(spool.mark_sending(second).ok());
      const std::string note =
          kQueue + kSeq1 + "/0000000000-2.json" + (imported ? ".import" : ".sending");
      ASSERT_TRUE(f.storage.content(note).has_value()) << note;
      if (imported) {
        EXPECT_EQ(*f.storage.content(note), unknown ? "31 outcome-unknown\n" : "31\n");
      }
      spool.close();
      Spool again = f.make();
      ASSERT_TRUE(again.open(kDir, Spool::Role::Consumer).ok());
      SpoolEntry entry;
      ASSERT_TRUE(again.next(entry).ok());
      EXPECT_EQ(entry.group.view(), kSeq1);
      EXPECT_EQ(entry.import_id, imported ? 31 : 0);
      EXPECT_EQ(entry.outcome_unknown, unknown || !imported);
      const auto counts = again.counts();
      ASSERT_TRUE(counts.ok());
      // The second by the record, the first by its `.sending` note (an imported one is polled,
      // not counted as being sent).
      EXPECT_EQ(counts->outcome_unknown, imported ? 1u : 2u);
    }
  }
}

// A displaced sending record that cannot be kept (no inode for the note) is logged, and the
// send goes on.
TEST(SpoolPaths, ADisplacedRecordThatCannotBeKeptIsLogged) {
  Fixture f;
  f.add("a", 2);
  f.add("b", 2);
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry first;
  ASSERT_TRUE(spool.next(first).ok());
  ASSERT_TRUE(spool.mark_sending(first).ok());
  SpoolEntry second;
  (void)second.group.assign(kSeq2);
  (void)second.name.assign("0000000000-2.json");
  (void)second.path.assign(kQueue + kSeq2 + "/0000000000-2.json");
  f.storage.fail(Op::CreateNew, 1, ENOSPC);
  ASSERT_TRUE(spool.mark_sending(second).ok());
  EXPECT_TRUE(f.logged("cannot keep the unknown outcome"));
  const auto flying = spool.is_in_flight(kSeq2, "0000000000-2.json");
  ASSERT_TRUE(flying.ok());
  EXPECT_TRUE(*flying);
}

// More foreign files than next() remembers: each of the first ones is reported once, the rest
// in one line, and none is touched.
TEST(SpoolPaths, ManyForeignFilesAreReportedOnceAndLeft) {
  Fixture f;
  f.add("a", 1);
  for (int i = 0; i < 40; ++i) {
    f.storage.put_file(kQueue + "foreign" + std::to_string(i), "mine");
  }
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  for (int round = 0; round < 3; ++round) {
    SpoolEntry entry;
    const auto found = spool.next(entry);
    ASSERT_TRUE(found.ok());
    if (*found) {
      ASSERT_TRUE(spool.mark_sending(entry).ok());
      ASSERT_TRUE(spool.confirm(entry).ok());
    }
  }
  const std::string text = f.log.all_text();
  size_t overflow = 0;
  for (size_t at = text.find("not listed one by one"); at != std::string::npos;
       at = text.find("not listed one by one", at + 1)) {
    ++overflow;
  }
  EXPECT_EQ(overflow, 1u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(f.storage.content(kQueue + "foreign" + std::to_string(i)),
              std::optional<std::string>("mine"));
  }
}

// A staging directory whose garbage name is taken by a directory lsedge did not fill: both
// stay.
TEST(SpoolPaths, AStagingDirectoryWhoseGarbageNameIsTakenStays) {
  Fixture f;
  f.add("a", 1);
  f.storage.put_directory(kTmp + "0123456789abcdea");
  f.storage.put_file(kTmp + "0123456789abcdea/0000000000-1.json", tasks_json(1, "z"));
  f.storage.put_directory(kTmp + "0123456789abcdea.garbage");
  f.storage.put_file(kTmp + "0123456789abcdea.garbage/notes.txt", "mine");
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_TRUE(f.has(kTmp + "0123456789abcdea/0000000000-1.json"));
  EXPECT_EQ(f.storage.content(kTmp + "0123456789abcdea.garbage/notes.txt"),
            std::optional<std::string>("mine"));
}

INSTANTIATE_TEST_SUITE_P(Errno, FaultSweep, ::testing::Values(EIO, ENOSPC, ENOENT, ENOTEMPTY));

// --- malformed names -------------------------------------------------------------------------

// Names lsedge does not make in queue/, a group, tmp/ and rejected/ are neither served, counted
// nor removed; what crashed adds left in tmp/ is removed.
TEST(SpoolPaths, MalformedNamesAreLeftAloneAndNeverServed) {
  Fixture f;
  f.add("a", 2);
  const std::string group = kQueue + kSeq1 + "/";
  const std::vector<std::string> foreign_files = {
      kQueue + "notes.txt",
      kQueue + "0000000000000000000x",
      group + "0000000000-0.json",                     // no tasks
      group + "000000000a-1.json",                     // batch not digits
      group + "0000000001.12345-1.json",               // FIRST too short
      group + "0000000001.000000000a-1.json",          // FIRST not digits
      group + "0000000001.9999999999-2.json",          // past the 10-digit FIRST range
      group + "0000000001-1x.json",                    // tasks not a number
      group + "0000000001+1.json",                     // no '-'
      group + "0000000001-99999999999999999999.json",  // tasks overflow
      group + "0000000001-1.txt",
      group + "short.json",
      kTmp + "notatoken.claim",
      kTmp + "0123456789ABCDEF.claim",  // upper case: not a token
      kTmp + "readme",
      kTmp + kSeq1 + "-bad.reason.txt",
      kTmp + "0000000000000000000x-0000000000-1.import",
      kTmp + "short.reason.txt",
      kTmp + "00000000000000000001x0000000000-1.reason.txt",
      kRejected + "foreign.bin",
  };
  const std::vector<std::string> foreign_dirs = {
      kQueue + "00000000000000000009x",  // 21 digits: not a group
      group + "sub",
      group + "0000000000-0.split",  // not a stem
      kTmp + "0123456789abcdeg",     // not a token
      kTmp + "0123456789abcdef",     // a token, but holds a foreign file
      kTmp + "0123456789abcdeb",     // a token, but holds a directory
      kTmp + "0123456789abcdeb/sub",
      kTmp + "0123456789abcdec.garbage",  // holds a directory
      kTmp + "notatoken.garbage",
  };
  for (const std::string& dir : foreign_dirs) {
    f.storage.put_directory(dir);
  }
  f.storage.put_file(kTmp + "0123456789abcdef/keep.txt", "mine");
  f.storage.put_directory(kTmp + "0123456789abcdec.garbage/inner");
  for (const std::string& file : foreign_files) {
    f.storage.put_file(file, "mine");
  }
  // What an add or reject() leaves: removed by the consumer's open().
  f.storage.put_file(kTmp + "fedcba9876543210.claim", "");
  f.storage.put_directory(kTmp + "fedcba9876543210");
  f.storage.put_file(kTmp + "fedcba9876543210/0000000000-1.json", tasks_json(1, "zz"));
  f.storage.put_file(kTmp + kSeq1 + "-0000000000-2.reason.txt", "half");
  f.storage.put_file(kTmp + kSeq1 + "-0000000000.0000000001-1.import", "7");

  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  const auto counts = spool.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_entries, 1u);
  EXPECT_EQ(counts->queued_tasks, 2u);
  EXPECT_EQ(counts->rejected_entries, 0u);
  SpoolEntry entry;
  const auto found = spool.next(entry);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(entry.name.view(), "0000000000-2.json");
  ASSERT_TRUE(spool.mark_sending(entry).ok());
  ASSERT_TRUE(spool.confirm(entry).ok());
  const auto after = spool.next(entry);
  ASSERT_TRUE(after.ok()) << after.error().detail.view();
  EXPECT_FALSE(*after);

  for (const std::string& file : foreign_files) {
    EXPECT_EQ(f.storage.content(file), std::optional<std::string>("mine")) << file;
  }
  for (const std::string& dir : foreign_dirs) {
    EXPECT_TRUE(f.has(dir + "/")) << dir;
  }
  EXPECT_TRUE(f.has(kTmp + "0123456789abcdec.garbage/inner/"));
  EXPECT_FALSE(f.has(kTmp + "fedcba9876543210.claim"));
  EXPECT_FALSE(f.has(kTmp + "fedcba9876543210/"));
  EXPECT_FALSE(f.has(kTmp + kSeq1 + "-0000000000-2.reason.txt"));
  EXPECT_FALSE(f.has(kTmp + kSeq1 + "-0000000000.0000000001-1.import"));
  EXPECT_TRUE(f.logged("names lsedge does not make there"));
  EXPECT_TRUE(f.logged("removed 4 leftovers"));
}

// reject_if_corrupt() refuses a name that is not an entry's (a caller's mistake), and checks
// the bytes against the name.
TEST(SpoolPaths, EntryCheckNamesWhatIsWrong) {
  Fixture f;
  f.add("a", 2);
  const std::string group = kQueue + kSeq1 + "/";
  f.storage.put_file(group + "0000000001-3.json", tasks_json(2, "b"));  // says 3, holds 2
  f.storage.put_file(group + "0000000002-1.json", "");                  // empty
  f.storage.put_file(group + "0000000003-1.json", "[{\"data\":");       // cut short
  f.storage.put_file(group + "0000000004-1.json", "{\"data\":{}}\n");   // not an array
  f.storage.put_file(group + "0000000005-1.json", "[]");                // no task
  f.storage.put_file(group + "0000000006-1.json", "[1]");               // not a task object
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry bogus;
  (void)bogus.group.assign(kSeq1);
  (void)bogus.name.assign("nonsense.json");
  (void)bogus.path.assign(group + "nonsense.json");
  const auto refused = spool.reject_if_corrupt(bogus);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status(), Status::InvalidArgument);
  std::vector<std::string> served;
  for (int i = 0; i < 10; ++i) {
    SpoolEntry entry;
    const auto found = spool.next(entry);
    ASSERT_TRUE(found.ok());
    if (!*found) {
      break;
    }
    const auto corrupt = spool.reject_if_corrupt(entry);
    ASSERT_TRUE(corrupt.ok()) << corrupt.error().detail.view();
    if (*corrupt) {
      continue;
    }
    served.push_back(entry.name.c_str());
    ASSERT_TRUE(spool.mark_sending(entry).ok());
    ASSERT_TRUE(spool.confirm(entry).ok());
  }
  EXPECT_EQ(served, std::vector<std::string>{"0000000000-2.json"});
  const std::string key = kRejected + kSeq1 + "-";
  EXPECT_NE(f.storage.content(key + "0000000001-3.reason.txt")->find("holds 2 tasks"),
            std::string::npos);
  EXPECT_NE(f.storage.content(key + "0000000002-1.reason.txt")->find("empty (0 bytes)"),
            std::string::npos);
  EXPECT_NE(f.storage.content(key + "0000000003-1.reason.txt")->find("not a JSON array"),
            std::string::npos);
  EXPECT_NE(f.storage.content(key + "0000000004-1.reason.txt")->find("its name says"),
            std::string::npos);
  EXPECT_TRUE(f.has(key + "0000000005-1.json"));
  EXPECT_TRUE(f.has(key + "0000000006-1.json"));
  EXPECT_NE(f.storage.content(key + "0000000006-1.reason.txt")->find("corrupt spool entry"),
            std::string::npos);
}

// --- the marker ------------------------------------------------------------------------------

TEST(SpoolPaths, MarkerVersions) {
  struct Case {
    std::string text;
    Status expected;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"lsedge spool 2\n", Status::Ok, ""},
      {"lsedge spool 1\n", Status::Ok, ""},
      {"lsedge sp", Status::Ok, ""},  // being written by another process
      {"", Status::Ok, ""},
      {"lsedge spool 3\n", Status::NotASpool, "newer lsedge (format 3"},
      {"lsedge spool 0\n", Status::NotASpool, "not an lsedge spool marker"},
      {"lsedge spool x\n", Status::NotASpool, "not an lsedge spool marker"},
      {"lsedge spool 2", Status::Ok, ""},
      {"lsedge spool 12", Status::NotASpool, "not an lsedge spool marker"},
      {"something else\n", Status::NotASpool, "not an lsedge spool marker"},
      {std::string(40, 'x'), Status::NotASpool, "not an lsedge spool marker"},
  };
  for (const Case& c : cases) {
    Fixture f;
    f.storage.put_directory(kDir);
    f.storage.put_file(std::string(kDir) + "/lsedge-spool", c.text);
    Spool spool = f.make();
    const Outcome opened = spool.open(kDir, Spool::Role::Producer);
    EXPECT_EQ(opened.status(), c.expected) << c.text;
    if (!c.says.empty()) {
      EXPECT_NE(opened.error().detail.view().find(c.says), std::string_view::npos)
          << c.text << ": " << opened.error().detail.view();
      EXPECT_FALSE(f.has(kQueue)) << "nothing is written in a directory that is not a spool";
    }
  }
  // The marker as a directory, and a marker that cannot be read.
  Fixture dir;
  dir.storage.put_directory(kDir);
  dir.storage.put_directory(std::string(kDir) + "/lsedge-spool");
  Spool spool = dir.make();
  EXPECT_EQ(spool.open(kDir, Spool::Role::Producer).status(), Status::NotASpool);
  Fixture unreadable;
  unreadable.add("a", 1);
  unreadable.storage.fail(Op::ReadFile, 1, EIO);
  Spool other = unreadable.make();
  EXPECT_EQ(other.open(kDir, Spool::Role::Consumer).status(), Status::FileError);
}

// A directory and a file as DIR, too long a name, a missing DIR for either role.
TEST(SpoolPaths, DirectoryChecks) {
  Fixture f;
  Spool spool = f.make();
  EXPECT_EQ(spool.open("", Spool::Role::Producer).status(), Status::InvalidArgument);
  EXPECT_EQ(
      spool.open("/data/" + std::string(LSEDGE_PATH_CAPACITY, 'x'), Spool::Role::Producer).status(),
      Status::InvalidArgument);
  f.storage.put_file("/data/file", "x");
  EXPECT_EQ(spool.open("/data/file", Spool::Role::Producer).status(), Status::NotADirectory);
  EXPECT_EQ(spool.open("/data/none", Spool::Role::Consumer).status(), Status::SpoolNotFound);
  f.storage.fail(Op::Info, 1, EACCES);
  EXPECT_EQ(spool.open("/data/none", Spool::Role::Producer).status(), Status::FileAccessDenied);
  EXPECT_FALSE(f.has("/data/none/"));
  ASSERT_TRUE(spool.open("/data/none///", Spool::Role::Producer).ok());
  EXPECT_EQ(spool.directory(), "/data/none");
  EXPECT_TRUE(f.logged("created spool /data/none"));
  // A producer never sends.
  SpoolEntry entry;
  EXPECT_EQ(spool.mark_sending(entry).status(), Status::InvalidArgument);
  spool.close();
  EXPECT_EQ(spool.next(entry).status(), Status::InvalidArgument);
  EXPECT_EQ(spool.is_in_flight("a", "b").status(), Status::InvalidArgument);
}

// --- the in-flight record --------------------------------------------------------------------

uint32_t fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (const char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 16777619u;
  }
  return hash;
}

// One slot as the spool writes it: body, checksum, newline, zero padding to 256 bytes.
std::string slot(const std::string& body, bool good_sum = true) {
  char sum[9];
  snprintf(sum, sizeof(sum), "%08x", fnv1a(body) ^ (good_sum ? 0u : 1u));
  std::string text = body + " " + sum + "\n";
  text.resize(256, '\0');
  return text;
}

// Which slot wins: the whole one with the higher counter; a torn, foreign or malformed slot
// never counts.
TEST(SpoolPaths, InFlightRecordSlots) {
  const std::string entry = "0000000000-2.json";
  const std::string sending = "lsedge in-flight 7 sending 0 0 " + kSeq1 + " " + entry;
  const std::string none = "lsedge in-flight 3 none 0 0 - -";
  const std::string imported = "lsedge in-flight 9 imported 55 0 " + kSeq1 + " " + entry;
  struct Case {
    std::string bytes;
    bool in_flight;
    int64_t import_id;
  };
  const std::vector<Case> cases = {
      {slot(sending) + slot(none), true, 0},
      {slot(none) + slot(sending), true, 0},
      {slot(sending, false) + slot(none), false, 0},  // torn: checksum
      {slot(sending).substr(0, 40) + std::string(216, '\0') + slot(none), false, 0},
      {slot(imported) + slot(sending), false, 55},
      {slot("lsedge in-flight 7 flying 0 0 " + kSeq1 + " " + entry) + slot(none), false, 0},
      {slot("lsedge in-flight 7 sending 0 2 " + kSeq1 + " " + entry) + slot(none), false, 0},
      {slot("lsedge in-flight 7 sending 0 0 " + kSeq1 + " " + entry + " extra") + slot(none), false,
       0},
      {slot("lsedge in-flight x sending 0 0 " + kSeq1 + " " + entry) + slot(none), false, 0},
      {slot("lsedge in-flight 9 imported 9223372036854775808 0 " + kSeq1 + " " + entry) +
           slot(none),
       false, 0},
      {slot("other program 7 sending 0 0 " + kSeq1 + " " + entry) + slot(none), false, 0},
      {slot("lsedge in-flight 7 sending 0 1 " + kSeq1 + " " + std::string(80, 'n')) + slot(none),
       false, 0},
      {std::string("short\n") + std::string(506, '\0'), false, 0},
      {slot(sending).replace(sending.size(), 1, "_") + slot(none), false, 0},  // no separator
      {slot("lsedge in-flight 7 sending 0 0 " + std::string(70, '0') + " " + entry) + slot(none),
       false, 0},
      {std::string(512, 'x'), false, 0},
  };
  int index = 0;
  for (const Case& c : cases) {
    Fixture f;
    f.add("a", 2);
    f.storage.put_file(std::string(kDir) + "/consumer.lock", c.bytes);
    Spool spool = f.make();
    ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok()) << index;
    const auto flying = spool.is_in_flight(kSeq1, entry);
    ASSERT_TRUE(flying.ok());
    EXPECT_EQ(*flying, c.in_flight) << "case " << index;
    SpoolEntry next;
    ASSERT_TRUE(spool.next(next).ok());
    EXPECT_EQ(next.outcome_unknown, c.in_flight) << "case " << index;
    EXPECT_EQ(next.import_id, c.import_id) << "case " << index;
    const auto counts = spool.counts();
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ(counts->outcome_unknown, c.in_flight ? 1u : 0u) << "case " << index;
    // The next write goes to the slot that does not hold the current record.
    ASSERT_TRUE(spool.mark_sending(next).ok());
    spool.close();
    Spool again = f.make();
    ASSERT_TRUE(again.open(kDir, Spool::Role::Consumer).ok());
    const auto now = again.is_in_flight(kSeq1, entry);
    ASSERT_TRUE(now.ok());
    EXPECT_TRUE(*now) << "case " << index;
    ++index;
  }
}

// An entry both named by the record and marked by an old release's note is counted once.
TEST(SpoolPaths, AnEntryMarkedTwiceIsCountedOnce) {
  Fixture f;
  f.add("a", 2);
  const std::string entry = "0000000000-2.json";
  f.storage.put_file(std::string(kDir) + "/consumer.lock",
                     slot("lsedge in-flight 7 sending 0 0 " + kSeq1 + " " + entry) +
                         slot("lsedge in-flight 3 none 0 0 - -"));
  f.storage.put_file(kQueue + kSeq1 + "/" + entry + ".sending", "");
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  const auto counts = spool.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->outcome_unknown, 1u);
  EXPECT_TRUE(f.logged("1 spool entries were being sent"));
}

// A short consumer.lock (an interrupted creation) gets its bytes back when the lock is taken.
TEST(SpoolPaths, ShortLockFileIsGrown) {
  Fixture f;
  f.add("a", 1);
  f.storage.put_file(std::string(kDir) + "/consumer.lock", "abc");
  f.storage.fail(Op::WriteAt, 1, ENOSPC);
  Spool full = f.make();
  EXPECT_EQ(full.open(kDir, Spool::Role::Consumer).status(), Status::NoSpace);
  full.close();
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(f.storage.content(std::string(kDir) + "/consumer.lock")->size(), 512u);
  Spool second = f.make();
  EXPECT_EQ(second.open(kDir, Spool::Role::Consumer).status(), Status::SpoolBusy);
}

// An old release's `.import` record: read (with its outcome-unknown flag), or, unreadable, the
// entry is sent again as outcome-unknown.
TEST(SpoolPaths, LegacyImportRecords) {
  struct Case {
    std::string text;
    int64_t import_id;
    bool unknown;
  };
  const std::vector<Case> cases = {
      {"77\n", 77, false},
      {"77 outcome-unknown\n", 77, true},
      {"0\n", 0, true},
      {"abc", 0, true},
      {"77 maybe", 0, true},
      {"9223372036854775808", 0, true},
      {std::string(60, '7'), 0, true},
  };
  for (const Case& c : cases) {
    Fixture f;
    f.add("a", 2);
    f.storage.put_file(kQueue + kSeq1 + "/0000000000-2.json.import", c.text);
    Spool spool = f.make();
    ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
    SpoolEntry entry;
    const auto found = spool.next(entry);
    ASSERT_TRUE(found.ok() && *found);
    EXPECT_EQ(entry.import_id, c.import_id) << c.text;
    EXPECT_EQ(entry.outcome_unknown, c.unknown) << c.text;
  }
}

// --- the sequence counter --------------------------------------------------------------------

TEST(SpoolPaths, UnreadableSequenceCounterFallsBackToTheQueue) {
  for (const std::string& text : {std::string("garbage\n"), std::string("99999999999999999999\n"),
                                  std::string("0000000000000000000x\n"),
                                  std::string("00000000000000000001"), std::string(30, '1')}) {
    Fixture f;
    f.add("a", 1);
    f.add("b", 1);
    f.storage.put_file(std::string(kDir) + "/sequence", text);
    f.add("c", 1);
    EXPECT_TRUE(f.has(kQueue + "00000000000000000003/")) << text;
    EXPECT_TRUE(f.logged("is unreadable")) << text;
  }
  // An empty counter is not reported (a crash between its creation and its first write).
  Fixture empty;
  empty.add("a", 1);
  empty.storage.put_file(std::string(kDir) + "/sequence", "");
  empty.add("b", 1);
  EXPECT_TRUE(empty.has(kQueue + kSeq2 + "/"));
  EXPECT_FALSE(empty.logged("is unreadable"));
  // The last number taken: nothing is queued, the add says so.
  Fixture full;
  full.add("a", 1);
  full.storage.put_file(std::string(kDir) + "/sequence", "18446744073709551615\n");
  Spool producer = full.make();
  ASSERT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
  full.storage.put_file("/in/t.json", tasks_json(1, "b"));
  const auto added = producer.add("/in/t.json");
  ASSERT_FALSE(added.ok());
  EXPECT_NE(added.error().detail.view().find("exhausted"), std::string_view::npos);
  const auto counts = producer.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_entries, 1u);
}

// --- SpoolEntryBody --------------------------------------------------------------------------

TEST(SpoolPaths, EntryBodyMisuse) {
  Fixture f;
  f.add("a", 2);
  SpoolEntryBody body(f.storage);
  uint8_t buffer[8];
  EXPECT_EQ(body.read(ByteSpan(buffer)).status(), Status::InvalidArgument);
  EXPECT_EQ(body.rewind().status(), Status::InvalidArgument);
  SpoolEntry entry;
  (void)entry.path.assign(kQueue + kSeq1 + "/0000000000-2.json");
  f.storage.fail(Op::Size, 1, EIO);
  EXPECT_EQ(body.open(entry).status(), Status::FileError);
  EXPECT_EQ(f.storage.open_handles(), 0u);
  ASSERT_TRUE(body.open(entry).ok());
  EXPECT_EQ(body.read(ByteSpan(buffer, 0)).status(), Status::InvalidArgument);
  std::string read;
  for (;;) {
    const auto got = body.read(ByteSpan(buffer));
    ASSERT_TRUE(got.ok());
    if (*got == 0) {
      break;
    }
    read.append(reinterpret_cast<const char*>(buffer), *got);
  }
  EXPECT_EQ(read, tasks_json(2, "a"));
  ASSERT_TRUE(body.rewind().ok());
  f.storage.fail(Op::ReadAt, 1, EIO);
  EXPECT_EQ(body.read(ByteSpan(buffer)).status(), Status::FileError);
  f.storage.put_file(kQueue + kSeq1 + "/0000000000-2.json", "[]");  // replaced meanwhile
  ASSERT_TRUE(body.open(entry).ok());
  EXPECT_EQ(body.size(), 2u);
  body.close();
  EXPECT_EQ(f.storage.open_handles(), 0u);
}

// The staging names an add draws (FakeEntropy's default seed, as random_token() writes them).
std::vector<std::string> staging_tokens(int count) {
  FakeEntropy entropy;
  std::vector<std::string> tokens;
  const char hex[] = "0123456789abcdef";
  for (int i = 0; i < count; ++i) {
    uint8_t random[8];
    EXPECT_EQ(entropy.fill(ByteSpan(random)), Status::Ok);
    std::string token;
    for (const uint8_t byte : random) {
      token += hex[byte >> 4];
      token += hex[byte & 0x0F];
    }
    tokens.push_back(token);
  }
  return tokens;
}

// Staging names another add holds are passed over; when eight in a row are taken the add
// gives up and queues nothing.
TEST(SpoolPaths, TakenStagingNamesArePassedOver) {
  for (const int taken : {7, 8}) {
    Fixture f;
    f.storage.put_directory(kDir);
    Spool producer = f.make();
    ASSERT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
    for (const std::string& token : staging_tokens(taken)) {
      f.storage.put_file(kTmp + token + ".claim", "");
    }
    f.storage.put_file("/in/t.json", tasks_json(2, "a"));
    const auto added = producer.add("/in/t.json");
    const auto counts = producer.counts();
    ASSERT_TRUE(counts.ok());
    if (taken == 7) {
      ASSERT_TRUE(added.ok()) << added.error().detail.view();
      EXPECT_EQ(counts->queued_tasks, 2u);
    } else {
      ASSERT_FALSE(added.ok());
      EXPECT_EQ(added.status(), Status::FileError);
      EXPECT_NE(added.error().detail.view().find("no free staging name"), std::string_view::npos);
      EXPECT_EQ(counts->queued_tasks, 0u);
    }
  }
}

// A spool named relative to the working directory (its parent is ".").
TEST(SpoolPaths, ARelativeDirectoryIsASpoolToo) {
  Fixture f;
  Spool spool = f.make();
  ASSERT_TRUE(spool.open("spool", Spool::Role::Producer).ok());
  EXPECT_TRUE(f.has("/spool/lsedge-spool"));
  EXPECT_TRUE(f.has("/spool/queue/"));
}

// A group left with only an old release's notes (their entries are gone) is removed with them.
TEST(SpoolPaths, AGroupOfOnlyNotesIsRemoved) {
  Fixture f;
  f.add("a", 1);
  f.storage.put_directory(kQueue + kSeq2);
  f.storage.put_file(kQueue + kSeq2 + "/0000000000-1.json.sending", "");
  f.storage.put_file(kQueue + kSeq2 + "/0000000001-1.json.import", "5");
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  std::vector<std::string> served;
  for (int i = 0; i < 3; ++i) {
    SpoolEntry entry;
    const auto found = spool.next(entry);
    ASSERT_TRUE(found.ok()) << found.error().detail.view();
    if (!*found) {
      break;
    }
    served.push_back(entry.group.c_str());
    ASSERT_TRUE(spool.mark_sending(entry).ok());
    ASSERT_TRUE(spool.confirm(entry).ok());
  }
  EXPECT_EQ(served, std::vector<std::string>{kSeq1});
  EXPECT_FALSE(f.has(kQueue + kSeq2 + "/"));
  EXPECT_FALSE(f.has(kQueue + kSeq1 + "/"));
}

// split() of something that is not an entry is the caller's mistake; a split directory left
// for the entry (not committed) is undone first and the split goes on.
TEST(SpoolPaths, SplitRefusesANonEntryAndUndoesALeftover) {
  Fixture f;
  f.add("a", 4);
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry bogus;
  (void)bogus.group.assign(kSeq1);
  (void)bogus.name.assign("nonsense.json");
  (void)bogus.path.assign(kQueue + kSeq1 + "/nonsense.json");
  bogus.tasks = 4;
  EXPECT_EQ(spool.split(bogus, HalvesPlan(4)).status(), Status::InvalidArgument);
  SpoolEntry entry;
  ASSERT_TRUE(spool.next(entry).ok());
  const std::string leftover = kQueue + kSeq1 + "/0000000000-4.split";
  f.storage.put_directory(leftover);
  f.storage.put_file(leftover + "/0000000000.0000000000-2.json", tasks_json(2, "a"));
  const Outcome split = spool.split(entry, HalvesPlan(4));
  ASSERT_TRUE(split.ok()) << split.error().detail.view();
  std::vector<std::string> names;
  std::multiset<std::string> tasks;
  for (int i = 0; i < 4; ++i) {
    SpoolEntry part;
    const auto found = spool.next(part);
    ASSERT_TRUE(found.ok());
    if (!*found) {
      break;
    }
    names.push_back(part.name.c_str());
    for (const std::string& id : task_ids(*f.storage.content(part.path.c_str()))) {
      tasks.insert(id);
    }
    ASSERT_TRUE(spool.mark_sending(part).ok());
    ASSERT_TRUE(spool.confirm(part).ok());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"0000000000.0000000000-2.json",
                                             "0000000000.0000000002-2.json"}));
  EXPECT_EQ(tasks, (std::multiset<std::string>{"a#0", "a#1", "a#2", "a#3"}));
}

// A committed split found by open() (its entry already renamed to `original`) is finished: the
// part goes to the queue, the refused task and its reason to rejected/, and what else is in the
// staging directory is removed with it.
TEST(SpoolPaths, ACommittedSplitIsFinishedAndItsStagingRemoved) {
  Fixture f;
  f.add("a", 4);
  const std::string group = kQueue + kSeq1 + "/";
  const std::string staging = group + "0000000000-4.split/";
  const std::string key = kSeq1 + "-0000000000-4.item0";
  f.storage.put_directory(staging.substr(0, staging.size() - 1));
  f.storage.put_file(staging + "original", *f.storage.content(group + "0000000000-4.json"));
  ASSERT_TRUE(f.storage.remove(group + "0000000000-4.json").ok());
  const std::string all = tasks_json(4, "a");
  f.storage.put_file(staging + "0000000000.0000000001-3.json",
                     "[" + all.substr(all.find(",{") + 1));
  f.storage.put_file(staging + key + ".json", "[{\"data\":{\"t\":\"a\",\"i\":0}}]");
  f.storage.put_file(staging + key + ".reason.txt", "refused\n");
  f.storage.put_file(staging + "notes.txt", "x");
  f.storage.put_file(staging + "99999999999999999999-0000000000-1.json", "x");
  f.storage.put_file(staging + kSeq1 + "-0000000000-4.item0.bin", "x");
  f.storage.put_directory(staging + "junk");
  f.storage.put_file(staging + "junk/file", "x");
  Spool spool = f.make();
  const Outcome opened = spool.open(kDir, Spool::Role::Consumer);
  ASSERT_TRUE(opened.ok()) << opened.error().detail.view();
  EXPECT_FALSE(f.has(staging));
  EXPECT_TRUE(f.logged("finished the interrupted split"));
  EXPECT_EQ(f.storage.content(kRejected + key + ".reason.txt"),
            std::optional<std::string>("refused\n"));
  EXPECT_EQ(f.rejected_tasks(), (std::multiset<std::string>{"a#0"}));
  SpoolEntry entry;
  const auto found = spool.next(entry);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(entry.name.view(), "0000000000.0000000001-3.json");
  EXPECT_EQ(task_ids(*f.storage.content(entry.path.c_str())),
            (std::vector<std::string>{"a#1", "a#2", "a#3"}));
}

// split() checks the entry's size against its name before anything is written.
TEST(SpoolPaths, SplitOfAnEntryTooSmallForItsNameChangesNothing) {
  Fixture f;
  f.add("a", 1);
  f.storage.put_file(kQueue + kSeq1 + "/0000000001-2.json", "[]");
  Spool spool = f.make();
  ASSERT_TRUE(spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry entry;
  (void)entry.group.assign(kSeq1);
  (void)entry.name.assign("0000000001-2.json");
  (void)entry.path.assign(kQueue + kSeq1 + "/0000000001-2.json");
  entry.tasks = 2;
  const auto before = f.storage.snapshot();
  EXPECT_EQ(spool.split(entry, HalvesPlan(2)).status(), Status::TaskFileInvalid);
  EXPECT_EQ(f.storage.snapshot(), before);
}

// --- the upload policy's remaining rows ------------------------------------------------------

TEST(SpoolPaths, UploadPolicyRowsWithoutAnAnswerAndOutsideTheClasses) {
  for (const Status cut :
       {Status::HttpMalformedResponse, Status::HttpHeadersTooLarge, Status::HttpBodyTooLarge}) {
    EXPECT_EQ(upload_action(Error(cut)), UploadAction::Retry) << status_name(cut);
  }
  EXPECT_EQ(upload_action(Error(Status::FileError)), UploadAction::Stop);
  EXPECT_EQ(upload_action(Error(Status::InvalidArgument)), UploadAction::Stop);
  Error odd(Status::UnexpectedHttpStatus);
  odd.http_status = 600;
  EXPECT_EQ(upload_action(odd, UploadAnswer()), UploadAction::Stop);
  odd.http_status = 302;
  EXPECT_EQ(upload_action(odd), UploadAction::Stop);
  Error ok(Status::UnexpectedHttpStatus);
  ok.http_status = 201;
  EXPECT_EQ(upload_action(ok), UploadAction::Confirm);
  Error json500(Status::UnexpectedHttpStatus);
  json500.http_status = 500;
  UploadAnswer json;
  json.json = true;
  EXPECT_EQ(upload_action(json500, json), UploadAction::Probe);
  EXPECT_EQ(upload_action(json500), UploadAction::Retry);
}

}  // namespace
}  // namespace lsedge::spool
