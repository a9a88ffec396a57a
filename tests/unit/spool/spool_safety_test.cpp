// Issue #11: the spool never touches what is not a spool, one consumer at a time, a full disk
// still drains, a corrupt entry is set aside instead of sent, `run` never creates a spool.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <string>
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

constexpr char kDir[] = "/data/spool";
const std::string kSeq1 = "00000000000000000001";

std::string tasks_json(int count, const std::string& tag) {
  std::string text = "[";
  for (int i = 0; i < count; ++i) {
    text += (i == 0 ? "" : ",") + std::string("{\"data\":{\"t\":\"") + tag +
            "\",\"i\":" + std::to_string(i) + "}}";
  }
  return text + "]";
}

struct Fixture {
  MemoryStorage storage;
  FakeEntropy entropy;
  CaptureLog log;
  Spool spool{storage, entropy, Logger(&log, "spool")};
  Fixture() {
    storage.put_directory("/data");
    storage.put_directory("/in");
  }
  Spool another() { return Spool(storage, entropy, Logger(&log, "spool")); }
  // Queues `count` adds of `tasks` tasks each through a producer.
  void add(int count, int tasks = 3, uint64_t budget = UINT64_MAX) {
    Spool producer(storage, entropy, Logger(&log, "spool"));
    ASSERT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
    for (int i = 0; i < count; ++i) {
      storage.put_file("/in/t.json", tasks_json(tasks, "add" + std::to_string(i)));
      const auto added = producer.add("/in/t.json", budget);
      ASSERT_TRUE(added.ok()) << added.error().detail.view();
    }
  }
  SpoolEntry next() {
    SpoolEntry entry;
    const auto found = spool.next(entry);
    EXPECT_TRUE(found.ok()) << found.error().detail.view();
    EXPECT_TRUE(found.ok() && *found);
    return entry;
  }
  // Sends and confirms everything; the number of entries.
  int drain() {
    int sent = 0;
    SpoolEntry entry;
    for (;;) {
      const auto found = spool.next(entry);
      EXPECT_TRUE(found.ok()) << found.error().detail.view();
      if (!found.ok() || !*found) {
        return sent;
      }
      const auto marked = spool.mark_sending(entry);
      EXPECT_TRUE(marked.ok()) << marked.error().detail.view();
      const auto confirmed = spool.confirm(entry);
      EXPECT_TRUE(confirmed.ok()) << confirmed.error().detail.view();
      if (!marked.ok() || !confirmed.ok()) {
        return sent;
      }
      ++sent;
    }
  }
  // No byte and no inode more than the storage holds now.
  void fill_disk() {
    storage.set_capacity(count_bytes());
    storage.set_inode_limit(count_nodes());
  }
  uint64_t count_bytes() const {
    uint64_t bytes = 0;
    for (const auto& [path, content] : storage.snapshot()) {
      bytes += content.size();
    }
    return bytes;
  }
  uint64_t count_nodes() const { return storage.snapshot().size() - 1; }  // "/" not counted
  std::map<std::string, std::string> files_under(const std::string& prefix) const {
    std::map<std::string, std::string> out;
    for (const auto& [path, content] : storage.snapshot()) {
      if (path.compare(0, prefix.size(), prefix) == 0 && path.back() != '/') {
        out[path] = content;
      }
    }
    return out;
  }
};

// --- 1. the marker: nothing that is not a spool is touched ---

TEST(SpoolSafety, AHomeDirectoryIsRefusedByEveryRoleAndNothingInItIsTouched) {
  Fixture f;
  const std::string home = "/home/user";
  f.storage.put_directory("/home");
  f.storage.put_directory(home);
  f.storage.put_file(home + "/thesis.tex", "precious");
  f.storage.put_directory(home + "/tmp");
  f.storage.put_file(home + "/tmp/draft.txt", "mine");
  f.storage.put_file(home + "/tmp/0123456789abcdef.claim", "looks like a claim");
  f.storage.put_directory(home + "/tmp/0123456789abcdef");
  f.storage.put_directory(home + "/queue");
  const auto before = f.storage.snapshot();
  for (const auto role : {Spool::Role::Consumer, Spool::Role::Producer}) {
    const auto opened = f.spool.open(home, role);
    EXPECT_EQ(opened.status(), Status::NotASpool);
    EXPECT_NE(opened.error().detail.view().find("/home/user is not empty"), std::string::npos)
        << opened.error().detail.view();
    EXPECT_NE(opened.error().detail.view().find("thesis.tex"), std::string::npos);
    EXPECT_EQ(f.storage.snapshot(), before) << "nothing created, nothing removed";
  }
  SpoolEntry entry;
  EXPECT_EQ(f.spool.next(entry).status(), Status::InvalidArgument) << "not open";
}

