// Specification of the spool: FIFO, atomic adds, and no task lost at any crash point.
#include "firmware/spool/spool.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"
#include "tests/unit/spool/spool_fixture.h"

namespace lsedge::spool {

using taskfile::TaskFileFormat;
namespace {

using testing::CaptureLog;
using testing::FakeEntropy;
using testing::MemoryStorage;
using Crash = MemoryStorage::Crash;
using test::files_under;
using Op = MemoryStorage::Op;

constexpr char kDir[] = "/data/spool";

// A task file of `count` tasks tagged with `source` and ids first..first+count-1.
std::string task_file(const std::string& source, int first, int count, int pad = 20,
                      bool ndjson = false) {
  std::string text = ndjson ? "" : "[\n";
  for (int i = first; i < first + count; ++i) {
    const std::string task = "{\"data\":{\"src\":\"" + source + "\",\"i\":" + std::to_string(i) +
                             ",\"pad\":\"" + std::string(static_cast<size_t>(pad + i % 7), 'p') +
                             "\"}}";
    text += ndjson ? task + "\n" : (i == first ? "  " : " ,\n  ") + task;
  }
  return ndjson ? text : text + "\n]\n";
}

// "SRC:i" of every task in a body; empty and `ok` false if the body is not an array of objects.
std::vector<std::string> tasks_of(const std::string& body, bool* ok = nullptr) {
  std::vector<std::string> out;
  cJSON* root = cJSON_ParseWithLength(body.data(), body.size());
  bool good = root != nullptr && cJSON_IsArray(root);
  if (good) {
    const cJSON* task = nullptr;
    cJSON_ArrayForEach(task, root) {
      const cJSON* data = cJSON_GetObjectItemCaseSensitive(task, "data");
      const cJSON* src = cJSON_GetObjectItemCaseSensitive(data, "src");
      const cJSON* i = cJSON_GetObjectItemCaseSensitive(data, "i");
      if (!cJSON_IsString(src) || !cJSON_IsNumber(i)) {
        good = false;
        break;
      }
      out.push_back(std::string(src->valuestring) + ":" + std::to_string(i->valueint));
    }
  }
  cJSON_Delete(root);
  if (ok != nullptr) {
    *ok = good;
  }
  return out;
}

std::vector<std::string> ids(const std::string& source, int first, int count) {
  std::vector<std::string> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back(source + ":" + std::to_string(i));
  }
  return out;
}

// Checks every queue entry is a whole batch (an array of as many tasks as its name says) and
// returns all queued tasks in FIFO order.
std::vector<std::string> queued_tasks(const MemoryStorage& storage, uint64_t budget = UINT64_MAX) {
  std::vector<std::string> out;
  for (const auto& [path, content] : files_under(storage, "queue")) {
    if (path.size() > 8 && path.compare(path.size() - 8, 8, ".sending") == 0) {
      continue;
    }
    bool ok = false;
    const auto tasks = tasks_of(content, &ok);
    EXPECT_TRUE(ok) << "a queue entry is not a whole batch: " << path;
    const size_t dash = path.rfind('-');
    const size_t dot = path.rfind(".json");
    EXPECT_EQ(std::to_string(tasks.size()), path.substr(dash + 1, dot - dash - 1)) << path;
    EXPECT_LE(content.size(), budget) << path;
    out.insert(out.end(), tasks.begin(), tasks.end());
  }
  return out;
}

struct Fixture : test::SpoolFixture {
  Fixture() {
    storage.put_directory(kDir);  // empty: `run` makes a spool of it (it never creates one)
  }
  void put(const std::string& name, const std::string& content) {
    storage.put_file("/in/" + name, content);
  }
};

std::string read_entry(MemoryStorage& storage, const SpoolEntry& entry, size_t chunk = 5) {
  SpoolEntryBody body(storage);
  EXPECT_TRUE(body.open(entry).ok());
  std::string out;
  std::vector<uint8_t> buffer(chunk);
  for (;;) {
    auto got = body.read(ByteSpan(buffer.data(), buffer.size()));
    EXPECT_TRUE(got.ok());
    if (!got.ok() || *got == 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), *got);
  }
  EXPECT_EQ(out.size(), body.size());
  return out;
}

// Sends every entry in order and confirms it; returns the tasks in the order delivered.
std::vector<std::string> drain(Spool& spool, MemoryStorage& storage) {
  std::vector<std::string> delivered;
  SpoolEntry entry;
  for (;;) {
    auto more = spool.next(entry);
    EXPECT_TRUE(more.ok()) << more.error().detail.view();
    if (!more.ok() || !*more) {
      break;
    }
    EXPECT_TRUE(spool.mark_sending(entry).ok());
    const auto tasks = tasks_of(read_entry(storage, entry));
    EXPECT_EQ(tasks.size(), entry.tasks);
    delivered.insert(delivered.end(), tasks.begin(), tasks.end());
    EXPECT_TRUE(spool.confirm(entry).ok());
  }
  return delivered;
}

