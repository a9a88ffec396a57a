// Large backlogs (issue #11): next() does not list queue/ or a group per entry, add() takes its
// SEQ from DIR/sequence (never reused, never stale), and foreign files are reported once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
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

// MemoryStorage with the listings counted per directory and a hook before each rename.
// Thread-safety: as MemoryStorage; the counters and the hook under their own mutex.
class CountingStorage final : public hal::Storage {
 public:
  explicit CountingStorage(MemoryStorage& inner) : inner_(inner) {}

  int listings(const std::string& directory) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = listings_.find(directory);
    return it == listings_.end() ? 0 : it->second;
  }
  int lock_calls() const { return lock_calls_.load(); }
  // Called (outside any lock) before every rename.
  void on_rename(std::function<void(const std::string&, const std::string&)> hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    before_rename_ = std::move(hook);
  }

  Result<size_t> read_file(std::string_view path, ByteSpan buffer) override {
    return inner_.read_file(path, buffer);
  }
  Result<hal::FileHandle> open_read(std::string_view path) override {
    return inner_.open_read(path);
  }
  Result<hal::FileHandle> create_new(std::string_view path) override {
    return inner_.create_new(path);
  }
  Result<size_t> read_at(hal::FileHandle file, uint64_t offset, ByteSpan buffer) override {
    return inner_.read_at(file, offset, buffer);
  }
  Outcome append(hal::FileHandle file, ConstByteSpan data) override {
    return inner_.append(file, data);
  }
  Result<uint64_t> size(hal::FileHandle file) override { return inner_.size(file); }
  Outcome write_at(hal::FileHandle file, uint64_t offset, ConstByteSpan data) override {
    return inner_.write_at(file, offset, data);
  }
  Outcome sync(hal::FileHandle file) override { return inner_.sync(file); }
  void close(hal::FileHandle file) override { inner_.close(file); }
  Outcome link(std::string_view from, std::string_view to) override {
    return inner_.link(from, to);
  }
  Outcome rename(std::string_view from, std::string_view to) override {
    std::function<void(const std::string&, const std::string&)> hook;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      hook = before_rename_;
    }
    if (hook) {
      hook(std::string(from), std::string(to));
    }
    return inner_.rename(from, to);
  }
  Outcome remove(std::string_view path) override { return inner_.remove(path); }
  Outcome make_directory(std::string_view path) override { return inner_.make_directory(path); }
  Outcome sync_directory(std::string_view directory) override {
    return inner_.sync_directory(directory);
  }
  Result<hal::DirectoryHandle> open_directory(std::string_view directory) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++listings_[std::string(directory)];
    }
    return inner_.open_directory(directory);
  }
  Result<bool> next_entry(hal::DirectoryHandle directory, hal::DirectoryEntry& entry) override {
    return inner_.next_entry(directory, entry);
  }
  void close_directory(hal::DirectoryHandle directory) override {
    inner_.close_directory(directory);
  }
  Result<bool> exists(std::string_view path) override { return inner_.exists(path); }
  Result<hal::FileInfo> info(std::string_view path) override { return inner_.info(path); }
  uint32_t caller_uid() override { return inner_.caller_uid(); }
  Result<hal::FileHandle> lock_file(std::string_view path, hal::LockWait wait) override {
    ++lock_calls_;
    return inner_.lock_file(path, wait);
  }

 private:
  MemoryStorage& inner_;
  mutable std::mutex mutex_;
  std::map<std::string, int> listings_;
  std::atomic<int> lock_calls_{0};
  std::function<void(const std::string&, const std::string&)> before_rename_;
};

struct Fixture {
  MemoryStorage memory;
  CountingStorage storage{memory};
  FakeEntropy entropy;
  CaptureLog log;
  Spool spool{storage, entropy, Logger(&log, "spool")};
  Fixture() {
    memory.put_directory("/data");
    memory.put_directory(kDir);  // empty: the consumer makes a spool of it
    memory.put_directory("/in");
  }
};

std::string group_name(uint64_t sequence) {
  std::string digits = std::to_string(sequence);
  return std::string(20 - digits.size(), '0') + digits;
}
std::string task(const std::string& source, int i) {
  return "{\"data\":{\"src\":\"" + source + "\",\"i\":" + std::to_string(i) + "}}";
}
// A task file of `count` tasks "SRC:first".. "SRC:first+count-1".
std::string task_file(const std::string& source, int first, int count) {
  std::string text = "[";
  for (int i = first; i < first + count; ++i) {
    text += (i == first ? "" : ",") + task(source, i);
  }
  return text + "]";
}
// Writes queue/<SEQ>/ with `entries` entries of `per_entry` tasks each, as add() would.
void put_group(MemoryStorage& memory, uint64_t sequence, const std::string& source, int entries,
               int per_entry = 1) {
  const std::string group = std::string(kDir) + "/queue/" + group_name(sequence);
  memory.put_directory(group);
  for (int batch = 0; batch < entries; ++batch) {
    std::string index = std::to_string(batch);
    index = std::string(10 - index.size(), '0') + index;
    memory.put_file(group + "/" + index + "-" + std::to_string(per_entry) + ".json",
                    task_file(source, batch * per_entry, per_entry));
  }
}

