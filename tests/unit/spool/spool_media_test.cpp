// Media entries in the spool (issue #13): one directory per file, FIFO with task entries,
// atomic adds, confirms and rejections at every crash point.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "firmware/spool/spool.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"
#include "tests/unit/spool/spool_fixture.h"

namespace lsedge::spool {
namespace {

using testing::CaptureLog;
using testing::FakeEntropy;
using testing::MemoryStorage;
using Crash = MemoryStorage::Crash;
using test::files_under;

constexpr char kDir[] = "/data/spool";
const std::string kJpeg =
    std::string("\xFF\xD8\xFF\xE0", 4) + std::string(9000, 'j');  // > 2 chunks
const std::string kWav = "RIFF....WAVEfmt " + std::string(100, 'w');

struct Fixture : test::SpoolFixture {
  Fixture() {
    storage.put_directory(kDir);
    storage.put_directory("/cam");
    storage.put_file("/cam/frame-0001.jpg", kJpeg);
    storage.put_file("/cam/clip 2.wav", kWav);
    storage.put_file("/cam/tasks.json", R"([{"data":{"image":"/x.jpg"}}])");
  }
};

Result<SpoolAddResult> add_two(Spool& spool) {
  const MediaFile files[] = {{"/cam/frame-0001.jpg", {}}, {"/cam/clip 2.wav", {}}};
  return spool.add_media(Span<const MediaFile>(files, 2));
}

std::string read_all(MemoryStorage& storage, std::string_view path) {
  std::string out;
  auto opened = storage.open_read(path);
  EXPECT_TRUE(opened.ok()) << path;
  if (!opened.ok()) {
    return out;
  }
  uint8_t buffer[512];
  for (uint64_t offset = 0;;) {
    auto got = storage.read_at(*opened, offset, ByteSpan(buffer, sizeof(buffer)));
    if (!got.ok() || *got == 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(buffer), *got);
    offset += *got;
  }
  storage.close(*opened);
  return out;
}

// What each queued entry holds, in FIFO order: "media <name> <bytes>" or "tasks <n>"; each
// served entry is confirmed.
std::vector<std::string> drain(Spool& spool, MemoryStorage& storage) {
  std::vector<std::string> out;
  SpoolEntry entry;
  for (;;) {
    auto more = spool.next(entry);
    EXPECT_TRUE(more.ok()) << more.error().detail.view();
    if (!more.ok() || !*more) {
      return out;
    }
    EXPECT_TRUE(spool.mark_sending(entry).ok());
    if (entry.media) {
      const std::string_view path = entry.media_path.view();
      out.push_back("media " + std::string(path.substr(path.rfind('/') + 1)) + " " +
                    std::to_string(read_all(storage, path).size()));
    } else {
      out.push_back("tasks " + std::to_string(entry.tasks));
    }
    const Outcome confirmed = spool.confirm(entry);
    EXPECT_TRUE(confirmed.ok()) << confirmed.error().detail.view();
    if (!confirmed.ok()) {
      return out;
    }
  }
}

const std::vector<std::string> kTwo = {"media frame-0001.jpg 9004", "media clip 2.wav 116"};

TEST(SpoolMedia, EachFileIsOneEntryUnderItsOwnNameInFifoOrderWithTaskEntries) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(f.spool.add("/cam/tasks.json").ok());
  auto added = add_two(f.spool);
  ASSERT_TRUE(added.ok()) << added.error().detail.view();
  EXPECT_TRUE(added->media);
  EXPECT_EQ(added->entries, 2u);
  EXPECT_EQ(added->tasks, 2u);
  EXPECT_EQ(added->body_bytes, kJpeg.size() + kWav.size());
  EXPECT_EQ(added->sequence, 2u);
  ASSERT_TRUE(f.spool.add("/cam/tasks.json").ok());

  const auto queued = files_under(f.storage, "queue");
  EXPECT_EQ(queued.at("queue/00000000000000000002/0000000000-1.media/frame-0001.jpg"), kJpeg);
  EXPECT_EQ(queued.at("queue/00000000000000000002/0000000001-1.media/clip 2.wav"), kWav);
  auto counts = f.spool.counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued_entries, 4u);
  EXPECT_EQ(counts->queued_tasks, 4u);