template <class T>
std::vector<T> concat(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(Spool, AddsAreQueuedAsBatchesAndServedInFifoOrder) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 12));
  f.put("b.ndjson", task_file("B", 0, 5, 20, true));
  const auto opened = f.spool.open(kDir, Spool::Role::Producer);
  ASSERT_TRUE(opened.ok()) << opened.error().detail.view() << " " << opened.error().code;
  auto a = f.spool.add("/in/a.json", 300);
  ASSERT_TRUE(a.ok()) << a.error().detail.view();
  EXPECT_EQ(a->tasks, 12u);
  EXPECT_GT(a->entries, 2u);
  EXPECT_EQ(a->sequence, 1u);
  EXPECT_EQ(a->format, TaskFileFormat::JsonArray);
  auto b = f.spool.add("/in/b.ndjson", 300);
  ASSERT_TRUE(b.ok()) << b.error().detail.view();
  EXPECT_EQ(b->sequence, 2u);
  EXPECT_EQ(b->format, TaskFileFormat::NdJson);

  const auto queue = files_under(f.storage, "queue");
  EXPECT_EQ(queue.begin()->first, "queue/00000000000000000001/0000000000-" +
                                      std::to_string(queue.begin()->second.empty()
                                                         ? 0
                                                         : tasks_of(queue.begin()->second).size()) +
                                      ".json");
  EXPECT_EQ(queued_tasks(f.storage, 300), concat(ids("A", 0, 12), ids("B", 0, 5)));
  uint64_t bytes = 0;
  for (const auto& [path, content] : queue) {
    bytes += content.size();
  }
  EXPECT_EQ(bytes, a->body_bytes + b->body_bytes);
  EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "no claim or staging left behind";

  Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok());
  auto counts = consumer.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_tasks, 17u);
  EXPECT_EQ(counts->queued_entries, a->entries + b->entries);
  EXPECT_EQ(drain(consumer, f.storage), concat(ids("A", 0, 12), ids("B", 0, 5)));
  EXPECT_TRUE(files_under(f.storage, "queue").empty());
  SpoolEntry none;
  auto empty = consumer.next(none);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(*empty);
  EXPECT_EQ(f.storage.snapshot().count(std::string(kDir) + "/queue/00000000000000000001/"), 0u)
      << "emptied groups are removed";
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
  EXPECT_EQ(f.storage.open_directories(), 0u);
}

TEST(Spool, SequenceNumbersAreNeverReusedWhileARejectedEntryHoldsThem) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 1));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.reject(entry, "bad").ok());
  auto again = f.spool.add("/in/a.json");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sequence, 2u) << "a rejected entry's name must never be overwritten";
}

TEST(Spool, InvalidTaskFilesLeaveTheQueueUnchanged) {
  Fixture f;
  f.put("good.json", task_file("G", 0, 3));
  f.put("invalid.json", task_file("X", 0, 50) + "x");
  f.put("empty.json", "[]");
  f.put("huge.json", "[" + task_file("H", 0, 1, 2000).substr(1));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/good.json").ok());
  const auto before = f.storage.snapshot();

  auto invalid = f.spool.add("/in/invalid.json", 256);
  EXPECT_EQ(invalid.status(), Status::TaskFileInvalid);
  EXPECT_NE(invalid.error().detail.view().find("data after the end of the array"),
            std::string_view::npos);
  EXPECT_EQ(f.spool.add("/in/empty.json").status(), Status::EmptyInput);
  auto huge = f.spool.add("/in/huge.json", 1024);
  EXPECT_EQ(huge.status(), Status::ValidationFailed);
  EXPECT_NE(huge.error().detail.view().find("task 1 is"), std::string_view::npos);
  auto missing = f.spool.add("/in/missing.json");
  EXPECT_EQ(missing.status(), Status::FileNotFound);
  EXPECT_EQ(missing.error().code, ENOENT);
  EXPECT_EQ(missing.error().detail.view(), "/in/missing.json");

  EXPECT_EQ(f.storage.snapshot(), before) << "nothing of a failed add anywhere, tmp/ included";
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
  EXPECT_EQ(f.storage.open_directories(), 0u);
}

TEST(Spool, AFullDiskDuringAddIsAClearErrorAndLeavesNothing) {
  for (const bool by_capacity : {true, false}) {
    Fixture f;
    f.put("a.json", task_file("A", 0, 40, 200));
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    const auto before = f.storage.snapshot();
    if (by_capacity) {
      f.storage.set_capacity(f.storage.content("/in/a.json")->size() + 3000);
    } else {
      f.storage.fail(Op::Append, 3, ENOSPC);
    }
    auto added = f.spool.add("/in/a.json", 1500);
    ASSERT_EQ(added.status(), Status::NoSpace);
    EXPECT_EQ(added.error().code, ENOSPC);
    const std::string_view detail = added.error().detail.view();
    EXPECT_EQ(detail.substr(0, 27), "disk full: /data/spool/tmp/") << detail;
    EXPECT_EQ(f.storage.snapshot(), before);
    EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
    EXPECT_EQ(f.storage.open_directories(), 0u);
  }
}

