// Coalescing (issue #13): consecutive small task entries as one request, confirmed together,
// and the in-flight record as a range, at every crash point.
#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/spool/spool_fixture.h"

namespace lsedge::spool {
namespace {

using Crash = testing::MemoryStorage::Crash;
using test::files_under;
using testing::MemoryStorage;

constexpr const char* kDir = test::kSpoolDir;
constexpr uint64_t kBudget = 1024 * 1024;

// One task `{"data":{"i":N}}`, as a one-task file.
std::string one_task(int i) {
  return "[{\"data\":{\"i\":" + std::to_string(i) + "}}]";
}

// The "i" of every task in a body; `ok` false if it is not a JSON array of such tasks.
std::vector<int> numbers_of(const std::string& body, bool* ok = nullptr) {
  std::vector<int> out;
  cJSON* root = cJSON_ParseWithLength(body.data(), body.size());
  bool good = root != nullptr && cJSON_IsArray(root);
  const cJSON* task = nullptr;
  if (good) {
    cJSON_ArrayForEach(task, root) {
      const cJSON* i =
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(task, "data"), "i");
      good = good && cJSON_IsNumber(i);
      if (good) {
        out.push_back(i->valueint);
      }
    }
  }
  cJSON_Delete(root);
  if (ok != nullptr) {
    *ok = good;
  }
  return out;
}

std::vector<int> range(int first, int count) {
  std::vector<int> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back(i);
  }
  return out;
}

struct Fixture : test::SpoolFixture {
  Fixture() { storage.put_directory(kDir); }
  // One add of `count` tasks numbered from `first`, `per_entry` tasks in each entry.
  void add_group(int first, int count, int per_entry) {
    std::string text = "[";
    for (int i = first; i < first + count; ++i) {
      text += (i == first ? "" : ",") + one_task(i).substr(1, one_task(i).size() - 2);
    }
    storage.put_file("/in/g.json", text + "]");
    const auto added = spool.add("/in/g.json", static_cast<uint64_t>(per_entry) * 20 + 2);
    ASSERT_TRUE(added.ok()) << added.error().detail.view();
    ASSERT_EQ(added->entries, static_cast<uint64_t>((count + per_entry - 1) / per_entry));
  }
  // `count` adds of one task each, numbered from `first`.
  void add_singles(int first, int count) {
    for (int i = first; i < first + count; ++i) {
      storage.put_file("/in/t.json", one_task(i));
      const auto added = spool.add("/in/t.json");
      ASSERT_TRUE(added.ok()) << added.error().detail.view();
    }
  }
};

std::string read_body(MemoryStorage& storage, const SpoolBatch& batch, size_t chunk) {
  SpoolBatchBody body(storage, kDir);
  const Outcome opened = body.open(batch);
  EXPECT_TRUE(opened.ok()) << opened.error().detail.view();
  std::string out;
  std::vector<uint8_t> buffer(chunk);
  for (;;) {
    auto got = body.read(ByteSpan(buffer.data(), buffer.size()));
    EXPECT_TRUE(got.ok()) << got.error().detail.view();
    if (!got.ok() || *got == 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), *got);
  }
  EXPECT_EQ(out.size(), body.size());
  return out;
}

TEST(SpoolBatch, ConsecutiveSmallEntriesAreOneRequestInQueueOrder) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 40);
  SpoolBatch batch;
  auto found = f.spool.next_batch(batch, kBudget, 1000);
  ASSERT_TRUE(found.ok() && *found) << found.error().detail.view();
  EXPECT_EQ(batch.count, 40u);
  EXPECT_EQ(batch.tasks, 40u);
  for (const size_t chunk : {1, 2, 7, 64, 4096}) {
    const std::string body = read_body(f.storage, batch, chunk);
    bool ok = false;
    EXPECT_EQ(numbers_of(body, &ok), range(0, 40)) << "chunk " << chunk;
    EXPECT_TRUE(ok) << body;
    EXPECT_EQ(body.size(), batch.body_bytes);
  }
  // Nothing changed until it is confirmed: the same batch again.
  SpoolBatch again;
  ASSERT_TRUE(f.spool.next_batch(again, kBudget, 1000).ok());
  EXPECT_EQ(again.count, 40u);
  ASSERT_TRUE(f.spool.mark_sending(batch).ok());
  ASSERT_TRUE(f.spool.confirm(batch).ok());
  EXPECT_TRUE(files_under(f.storage, "queue").empty());
  const auto none = f.spool.next_batch(batch, kBudget, 1000);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