  SpoolEntry first_media;
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_FALSE(entry.media);
  ASSERT_TRUE(f.spool.confirm(entry).ok());
  ASSERT_TRUE(*f.spool.next(first_media));
  EXPECT_TRUE(first_media.media);
  EXPECT_EQ(first_media.tasks, 1u);
  EXPECT_EQ(first_media.name.view(), "0000000000-1.media");
  EXPECT_EQ(first_media.media_path.view(),
            "/data/spool/queue/00000000000000000002/0000000000-1.media/frame-0001.jpg");
  EXPECT_EQ(drain(f.spool, f.storage), (std::vector<std::string>{kTwo[0], kTwo[1], "tasks 1"}));
  EXPECT_TRUE(files_under(f.storage, "queue").empty());
  EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "a confirmed entry leaves nothing";
}

// Hard-linked when the consumer can read the file as it is, copied otherwise; the same entry.
TEST(SpoolMedia, TheCallersOwnReadableFileIsHardLinkedElseCopied) {
  struct Case {
    const char* name;
    uint32_t spool_mode;
    uint32_t file_mode;
    uint32_t file_owner;
    bool links;
    uint64_t linked;
  };
  for (const Case c : {Case{"private spool, own file", 0700, 0600, 0, true, 2},
                       Case{"another file system", 0700, 0600, 0, false, 0},
                       Case{"another user's file", 0700, 0644, 7, true, 0},
                       Case{"shared spool, file the group cannot read", 0770, 0600, 0, true, 0},
                       Case{"shared spool, group-readable file", 0770, 0640, 0, true, 2}}) {
    Fixture f;
    f.storage.set_mode_and_owner(kDir, c.spool_mode, 0);
    for (const char* path : {"/cam/frame-0001.jpg", "/cam/clip 2.wav"}) {
      f.storage.set_mode_and_owner(path, c.file_mode, c.file_owner);
    }
    f.storage.set_links(c.links);
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok()) << c.name;
    const uint64_t appends = f.storage.calls(MemoryStorage::Op::Append);
    auto added = add_two(f.spool);
    ASSERT_TRUE(added.ok()) << c.name << ": " << added.error().detail.view();
    EXPECT_EQ(added->linked, c.linked) << c.name;
    EXPECT_EQ(f.storage.calls(MemoryStorage::Op::Append) == appends, c.linked == 2)
        << c.name << ": a linked file is not copied";
    EXPECT_EQ(drain(f.spool, f.storage), kTwo) << c.name;
    EXPECT_EQ(*f.storage.content("/cam/frame-0001.jpg"), kJpeg) << "the original stays";
  }
}

TEST(SpoolMedia, ABadFileIsRefusedBeforeAnythingIsQueued) {
  Fixture f;
  f.storage.put_file("/cam/empty.png", "");
  f.storage.put_file("/cam/.hidden.jpg", "x");
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
  const auto before = f.storage.snapshot();
  struct Case {
    std::string_view path;
    Status status;
  };
  for (const Case c :
       {Case{"/cam/empty.png", Status::EmptyInput}, Case{"/cam/.hidden.jpg", Status::UsageError},
        Case{"/cam/missing.jpg", Status::FileNotFound}, Case{"/cam/", Status::UsageError},
        Case{"/cam/\xC3(.jpg", Status::InvalidUtf8}}) {
    const MediaFile files[] = {{"/cam/frame-0001.jpg", {}}, {c.path, {}}};
    const auto added = f.spool.add_media(Span<const MediaFile>(files, 2));
    EXPECT_EQ(added.status(), c.status) << c.path;
    EXPECT_NE(added.error().detail.view().find(c.path.substr(5)), std::string_view::npos)
        << "the error names the file: " << added.error().detail.view();
    EXPECT_TRUE(files_under(f.storage, "queue").empty()) << c.path;
  }
  Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
  ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "failed adds leave nothing behind";
}