TEST(Spool, AnAddWhoseQueueSyncFailsIsTakenBack) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 3));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const auto before = f.storage.snapshot();
  f.storage.fail(Op::SyncDirectory, 2, EIO);  // 1: the staging directory, 2: queue/
  auto added = f.spool.add("/in/a.json");
  EXPECT_EQ(added.status(), Status::FileError);
  EXPECT_EQ(added.error().code, EIO);
  auto after = f.storage.snapshot();
  after.erase("/data/spool/sequence");  // the number it took stays taken
  EXPECT_EQ(after, before) << "reported as failed, so not queued either";
}

// The heart of "no task lost" for `spool add`: a crash after any number k of storage
// operations, in every crash mode, leaves either all of the add queued or nothing of it, never a
// partial entry; an add that reported success survives even a power loss; an earlier add is
// never disturbed; and the next consumer start clears tmp/.
TEST(Spool, AddIsAtomicUnderACrashAtEveryStorageOperation) {
  const std::string earlier = task_file("A", 0, 4);
  const std::string added = task_file("B", 0, 9, 300);  // bodies > one 4 KiB chunk
  const uint64_t budget = 3000;

  auto setup = [&](Fixture& f) {
    f.put("a.json", earlier);
    f.put("b.json", added);
    EXPECT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
    EXPECT_TRUE(f.spool.add("/in/a.json", budget).ok());
    EXPECT_TRUE(f.storage.sync_directory("/data").ok());
  };
  uint64_t operations = 0;
  {
    Fixture f;
    setup(f);
    const uint64_t start = f.storage.mutations();
    ASSERT_TRUE(f.spool.add("/in/b.json", budget).ok());
    operations = f.storage.mutations() - start;
    ASSERT_GT(operations, 10u);
  }
  int complete = 0;
  int absent = 0;
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    for (uint64_t k = 0; k <= operations; ++k) {
      Fixture f;
      setup(f);
      f.storage.crash_after(k);
      const bool reported_ok = f.spool.add("/in/b.json", budget).ok();
      f.storage.restart(mode);

      Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
      ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok()) << "k=" << k;
      const auto queued = queued_tasks(f.storage, budget);
      const auto with_add = concat(ids("A", 0, 4), ids("B", 0, 9));
      if (queued == with_add) {
        ++complete;
      } else {
        EXPECT_EQ(queued, ids("A", 0, 4)) << "mode " << static_cast<int>(mode) << " k=" << k;
        EXPECT_FALSE(reported_ok) << "an add reported as done was lost; k=" << k;
        ++absent;
      }
      EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "k=" << k;
      EXPECT_EQ(drain(consumer, f.storage), queued) << "k=" << k;
    }
  }
  EXPECT_GT(complete, 0);
  EXPECT_GT(absent, 0);
}

// A producer does not clean tmp/ (another add may be writing there); the consumer does.
TEST(Spool, OnlyTheConsumerCollectsLeftoversOfCrashedAdds) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 9, 300));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
  f.storage.crash_after(6);
  EXPECT_FALSE(f.spool.add("/in/a.json", 3000).ok());
  f.storage.restart(Crash::ProcessKilled);
  EXPECT_FALSE(files_under(f.storage, "tmp").empty());
  Spool producer(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
  EXPECT_FALSE(files_under(f.storage, "tmp").empty());
  Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_TRUE(files_under(f.storage, "tmp").empty());
  EXPECT_EQ(f.storage.snapshot().count(std::string(kDir) + "/tmp/"), 1u) << "tmp/ itself stays";
  EXPECT_NE(f.log.all_text().find("leftovers of interrupted adds"), std::string::npos)
      << f.log.all_text();
}

TEST(Spool, ACrashWhileSendingMakesTheResendACountedPossibleDuplicate) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 2));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_FALSE(entry.outcome_unknown);
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  // ... the request is sent, then the power goes.
  f.storage.restart(Crash::PowerLost);

  CaptureLog log;
  Spool restarted(f.storage, f.entropy, Logger(&log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_NE(log.all_text().find("1 spool entries were being sent"), std::string::npos);
  EXPECT_EQ(restarted.counts()->outcome_unknown, 1u);
  SpoolEntry again;
  ASSERT_TRUE(*restarted.next(again));
  EXPECT_EQ(again.path.view(), entry.path.view()) << "still queued, still first";
  EXPECT_TRUE(again.outcome_unknown);
  ASSERT_TRUE(restarted.mark_sending(again).ok());
  EXPECT_NE(log.all_text().find("may duplicate"), std::string::npos);
  ASSERT_TRUE(restarted.confirm(again).ok());
  EXPECT_EQ(restarted.counts()->possible_duplicates, 1u);
  EXPECT_NE(log.all_text().find("possible duplicate: 00000000000000000001/0000000000-2.json"),
            std::string::npos)
      << log.all_text();
}

TEST(Spool, ALostAnswerKeepsTheMarkAndTheResendIsCounted) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 2));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  // Connection lost after sending: the daemon calls nothing and asks for the next entry.
  SpoolEntry again;
  ASSERT_TRUE(*f.spool.next(again));
  EXPECT_EQ(again.path.view(), entry.path.view());
  EXPECT_TRUE(again.outcome_unknown);
  ASSERT_TRUE(f.spool.mark_sending(again).ok());
  ASSERT_TRUE(f.spool.release(again).ok()) << "e.g. a 503 this time";
  SpoolEntry third;
  ASSERT_TRUE(*f.spool.next(third));
  EXPECT_TRUE(third.outcome_unknown) << "a known failure does not clear an earlier unknown";
  ASSERT_TRUE(f.spool.confirm(third).ok());
  EXPECT_EQ(f.spool.counts()->possible_duplicates, 1u);
}