TEST(SpoolSafety, TheRootDirectoryIsNotMadeASpool) {
  Fixture f;  // "/" holds data/ and in/
  const auto before = f.storage.snapshot();
  EXPECT_EQ(f.spool.open("/", Spool::Role::Producer).status(), Status::NotASpool);
  EXPECT_EQ(f.storage.snapshot(), before) << "no /queue, /tmp, /rejected";
}

TEST(SpoolSafety, AddCreatesASpoolWithItsMarkerAndLockAndSaysSo) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
  EXPECT_EQ(f.storage.content(std::string(kDir) + "/lsedge-spool"), "lsedge spool 2\n");
  const auto lock = f.storage.content(std::string(kDir) + "/consumer.lock");
  ASSERT_TRUE(lock.has_value());
  EXPECT_EQ(lock->size(), 512u) << "the in-flight record's bytes exist from the start";
  EXPECT_NE(f.log.all_text().find("created spool /data/spool"), std::string::npos);
  // Reopening says nothing more and changes nothing.
  const auto before = f.storage.snapshot();
  ASSERT_TRUE(f.another().open(kDir, Spool::Role::Producer).ok());
  EXPECT_EQ(f.storage.snapshot(), before);
}

TEST(SpoolSafety, RunNeverCreatesASpoolButTakesAnEmptyDirectory) {
  Fixture f;
  const auto before = f.storage.snapshot();
  const auto missing = f.spool.open(kDir, Spool::Role::Consumer);
  EXPECT_EQ(missing.status(), Status::SpoolNotFound);
  EXPECT_NE(missing.error().detail.view().find(kDir), std::string::npos);
  EXPECT_EQ(f.storage.snapshot(), before);

  f.storage.put_directory(kDir);  // e.g. systemd's StateDirectory=
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(f.storage.content(std::string(kDir) + "/lsedge-spool"), "lsedge spool 2\n");
  EXPECT_NE(f.log.all_text().find("made the empty directory /data/spool a spool"),
            std::string::npos);
}

TEST(SpoolSafety, ASpoolPathThatIsAFileIsNotADirectory) {
  Fixture f;
  f.storage.put_file(kDir, "a file");
  for (const auto role : {Spool::Role::Consumer, Spool::Role::Producer}) {
    const auto opened = f.spool.open(kDir, role);
    EXPECT_EQ(opened.status(), Status::NotADirectory);
    EXPECT_NE(opened.error().detail.view().find(kDir), std::string::npos);
  }
  EXPECT_EQ(f.storage.content(kDir), "a file");
}

TEST(SpoolSafety, AMarkerOfANewerFormatOrAForeignOneIsRefused) {
  Fixture f;
  f.storage.put_directory(kDir);
  f.storage.put_file(std::string(kDir) + "/lsedge-spool", "lsedge spool 3\n");
  auto opened = f.spool.open(kDir, Spool::Role::Consumer);
  EXPECT_EQ(opened.status(), Status::NotASpool);
  EXPECT_NE(opened.error().detail.view().find("newer lsedge (format 3"), std::string::npos)
      << opened.error().detail.view();
  f.storage.put_file(std::string(kDir) + "/lsedge-spool", "something else\n");
  opened = f.spool.open(kDir, Spool::Role::Producer);
  EXPECT_EQ(opened.status(), Status::NotASpool);
  EXPECT_NE(opened.error().detail.view().find("not an lsedge spool marker"), std::string::npos);
  // A marker another process is still writing (or a crash cut short) is a spool's.
  f.storage.put_file(std::string(kDir) + "/lsedge-spool", "lsedge sp");
  EXPECT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
}