TEST(SpoolMedia, AnAddIsAtomicUnderACrashAtEveryStorageOperation) {
  uint64_t operations = 0;
  {
    Fixture f;
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
    const uint64_t start = f.storage.mutations();
    ASSERT_TRUE(add_two(f.spool).ok());
    operations = f.storage.mutations() - start;
  }
  int whole = 0;
  int none = 0;
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    for (uint64_t k = 0; k <= operations; ++k) {
      Fixture f;
      ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
      ASSERT_TRUE(f.storage.sync_directory("/data").ok());
      f.storage.crash_after(k);
      const bool reported = add_two(f.spool).ok();
      f.storage.restart(mode);
      Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
      ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok()) << "k=" << k;
      EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "k=" << k;
      const auto delivered = drain(consumer, f.storage);
      if (delivered.empty()) {
        EXPECT_FALSE(reported) << "an add reported done was lost; k=" << k;
        ++none;
      } else {
        EXPECT_EQ(delivered, kTwo) << "mode " << static_cast<int>(mode) << " k=" << k;
        ++whole;
      }
    }
  }
  EXPECT_GT(whole, 0);
  EXPECT_GT(none, 0);
}

// Confirming removes a directory, which takes several operations: the entry leaves the queue
// in one rename, so a crash leaves it whole (and outcome-unknown) or gone, never half.
TEST(SpoolMedia, AConfirmInterruptedAtAnyStepLeavesTheEntryWholeOrGone) {
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    int gone = 0;
    for (uint64_t k = 0;; ++k) {
      Fixture f;
      ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
      ASSERT_TRUE(add_two(f.spool).ok());
      SpoolEntry entry;
      ASSERT_TRUE(*f.spool.next(entry));
      ASSERT_TRUE(f.spool.mark_sending(entry).ok());
      f.storage.crash_after(k);
      const bool confirmed = f.spool.confirm(entry).ok();
      f.storage.restart(mode);
      Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
      ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok()) << "k=" << k;
      EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "k=" << k;
      SpoolEntry next;
      ASSERT_TRUE(*consumer.next(next));
      if (next.name.view() == entry.name.view()) {
        EXPECT_FALSE(confirmed) << "k=" << k;
        EXPECT_TRUE(next.outcome_unknown) << "k=" << k;
        EXPECT_EQ(drain(consumer, f.storage), kTwo) << "whole; k=" << k;
        continue;
      }
      EXPECT_EQ(drain(consumer, f.storage), std::vector<std::string>{kTwo[1]}) << "k=" << k;
      ++gone;
      if (confirmed) {
        break;
      }
    }
    EXPECT_GT(gone, 0);
  }
}

TEST(SpoolMedia, ARejectedEntryKeepsItsFileBesideTheReasonAndCanBeRequeued) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(add_two(f.spool).ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  ASSERT_TRUE(f.spool.reject(entry, ".jpg extension is not supported").ok());
  const auto rejected = files_under(f.storage, "rejected");
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected.at("rejected/00000000000000000001-0000000000-1.media/frame-0001.jpg"), kJpeg);
  EXPECT_EQ(rejected.at("rejected/00000000000000000001-0000000000-1.reason.txt"),
            ".jpg extension is not supported\n");
  EXPECT_EQ(f.spool.counts()->rejected_entries, 1u);

  struct Collect final : RejectedVisitor {
    std::vector<std::string> lines;
    void on_rejected(const RejectedEntry& e) override {
      lines.push_back(std::string(e.name) + " " + std::to_string(e.tasks) + " " +
                      std::to_string(e.bytes) + " " + std::string(e.reason));
    }
  } seen;
  ASSERT_TRUE(f.spool.list_rejected(seen).ok());
  EXPECT_EQ(seen.lines, std::vector<std::string>{"00000000000000000001-0000000000-1.media 1 9004 "
                                                 ".jpg extension is not supported"});
  const std::string_view names[] = {"00000000000000000001-0000000000-1.media"};
  auto requeued = f.spool.requeue_rejected(Span<const std::string_view>(names, 1));
  ASSERT_TRUE(requeued.ok()) << requeued.error().detail.view();
  EXPECT_EQ(requeued->tasks, 1u);
  EXPECT_TRUE(files_under(f.storage, "rejected").empty());
  EXPECT_EQ(drain(f.spool, f.storage), (std::vector<std::string>{kTwo[1], kTwo[0]}));
}