TEST(Spool, ReleaseAfterAKnownFailureClearsTheMark) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 2));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  EXPECT_EQ(f.spool.counts()->outcome_unknown, 1u);
  ASSERT_TRUE(f.spool.release(entry).ok());  // connection refused: nothing was sent
  f.storage.restart(Crash::PowerLost);       // the release is durable
  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry again;
  ASSERT_TRUE(*restarted.next(again));
  EXPECT_FALSE(again.outcome_unknown);
  ASSERT_TRUE(restarted.mark_sending(again).ok());
  ASSERT_TRUE(restarted.confirm(again).ok());
  EXPECT_EQ(restarted.counts()->possible_duplicates, 0u);
}

TEST(Spool, AConfirmedEntryIsNeverSentAgainEvenAfterAPowerLoss) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 6));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json", 200).ok());
  SpoolEntry first;
  ASSERT_TRUE(*f.spool.next(first));
  ASSERT_TRUE(f.spool.mark_sending(first).ok());
  ASSERT_TRUE(f.spool.confirm(first).ok());
  f.storage.restart(Crash::PowerLost);
  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry next;
  ASSERT_TRUE(*restarted.next(next));
  EXPECT_NE(next.path.view(), first.path.view());
  EXPECT_EQ(next.batch, first.batch + 1);
  EXPECT_FALSE(next.outcome_unknown);
  EXPECT_EQ(restarted.counts()->outcome_unknown, 0u) << "no orphan marker counted";
}

TEST(Spool, ARejectedEntryMovesBesideTheServersMessage) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 4));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json", 200).ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  const std::string body = read_entry(f.storage, entry);
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  ASSERT_TRUE(f.spool.reject(entry, "{\"detail\":\"Validation error\"}").ok());
  f.storage.restart(Crash::PowerLost);

  const std::string stem =
      "rejected/00000000000000000001-0000000000-" + std::to_string(entry.tasks);
  const auto rejected = files_under(f.storage, "rejected");
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected.at(stem + ".json"), body) << "never deleted, byte for byte";
  EXPECT_EQ(rejected.at(stem + ".reason.txt"), "{\"detail\":\"Validation error\"}\n");
  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  auto counts = restarted.counts();
  EXPECT_EQ(counts->rejected_entries, 1u);
  EXPECT_EQ(counts->outcome_unknown, 0u);
  SpoolEntry next;
  ASSERT_TRUE(*restarted.next(next));
  EXPECT_EQ(next.batch, 1u);
  EXPECT_EQ(drain(restarted, f.storage).size(), 4u - entry.tasks);
}

