// Task files for import: find the top-level tasks of a JSON array, a single JSON object or an
// NDJSON file without building a DOM; group them into request bodies under a byte budget; and
// produce each body `[t1,t2,...]` incrementally from the file.
//
// The whole file is validated as it is scanned: JSON structure (strings with escapes, nested
// arrays and objects, numbers, literals), UTF-8 inside strings, nesting depth at most
// LSEDGE_JSON_MAX_DEPTH, no "\u0000" and no unpaired surrogate escape (Label Studio's PostgreSQL
// refuses both, which would leave a batch the server rejects forever), no number beyond a double's
// range (1e400: Python reads it as infinity, which the server cannot store; 1e-400 is 0 and
// fine). Every top-level element must be an object (a Label Studio task). A leading UTF-8 byte
// order mark is skipped.
//
// Errors: TaskFileInvalid "task file: <what> at byte N (line L)"; EmptyInput for an empty file or
// array; ValidationFailed for a task larger than the batch budget allows (names the task's
// 1-based number and its size); storage failures as the Storage reports them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "board_sizes.h"
#include "firmware/core/body_source.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "hal/storage.h"

namespace lsedge::taskfile {

enum class TaskFileFormat : uint8_t {
  JsonArray,   // [ {...}, {...} ]
  JsonObject,  // one {...}
  NdJson,      // {...}\n{...}\n ... (each task starts on a new line; blank lines are fine)
};
[[nodiscard]] const char* task_file_format_name(TaskFileFormat format);

// One top-level task: its bytes are file[offset, offset + length), from '{' to '}'.
// Thread-safety: a value type.
struct TaskElement {
  uint64_t index = 0;  // 0-based position in the file
  uint64_t offset = 0;
  uint64_t length = 0;
};

// Thread-safety: a value type.
struct TaskFileSummary {
  TaskFileFormat format = TaskFileFormat::JsonArray;
  uint64_t tasks = 0;
  uint64_t task_bytes = 0;    // sum of the tasks' lengths
  uint64_t largest_task = 0;  // length of the largest task
  uint64_t file_bytes = 0;    // bytes scanned (the file's size)
  uint64_t batches = 0;       // BatchPlanner only
};

// The streaming state machine behind TaskReader and BatchBodyReader, fed one byte at a
// time. Framing::File expects a whole task file (BOM, '[' or '{', separators, the end);
// Framing::Tasks expects tasks separated by whitespace and at most one comma (the byte range of
// a planned batch). Thread-safety: one thread at a time.
class TaskScanner {
 public:
  enum class Framing : uint8_t { File, Tasks };
  // What one byte was: between tasks, inside a task, the last byte of a task, or an error
  // (see error()).
  enum class Step : uint8_t { Gap, Inside, End, Invalid };

  // `first_offset`: the file offset of the first byte fed (for error details).
  // `max_task_bytes`: a larger task is ValidationFailed when it ends.
  explicit TaskScanner(Framing framing, uint64_t first_offset = 0,
                       uint64_t max_task_bytes = UINT64_MAX);

  [[nodiscard]] Step feed(uint8_t byte);
  // The hot path: how many of the `size` bytes at `data` feed() would take without anything to
  // decide (plain string bytes, whitespace between tokens), taken at once (offsets, lines) and
  // with the same outcome as feeding them one by one; 0 when the next byte needs feed().
  [[nodiscard]] size_t skip(const uint8_t* data, size_t size);
  // Inside a task (skipped bytes belong to it), as opposed to between tasks.
  [[nodiscard]] bool in_task() const;
  // After the last byte: Ok if the input ended cleanly (Framing::File only needs this).
  [[nodiscard]] Outcome finish();
  // The failure after Step::Invalid (or a failed finish()).
  [[nodiscard]] const Error& error() const { return error_; }

  [[nodiscard]] TaskFileFormat format() const { return format_; }
  [[nodiscard]] uint64_t tasks() const { return tasks_; }  // completed tasks so far
  // The last completed task (valid after Step::End).
  [[nodiscard]] const TaskElement& last_task() const { return last_; }

