// The spool's public read path: a spool directory whose queue holds any groups and files (names
// and contents from the input, plausible ones or not: entries, .sending and .import markers,
// split leftovers, media entries with any files, predictions and task ids, foreign files),
// opened as the consumer with any in-flight record (one entry or a batch's range, whole or not),
// then every entry taken with next(), its body read through SpoolEntryBody (or a media entry's
// PredictionsBody) and confirmed, or every batch taken with next_batch() (issue #13), read
// through SpoolBatchBody and confirmed. Checked: no crash or sanitizer report; the drain ends; an
// entry's path lies under the queue and a body read to its end is exactly size() bytes.
#include <cstdio>
#include <string>
#include <vector>

#include "firmware/spool/spool.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

bool usable_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string("/\0", 2)) == std::string::npos;
}

std::string padded(uint64_t value, size_t width) {
  std::string digits = std::to_string(value);
  return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
}

std::string group_name(FuzzedDataProvider& input) {
  if (input.ConsumeBool()) {
    return input.ConsumeRandomLengthString(24);
  }
  return padded(input.ConsumeIntegralInRange<uint64_t>(0, 5), 20);
}

std::string file_name(FuzzedDataProvider& input) {
  static constexpr const char* kSuffixes[] = {".json",  ".media",      ".sending", ".import",
                                              ".split", ".reason.txt", ".json",    ""};
  if (input.ConsumeBool()) {
    return input.ConsumeRandomLengthString(32);
  }
  std::string name = padded(input.ConsumeIntegralInRange<uint64_t>(0, 3), 10) + "-" +
                     std::to_string(input.ConsumeIntegralInRange<uint64_t>(0, 4));
  return name + kSuffixes[input.ConsumeIntegralInRange<size_t>(0, 7)];
}

// A media entry's directory: some of a media file, its predictions and a task id.
void put_media_entry(FuzzedDataProvider& input, testing::MemoryStorage& storage,
                     const std::string& path, const std::string& content) {
  static constexpr const char* kNames[] = {"frame.jpg", ".predictions.json", ".task", "b.png"};
  storage.put_directory(path);
  for (const char* name : kNames) {
    if (input.ConsumeBool()) {
      const bool task = std::string(name) == ".task";
      storage.put_file(path + "/" + name, task && input.ConsumeBool()
                                              ? std::to_string(input.ConsumeIntegral<int64_t>())
                                              : (std::string(name) == ".predictions.json"
                                                     ? content
                                                     : input.ConsumeRandomLengthString(40)));
    }
  }
}

// A body read to its end (twice, with a rewind between) is exactly size() bytes.
void read_whole(BodySource& body) {
  uint8_t buffer[37];
  for (int pass = 0; pass < 2; ++pass) {
    uint64_t total = 0;
    for (;;) {
      const Result<size_t> n = body.read(ByteSpan(buffer, sizeof(buffer)));
      if (!n.ok()) {
        return;
      }
      if (*n == 0) {
        LSEDGE_FUZZ_CHECK(total == body.size());
        break;
      }
      total += *n;
      LSEDGE_FUZZ_CHECK(total <= body.size());
    }
    LSEDGE_FUZZ_CHECK(body.rewind().ok());
  }
}

// A media entry's predictions read whole (when it has some and a task).
void read_predictions(testing::MemoryStorage& storage, const spool::SpoolEntry& entry) {
  spool::PredictionsBody body(storage);
  if (body.open(entry).ok()) {
    read_whole(body);
  }
}

// consumer.lock: two 256-byte slots, each a record line with a matching checksum (sometimes
// not), naming queued-looking entries as one entry or a range.
void put_record(FuzzedDataProvider& input, testing::MemoryStorage& storage) {
  static constexpr const char* kStates[] = {"none", "sending", "imported", "sent"};
  std::string bytes(512, '\0');
  for (size_t slot = 0; slot < 2; ++slot) {
    std::string line = "lsedge in-flight " + std::to_string(input.ConsumeIntegral<uint8_t>()) +
                       " " + kStates[input.ConsumeIntegralInRange<size_t>(0, 3)] + " " +
                       std::to_string(input.ConsumeIntegralInRange<int64_t>(0, 9)) +
                       (input.ConsumeBool() ? " 1 " : " 0 ") + group_name(input) + " " +
                       file_name(input);
    if (input.ConsumeBool()) {
      line += " " + group_name(input) + " " + file_name(input);
    }
    uint32_t sum = 2166136261u;  // FNV-1a, as the spool's checksum
    for (const char c : line) {
      sum = (sum ^ static_cast<uint8_t>(c)) * 16777619u;
    }
    char hex[9];
    (void)snprintf(hex, sizeof hex, "%08x", input.ConsumeBool() ? sum : sum + 1);
    line += std::string(" ") + hex + "\n";
    bytes.replace(slot * 256, line.size() < 256 ? line.size() : 256, line.substr(0, 256));
  }
  storage.put_file("/s/consumer.lock", bytes);
}