TEST(SpoolMedia, AnEntryChangedOnDiskIsSetAsideAsCorruptNotSent) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(add_two(f.spool).ok());
  const std::string group = std::string(kDir) + "/queue/00000000000000000001/";
  ASSERT_TRUE(f.storage.remove(group + "0000000000-1.media/frame-0001.jpg").ok());
  f.storage.put_file(group + "0000000001-1.media/extra.jpg", "x");
  SpoolEntry entry;
  ASSERT_TRUE(f.spool.next(entry).ok());
  EXPECT_FALSE(*f.spool.next(entry)) << "both set aside";
  const auto rejected = files_under(f.storage, "rejected");
  const std::string reason = rejected.at("rejected/00000000000000000001-0000000000-1.reason.txt");
  EXPECT_NE(reason.find("exactly one media file"), std::string::npos) << reason;
  EXPECT_EQ(rejected.count("rejected/00000000000000000001-0000000001-1.media/clip 2.wav"), 1u);
}

// --- the size cap (issue #13) -----------------------------------------------------------------

TEST(SpoolCap, AnAddPastTheCapIsRefusedWholeAndNothingQueuedIsDropped) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  EXPECT_EQ(*f.spool.max_bytes(), 0u) << "no cap by default";
  ASSERT_TRUE(add_two(f.spool).ok());
  const uint64_t queued = kJpeg.size() + kWav.size();
  EXPECT_EQ(f.spool.counts(true)->queued_bytes, queued);
  ASSERT_TRUE(f.spool.set_max_bytes(queued + 150).ok());
  EXPECT_EQ(*f.spool.max_bytes(), queued + 150);
  const auto before = f.storage.snapshot();
  auto refused = add_two(f.spool);
  ASSERT_EQ(refused.status(), Status::SpoolFull);
  EXPECT_NE(refused.error().detail.view().find("holds " + std::to_string(queued) +
                                               " bytes queued of its cap of " +
                                               std::to_string(queued + 150)),
            std::string_view::npos)
      << refused.error().detail.view();
  EXPECT_EQ(f.storage.snapshot(), before) << "nothing queued, nothing dropped";
  EXPECT_EQ(f.spool.add("/cam/tasks.json").status(), Status::Ok) << "29 bytes fit";
  EXPECT_EQ(drain(f.spool, f.storage).size(), 3u);
  EXPECT_TRUE(add_two(f.spool).ok()) << "room again once uploaded";
  ASSERT_TRUE(f.spool.set_max_bytes(0).ok());
  EXPECT_EQ(*f.spool.max_bytes(), 0u);
  EXPECT_TRUE(add_two(f.spool).ok());
  f.storage.put_file(std::string(kDir) + "/max-bytes", "lots\n");
  EXPECT_EQ(f.spool.max_bytes().status(), Status::FileError);
  EXPECT_EQ(add_two(f.spool).status(), Status::FileError) << "a damaged cap is not guessed";
}

// --- predictions ------------------------------------------------------------------------------

const char kPredictions[] =
    "[\n  {\"result\": [{\"from_name\": \"label\", \"to_name\": \"image\", \"type\": "
    "\"rectanglelabels\", \"value\": {\"x\": 1, \"rectanglelabels\": [\"car\"]}}],\n"
    "   \"score\": 0.87, \"model_version\": \"yolo-v8n-2026-11\"},\n  { }\n]\n";

std::string body_of(MemoryStorage& storage, const SpoolEntry& entry, size_t piece) {
  PredictionsBody body(storage);
  const Outcome opened = body.open(entry);
  EXPECT_TRUE(opened.ok()) << opened.error().detail.view();
  std::string out;
  for (int pass = 0; pass < 2; ++pass) {  // read, rewind, read again: the same bytes
    out.clear();
    std::vector<uint8_t> buffer(piece);
    for (;;) {
      auto got = body.read(ByteSpan(buffer.data(), buffer.size()));
      EXPECT_TRUE(got.ok());
      if (!got.ok() || *got == 0) {
        break;
      }
      out.append(reinterpret_cast<const char*>(buffer.data()), *got);
    }
    EXPECT_EQ(out.size(), body.size());
    EXPECT_EQ(body.predictions(), 2u);
    EXPECT_TRUE(body.rewind().ok());
  }
  return out;
}