 private:
  enum class Top : uint8_t;
  enum class Value : uint8_t;
  Step fail(Status status, const char* what, uint8_t byte, bool show_byte);
  Step fail_at(Status status, const char* what, uint8_t byte, bool show_byte, uint64_t offset);
  // Between tasks, one function per kind of place (see Top).
  Step top_byte(uint8_t byte);
  Step bom_byte(uint8_t byte);
  Step start_byte(uint8_t byte);
  Step array_task_byte(uint8_t byte);
  Step array_after_task_byte(uint8_t byte);
  Step objects_after_task_byte(uint8_t byte);
  Step tasks_after_task_byte(uint8_t byte);
  Step begin_task();
  size_t skip_whitespace(const uint8_t* data, size_t size);
  // Inside a task, one function per token kind (see Value).
  Step value_byte(uint8_t byte);
  Step structural_byte(uint8_t byte);
  Step value_start(uint8_t byte);
  Step key_start(uint8_t byte);
  Step comma_or_close(uint8_t byte);
  Step open_container(uint8_t kind, uint8_t byte);
  Step close_container(uint8_t byte);
  Step task_too_large();
  Step value_done();
  Step string_byte(uint8_t byte);
  Step utf8_lead(uint8_t byte);
  Step utf8_byte(uint8_t byte);
  Step escape_byte(uint8_t byte);
  Step unicode_byte(uint8_t byte);
  Step unicode_unit(uint8_t byte);
  Step literal_byte(uint8_t byte);
  Step number_byte(uint8_t byte);
  Step number_after_digits(uint8_t byte);
  Step number_end(uint8_t byte);
  void start_number();
  void mantissa_digit(uint8_t byte, bool fraction);
  void exponent_digit(uint8_t byte);
  [[nodiscard]] bool number_fits() const;

  Framing framing_;
  TaskFileFormat format_ = TaskFileFormat::JsonArray;
  Top top_;
  Value value_;
  uint64_t offset_;  // of the byte being fed
  uint64_t line_ = 1;
  uint64_t max_task_bytes_;
  uint64_t tasks_ = 0;
  uint64_t task_start_ = 0;
  TaskElement last_;
  bool newline_seen_ = false;    // NDJSON: since the last task ended
  bool string_is_key_ = false;   // the string being scanned is an object key
  bool high_surrogate_ = false;  // a \uD800-\uDBFF escape waits for its low half
  uint8_t unicode_digits_ = 0;
  uint16_t unicode_value_ = 0;
  uint8_t utf8_[4] = {};
  uint8_t utf8_have_ = 0;
  uint8_t utf8_need_ = 0;
  const char* literal_ = nullptr;  // "true", "false" or "null" being matched
  uint8_t literal_at_ = 0;
  uint8_t depth_ = 0;
  // The number being scanned (see number_fits()): where it starts, its digits before the point,
  // the zeros after the point before its first significant digit, its significant digits so far,
  // its exponent (saturating), and how its digits compare with the overflow bound (-1, 0, 1).
  uint64_t num_offset_ = 0;
  uint64_t num_int_digits_ = 0;
  uint64_t num_frac_zeros_ = 0;
  uint64_t num_significant_ = 0;
  uint64_t num_exponent_ = 0;
  bool num_exp_negative_ = false;
  bool num_nonzero_ = false;
  int8_t num_order_ = 0;
  uint8_t stack_[LSEDGE_JSON_MAX_DEPTH] = {};  // '{' or '[' per open container
  Error error_;
};

// The tasks of a whole task file, pulled one at a time: `while (next) { ... }` with the file read
// through `chunk` from offset 0 as needed. `max_task_bytes`: the largest task accepted
// (ValidationFailed beyond). Thread-safety: one thread at a time; `storage`, `file` and `chunk`
// must outlive it and the handle is not used elsewhere while it reads.
class TaskReader {
 public:
  TaskReader(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk,
             uint64_t max_task_bytes = UINT64_MAX);

  // True with the next task in `task`; false once the file ended cleanly (summary() is then
  // complete); or the scan's error (an empty `chunk` is InvalidArgument). After false or an error,
  // every later call answers the same.
  [[nodiscard]] Result<bool> next(TaskElement& task);
  // Counts so far; complete after next() returned false.
  [[nodiscard]] const TaskFileSummary& summary() const { return summary_; }