TEST(SpoolBatch, TheBudgetAndTheEntryLimitEndABatchAndARewindReadsItAgain) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 10);
  const uint64_t task_bytes = one_task(0).size();  // 18: each adds its size less one
  SpoolBatch batch;
  ASSERT_TRUE(f.spool.next_batch(batch, task_bytes + 3 * (task_bytes - 1), 100).ok());
  EXPECT_EQ(batch.count, 4u);
  ASSERT_TRUE(f.spool.next_batch(batch, kBudget, 3).ok());
  EXPECT_EQ(batch.count, 3u);
  ASSERT_TRUE(f.spool.next_batch(batch, 4, 100).ok());  // smaller than any entry: the head alone
  EXPECT_EQ(batch.count, 1u);

  ASSERT_TRUE(f.spool.next_batch(batch, kBudget, 100).ok());
  SpoolBatchBody body(f.storage, kDir);
  ASSERT_TRUE(body.open(batch).ok());
  uint8_t some[25];
  ASSERT_TRUE(body.read(ByteSpan(some, sizeof some)).ok());
  ASSERT_TRUE(body.rewind().ok());
  EXPECT_EQ(read_body(f.storage, batch, 3), read_body(f.storage, batch, 1000));
}

TEST(SpoolBatch, MediaCorruptAndBigEntriesAreNotJoined) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 3);
  f.storage.put_file("/in/frame.jpg", std::string("\xFF\xD8\xFF\xE0", 4) + "jpeg");
  const MediaFile media[] = {{"/in/frame.jpg", {}}};
  ASSERT_TRUE(f.spool.add_media(Span<const MediaFile>(media, 1)).ok());
  f.add_singles(3, 3);
  // A damaged entry (its task count does not match its name) ends the batch before it.
  const auto queued = files_under(f.storage, "queue");
  std::string fifth;
  int index = 0;
  for (const auto& [path, content] : queued) {
    if (path.find(".media") == std::string::npos && index++ == 4) {
      fifth = path;
    }
  }
  ASSERT_FALSE(fifth.empty());
  f.storage.put_file(std::string(kDir) + "/" + fifth, "[{\"data\":{\"i\":4}},{}]");

  SpoolBatch batch;
  std::vector<uint32_t> counts;
  std::vector<int> sent;
  for (int guard = 0; guard < 20; ++guard) {
    auto found = f.spool.next_batch(batch, kBudget, 100);
    ASSERT_TRUE(found.ok()) << found.error().detail.view();
    if (!*found) {
      break;
    }
    counts.push_back(batch.count);
    ASSERT_TRUE(f.spool.mark_sending(batch).ok());
    if (!batch.head.media) {
      const auto numbers = numbers_of(read_body(f.storage, batch, 100));
      sent.insert(sent.end(), numbers.begin(), numbers.end());
    }
    ASSERT_TRUE(f.spool.confirm(batch).ok());
  }
  // 0-2 | the media | 3 (then the corrupt entry is set aside) | 5.
  EXPECT_EQ(counts, (std::vector<uint32_t>{3, 1, 1, 1}));
  EXPECT_EQ(sent, (std::vector<int>{0, 1, 2, 3, 5}));
  EXPECT_EQ(files_under(f.storage, "rejected").size(), 2u);  // the entry and its reason
}

// A daemon over batches: a first request of each batch is refused at the door (nothing sent,
// released), then the server stores it. False when the storage died under it.
struct Server {
  std::multiset<int> stored;
  std::set<int> seen_unknown;  // tasks resent in outcome-unknown batches
  int requests = 0;
};