Result<SpoolAddResult> add_with_predictions(Fixture& f) {
  f.storage.put_file("/cam/frame-0001.json", kPredictions);
  const MediaFile files[] = {{"/cam/frame-0001.jpg", "/cam/frame-0001.json"},
                             {"/cam/clip 2.wav", {}}};
  return f.spool.add_media(Span<const MediaFile>(files, 2));
}

TEST(SpoolMediaPredictions, AreStoredCompactAndSentWithTheTaskIdInEachPrediction) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  auto added = add_with_predictions(f);
  ASSERT_TRUE(added.ok()) << added.error().detail.view();
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_TRUE(entry.predictions);
  EXPECT_EQ(entry.task_id, 0);
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  ASSERT_TRUE(f.spool.mark_task_created(entry, 4711).ok());
  EXPECT_EQ(f.spool.counts()->outcome_unknown, 0u) << "the upload's outcome is known";

  Spool restarted(f.storage, f.entropy, Logger(&f.log, "spool"));
  f.spool.close();
  ASSERT_TRUE(restarted.open(kDir, Spool::Role::Consumer).ok());
  SpoolEntry again;
  ASSERT_TRUE(*restarted.next(again));
  EXPECT_EQ(again.name.view(), entry.name.view());
  EXPECT_EQ(again.task_id, 4711) << "a restart sends only the predictions";
  EXPECT_FALSE(again.outcome_unknown);
  const std::string want =
      "[{\"task\":4711,\"result\": [{\"from_name\": \"label\", \"to_name\": \"image\", \"type\": "
      "\"rectanglelabels\", \"value\": {\"x\": 1, \"rectanglelabels\": [\"car\"]}}],\n"
      "   \"score\": 0.87, \"model_version\": \"yolo-v8n-2026-11\"},{\"task\":4711 }]";
  for (const size_t piece : {1u, 3u, 7u, 64u, 4096u}) {
    EXPECT_EQ(body_of(f.storage, again, piece), want) << "read " << piece << " at a time";
  }
  SpoolEntry second;
  ASSERT_TRUE(restarted.confirm(again).ok());
  ASSERT_TRUE(*restarted.next(second));
  EXPECT_FALSE(second.predictions);
  PredictionsBody none(f.storage);
  EXPECT_EQ(none.open(second).status(), Status::InvalidArgument);
}

TEST(SpoolMediaPredictions, AFileThatIsNotAnArrayOfObjectsIsRefusedAtAdd) {
  struct Case {
    const char* text;
    Status status;
  };
  for (const Case c :
       {Case{"[{\"result\": []}, 3]", Status::TaskFileInvalid}, Case{"[]", Status::EmptyInput},
        Case{"{\"result\": [", Status::TaskFileInvalid},
        Case{"[{\"result\": \"\xC3(\"}]", Status::TaskFileInvalid}}) {
    Fixture f;
    ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
    f.storage.put_file("/cam/p.json", c.text);
    const MediaFile files[] = {{"/cam/frame-0001.jpg", "/cam/p.json"}};
    const auto added = f.spool.add_media(Span<const MediaFile>(files, 1));
    EXPECT_EQ(added.status(), c.status) << c.text;
    EXPECT_NE(added.error().detail.view().find("predictions file /cam/p.json"),
              std::string_view::npos)
        << added.error().detail.view();
    EXPECT_TRUE(files_under(f.storage, "queue").empty()) << c.text;
  }
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Producer).ok());
  f.storage.put_file("/cam/one.json", "{\"result\": []}");
  const MediaFile files[] = {{"/cam/frame-0001.jpg", "/cam/one.json"}};
  ASSERT_TRUE(f.spool.add_media(Span<const MediaFile>(files, 1)).ok()) << "one object is fine";
  EXPECT_EQ(files_under(f.storage, "queue")
                .at("queue/00000000000000000001/0000000000-1.media/.predictions.json"),
            "[{\"result\": []}]");
  f.storage.put_file("/cam/big.json", "[{\"result\": [\"" + std::string(500, 'x') + "\"]}]");
  const MediaFile big[] = {{"/cam/frame-0001.jpg", "/cam/big.json"}};
  EXPECT_EQ(f.spool.add_media(Span<const MediaFile>(big, 1), 100).status(),
            Status::ValidationFailed);
}