TEST(SpoolSafety, AnEarlierReleasesSpoolIsAdoptedAndItsMarkersHonoured) {
  Fixture f;
  const std::string group = std::string(kDir) + "/queue/" + kSeq1;
  f.storage.put_directory(kDir);
  f.storage.put_directory(std::string(kDir) + "/queue");
  f.storage.put_directory(std::string(kDir) + "/tmp");
  f.storage.put_directory(std::string(kDir) + "/rejected");
  f.storage.put_directory(group);
  f.storage.put_file(group + "/0000000000-2.json", tasks_json(2, "old"));
  f.storage.put_file(group + "/0000000000-2.json.sending", "");
  f.storage.put_file(group + "/0000000001-1.json", tasks_json(1, "old"));
  f.storage.put_file(group + "/0000000001-1.json.import", "77\n");
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(f.storage.content(std::string(kDir) + "/lsedge-spool"), "lsedge spool 2\n");
  EXPECT_NE(f.log.all_text().find("adopted /data/spool, a spool of an earlier lsedge release"),
            std::string::npos);
  EXPECT_EQ(f.spool.counts()->outcome_unknown, 1u);
  SpoolEntry entry = f.next();
  EXPECT_TRUE(entry.outcome_unknown) << "the old .sending marker is honoured";
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  EXPECT_FALSE(f.storage.content(group + "/0000000000-2.json.sending").has_value())
      << "the record replaces the old marker";
  EXPECT_EQ(f.spool.counts()->outcome_unknown, 1u) << "counted once, from the record";
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  EXPECT_EQ(f.spool.counts()->possible_duplicates, 1u);
  entry = f.next();
  EXPECT_EQ(entry.import_id, 77) << "the old import record is honoured";
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  EXPECT_FALSE(f.storage.content(group + "/0000000001-1.json.import").has_value());
}

TEST(SpoolSafety, TmpCleanupRemovesOnlyTheNamesLsedgeMakesThere) {
  Fixture f;
  f.add(1);
  const std::string tmp = std::string(kDir) + "/tmp/";
  // lsedge's own leftovers ...
  f.storage.put_file(tmp + "00112233445566aa.claim", "");
  f.storage.put_directory(tmp + "00112233445566aa");
  f.storage.put_file(tmp + "00112233445566aa/0000000000-3.json", "[{}");
  f.storage.put_directory(tmp + "00112233445566bb.garbage");
  f.storage.put_file(tmp + "00112233445566bb.garbage/0000000001-2.json", "");
  f.storage.put_file(tmp + kSeq1 + "-0000000000-3.reason.txt", "half");
  // ... and what is not (someone's files, or names that only look like lsedge's).
  f.storage.put_file(tmp + "photo.jpg", "jpeg");
  f.storage.put_file(tmp + "abc.claim", "not a token");
  f.storage.put_directory(tmp + "00112233445566cc");
  f.storage.put_file(tmp + "00112233445566cc/notes.txt", "mine");
  f.storage.put_directory(tmp + "00112233445566dd.garbage");
  f.storage.put_directory(tmp + "00112233445566dd.garbage/sub");
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  std::vector<std::string> left;
  for (const auto& [path, content] : f.storage.snapshot()) {
    if (path.compare(0, tmp.size(), tmp) == 0 && path != tmp) {
      left.push_back(path.substr(tmp.size()));
    }
  }
  EXPECT_EQ(left,
            (std::vector<std::string>{"00112233445566cc/", "00112233445566cc/notes.txt",
                                      "00112233445566dd.garbage/", "00112233445566dd.garbage/sub/",
                                      "abc.claim", "photo.jpg"}));
  const std::string text = f.log.all_text();
  EXPECT_NE(text.find("holds 4 names lsedge does not make there"), std::string::npos) << text;
  EXPECT_NE(text.find("removed 4 leftovers"), std::string::npos) << text;
  EXPECT_EQ(f.drain(), 1);
}

// --- 2. one consumer ---

TEST(SpoolSafety, ASecondConsumerIsBusyAndTouchesNothingWhileAddsGoOn) {
  Fixture f;
  f.add(1);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  // An add in progress, which only the first consumer could have judged.
  f.storage.put_file(std::string(kDir) + "/tmp/00112233445566aa.claim", "");
  const auto before = f.storage.snapshot();
  Spool second = f.another();
  const auto busy = second.open(kDir, Spool::Role::Consumer);
  EXPECT_EQ(busy.status(), Status::SpoolBusy);
  EXPECT_NE(busy.error().detail.view().find("/data/spool/consumer.lock"), std::string::npos);
  EXPECT_EQ(f.storage.snapshot(), before);
  SpoolEntry entry;
  EXPECT_EQ(second.next(entry).status(), Status::InvalidArgument) << "not open";
  f.add(1);  // producers never take the lock
  EXPECT_EQ(f.drain(), 2);
  f.spool.close();
  ASSERT_TRUE(second.open(kDir, Spool::Role::Consumer).ok()) << "close() releases the lock";
  {
    Spool third = f.another();
    EXPECT_EQ(third.open(kDir, Spool::Role::Consumer).status(), Status::SpoolBusy);
  }
  second.close();
  {
    Spool scoped = f.another();
    ASSERT_TRUE(scoped.open(kDir, Spool::Role::Consumer).ok());
  }
  EXPECT_EQ(f.storage.open_handles(), 0u) << "the destructor releases the lock";
  EXPECT_TRUE(f.another().open(kDir, Spool::Role::Consumer).ok());
}

