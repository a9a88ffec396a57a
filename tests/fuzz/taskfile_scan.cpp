// The task-file scanner through TaskReader: any file, read through a chunk of 1 to 64 bytes or
// 4 KiB, with a per-task limit. Checked: no crash or sanitizer report; every task found lies in
// the file, starts with '{' and ends with '}', follows the previous one, and is an object to a
// real JSON parser (cJSON) whose numbers are all finite; an accepted file's summary adds up; a
// refusal has a detail and, for a bad file, its byte offset; and the reader, which takes plain
// string bytes and whitespace in bulk (TaskScanner::skip), finds the same tasks and the same
// error (text, offset, line) as the scanner fed one byte at a time.
#include <cjson/cJSON.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "firmware/taskfile/task_file.h"
#include "tests/fakes/memory_storage.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

// cJSON 1.7.15 (Debian 12) reads at most 63 bytes of a number, so a longer one (valid JSON)
// fails there: such tasks are not given to it.
bool has_long_number(const std::string& text) {
  size_t run = 0;
  for (const char c : text) {
    const bool number_byte =
        (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    run = number_byte ? run + 1 : 0;
    if (run > 60) {
      return true;
    }
  }
  return false;
}

// Every number in an accepted task fits a double (1e400 is refused: the server cannot store it).
void check_numbers(const cJSON* node) {
  for (; node != nullptr; node = node->next) {
    if (cJSON_IsNumber(node)) {
      LSEDGE_FUZZ_CHECK(std::isfinite(node->valuedouble));
    }
    check_numbers(node->child);
  }
}

void check_task(const std::string& file, const taskfile::TaskElement& task, uint64_t index,
                uint64_t previous_end) {
  LSEDGE_FUZZ_CHECK(task.index == index);
  LSEDGE_FUZZ_CHECK(task.offset >= previous_end && task.length >= 2);
  LSEDGE_FUZZ_CHECK(task.offset + task.length <= file.size());
  const std::string text = file.substr(task.offset, task.length);
  LSEDGE_FUZZ_CHECK(text.front() == '{' && text.back() == '}');
  if (has_long_number(text)) {
    return;
  }
  cJSON* parsed = cJSON_ParseWithLength(text.data(), text.size());
  LSEDGE_FUZZ_CHECK(parsed != nullptr && cJSON_IsObject(parsed));
  check_numbers(parsed->child);
  cJSON_Delete(parsed);
}

// What the byte-at-a-time scanner finds: the tasks' ranges, then "" or the error's detail.
struct Found {
  std::vector<std::pair<uint64_t, uint64_t>> tasks;
  std::string failure;
};

Found scan_bytewise(const std::string& file, uint64_t max_task) {
  taskfile::TaskScanner scanner(taskfile::TaskScanner::Framing::File, 0, max_task);
  Found found;
  for (const char c : file) {
    const taskfile::TaskScanner::Step step = scanner.feed(static_cast<uint8_t>(c));
    if (step == taskfile::TaskScanner::Step::Invalid) {
      found.failure = std::string(scanner.error().detail.view());
      return found;
    }
    if (step == taskfile::TaskScanner::Step::End) {
      found.tasks.emplace_back(scanner.last_task().offset, scanner.last_task().length);
    }
  }
  const Outcome finished = scanner.finish();
  if (!finished.ok()) {
    found.failure = std::string(finished.error().detail.view());
  }
  return found;
}

void scan(FuzzedDataProvider& input, const std::string& file) {
  static constexpr size_t kChunks[] = {1, 2, 3, 7, 16, 64, 4096};
  const size_t chunk_size =
      kChunks[input.ConsumeIntegralInRange<size_t>(0, sizeof(kChunks) / sizeof(size_t) - 1)];
  const uint64_t max_task = input.ConsumeBool() ? UINT64_MAX : input.ConsumeIntegral<uint16_t>();
  testing::MemoryStorage storage;
  storage.put_file("/tasks.json", file);
  const Result<hal::FileHandle> handle = storage.open_read("/tasks.json");
  LSEDGE_FUZZ_CHECK(handle.ok());
  std::vector<uint8_t> chunk(chunk_size);
  taskfile::TaskReader reader(storage, *handle, ByteSpan(chunk.data(), chunk.size()), max_task);
  taskfile::TaskElement task;
  uint64_t count = 0;
  uint64_t end = 0;
  uint64_t bytes = 0;
  Found found;
  for (;;) {
    const Result<bool> more = reader.next(task);
    if (!more.ok()) {
      LSEDGE_FUZZ_CHECK(!more.error().detail.empty());
      found.failure = std::string(more.error().detail.view());
      if (more.status() == Status::TaskFileInvalid) {
        LSEDGE_FUZZ_CHECK(more.error().detail.view().find(" at byte ") != std::string_view::npos);
      }
      // The error repeats.
      LSEDGE_FUZZ_CHECK(reader.next(task).status() == more.status());
      break;
    }
    if (!*more) {
      const taskfile::TaskFileSummary& summary = reader.summary();
      LSEDGE_FUZZ_CHECK(summary.tasks == count && count > 0);
      LSEDGE_FUZZ_CHECK(summary.task_bytes == bytes);
      LSEDGE_FUZZ_CHECK(summary.file_bytes == file.size());
      break;
    }
    found.tasks.emplace_back(task.offset, task.length);
    check_task(file, task, count, end);
    LSEDGE_FUZZ_CHECK(task.length <= max_task);
    end = task.offset + task.length;
    bytes += task.length;
    ++count;
  }
  storage.close(*handle);
  const Found reference = scan_bytewise(file, max_task);
  LSEDGE_FUZZ_CHECK(found.tasks == reference.tasks);
  // A read error cannot happen here; an I/O-free reference fails the same way.
  LSEDGE_FUZZ_CHECK(found.failure == reference.failure);
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The last bytes (FuzzedDataProvider takes integers from the end) pick the chunk and limit.
  FuzzedDataProvider input(data, size);
  const std::string file(reinterpret_cast<const char*>(data), size);
  lsedge::fuzz::scan(input, file);
  return 0;
}