// The step between the upload and the predictions: a crash at any point leaves the entry to be
// uploaded again (counted as a possible duplicate) or with its task id, never without either.
TEST(SpoolMediaPredictions, TheTaskIdIsKeptOrTheUploadIsRepeatedAtAnyCrash) {
  for (const Crash mode : {Crash::ProcessKilled, Crash::PowerLost, Crash::PowerLostTorn}) {
    int kept = 0;
    for (uint64_t k = 0;; ++k) {
      Fixture f;
      ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
      ASSERT_TRUE(add_with_predictions(f).ok());
      SpoolEntry entry;
      ASSERT_TRUE(*f.spool.next(entry));
      ASSERT_TRUE(f.spool.mark_sending(entry).ok());
      f.storage.crash_after(k);
      const bool done = f.spool.mark_task_created(entry, 99).ok();
      f.storage.restart(mode);
      Spool consumer(f.storage, f.entropy, Logger(&f.log, "spool"));
      ASSERT_TRUE(consumer.open(kDir, Spool::Role::Consumer).ok()) << "k=" << k;
      EXPECT_TRUE(files_under(f.storage, "tmp").empty()) << "k=" << k;
      SpoolEntry next;
      ASSERT_TRUE(*consumer.next(next)) << "k=" << k;
      ASSERT_EQ(next.name.view(), entry.name.view()) << "k=" << k;
      if (next.task_id == 99) {
        ++kept;
      } else {
        EXPECT_EQ(next.task_id, 0) << "k=" << k;
        EXPECT_TRUE(next.outcome_unknown) << "the upload is repeated as a possible duplicate";
        EXPECT_FALSE(done) << "k=" << k;
      }
      if (done) {
        EXPECT_EQ(next.task_id, 99) << "reported done: durable";
        break;
      }
    }
    EXPECT_GT(kept, 0);
  }
}

TEST(SpoolMediaPredictions, ARejectedEntryKeepsItsTaskIdSoARequeueSendsOnlyThePredictions) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(add_with_predictions(f).ok());
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  ASSERT_TRUE(f.spool.mark_task_created(entry, 12).ok());
  entry.task_id = 12;
  ASSERT_TRUE(f.spool.mark_sending(entry).ok());
  ASSERT_TRUE(f.spool.reject(entry, "Prediction 0: Region 0: Invalid value").ok());
  EXPECT_EQ(files_under(f.storage, "rejected")
                .at("rejected/00000000000000000001-0000000000-1.media/.task"),
            "12\n");
  ASSERT_TRUE(f.spool.requeue_rejected({}).ok());
  SpoolEntry skip;
  ASSERT_TRUE(*f.spool.next(skip));  // clip 2.wav, still first in its group
  ASSERT_TRUE(f.spool.confirm(skip).ok());
  SpoolEntry requeued;
  ASSERT_TRUE(*f.spool.next(requeued));
  EXPECT_TRUE(requeued.predictions);
  EXPECT_EQ(requeued.task_id, 12);
}

TEST(SpoolMediaPredictions, AnUnreadableTaskIdSetsTheEntryAsideInsteadOfUploadingAgain) {
  Fixture f;
  ASSERT_TRUE(f.spool.open(kDir, Spool::Role::Consumer).ok());
  ASSERT_TRUE(add_with_predictions(f).ok());
  f.storage.put_file(std::string(kDir) + "/queue/00000000000000000001/0000000000-1.media/.task",
                     "garbage");
  SpoolEntry entry;
  ASSERT_TRUE(*f.spool.next(entry));
  EXPECT_EQ(entry.name.view(), "0000000001-1.media") << "the first was set aside";
  const std::string reason = files_under(f.storage, "rejected")
                                 .at("rejected/00000000000000000001-0000000000-1.reason.txt");
  EXPECT_NE(reason.find("the media is on the server"), std::string::npos) << reason;
}

}  // namespace
}  // namespace lsedge::spool