// "SRC:i" of every task of an entry file's body `[{"data":{"src":..,"i":..}},...]`.
std::vector<std::string> tasks_in(const std::string& body) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = body.find("\"src\":\"", at)) != std::string::npos) {
    at += 7;
    const size_t quote = body.find('"', at);
    const std::string source = body.substr(at, quote - at);
    const size_t i = body.find("\"i\":", quote) + 4;
    out.push_back(source + ":" + std::to_string(std::stoi(body.substr(i))));
    at = i;
  }
  return out;
}

std::vector<std::string> drain(Fixture& f) {
  std::vector<std::string> delivered;
  SpoolEntry entry;
  for (;;) {
    auto more = f.spool.next(entry);
    EXPECT_TRUE(more.ok()) << more.error().detail.view();
    if (!more.ok() || !*more) {
      break;
    }
    EXPECT_TRUE(f.spool.mark_sending(entry).ok());
    const auto tasks = tasks_in(*f.memory.content(entry.path.c_str()));
    delivered.insert(delivered.end(), tasks.begin(), tasks.end());
    EXPECT_TRUE(f.spool.confirm(entry).ok());
  }
  return delivered;
}

std::vector<std::string> ids(const std::string& source, int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back(source + ":" + std::to_string(i));
  }
  return out;
}

// Waits (up to 10 s) until `done` holds.
template <class Done>
bool wait_until(Done done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

size_t lines_with(const CaptureLog& log, const std::string& text) {
  size_t count = 0;
  for (const auto& line : log.lines()) {
    count += line.message.find(text) != std::string::npos ? 1 : 0;
  }
  return count;
}

// --- the sequence counter ------------------------------------------------------------------

TEST(SpoolScale, SequenceNumbersAreNeverReusedEvenWhenTheQueueEmpties) {
  Fixture f;
  f.memory.put_file("/in/a.json", task_file("A", 0, 2));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  auto first = f.spool.add("/in/a.json");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->sequence, 1u);
  EXPECT_EQ(drain(f), ids("A", 0, 2));
  auto second = f.spool.add("/in/a.json");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->sequence, 2u) << "the queue is empty, yet 1 is not taken again";
  EXPECT_EQ(f.memory.content(std::string(kDir) + "/sequence"), group_name(2) + "\n");
}

TEST(SpoolScale, AnOlderSpoolOrAnUnreadableCounterStartsAboveEverySeqOnDisk) {
  Fixture f;
  f.memory.put_file("/in/a.json", task_file("A", 0, 1));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  put_group(f.memory, 5, "Q", 1);
  f.memory.put_file(std::string(kDir) + "/rejected/" + group_name(7) + "-0000000000-1.json", "[]");
  auto sequence_of_add = [&f] {
    auto added = f.spool.add("/in/a.json");
    EXPECT_TRUE(added.ok());
    return added.ok() ? added->sequence : 0;
  };
  EXPECT_EQ(sequence_of_add(), 8u) << "no DIR/sequence: one scan of queue/ and rejected/";
  f.memory.put_file(std::string(kDir) + "/sequence", "12x");
  put_group(f.memory, 11, "R", 1);
  EXPECT_EQ(sequence_of_add(), 12u);
  EXPECT_EQ(lines_with(f.log, "is unreadable"), 1u);
  // A counter behind the queue (a restored copy, an adder of an older release): the taken
  // number is passed, not retried one by one.
  f.memory.put_file(std::string(kDir) + "/sequence", group_name(3) + "\n");
  put_group(f.memory, 4, "S", 1);
  EXPECT_EQ(sequence_of_add(), 13u);
}

TEST(SpoolScale, AnAddDoesNotListTheQueue) {
  Fixture f;
  f.memory.put_file("/in/a.json", task_file("A", 0, 3));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
  for (uint64_t sequence = 1; sequence <= 200; ++sequence) {
    put_group(f.memory, sequence, "Q", 1);
  }
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());  // initialises DIR/sequence: one scan
  const int queue = f.storage.listings(std::string(kDir) + "/queue");
  const int rejected = f.storage.listings(std::string(kDir) + "/rejected");
  for (int i = 0; i < 20; ++i) {
    auto added = f.spool.add("/in/a.json");
    ASSERT_TRUE(added.ok());
    EXPECT_EQ(added->sequence, 202u + static_cast<uint64_t>(i));
  }
  EXPECT_EQ(f.storage.listings(std::string(kDir) + "/queue"), queue);
  EXPECT_EQ(f.storage.listings(std::string(kDir) + "/rejected"), rejected);
}