// The heart of "no task lost" for `run`: a consumer that sends, rejects and retries crashes
// after k storage operations, for every k and mode; after a restart and a full drain every task
// reached the server or rejected/, and every task the server got twice was resent as an
// outcome-unknown entry (so it was counted).
TEST(Spool, NoTaskIsLostAndEveryDuplicateIsCountedAtAnyConsumerCrash) {
  auto setup = [](Fixture& f) {
    f.put("a.json", task_file("A", 0, 6));
    f.put("bad.json", task_file("BAD", 0, 2));
    f.put("c.json", task_file("C", 0, 5));
    EXPECT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
    for (const char* file : {"/in/a.json", "/in/bad.json", "/in/c.json"}) {
      EXPECT_TRUE(f.spool.add(file, 250).ok());
    }
  };
  struct Server {
    std::multiset<std::string> stored;
    std::set<std::string> seen_unknown;  // tasks resent as outcome-unknown entries
    int refused_connections = 0;
  };
  // One daemon run; false when the storage died under it.
  auto run = [](Spool& spool, MemoryStorage& storage, Server& server) {
    SpoolEntry entry;
    for (int guard = 0; guard < 100; ++guard) {
      auto more = spool.next(entry);
      if (!more.ok()) {
        return false;
      }
      if (!*more) {
        return true;
      }
      if (!spool.mark_sending(entry).ok()) {
        return false;
      }
      SpoolEntryBody body(storage);
      if (!body.open(entry).ok()) {
        return false;
      }
      std::string bytes(static_cast<size_t>(body.size()), '\0');
      auto got = body.read(ByteSpan(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
      if (!got.ok()) {
        return false;
      }
      const auto tasks = tasks_of(bytes);
      if (entry.batch == 1 && server.refused_connections++ % 2 == 0) {
        if (!spool.release(entry).ok()) {  // connection refused: nothing sent
          return false;
        }
        continue;
      }
      if (entry.outcome_unknown) {
        server.seen_unknown.insert(tasks.begin(), tasks.end());
      }
      if (tasks.front().rfind("BAD:", 0) == 0) {
        if (!spool.reject(entry, "bad task").ok()) {
          return false;
        }
        continue;
      }
      server.stored.insert(tasks.begin(), tasks.end());  // 201
      if (!spool.confirm(entry).ok()) {
        return false;
      }
    }
    ADD_FAILURE() << "the daemon did not finish";
    return false;
  };

  uint64_t operations = 0;
  {
    Fixture f;
    setup(f);
    Server server;
    const uint64_t start = f.storage.mutations();
    ASSERT_TRUE(run(f.spool, f.storage, server));
    operations = f.storage.mutations() - start;
    ASSERT_EQ(server.stored.size(), 11u);
  }
  const auto all = concat(ids("A", 0, 6), ids("C", 0, 5));
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
      ASSERT_TRUE(run(restarted, f.storage, server)) << "k=" << k;

      for (const auto& task : all) {
        EXPECT_GE(server.stored.count(task), 1u) << task << " lost; k=" << k;
        if (server.stored.count(task) > 1) {
          EXPECT_EQ(server.seen_unknown.count(task), 1u)
              << task << " duplicated without being counted; k=" << k;
        }
      }
      EXPECT_EQ(server.stored.count("BAD:0"), 0u);
      auto rejected = files_under(f.storage, "rejected");
      // The entry leaves the queue before its reason is written: a crash in between leaves
      // the entry without it.
      ASSERT_GE(rejected.size(), 1u) << "k=" << k;
      ASSERT_LE(rejected.size(), 2u) << "k=" << k;
      EXPECT_EQ(tasks_of(rejected.begin()->second), ids("BAD", 0, 2));
      if (rejected.size() == 2) {
        EXPECT_EQ(std::next(rejected.begin())->second, "bad task\n");
      }
      EXPECT_TRUE(files_under(f.storage, "queue").empty()) << "k=" << k;
      const auto counts = restarted.counts();
      EXPECT_EQ(counts->queued_entries, 0u);
      size_t duplicated_entries_tasks = 0;
      for (const auto& task : all) {
        duplicated_entries_tasks += server.stored.count(task) > 1 ? 1 : 0;
      }
      if (duplicated_entries_tasks > 0) {
        EXPECT_GT(counts->possible_duplicates, 0u) << "k=" << k;
        ++runs_with_duplicates;
      }
    }
  }
  EXPECT_GT(runs_with_duplicates, 0) << "the crash points must include sent-but-unconfirmed";
}

TEST(Spool, TenThousandTasksSplitIntoBatchesUnderTheBudget) {
  Fixture f;
  f.put("many.ndjson", task_file("M", 0, 10000, 10, true));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  const uint64_t budget = 16 * 1024;
  auto added = f.spool.add("/in/many.ndjson", budget);
  ASSERT_TRUE(added.ok()) << added.error().detail.view();
  EXPECT_EQ(added->tasks, 10000u);
  EXPECT_GE(added->entries, f.storage.content("/in/many.ndjson")->size() / budget);
  auto counts = f.spool.counts();
  EXPECT_EQ(counts->queued_tasks, 10000u);
  EXPECT_EQ(counts->queued_entries, added->entries);
  EXPECT_EQ(queued_tasks(f.storage, budget), ids("M", 0, 10000));
  EXPECT_EQ(drain(f.spool, f.storage), ids("M", 0, 10000));
}