TEST(SpoolSafety, OnlyTheConsumerSends) {
  Fixture f;
  f.add(1);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
  SpoolEntry entry;
  (void)entry.group.assign(kSeq1);
  (void)entry.name.assign("0000000000-3.json");
  EXPECT_EQ(f.spool.mark_sending(entry).status(), Status::InvalidArgument);
}

// --- 3. a full disk drains ---

TEST(SpoolSafety, AQueueFilledToTheBrimDrainsWithNoFreeByteOrInode) {
  for (const int limit : {1, 2, 3}) {  // bytes, inodes, both
    Fixture f;
    f.add(3, 4, 60);
    if (limit & 1) {
      f.storage.set_capacity(f.count_bytes());
    }
    if (limit & 2) {
      f.storage.set_inode_limit(f.count_nodes());
    }
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok()) << limit;
    // An unknown outcome, then a known failure, an import and the rest: nothing needs space.
    SpoolEntry entry = f.next();
    ASSERT_TRUE(f.spool.mark_sending(entry).ok()) << limit;
    entry = f.next();
    EXPECT_TRUE(entry.outcome_unknown);
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    ASSERT_TRUE(f.spool.confirm(entry).ok());
    entry = f.next();
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    ASSERT_TRUE(f.spool.release(entry).ok());
    entry = f.next();
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    ASSERT_TRUE(f.spool.mark_imported(entry, 42).ok()) << limit;
    entry = f.next();
    EXPECT_EQ(entry.import_id, 42);
    ASSERT_TRUE(f.spool.confirm(entry).ok());
    EXPECT_GT(f.drain(), 0);
    EXPECT_EQ(f.spool.counts()->queued_entries, 0u) << limit;
  }
}

TEST(SpoolSafety, ARefusedEntryLeavesTheQueueEvenWithoutSpaceForItsReason) {
  for (const int limit : {1, 2, 3}) {
    Fixture f;
    f.add(2);
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    f.fill_disk();
    if (!(limit & 1)) {
      f.storage.set_capacity(std::nullopt);
    }
    if (!(limit & 2)) {
      f.storage.set_inode_limit(std::nullopt);
    }
    SpoolEntry entry = f.next();
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    const auto rejected = f.spool.reject(entry, "task 0: field 'x' is required");
    ASSERT_TRUE(rejected.ok()) << rejected.error().detail.view();
    EXPECT_TRUE(f.storage.content(std::string(kDir) + "/rejected/" + kSeq1 + "-0000000000-3.json"))
        << "the entry is in rejected/";
    EXPECT_NE(f.log.all_text().find("the reason was: task 0: field 'x' is required"),
              std::string::npos)
        << "the reason reaches the log when it cannot reach its file";
    EXPECT_EQ(f.spool.counts()->queued_entries, 1u) << "the queue moved on";
    SpoolEntry after = f.next();
    EXPECT_NE(after.group.view(), entry.group.view());
    EXPECT_FALSE(after.outcome_unknown);
  }
}

TEST(SpoolSafety, ASplitWithoutSpaceForItsPartsIsRefusedAsAPlanAndChangesNothing) {
  struct Halves final : SplitPlan {
    uint32_t part_count() const override { return 2; }
    uint32_t part_of(uint64_t index) const override { return index < 2 ? 0 : 1; }
    std::string_view reason(uint64_t) const override { return {}; }
  };
  Fixture f;
  f.add(1, 4);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry entry = f.next();
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  f.fill_disk();
  const auto before = f.storage.snapshot();
  const auto split = f.spool.split(entry, Halves());
  EXPECT_EQ(split.status(), Status::InvalidArgument) << "the uploader then rejects it whole";
  EXPECT_NE(split.error().detail.view().find("no disk space for its parts: disk full"),
            std::string::npos)
      << split.error().detail.view();
  EXPECT_EQ(f.storage.snapshot(), before);
  ASSERT_TRUE(f.spool.reject(entry, "413").ok());
  SpoolEntry none;
  EXPECT_FALSE(*f.spool.next(none));
}

// --- 3. the in-flight record ---