// Issue #11 item 16: an adder that took its SEQ, then waited while the consumer drained and
// removed that group and other adds went on, published under a stale number (below or equal to
// what was already served). With the counter locked across the rename, the others wait for it.
TEST(SpoolScale, AnAddPausedBeforeItsRenameNeverPublishesAStaleNumber) {
  Fixture f;
  for (const char* name : {"a", "b", "c"}) {
    f.memory.put_file(std::string("/in/") + name + ".json", task_file(name, 0, 2));
  }
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  std::mutex mutex;
  std::condition_variable changed;
  bool paused = false;
  bool released = false;
  f.storage.on_rename([&](const std::string& from, const std::string& to) {
    if (from.find("/tmp/") == std::string::npos || to.find("/queue/") == std::string::npos) {
      return;
    }
    std::unique_lock<std::mutex> lock(mutex);
    if (paused) {
      return;  // only the first add's publication waits
    }
    paused = true;
    changed.notify_all();
    changed.wait(lock, [&] { return released; });
  });
  std::map<std::string, uint64_t> sequence;
  std::atomic<int> done{0};
  auto add = [&](const std::string& name, FakeEntropy& entropy) {
    Spool producer(f.storage, entropy, Logger(&f.log, "spool"));
    EXPECT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
    auto added = producer.add("/in/" + name + ".json");
    EXPECT_TRUE(added.ok()) << added.error().detail.view();
    std::lock_guard<std::mutex> lock(mutex);
    sequence[name] = added.ok() ? added->sequence : 0;
    ++done;
  };
  FakeEntropy entropy_a(1);
  FakeEntropy entropy_b(2);
  FakeEntropy entropy_c(3);
  std::thread a([&] { add("a", entropy_a); });
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return paused; }));
  }
  const int locks_before_b = f.storage.lock_calls();
  std::thread b([&] { add("b", entropy_b); });
  // b finishes, or waits for the counter a holds.
  EXPECT_TRUE(wait_until([&] { return done == 1 || f.storage.lock_calls() > locks_before_b; }));
  std::set<uint64_t> served;  // what the consumer took (and refused) while a waited
  SpoolEntry entry;
  for (;;) {
    auto more = f.spool.next(entry);
    ASSERT_TRUE(more.ok());
    if (!*more) {
      break;
    }
    served.insert(entry.sequence);
    ASSERT_TRUE(f.spool.reject(entry, "refused").ok());
  }
  const int locks_before_c = f.storage.lock_calls();
  std::thread c([&] { add("c", entropy_c); });
  EXPECT_TRUE(wait_until([&] { return done == 2 || f.storage.lock_calls() > locks_before_c; }));
  {
    std::lock_guard<std::mutex> lock(mutex);
    released = true;
    changed.notify_all();
  }
  a.join();
  b.join();
  c.join();
  ASSERT_EQ(sequence.size(), 3u);
  EXPECT_EQ(std::set<uint64_t>({sequence["a"], sequence["b"], sequence["c"]}).size(), 3u)
      << "a: " << sequence["a"] << " b: " << sequence["b"] << " c: " << sequence["c"];
  for (const uint64_t taken : served) {
    EXPECT_GT(sequence["a"], taken) << "a was published below a group already served";
  }
  std::vector<std::string> rest = drain(f);
  EXPECT_EQ(std::vector<std::string>(rest.begin(), rest.begin() + 2), ids("a", 0, 2))
      << "a took its number first, and is served first of what is left";
}

// --- next() without rescans -----------------------------------------------------------------

TEST(SpoolScale, DrainingManyGroupsListsTheQueueOncePerWindow) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  // Several windows' worth on gateway boards (256); the host's window (4096) holds them all.
  const int groups = std::min(3 * LSEDGE_SPOOL_WINDOW + 5, 1000);
  std::vector<std::string> expected;
  for (int g = 1; g <= groups; ++g) {
    put_group(f.memory, static_cast<uint64_t>(g), "G" + std::to_string(g), 1);
    expected.push_back("G" + std::to_string(g) + ":0");
  }
  const std::string queue = std::string(kDir) + "/queue";
  const int before = f.storage.listings(queue);
  // Half-way, an add: it is served after every group queued before it.
  std::vector<std::string> delivered;
  SpoolEntry entry;
  for (int i = 0; i < groups / 2; ++i) {
    ASSERT_TRUE(*f.spool.next(entry));
    delivered.push_back(tasks_in(*f.memory.content(entry.path.c_str()))[0]);
    ASSERT_TRUE(f.spool.confirm(entry).ok());
  }
  f.memory.put_file("/in/late.json", task_file("late", 0, 1));
  ASSERT_TRUE(f.spool.add("/in/late.json").ok());
  const int listed_by_add = f.storage.listings(queue) - before;  // DIR/sequence initialised
  const auto rest = drain(f);
  delivered.insert(delivered.end(), rest.begin(), rest.end());
  expected.push_back("late:0");
  EXPECT_EQ(delivered, expected);
  const int listings = f.storage.listings(queue) - before - listed_by_add;
  EXPECT_LE(listings, groups / LSEDGE_SPOOL_WINDOW + 4) << "for " << groups << " groups";
}

