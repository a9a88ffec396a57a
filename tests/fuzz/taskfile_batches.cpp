// The batch planner and the batch body reader: any file planned into batches under a budget, each
// batch's body produced through a small scratch buffer into small reads; then the file is
// changed (the input's second part) and the bodies are produced again, with each BodyCheck.
// Checked: no crash or sanitizer report; a body is never longer than planned; from an unchanged
// file every body is exactly its planned size, starts with '[' and ends with ']', is the same
// after rewind() and the same with both checks; from a changed file, a body Revalidate accepts
// Boundaries accepts too, the same (on valid JSON both find the same tasks).
#include <string>
#include <vector>

#include "firmware/taskfile/task_file.h"
#include "tests/fakes/memory_storage.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

// The body of `batch`, read from `path` in pieces; `status` is the read's failure, if any.
std::string read_body(testing::MemoryStorage& storage, const std::string& path,
                      const taskfile::TaskBatch& batch, size_t scratch_size, size_t read_size,
                      bool rewind_midway, taskfile::BodyCheck check, Status& status) {
  const Result<hal::FileHandle> handle = storage.open_read(path);
  LSEDGE_FUZZ_CHECK(handle.ok());
  std::vector<uint8_t> scratch(scratch_size);
  std::vector<uint8_t> out(read_size);
  taskfile::BatchBodyReader reader(storage, *handle, batch,
                                   ByteSpan(scratch.data(), scratch.size()), check);
  std::string body;
  status = Status::Ok;
  for (int round = rewind_midway ? 0 : 1; round < 2; ++round) {
    body.clear();
    if (round == 1 && rewind_midway) {
      LSEDGE_FUZZ_CHECK(reader.rewind().ok());
    }
    for (size_t reads = 0; round == 1 || reads < 2; ++reads) {
      const Result<size_t> n = reader.read(ByteSpan(out.data(), out.size()));
      if (!n.ok()) {
        status = n.status();
        break;
      }
      if (*n == 0) {
        break;
      }
      body.append(reinterpret_cast<const char*>(out.data()), *n);
      LSEDGE_FUZZ_CHECK(body.size() <= batch.body_size);
    }
  }
  storage.close(*handle);
  return body;
}

void plan_and_read(FuzzedDataProvider& input, const std::string& file, const std::string& changed) {
  const uint64_t budget = input.ConsumeIntegralInRange<uint64_t>(0, 300);
  const size_t chunk_size = input.ConsumeIntegralInRange<size_t>(1, 64);
  const size_t scratch_size = input.ConsumeIntegralInRange<size_t>(1, 64);
  const size_t read_size = input.ConsumeIntegralInRange<size_t>(1, 64);
  const bool rewind_midway = input.ConsumeBool();
  testing::MemoryStorage storage;
  storage.put_file("/t.json", file);
  storage.put_file("/changed.json", changed);
  const Result<hal::FileHandle> handle = storage.open_read("/t.json");
  LSEDGE_FUZZ_CHECK(handle.ok());
  std::vector<uint8_t> chunk(chunk_size);
  taskfile::BatchPlanner planner(storage, *handle, ByteSpan(chunk.data(), chunk.size()), budget);
  taskfile::TaskBatch batch;
  uint64_t tasks = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    const Result<bool> more = planner.next(batch);
    if (!more.ok() || !*more) {
      break;
    }
    LSEDGE_FUZZ_CHECK(batch.body_size <= budget && batch.task_count > 0);
    LSEDGE_FUZZ_CHECK(batch.first_task == tasks);
    tasks += batch.task_count;
    using taskfile::BodyCheck;
    Status status = Status::Ok;
    const std::string body = read_body(storage, "/t.json", batch, scratch_size, read_size,
                                       rewind_midway, BodyCheck::Revalidate, status);
    LSEDGE_FUZZ_CHECK(status == Status::Ok);
    LSEDGE_FUZZ_CHECK(body.size() == batch.body_size);
    LSEDGE_FUZZ_CHECK(body.front() == '[' && body.back() == ']');
    LSEDGE_FUZZ_CHECK(read_body(storage, "/t.json", batch, scratch_size, read_size, rewind_midway,
                                BodyCheck::Boundaries, status) == body);
    LSEDGE_FUZZ_CHECK(status == Status::Ok);
    Status revalidated = Status::Ok;
    const std::string strict = read_body(storage, "/changed.json", batch, scratch_size, read_size,
                                         false, BodyCheck::Revalidate, revalidated);
    const std::string framed = read_body(storage, "/changed.json", batch, scratch_size, read_size,
                                         false, BodyCheck::Boundaries, status);
    if (revalidated == Status::Ok && strict.size() == batch.body_size) {
      LSEDGE_FUZZ_CHECK(status == Status::Ok && framed == strict);
    }
  }
  storage.close(*handle);
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The file, then (after a 0xFF byte, if any) its changed version; the last bytes choose the
  // budget and buffer sizes.
  FuzzedDataProvider input(data, size);
  const std::string all(reinterpret_cast<const char*>(data), size);
  const size_t cut = all.find('\xFF');
  const std::string file = all.substr(0, cut);
  const std::string changed = cut == std::string::npos ? file : all.substr(cut + 1);
  lsedge::fuzz::plan_and_read(input, file, changed);
  return 0;
}