 private:
  enum class State : uint8_t { Reading, Ended, Failed };
  [[nodiscard]] Outcome refill();
  TaskScanner::Step feed_chunk();
  Result<bool> stop(const Error& error);
  Result<bool> end_of_file();
  void count(const TaskElement& task);

  hal::Storage& storage_;
  hal::FileHandle file_;
  ByteSpan chunk_;
  TaskScanner scanner_;
  TaskFileSummary summary_;
  State state_ = State::Reading;
  Error error_;            // after State::Failed
  uint64_t file_pos_ = 0;  // next file offset to read into chunk
  size_t chunk_len_ = 0;
  size_t chunk_pos_ = 0;
};

// Validates the whole file (TaskReader until the end) and returns its summary.
// Thread-safety: as TaskReader.
[[nodiscard]] Result<TaskFileSummary> scan_task_file(hal::Storage& storage, hal::FileHandle file,
                                                     ByteSpan chunk,
                                                     uint64_t max_task_bytes = UINT64_MAX);

// Consecutive tasks whose body `[t1,t2,...]` (2 + sum of lengths + count - 1 bytes) fits the
// budget. In the file they are the range [begin, end): from the first task's '{' to the last
// task's '}' inclusive, with separators (commas, whitespace) in between that are not part of
// the body. Thread-safety: a value type.
struct TaskBatch {
  uint64_t index = 0;       // 0-based batch number
  uint64_t first_task = 0;  // 0-based index of its first task in the file
  uint64_t task_count = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t body_size = 0;  // exact Content-Length of the body
};

// Tasks grouped greedily, in order, into batches of at most `budget` body bytes, fed one task at a
// time (the one grouping rule of the planner, the import's plan and its re-planning after a 413).
// A task too large for the budget goes alone: callers that refuse it check first.
// Thread-safety: a value type.
class BatchGrouper {
 public:
  explicit BatchGrouper(uint64_t budget) : budget_(budget) {}

  // Adds `task`: true when it did not fit the open batch, which is then closed into `closed`
  // (the task opens the next one).
  [[nodiscard]] bool add(const TaskElement& task, TaskBatch& closed);
  // Moves the open batch, if any, to `batch` (after the last task).
  [[nodiscard]] bool take_open(TaskBatch& batch);
  // Batches closed or taken so far.
  [[nodiscard]] uint64_t batches() const { return batches_; }

 private:
  uint64_t budget_;
  TaskBatch open_;  // the batch being filled; task_count 0 when there is none
  uint64_t batches_ = 0;
};

// What plan_task_file found: the file's summary (`batches`: how many the whole file makes) and
// how many of the first batches it kept.
// Thread-safety: a value type.
struct TaskFilePlan {
  TaskFileSummary summary;
  size_t kept = 0;
};

// Validates the whole file as scan_task_file does and, in the same read, plans its batches under
// `budget` (BatchGrouper): the first ones go to `plan`, as many as it holds. The rest, if any, are
// planned again from the file when they are needed. Thread-safety: as TaskReader.
[[nodiscard]] Result<TaskFilePlan> plan_task_file(hal::Storage& storage, hal::FileHandle file,
                                                  ByteSpan chunk, uint64_t max_task_bytes,
                                                  uint64_t budget, Span<TaskBatch> plan);

// The tasks of a file grouped greedily, in order, into batches of at most `budget_bytes` of body,
// pulled one batch at a time. A task that cannot fit alone (length + 2 > budget) is
// ValidationFailed. A batch is returned as soon as it closes, so an error later in the file comes
// after earlier batches: scan first (scan_task_file) if nothing may be sent from an invalid file.
// `budget_bytes` below 4 (the body "[{}]") is InvalidArgument. Thread-safety: as TaskReader.
class BatchPlanner {
 public:
  BatchPlanner(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk, uint64_t budget_bytes);

  // True with the next batch in `batch`; false after the last one (summary() is then complete);
  // or the scan's error. After false or an error, every later call answers the same.
  [[nodiscard]] Result<bool> next(TaskBatch& batch);
  // The file's counts so far, with the number of batches returned.
  [[nodiscard]] TaskFileSummary summary() const;