// Two producers (with the same entropy, so their staging names collide) and a consumer, all at
// once: every add arrives whole, each under its own sequence number.
TEST(Spool, ConcurrentAddersAndAConsumerNeverMixOrLoseAdds) {
  MemoryStorage storage;
  storage.put_directory("/data");
  storage.put_directory(kDir);
  storage.put_directory("/in");
  for (int i = 0; i < 20; ++i) {
    storage.put_file("/in/p" + std::to_string(i) + ".json",
                     task_file("P" + std::to_string(i), 0, 7));
    storage.put_file("/in/q" + std::to_string(i) + ".json",
                     task_file("Q" + std::to_string(i), 0, 3));
  }
  CaptureLog log;
  FakeEntropy entropy_p(7);
  FakeEntropy entropy_q(7);
  FakeEntropy entropy_c(9);
  Spool consumer(storage, entropy_c, Logger(&log, "spool"));
  ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok());
  std::vector<std::string> delivered;
  std::atomic<int> producers_done{0};
  std::thread consuming([&] {
    SpoolEntry entry;
    for (;;) {
      auto more = consumer.next(entry);
      ASSERT_TRUE(more.ok()) << more.error().detail.view();
      if (!*more) {
        if (producers_done.load() == 2) {
          auto last = consumer.next(entry);
          ASSERT_TRUE(last.ok());
          if (!*last) {
            return;
          }
        } else {
          std::this_thread::yield();
          continue;
        }
      }
      ASSERT_TRUE(consumer.mark_sending(entry).ok());
      const auto tasks = tasks_of(read_entry(storage, entry, 4096));
      delivered.insert(delivered.end(), tasks.begin(), tasks.end());
      ASSERT_TRUE(consumer.confirm(entry).ok());
    }
  });
  auto produce = [&](FakeEntropy& entropy, const char* prefix) {
    struct Done {
      std::atomic<int>& count;
      ~Done() { ++count; }  // also when an assertion returns early: the consumer must stop
    } done{producers_done};
    Spool producer(storage, entropy, Logger(&log, "spool"));
    ASSERT_TRUE(producer.open(kDir, Spool::Role::Producer).ok());
    for (int i = 0; i < 20; ++i) {
      auto added = producer.add("/in/" + std::string(prefix) + std::to_string(i) + ".json", 200);
      ASSERT_TRUE(added.ok()) << added.error().detail.view();
    }
  };
  std::thread p([&] { produce(entropy_p, "p"); });
  std::thread q([&] { produce(entropy_q, "q"); });
  p.join();
  q.join();
  consuming.join();

  // Each add's tasks arrive whole, in order, as one contiguous run.
  std::map<std::string, std::vector<std::string>> by_add;
  std::vector<std::string> add_order;
  for (const auto& task : delivered) {
    const std::string add = task.substr(0, task.find(':'));
    if (by_add[add].empty()) {
      add_order.push_back(add);
    }
    by_add[add].push_back(task);
  }
  ASSERT_EQ(by_add.size(), 40u);
  for (const auto& [add, tasks] : by_add) {
    EXPECT_EQ(tasks, ids(add, 0, add[0] == 'P' ? 7 : 3)) << add;
  }
  size_t position = 0;
  for (const auto& add : add_order) {
    for (const auto& task : by_add[add]) {
      EXPECT_EQ(delivered[position++], task) << "adds do not interleave";
    }
  }
  int p_seen = -1;
  int q_seen = -1;
  for (const auto& add : add_order) {
    int& last = add[0] == 'P' ? p_seen : q_seen;
    EXPECT_EQ(std::stoi(add.substr(1)), last + 1) << "each producer's adds stay in FIFO order";
    last = std::stoi(add.substr(1));
  }
}

// A group published below the group being served (here: group 1 again; lsedge's adds take ever
// higher SEQs from DIR/sequence, an older release's adder could do this) waits behind that
// group, and behind B that was queued before it.
TEST(Spool, AnAddPublishedBelowTheGroupBeingServedWaitsBehindIt) {
  Fixture f;
  f.put("x.json", task_file("X", 0, 1));
  f.put("a.json", task_file("A", 0, 6));
  f.put("b.json", task_file("B", 0, 1));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  for (const char* file : {"/in/x.json", "/in/a.json", "/in/b.json"}) {
    ASSERT_TRUE(f.spool.add(file, 250).ok());
  }
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  ASSERT_TRUE(*f.spool.next(entry));  // group 1 is removed, group 2 (A) served
  ASSERT_EQ(entry.sequence, 2u);
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  f.storage.put_directory(std::string(kDir) + "/queue/00000000000000000001");
  f.storage.put_file(std::string(kDir) + "/queue/00000000000000000001/0000000000-1.json",
                     "[{\"data\":{\"src\":\"Q\",\"i\":0}}]");
  const std::vector<std::string> rest = drain(f.spool, f.storage);
  std::vector<std::string> a_rest = ids("A", 0, 6);
  a_rest.erase(a_rest.begin(), a_rest.begin() + static_cast<long>(entry.tasks));
  EXPECT_EQ(rest, concat(concat(a_rest, ids("B", 0, 1)), {"Q:0"}));
}

TEST(Spool, OpenCreatesTheLayoutAndRefusesBadDirectories) {
  Fixture f;
  ASSERT_TRUE(f.spool.open("/data/spool/", Spool::Role::Producer).ok());
  EXPECT_EQ(f.spool.directory(), "/data/spool");
  for (const char* sub : {"/data/spool/queue/", "/data/spool/tmp/", "/data/spool/rejected/"}) {
    EXPECT_EQ(f.storage.snapshot().count(sub), 1u) << sub;
  }
  f.storage.restart(Crash::PowerLost);
  EXPECT_EQ(f.storage.snapshot().count("/data/spool/queue/"), 1u) << "the layout is durable";

  Spool closed(f.storage, f.entropy, Logger());
  SpoolEntry entry;
  EXPECT_EQ(closed.next(entry).status(), Status::InvalidArgument) << "not open";
  EXPECT_EQ(closed.add("/in/x").status(), Status::InvalidArgument);
  EXPECT_EQ(closed.open("", Spool::Role::Consumer).status(), Status::InvalidArgument);
  EXPECT_EQ(
      closed.open("/" + std::string(LSEDGE_PATH_CAPACITY, 'd'), Spool::Role::Consumer).status(),
      Status::InvalidArgument);
  EXPECT_EQ(closed.open("/nowhere/spool", Spool::Role::Consumer).status(), Status::SpoolNotFound);
  auto no_parent = closed.open("/nowhere/spool", Spool::Role::Producer);
  EXPECT_EQ(no_parent.status(), Status::FileNotFound);
  EXPECT_EQ(no_parent.error().code, ENOENT);
}