bool run(Spool& spool, MemoryStorage& storage, Server& server) {
  SpoolBatch batch;
  for (int guard = 0; guard < 200; ++guard) {
    auto more = spool.next_batch(batch, kBudget, 8);
    if (!more.ok()) {
      return false;
    }
    if (!*more) {
      return true;
    }
    if (!spool.mark_sending(batch).ok()) {
      return false;
    }
    SpoolBatchBody body(storage, kDir);
    if (!body.open(batch).ok()) {
      return false;
    }
    std::string bytes(static_cast<size_t>(body.size()), '\0');
    auto got = body.read(ByteSpan(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    bool whole = false;
    const auto numbers = got.ok() ? numbers_of(bytes, &whole) : std::vector<int>();
    if (!got.ok() || !whole || numbers.size() != batch.tasks) {
      return false;
    }
    if (server.requests++ % 3 == 1) {
      if (!spool.release(batch).ok()) {
        return false;
      }
      continue;
    }
    if (batch.head.outcome_unknown) {
      server.seen_unknown.insert(numbers.begin(), numbers.end());
    }
    server.stored.insert(numbers.begin(), numbers.end());
    if (!spool.confirm(batch).ok()) {
      return false;
    }
  }
  ADD_FAILURE() << "the daemon did not finish";
  return false;
}

TEST(SpoolBatch, NoTaskIsLostAndEveryDuplicateIsCountedAtAnyCrash) {
  constexpr int kTasks = 20;
  auto setup = [](Fixture& f) {
    EXPECT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    f.add_singles(0, 7);
    f.add_group(7, 6, 2);  // three entries in one group: a batch ends in it and starts in it
    f.add_singles(13, kTasks - 13);
  };
  uint64_t operations = 0;
  {
    Fixture f;
    setup(f);
    Server server;
    const uint64_t start = f.storage.mutations();
    ASSERT_TRUE(run(f.spool, f.storage, server));
    operations = f.storage.mutations() - start;
    ASSERT_EQ(server.stored.size(), static_cast<size_t>(kTasks));
    EXPECT_LE(server.requests, 5) << "17 entries in requests of at most 8";
  }
  int runs_with_duplicates = 0;
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    for (uint64_t k = 0; k <= operations; ++k) {
      Fixture f;
      setup(f);
      Server server;
      f.storage.crash_after(k);
      (void)run(f.spool, f.storage, server);
      f.storage.restart(mode);
      Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
      ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
      const auto before = restarted.counts();
      ASSERT_TRUE(before.ok());
      ASSERT_TRUE(run(restarted, f.storage, server)) << "k=" << k;
      bool duplicated = false;
      for (int task = 0; task < kTasks; ++task) {
        EXPECT_GE(server.stored.count(task), 1u) << task << " lost; k=" << k;
        if (server.stored.count(task) > 1) {
          duplicated = true;
          EXPECT_EQ(server.seen_unknown.count(task), 1u)
              << task << " duplicated without being counted; k=" << k;
        }
      }
      EXPECT_TRUE(files_under(f.storage, "queue").empty()) << "k=" << k;
      if (duplicated) {
        EXPECT_GT(before->outcome_unknown, 0u) << "k=" << k;
        EXPECT_GT(restarted.counts()->possible_duplicates, 0u) << "k=" << k;
        ++runs_with_duplicates;
      }
    }
  }
  EXPECT_GT(runs_with_duplicates, 0) << "the crash points must include sent-but-unconfirmed";
}

TEST(SpoolBatch, AnUnknownBatchIsResentWholeAndItsEntriesStayMarkedWhenSentAlone) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 6);
  f.add_singles(100, 1);
  SpoolBatch batch;
  ASSERT_TRUE(f.spool.next_batch(batch, kBudget, 6).ok());
  ASSERT_EQ(batch.count, 6u);
  ASSERT_TRUE(f.spool.mark_sending(batch).ok());  // then the answer is lost: nothing more

  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  f.spool.close();
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(restarted.counts()->outcome_unknown, 6u);
  // Gathered again as that batch (not with the entry after it, which has no unknown outcome).
  ASSERT_TRUE(restarted.next_batch(batch, kBudget, 100).ok());
  EXPECT_EQ(batch.count, 6u);
  EXPECT_TRUE(batch.head.outcome_unknown);
  // Sent one by one (as after a refusal): each confirm keeps the others marked.
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(restarted.next_batch(batch, kBudget, 1).ok());
    ASSERT_EQ(batch.count, 1u);
    EXPECT_TRUE(batch.head.outcome_unknown) << i;
    ASSERT_TRUE(restarted.mark_sending(batch).ok());
    ASSERT_TRUE(restarted.confirm(batch).ok());
    EXPECT_EQ(restarted.counts()->outcome_unknown, static_cast<uint64_t>(5 - i));
  }
  EXPECT_EQ(restarted.counts()->possible_duplicates, 6u);
  ASSERT_TRUE(restarted.next_batch(batch, kBudget, 100).ok());
  EXPECT_EQ(batch.count, 1u);
  EXPECT_FALSE(batch.head.outcome_unknown);
}

// Two parts: tasks [0, half) and the rest.
class Halves final : public SplitPlan {
 public:
  explicit Halves(uint64_t half) : half_(half) {}
  uint32_t part_count() const override { return 2; }
  uint32_t part_of(uint64_t index) const override { return index < half_ ? 0 : 1; }
  std::string_view reason(uint64_t) const override { return {}; }

 private:
  uint64_t half_;
};