 private:
  TaskReader reader_;
  uint64_t budget_;
  BatchGrouper grouper_;
};

// How a BatchBodyReader looks at a batch's bytes again as it produces the body.
enum class BodyCheck : uint8_t {
  // Every byte validated again, as TaskScanner does: for copies that outlive the file (the
  // spool's entries), where a bad byte would be refused on every drain.
  Revalidate,
  // Only the tasks' boundaries found again (TaskBoundaries), against the plan: for a file this
  // process validated whole just before (import). A changed task size or place is still
  // caught; a byte changed inside a task is the server's to refuse (as it always was for a
  // change that stays valid JSON).
  Boundaries,
};

// Finds the tasks of a planned batch's range again without validating them (BodyCheck::
// Boundaries): strings, their escapes and the bracket depth only, string bodies 8 bytes at a
// time. Between tasks it takes whitespace and at most one comma, as TaskScanner's
// Framing::Tasks does. Thread-safety: one thread at a time.
class TaskBoundaries {
 public:
  // Between tasks: how many of the `size` bytes at `data` are separators. It stops before a
  // '{' (in_task() is then true) or at any other byte (failed() is then true).
  [[nodiscard]] size_t gap(const uint8_t* data, size_t size);
  // Inside a task: how many of the bytes belong to it, up to and including its closing '}'
  // (`ended` is then true and in_task() false).
  [[nodiscard]] size_t task(const uint8_t* data, size_t size, bool& ended);
  [[nodiscard]] bool in_task() const { return in_task_; }
  [[nodiscard]] bool failed() const { return failed_; }

 private:
  uint64_t depth_ = 0;
  bool in_task_ = false;
  bool in_string_ = false;
  bool escape_ = false;      // the string's next byte is escaped
  bool after_task_ = false;  // a task ended: one comma may come before the next
  bool comma_ = false;       // it came
  bool failed_ = false;
};

// The body of one planned batch, produced incrementally: '[' task ',' task ... ']'. It reads
// the batch's byte range of the file again through `scratch` (a batch of 1 MiB may hold ~20,000
// tiny tasks, too many to keep their ranges) and finds its tasks again as `check` says; if the
// file no longer matches the plan (other sizes, other places, or with Revalidate any invalid
// byte), read() fails with TaskFileInvalid "task file changed ..." and never produces more or
// fewer than size() bytes. Thread-safety: one thread at a time; `storage`, `file` and `scratch`
// must outlive it.
class BatchBodyReader final : public BodySource {
 public:
  BatchBodyReader(hal::Storage& storage, hal::FileHandle file, const TaskBatch& batch,
                  ByteSpan scratch, BodyCheck check);

  // Up to out.size() next bytes of the body; 0 once all size() bytes were produced.
  // An empty `out` is InvalidArgument.
  [[nodiscard]] Result<size_t> read(ByteSpan out) override;
  // Starts again from the first byte (for a resend).
  [[nodiscard]] Outcome rewind() override;
  [[nodiscard]] uint64_t size() const override { return batch_.body_size; }

 private:
  enum class Phase : uint8_t { Open, Tasks, Comma, Close, Done };
  Error changed(const char* what) const;
  [[nodiscard]] Outcome check(ByteSpan out) const;
  [[nodiscard]] Result<uint8_t> punctuation();
  [[nodiscard]] Outcome refill();
  [[nodiscard]] Result<size_t> copy_task_bytes(ByteSpan out, size_t n);
  [[nodiscard]] size_t copy_run(ByteSpan out, size_t n);
  [[nodiscard]] Result<size_t> copy_tasks(ByteSpan out, size_t n);
  [[nodiscard]] size_t task_room(size_t out_room, size_t available) const;
  [[nodiscard]] Outcome task_ended();

  hal::Storage& storage_;
  hal::FileHandle file_;
  TaskBatch batch_;
  ByteSpan scratch_;
  BodyCheck check_;
  TaskScanner scanner_;        // BodyCheck::Revalidate
  TaskBoundaries boundaries_;  // BodyCheck::Boundaries
  Phase phase_ = Phase::Open;
  uint64_t file_pos_ = 0;  // next file offset to read into scratch
  size_t chunk_len_ = 0;
  size_t chunk_pos_ = 0;
  uint64_t produced_ = 0;
  uint64_t tasks_done_ = 0;
};

}  // namespace lsedge::taskfile