TEST(Spool, GroupsWithForeignFilesAreSkippedNotDeleted) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 1));
  f.put("b.json", task_file("B", 0, 1));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  ASSERT_TRUE(f.spool.add("/in/b.json").ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  f.storage.put_file(std::string(kDir) + "/queue/00000000000000000001/notes.txt", "mine");
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.sequence, 2u);
  EXPECT_EQ(f.storage.content(std::string(kDir) + "/queue/00000000000000000001/notes.txt"), "mine");
  EXPECT_NE(f.log.all_text().find("did not write; skipped"), std::string::npos);
}

TEST(Spool, AFailedDirectoryReadIsReportedAndClosesTheListing) {
  Fixture f;
  f.put("a.json", task_file("A", 0, 3));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  SpoolEntry entry;
  f.storage.fail(Op::NextEntry, 1, EIO);
  const auto next = f.spool.next(entry);
  EXPECT_EQ(next.status(), Status::FileError);
  EXPECT_EQ(next.error().code, EIO);
  f.storage.fail(Op::NextEntry, 2, EIO);  // inside the group, below queue/
  EXPECT_EQ(f.spool.counts().status(), Status::FileError);
  EXPECT_EQ(f.storage.open_directories(), 0u) << "every listing closed on the way out";
  auto counts = f.spool.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_tasks, 3u) << "nothing was lost to the failures";
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.tasks, 3u);
}

TEST(Spool, TheEntryBodyReadsTheFileAndRewinds) {
  Fixture f;
  f.put("a.json", "[{\"a\":1}, {\"b\":2}]");
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/in/a.json").ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.name.view(), "0000000000-2.json");
  EXPECT_EQ(entry.tasks, 2u);
  SpoolEntryBody body(f.storage);
  uint8_t out[6];
  EXPECT_EQ(body.read(out).status(), Status::InvalidArgument) << "not open";
  ASSERT_TRUE(body.open(entry).ok());
  EXPECT_EQ(body.size(), 17u);
  auto first = body.read(out);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), *first), "[{\"a\":");
  ASSERT_TRUE(body.rewind().ok());
  EXPECT_EQ(read_entry(f.storage, entry, 3), "[{\"a\":1},{\"b\":2}]");
  EXPECT_EQ(body.read(ByteSpan()).status(), Status::InvalidArgument);
  body.close();
  EXPECT_EQ(f.storage.open_handles(), 1u) << "the consumer's lock";
  EXPECT_EQ(f.storage.open_directories(), 0u);
}

}  // namespace
}  // namespace lsedge::spool

// --- rejected/: list and requeue (issue #13) --------------------------------------------------

namespace lsedge::spool {
namespace {

// A spool whose three entries (A 4 tasks, B 3, C 2) the server refused whole.
void reject_three(Fixture& f) {
  f.put("a.json", task_file("A", 0, 4));
  f.put("b.json", task_file("B", 0, 3));
  f.put("c.json", task_file("C", 0, 2));
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  for (const char* file : {"/in/a.json", "/in/b.json", "/in/c.json"}) {
    ASSERT_TRUE(f.spool.add(file).ok());
  }
  SpoolEntry entry;
  while (*f.spool.next(entry)) {
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    ASSERT_TRUE(f.spool.reject(entry, "refused: " + std::string(entry.group.view())).ok());
  }
}

struct Collect final : RejectedVisitor {
  std::vector<std::string> lines;
  void on_rejected(const RejectedEntry& e) override {
    lines.push_back(std::string(e.name) + " " + std::to_string(e.tasks) + " " +
                    std::to_string(e.bytes) + " " + std::string(e.reason));
  }
};

// Every task in rejected/ ("SRC:i"), from the entry files only.
std::vector<std::string> rejected_tasks(const MemoryStorage& storage) {
  std::vector<std::string> out;
  for (const auto& [path, content] : files_under(storage, "rejected")) {
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0) {
      const auto tasks = tasks_of(content);
      out.insert(out.end(), tasks.begin(), tasks.end());
    }
  }
  return out;
}

TEST(SpoolRejected, ListsEachEntryOldestFirstWithItsTasksSizeAndReason) {
  Fixture f;
  reject_three(f);
  Collect seen;
  ASSERT_TRUE(f.spool.list_rejected(seen).ok());
  ASSERT_EQ(seen.lines.size(), 3u);
  const auto files = files_under(f.storage, "rejected");
  const std::string a = "00000000000000000001-0000000000-4.json";
  EXPECT_EQ(seen.lines[0], a + " 4 " + std::to_string(files.at("rejected/" + a).size()) +
                               " refused: 00000000000000000001");
  EXPECT_EQ(seen.lines[2].substr(0, 33), "00000000000000000003-0000000000-2");
}

TEST(SpoolRejected, RequeueAllPutsEveryEntryBackAtTheEndInOrderAndDropsTheReasons) {
  Fixture f;
  reject_three(f);
  f.put("d.json", task_file("D", 0, 1));
  ASSERT_TRUE(f.spool.add("/in/d.json").ok());
  auto requeued = f.spool.requeue_rejected({});
  ASSERT_TRUE(requeued.ok()) << requeued.error().detail.view();
  EXPECT_EQ(requeued->entries, 3u);
  EXPECT_EQ(requeued->tasks, 9u);
  EXPECT_EQ(requeued->sequence, 5u) << "after the add's group 4";
  EXPECT_TRUE(files_under(f.storage, "rejected").empty());
  EXPECT_EQ(drain(f.spool, f.storage),
            concat(concat(concat(ids("D", 0, 1), ids("A", 0, 4)), ids("B", 0, 3)), ids("C", 0, 2)));
  auto again = f.spool.requeue_rejected({});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->entries, 0u);
  EXPECT_TRUE(files_under(f.storage, "queue").empty()) << "no empty group is left behind";
}