void build(FuzzedDataProvider& input, testing::MemoryStorage& storage) {
  storage.put_directory("/s");
  for (const char* sub : {"/s/queue", "/s/tmp", "/s/rejected"}) {
    storage.put_directory(sub);
  }
  if (input.ConsumeBool()) {
    put_record(input, storage);
  }
  const size_t files = input.ConsumeIntegralInRange<size_t>(0, 12);
  for (size_t i = 0; i < files && input.remaining_bytes() > 0; ++i) {
    const std::string group = group_name(input);
    const std::string name = file_name(input);
    const std::string content = input.ConsumeRandomLengthString(300);
    if (!usable_name(group)) {
      continue;
    }
    storage.put_directory("/s/queue/" + group);
    if (!usable_name(name)) {
      continue;
    }
    const std::string path = "/s/queue/" + group + "/" + name;
    if (name.size() > 6 && name.compare(name.size() - 6, 6, ".media") == 0) {
      put_media_entry(input, storage, path, content);
    } else {
      storage.put_file(path, content);
    }
  }
}

// next_batch() to the end: each batch marked, read and confirmed, or released.
void drain_batches(testing::MemoryStorage& storage, spool::Spool& queue,
                   FuzzedDataProvider& input) {
  spool::SpoolBatch batch;
  for (int taken = 0; taken < 64; ++taken) {
    const Result<bool> more =
        queue.next_batch(batch, input.ConsumeIntegralInRange<uint64_t>(4, 2000),
                         input.ConsumeIntegralInRange<uint32_t>(1, 80));
    if (!more.ok() || !*more) {
      return;
    }
    LSEDGE_FUZZ_CHECK(batch.count >= 1 && batch.count <= LSEDGE_SPOOL_BATCH_ENTRIES);
    LSEDGE_FUZZ_CHECK(batch.head.path.view().rfind("/s/queue/", 0) == 0);
    if (!queue.mark_sending(batch).ok()) {
      return;
    }
    if (batch.count > 1) {
      spool::SpoolBatchBody body(storage, "/s");
      if (body.open(batch).ok()) {
        read_whole(body);
      }
    }
    if (input.ConsumeBool()) {
      (void)queue.release(batch);  // a known failure first, sometimes
    }
    if (!queue.confirm(batch).ok()) {
      return;
    }
  }
}

void drain(testing::MemoryStorage& storage, FuzzedDataProvider& input) {
  testing::FakeEntropy entropy;
  testing::CaptureLog log;
  spool::Spool queue(storage, entropy, Logger(&log, "spool"));
  if (!queue.open("/s", spool::Spool::Role::Consumer).ok()) {
    return;
  }
  (void)queue.counts();
  if (input.ConsumeBool()) {
    drain_batches(storage, queue, input);
    return;
  }
  for (int taken = 0; taken < 64; ++taken) {
    spool::SpoolEntry entry;
    const Result<bool> more = queue.next(entry);
    if (!more.ok() || !*more) {
      return;
    }
    LSEDGE_FUZZ_CHECK(entry.path.view().rfind("/s/queue/", 0) == 0);
    if (entry.media) {
      read_predictions(storage, entry);
    }
    spool::SpoolEntryBody body(storage);
    if (body.open(entry).ok()) {
      read_whole(body);
      body.close();
    }
    if (!queue.confirm(entry).ok()) {
      return;
    }
  }
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  lsedge::testing::MemoryStorage storage;
  lsedge::fuzz::build(input, storage);
  lsedge::fuzz::drain(storage, input);
  return 0;
}