TEST(SpoolBatch, AnEntryOfAnUnknownBatchSplitAloneHasKnownPartsAndTheRestStaysMarked) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 1);
  f.add_group(1, 4, 4);  // one entry of four tasks
  f.add_singles(10, 2);
  SpoolBatch batch;
  ASSERT_TRUE(f.spool.next_batch(batch, kBudget, 100).ok());
  ASSERT_EQ(batch.count, 4u);
  ASSERT_TRUE(f.spool.mark_sending(batch).ok());  // the answer is lost
  f.spool.close();
  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(restarted.counts()->outcome_unknown, 4u);
  // Sent one by one: the first confirmed, the second refused in part and split.
  ASSERT_TRUE(restarted.next_batch(batch, kBudget, 1).ok());
  ASSERT_TRUE(restarted.mark_sending(batch).ok());
  ASSERT_TRUE(restarted.confirm(batch).ok());
  ASSERT_TRUE(restarted.next_batch(batch, kBudget, 1).ok());
  ASSERT_EQ(batch.head.tasks, 4u);
  ASSERT_TRUE(batch.head.outcome_unknown);
  ASSERT_TRUE(restarted.mark_sending(batch).ok());
  ASSERT_TRUE(restarted.split(batch.head, Halves(2)).ok());
  EXPECT_EQ(restarted.counts()->outcome_unknown, 2u) << "the parts are known, 10 and 11 not";
  ASSERT_TRUE(restarted.next_batch(batch, kBudget, 100).ok());
  EXPECT_FALSE(batch.head.outcome_unknown);
  EXPECT_EQ(batch.count, 2u) << "the two parts, without the still-unknown entries after them";
  EXPECT_EQ(numbers_of(read_body(f.storage, batch, 16)), (std::vector<int>{1, 2, 3, 4}));
  ASSERT_TRUE(restarted.confirm(batch).ok());
  ASSERT_TRUE(restarted.next_batch(batch, kBudget, 100).ok());
  EXPECT_TRUE(batch.head.outcome_unknown);
  EXPECT_EQ(batch.count, 2u);
}

TEST(SpoolBatch, AQueuedImportOfABatchIsPolledAfterARestartAndConfirmedWhole) {
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost}) {
    Fixture f;
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    f.add_singles(0, 5);
    SpoolBatch batch;
    ASSERT_TRUE(f.spool.next_batch(batch, kBudget, 4).ok());
    ASSERT_EQ(batch.count, 4u);
    ASSERT_TRUE(f.spool.mark_sending(batch).ok());
    ASSERT_TRUE(f.spool.mark_imported(batch, 77).ok());
    f.storage.restart(mode);
    Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
    ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
    EXPECT_EQ(restarted.counts()->outcome_unknown, 0u);
    ASSERT_TRUE(restarted.next_batch(batch, kBudget, 100).ok());
    EXPECT_EQ(batch.count, 4u);
    EXPECT_EQ(batch.head.import_id, 77);
    EXPECT_FALSE(batch.head.outcome_unknown);
    ASSERT_TRUE(restarted.confirm(batch).ok());
    ASSERT_TRUE(restarted.next_batch(batch, kBudget, 100).ok());
    EXPECT_EQ(batch.count, 1u);
    EXPECT_EQ(batch.head.import_id, 0);
    EXPECT_EQ(numbers_of(read_body(f.storage, batch, 64)), (std::vector<int>{4}));
  }
}

TEST(SpoolBatch, AFailedImportOfABatchRejectsEveryEntryWithTheReason) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 3);
  SpoolBatch batch;
  ASSERT_TRUE(f.spool.next_batch(batch, kBudget, 100).ok());
  ASSERT_TRUE(f.spool.mark_sending(batch).ok());
  ASSERT_TRUE(f.spool.mark_imported(batch, 5).ok());
  ASSERT_TRUE(f.spool.reject(batch, "import 5 failed").ok());
  const auto rejected = files_under(f.storage, "rejected");
  EXPECT_EQ(rejected.size(), 6u);
  int reasons = 0;
  for (const auto& [name, content] : rejected) {
    reasons += content == "import 5 failed\n" ? 1 : 0;
  }
  EXPECT_EQ(reasons, 3);
  EXPECT_TRUE(files_under(f.storage, "queue").empty());
  EXPECT_EQ(f.spool.counts()->outcome_unknown, 0u);
}

TEST(SpoolBatch, AnEntryThatIsNotOneBracketedArrayIsSentAlone) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  f.add_singles(0, 3);
  // The second entry, written by hand with spaces around its array (valid, but not joinable).
  for (const auto& [path, content] : files_under(f.storage, "queue")) {
    if (content == one_task(1)) {
      f.storage.put_file(std::string(kDir) + "/" + path, " " + content + "\n");
    }
  }
  SpoolBatch batch;
  std::vector<uint32_t> counts;
  for (;;) {
    auto found = f.spool.next_batch(batch, kBudget, 100);
    ASSERT_TRUE(found.ok());
    if (!*found) {
      break;
    }
    counts.push_back(batch.count);
    ASSERT_TRUE(f.spool.confirm(batch).ok());
  }
  EXPECT_EQ(counts, (std::vector<uint32_t>{1, 1, 1}));
}

}  // namespace
}  // namespace lsedge::spool