TEST(SpoolRejected, RequeueByNameMovesOnlyThoseAndRefusesOtherNamesBeforeMovingAny) {
  Fixture f;
  reject_three(f);
  const std::string_view c = "00000000000000000003-0000000000-2.json";
  const std::string_view a = "00000000000000000001-0000000000-4.json";
  const auto before = f.storage.snapshot();
  for (const std::string_view bad :
       {std::string_view("00000000000000000003-0000000000-2.reason.txt"),
        std::string_view("../lsedge-spool"),
        std::string_view("00000000000000000009-0000000000-1.json")}) {
    const std::string_view names[] = {c, bad};
    const auto refused = f.spool.requeue_rejected(Span<const std::string_view>(names, 2));
    EXPECT_EQ(refused.status(), Status::UsageError) << bad;
    EXPECT_EQ(f.storage.snapshot(), before) << bad;
  }
  const std::string_view names[] = {c, a};
  auto requeued = f.spool.requeue_rejected(Span<const std::string_view>(names, 2));
  ASSERT_TRUE(requeued.ok()) << requeued.error().detail.view();
  EXPECT_EQ(requeued->tasks, 6u);
  EXPECT_EQ(rejected_tasks(f.storage), ids("B", 0, 3));
  EXPECT_EQ(drain(f.spool, f.storage), concat(ids("C", 0, 2), ids("A", 0, 4)))
      << "in the order given";
}

// rejected/ is read a window of names per listing: more entries than one window, all in order.
TEST(SpoolRejected, MoreEntriesThanOneListingWindowAreListedAndRequeuedInOrder) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  std::vector<std::string> want;
  for (int i = 0; i < 37; ++i) {
    f.put("t" + std::to_string(i) + ".json", task_file("R", i, 1));
    ASSERT_TRUE(f.spool.add("/in/t" + std::to_string(i) + ".json").ok());
    want.push_back("R:" + std::to_string(i));
  }
  SpoolEntry entry;
  while (*f.spool.next(entry)) {
    ASSERT_TRUE(f.spool.mark_sending(entry).ok());
    ASSERT_TRUE(f.spool.reject(entry, "no").ok());
  }
  Collect seen;
  ASSERT_TRUE(f.spool.list_rejected(seen).ok());
  ASSERT_EQ(seen.lines.size(), 37u);
  EXPECT_TRUE(std::is_sorted(seen.lines.begin(), seen.lines.end()));
  auto requeued = f.spool.requeue_rejected({});
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(requeued->entries, 37u);
  EXPECT_EQ(drain(f.spool, f.storage), want);
}

// Whatever operation a requeue is stopped at, by kill -9 or a power loss, every task is in the
// queue or in rejected/, exactly once.
TEST(SpoolRejected, ACrashAtAnyStepOfARequeueLosesAndDuplicatesNothing) {
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    int whole = 0;
    for (uint64_t k = 0;; ++k) {
      Fixture f;
      reject_three(f);
      f.storage.crash_after(k);
      const bool done = f.spool.requeue_rejected({}).ok();
      f.storage.restart(mode);
      Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
      ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok()) << "k=" << k;
      auto everything = concat(drain(consumer, f.storage), rejected_tasks(f.storage));
      std::sort(everything.begin(), everything.end());
      auto want = concat(concat(ids("A", 0, 4), ids("B", 0, 3)), ids("C", 0, 2));
      std::sort(want.begin(), want.end());
      EXPECT_EQ(everything, want) << "mode " << static_cast<int>(mode) << " k=" << k;
      if (done) {  // reported done: durable, whatever the crash
        EXPECT_TRUE(rejected_tasks(f.storage).empty()) << "mode " << static_cast<int>(mode);
        ++whole;
        break;
      }
    }
    EXPECT_EQ(whole, 1);
  }
}

}  // namespace
}  // namespace lsedge::spool