TEST(SpoolSafety, TheInFlightRecordSurvivesARestartAndATornSlotFallsBack) {
  Fixture f;
  f.add(2);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry entry = f.next();
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  EXPECT_TRUE(f.files_under(std::string(kDir) + "/queue/").size() == 2u)
      << "no marker file: the record is in consumer.lock";
  ASSERT_TRUE(*f.spool.is_in_flight(entry.group.view(), entry.name.view()));
  ASSERT_TRUE(f.spool.mark_imported(entry, 9).ok());
  f.spool.close();
  f.storage.restart(MemoryStorage::Crash::PowerLost);

  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry again = f.next();
  EXPECT_EQ(again.import_id, 9) << "polled, not sent again";
  EXPECT_FALSE(again.outcome_unknown);
  f.spool.close();

  // The import's slot torn (a crash while it was written): the slot before it says sending.
  const std::string lock_path = std::string(kDir) + "/consumer.lock";
  std::string lock = *f.storage.content(lock_path);
  const size_t newest = lock.find("imported");
  ASSERT_NE(newest, std::string::npos);
  lock[newest + 2] = 'X';
  f.storage.put_file(lock_path, lock);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  again = f.next();
  EXPECT_EQ(again.import_id, 0);
  EXPECT_TRUE(again.outcome_unknown) << "resent and counted, never lost";
  f.spool.close();

  // Both slots torn: no record (only a crash before the first request went out does that).
  f.storage.put_file(lock_path, std::string(512, 'x'));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  again = f.next();
  EXPECT_FALSE(again.outcome_unknown);
  EXPECT_EQ(f.drain(), 2);
}

TEST(SpoolSafety, AShortLockFileGetsItsBytesAtOpen) {
  Fixture f;
  f.add(1);
  f.storage.put_file(std::string(kDir) + "/consumer.lock", "");  // a creation cut short
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(f.storage.content(std::string(kDir) + "/consumer.lock")->size(), 512u);
  EXPECT_EQ(f.drain(), 1);
}

TEST(SpoolSafety, AnEntrySentAheadOfAnUnknownOneKeepsItsOutcomeUnknown) {
  Fixture f;
  f.add(2);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry first = f.next();
  ASSERT_TRUE(f.spool.mark_sending(first).ok());  // then the answer is lost
  // Only when FIFO was broken would another entry be sent now; the first keeps its state.
  SpoolEntry second;
  (void)second.group.assign("00000000000000000002");
  (void)second.name.assign("0000000000-3.json");
  (void)second.path.assign(std::string(kDir) + "/queue/00000000000000000002/0000000000-3.json");
  ASSERT_TRUE(f.spool.mark_sending(second).ok());
  EXPECT_TRUE(*f.spool.is_in_flight(first.group.view(), first.name.view()));
  EXPECT_TRUE(*f.spool.is_in_flight(second.group.view(), second.name.view()));
  EXPECT_EQ(f.spool.counts()->outcome_unknown, 2u);
}

// --- 5b. an entry is checked before it is sent ---

TEST(SpoolSafety, ACorruptEntryGoesToRejectedWithWhatIsWrongInsteadOfToTheServer) {
  Fixture f;
  f.add(4);
  const std::string queue = std::string(kDir) + "/queue/";
  const auto entry_of = [&](int seq) {
    return queue + "0000000000000000000" + std::to_string(seq) + "/0000000000-3.json";
  };
  f.storage.put_file(entry_of(1), "");
  f.storage.put_file(entry_of(2), "[{\"data\":{\"t\":1}},{\"da");
  f.storage.put_file(entry_of(3), tasks_json(2, "short"));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry entry = f.next();
  EXPECT_EQ(entry.sequence, 4u) << "the three corrupt entries were set aside";
  const auto reason = [&](int seq) {
    return f.storage
        .content(std::string(kDir) + "/rejected/0000000000000000000" + std::to_string(seq) +
                 "-0000000000-3.reason.txt")
        .value_or("(none)");
  };
  EXPECT_EQ(reason(1), "corrupt spool entry, not sent: the entry file is empty (0 bytes)\n");
  EXPECT_NE(reason(2).find("not a JSON array of tasks"), std::string::npos) << reason(2);
  EXPECT_NE(reason(2).find("at byte"), std::string::npos) << reason(2);
  EXPECT_NE(reason(3).find("holds 2 tasks"), std::string::npos) << reason(3);
  EXPECT_TRUE(f.storage.content(std::string(kDir) + "/rejected/" + kSeq1 + "-0000000000-3.json"));
  EXPECT_EQ(f.spool.counts()->rejected_entries, 3u);
  EXPECT_EQ(f.drain(), 1);
}

TEST(SpoolSafety, AGoodEntryPassesTheCheck) {
  Fixture f;
  f.add(1);
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry entry = f.next();
  EXPECT_FALSE(*f.spool.reject_if_corrupt(entry));
  EXPECT_EQ(f.spool.counts()->rejected_entries, 0u);
}

}  // namespace
}  // namespace lsedge::spool