TEST(SpoolScale, DrainingABigGroupListsItOncePerWindow) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const int entries = 3 * LSEDGE_SPOOL_ENTRY_WINDOW + 5;
  put_group(f.memory, 1, "B", entries, 2);
  const std::string group = std::string(kDir) + "/queue/" + group_name(1);
  EXPECT_EQ(drain(f), ids("B", 0, 2 * entries));
  EXPECT_LE(f.storage.listings(group), entries / LSEDGE_SPOOL_ENTRY_WINDOW + 5);
}

// Halves an entry.
class Halves final : public SplitPlan {
 public:
  explicit Halves(uint64_t tasks) : tasks_(tasks) {}
  uint32_t part_count() const override { return 2; }
  uint32_t part_of(uint64_t index) const override { return index < tasks_ / 2 ? 0 : 1; }
  std::string_view reason(uint64_t) const override { return {}; }

 private:
  uint64_t tasks_;
};

TEST(SpoolScale, PartsOfASplitInABigGroupComeBeforeItsLaterEntries) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const int entries = 2 * LSEDGE_SPOOL_ENTRY_WINDOW + 3;
  put_group(f.memory, 1, "B", entries, 4);
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.name.view(), "0000000001-4.json");
  ASSERT_TRUE(f.spool.split(entry, Halves(entry.tasks)).ok());
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.name.view(), "0000000001.0000000000-2.json");
  ASSERT_TRUE(f.spool.split(entry, Halves(entry.tasks)).ok());  // a part, split again
  EXPECT_EQ(drain(f), ids("B", 4, 4 * entries - 4));
}

TEST(SpoolScale, AnEntryLeftInPlaceIsServedAgainAndTheWindowMovesOnlyPastGoneEntries) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  put_group(f.memory, 1, "B", 3);
  put_group(f.memory, 2, "C", 1);
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  ASSERT_TRUE(f.spool.release(entry).ok());
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.name.view(), "0000000000-1.json") << "released: the same entry again";
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());  // and then the answer is lost
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.name.view(), "0000000000-1.json");
  EXPECT_TRUE(entry.outcome_unknown);
  ASSERT_TRUE(f.spool.reject(entry, "no").ok());
  EXPECT_EQ(drain(f), (std::vector<std::string>{"B:1", "B:2", "C:0"}));
}

// --- foreign files --------------------------------------------------------------------------

TEST(SpoolScale, ForeignFilesAreReportedOnceNotEveryPoll) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.memory.put_file(std::string(kDir) + "/queue/notes.txt", "mine");
  f.memory.put_directory(std::string(kDir) + "/queue/" + group_name(1));
  f.memory.put_file(std::string(kDir) + "/queue/" + group_name(1) + "/photo.jpg", "mine too");
  put_group(f.memory, 2, "A", 2);
  SpoolEntry entry;
  for (int poll = 0; poll < 50; ++poll) {
    auto more = f.spool.next(entry);
    ASSERT_TRUE(more.ok());
    if (*more) {
      ASSERT_TRUE(f.spool.confirm(entry).ok());
    }
  }
  EXPECT_EQ(lines_with(f.log, "notes.txt was not written by the spool"), 1u) << f.log.all_text();
  EXPECT_EQ(lines_with(f.log, group_name(1) + " holds files the spool did not write"), 1u)
      << f.log.all_text();
  EXPECT_EQ(f.memory.content(std::string(kDir) + "/queue/" + group_name(1) + "/photo.jpg"),
            "mine too");
  // Once the foreign file is moved out, the group is served (here: removed, it is empty).
  ASSERT_TRUE(f.memory.remove(std::string(kDir) + "/queue/" + group_name(1) + "/photo.jpg").ok());
  EXPECT_FALSE(*f.spool.next(entry));
  EXPECT_EQ(f.memory.snapshot().count(std::string(kDir) + "/queue/" + group_name(1) + "/"), 0u);
}

}  // namespace
}  // namespace lsedge::spool
