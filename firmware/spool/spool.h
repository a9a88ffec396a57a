// The spool: a crash-safe, store-and-forward queue of import batches on local storage.
//
// On-disk format (see docs/spool.md for the reasoning and the crash analysis):
//
//   DIR/lsedge-spool                     the marker, "lsedge spool 2\n": DIR is a spool
//   DIR/consumer.lock                    512 bytes: the consumer's flock and its in-flight record
//                                        (the entry being sent, or whose import is polled)
//   DIR/sequence                         the last SEQ an add took (adds lock it to take the next)
//   DIR/queue/<SEQ>/<STEM>.json          one queue entry = one import request body, where STEM is
//                                        <BATCH>-<TASKS> (as added) or <BATCH>.<FIRST>-<TASKS>
//                                        (a part made by split())
//   DIR/queue/<SEQ>/<STEM>.json.sending  (earlier release; read) a request may be in flight
//   DIR/queue/<SEQ>/<STEM>.json.import   (earlier release; read) its import id, polled
//   DIR/queue/<SEQ>/<STEM>.split/        a split in progress (finished or undone by open())
//   DIR/tmp/<RANDOM>.claim, DIR/tmp/<RANDOM>/      an add in progress (garbage after a crash)
//   DIR/rejected/<SEQ>-<STEM>.json        an entry the server refused (4xx) ...
//   DIR/rejected/<SEQ>-<STEM>.reason.txt  ... and the server's message
//   DIR/rejected/<SEQ>-<STEM>.item<K>.json, .item<K>.reason.txt   task K of an entry, refused
//                                         alone by split()
//
// SEQ: 20 decimal digits, one per `add` (a group), FIFO order = lexical order. BATCH: 10
// digits, the batch's 0-based number within its add. TASKS: the number of tasks in the entry.
// FIRST: 10 digits, where the part's first task was in its batch (parts keep their batch's
// order, so lexical order stays FIFO order however often they are split). An entry file is
// exactly the request body `[task,task,...]` (compact separators, the tasks' bytes as they were
// in the task file), at most the batch budget.
//
// Guarantees: an add becomes visible in queue/ with one rename of a fully written and synced
// directory, so a crash leaves all of an add's tasks queued or none. A task leaves the queue
// only by confirm(), reject() or split() (to rejected/, never deleted); split() deletes an entry
// file only once its tasks are in its parts and rejected/. An entry that was marked sending when
// the process died is "outcome unknown": it is sent again, and if that resend is confirmed it is
// counted and logged as a possible duplicate. Thread-safety: one thread at a time per Spool object;
// many processes may add to one spool at once, but only one consumer (the uploader daemon) may run
// per spool.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/body_source.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/taskfile/task_file.h"
#include "hal/entropy.h"
#include "hal/storage.h"

namespace lsedge::spool {

inline constexpr size_t kSpoolNameCapacity = 64;
// SPOOLSCALE: an entry name in next()'s window (the longest is 47 characters: docs/spool.md),
// and how many foreign files next() remembers having reported.
inline constexpr size_t kEntryWindowNameCapacity = 52;
// The longest name lsedge gives a file in rejected/ ("<SEQ>-<STEM>.item<K>.json").
inline constexpr size_t kListedNameCapacity = 20 + 1 + 42 + 5 + 20 + 5;
inline constexpr uint32_t kForeignReports = 32;

// One queue entry, as next() found it. Thread-safety: a value type.
struct SpoolEntry {
  FixedString<kSpoolNameCapacity> group;   // "<SEQ>"
  FixedString<kSpoolNameCapacity> name;    // "<BATCH>-<TASKS>.json"
  FixedString<LSEDGE_PATH_CAPACITY> path;  // DIR/queue/<SEQ>/<BATCH>-<TASKS>.json
  uint64_t sequence = 0;
  uint64_t batch = 0;
  uint64_t tasks = 0;
  // A request for this entry may have reached the server before (a crash or a lost answer):
  // a confirmed resend is a possible duplicate.
  bool outcome_unknown = false;
  // Nonzero: the server queued this entry's import (Label Studio Enterprise answers 201
  // {"import": ID}); its outcome is polled at /api/projects/{pid}/imports/{ID}/, never resent.
  int64_t import_id = 0;
  // A media entry (one file, uploaded as multipart: one task): `path` is its directory and
  // `media_path` the file in it, under the name it had when it was added (empty if missing).
  bool media = false;
  FixedString<LSEDGE_PATH_CAPACITY> media_path;
  // The media entry holds predictions for its task (sent after the upload, with its task id).
  bool predictions = false;
  // Nonzero: the upload created this task and the predictions are still to be sent (a restart
  // sends only them).
  int64_t task_id = 0;
  // No request for it is out or queued on the server: not outcome-unknown, no import id.
  [[nodiscard]] bool stateless() const { return !outcome_unknown && import_id == 0; }
};

// Queue order of two entries: by group (SEQ, fixed width), then by name within it.
inline bool entry_before(std::string_view group_a, std::string_view name_a,
                         std::string_view group_b, std::string_view name_b) {
  return group_a < group_b || (group_a == group_b && name_a < name_b);
}

// One entry of a SpoolBatch: enough to find its file again. Thread-safety: a value type.
struct BatchMember {
  uint64_t sequence = 0;
  FixedString<kEntryWindowNameCapacity> name;  // "<STEM>.json"
  uint64_t tasks = 0;
  uint64_t bytes = 0;  // the entry file's size: "[" + its tasks + "]"
};

// Consecutive task entries sent as one import request (issue #13), made by next_batch(): the
// body is all of their tasks, in queue order, as one JSON array. The head's state
// (outcome_unknown, import_id) is every member's. Thread-safety: a value type.
struct SpoolBatch {
  SpoolEntry head;          // the first entry; count == 1: the only one, sent as ever
  uint32_t count = 0;       // entries in the batch, head included
  uint64_t tasks = 0;       // all of their tasks
  uint64_t body_bytes = 0;  // the request body: "[" + the members' tasks joined by "," + "]"
  BatchMember members[LSEDGE_SPOOL_BATCH_ENTRIES];
};

// A group's name: its SEQ in 20 digits.
void format_group(uint64_t sequence, FixedString<kSpoolNameCapacity>& out);

// One file for add_media(). Thread-safety: a value type.
struct MediaFile {
  std::string_view path;
  std::string_view predictions;  // its task's predictions (Label Studio's format), or empty
};

// How split() divides an entry: each task goes to one new part or to rejected/. Parts keep the
// tasks' order: part_of() never decreases over the tasks that are not rejected (so halves, or
// "the good ones" as one part). Thread-safety: used by the thread that calls split().
class SplitPlan {
 public:
  static constexpr uint32_t kRejectTask = 0xFFFFFFFFu;
  // Parts replace the entry in the queue in this order (empty parts are left out).
  [[nodiscard]] virtual uint32_t part_count() const = 0;
  // For task `index` (0-based, in the entry's order): its part (< part_count()) or kRejectTask.
  [[nodiscard]] virtual uint32_t part_of(uint64_t index) const = 0;
  // The server's message for a rejected task, written to its reason file. The view must stay
  // valid until the next reason() call.
  [[nodiscard]] virtual std::string_view reason(uint64_t index) const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~SplitPlan() = default;
};

// Thread-safety: a value type.
struct SpoolCounts {
  uint64_t queued_entries = 0;
  uint64_t queued_tasks = 0;
  uint64_t queued_bytes = 0;  // counts(true): the entries' files (media: file and predictions)
  uint64_t rejected_entries = 0;
  uint64_t outcome_unknown = 0;      // queued entries marked sending right now
  uint64_t possible_duplicates = 0;  // confirmed resends of outcome-unknown entries, this process
};

// Thread-safety: a value type.
struct SpoolAddResult {
  uint64_t sequence = 0;  // the add's SEQ in queue/
  uint64_t tasks = 0;
  uint64_t entries = 0;     // batches written
  uint64_t body_bytes = 0;  // sum of the entries' sizes
  taskfile::TaskFileFormat format = taskfile::TaskFileFormat::JsonArray;
  bool media = false;   // add_media(): one entry per media file
  uint64_t linked = 0;  // add_media(): files hard-linked rather than copied
};

// One file in rejected/, for list_rejected(). Thread-safety: a value type; its views are valid
// during the visitor's call only.
struct RejectedEntry {
  std::string_view name;  // its file name in rejected/ ("<SEQ>-<STEM>.json", "...item<K>.json")
  uint64_t tasks = 0;
  uint64_t bytes = 0;
  std::string_view reason;  // the first line of its reason file (truncated); empty if none
};

// Receives list_rejected()'s entries. Thread-safety: called on list_rejected()'s thread.
class RejectedVisitor {
 public:
  virtual void on_rejected(const RejectedEntry& entry) = 0;

 protected:
  ~RejectedVisitor() = default;
};

// Thread-safety: a value type.
struct RequeueResult {
  uint64_t sequence = 0;  // the first group the entries went to (0: nothing was requeued)
  uint64_t entries = 0;
  uint64_t tasks = 0;
};

class Spool {
 public:
  // Producer: `spool add` (no recovery, so concurrent adders never disturb each other).
  // Consumer: the uploader; open() also clears tmp/ of crashed adds and counts the entries left
  // marked sending.
  enum class Role : uint8_t { Producer, Consumer };

  // `entropy` names the staging directories of adds (unique across processes).
  Spool(hal::Storage& storage, hal::Entropy& entropy, Logger log);
  // SPOOLSAFE: the consumer's lock is held from open() to close() or the destructor ---------
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;
  // Releases the consumer's lock (another `run` may then open the spool); open() again to use
  // this object.
  void close();
  // SPOOLSAFE: end ----------------------------------------------------------------------------

  // Opens the spool at DIR. A directory is a spool when it holds the marker DIR/lsedge-spool
  // ("lsedge spool 2"). A Producer creates DIR when it does not exist (its parent must) and
  // logs "created spool DIR"; either role makes a spool of an EMPTY directory, and adopts an
  // earlier release's spool (only queue/, tmp/, rejected/ in it) by writing the marker. Then
  // queue/, tmp/, rejected/ and DIR/consumer.lock are made as needed, durably. The Consumer
  // then locks DIR/consumer.lock (one consumer per spool, until close()), loads the in-flight
  // record, clears tmp/ of what crashed adds left (only names lsedge makes; anything else is
  // reported and left), finishes or undoes interrupted splits and logs the queue's size.
  // Errors: InvalidArgument (DIR empty or too long for LSEDGE_PATH_CAPACITY), SpoolNotFound
  // (Consumer, no DIR: `run` never creates a spool), NotADirectory (DIR is a file or device),
  // NotASpool (a non-empty directory without the marker, or a newer format's), SpoolBusy
  // (another consumer holds the lock); nothing is written in DIR for any of them.
  [[nodiscard]] Outcome open(std::string_view directory, Role role);

  // Validates and splits `task_file` into entries of at most `budget_bytes` and queues them
  // atomically. Scanner errors (TaskFileInvalid, EmptyInput, ValidationFailed) and storage errors
  // (NoSpace reads "disk full: <path>") leave the queue unchanged.
  [[nodiscard]] Result<SpoolAddResult> add(std::string_view task_file,
                                           uint64_t budget_bytes = LSEDGE_IMPORT_BATCH_BUDGET);

  // Queues media files as one group, one entry each, in the given order: each file is put in the
  // staging directory under its own name (hard-linked when it is the caller's own file on the
  // same file system and the spool's readers may read it: a private spool, or a file its group
  // may read; else copied), with its predictions (checked and stored
  // as a compact JSON array), synced, and the group published atomically as add() does (all of
  // them queued, or none). Their types are the caller's to check (labelstudio::check_media_file).
  // UsageError for a name the spool cannot keep (empty, a leading '.'), InvalidUtf8 for a name
  // that is not UTF-8, EmptyInput for an empty file, TaskFileInvalid / EmptyInput /
  // ValidationFailed for a predictions file that is not a JSON array (or object, or NDJSON) of
  // objects within `predictions_budget` bytes, storage errors naming the path (NoSpace "disk
  // full: <path>"); the queue is unchanged by any of them.
  [[nodiscard]] Result<SpoolAddResult> add_media(
      Span<const MediaFile> files, uint64_t predictions_budget = LSEDGE_IMPORT_BATCH_BUDGET);
  // The upload of a media entry with predictions created task `task_id`: recorded durably in
  // the entry (next() returns it with task_id set, so only the predictions are sent again), and
  // the sending mark goes (the upload's outcome is known).
  [[nodiscard]] Outcome mark_task_created(const SpoolEntry& entry, int64_t task_id);

  // The spool's size cap (DIR/max-bytes): an add that would take the queued bytes past it is
  // refused with SpoolFull and queues nothing; 0 removes the cap. Nothing queued is ever dropped
  // for it. Written atomically (tmp/, rename, fsync); read by every producer and `status`.
  // Concurrent adds each check against what is queued when they start, so the cap can be
  // passed by what they add at the same moment.
  [[nodiscard]] Outcome set_max_bytes(uint64_t max_bytes);
  // The cap; 0 when there is none. A damaged cap file is FileError naming it (an add then
  // refuses rather than guess).
  [[nodiscard]] Result<uint64_t> max_bytes();

  // The oldest entry, or false when the queue is empty. Removes groups left empty.
  [[nodiscard]] Result<bool> next(SpoolEntry& entry);
  // Durably records that a request for `entry` may be in flight; call it BEFORE sending.
  // For an outcome-unknown entry it logs that a possible duplicate is being sent.
  [[nodiscard]] Outcome mark_sending(const SpoolEntry& entry);
  // The server stored the entry (201): removes it durably.
  [[nodiscard]] Outcome confirm(const SpoolEntry& entry);
  // The server refused the entry (4xx other than 401/429): moves it to rejected/ with
  // `server_message` beside it, durably. Never deletes it.
  [[nodiscard]] Outcome reject(const SpoolEntry& entry, std::string_view server_message);
  // The request failed with a KNOWN outcome (not sent, or answered 5xx/429): clears the mark so a
  // later resend is not counted as a duplicate. For an outcome-unknown entry the mark stays.
  // After an UNKNOWN outcome (connection lost after sending) call nothing: the mark stays and
  // next() returns the entry again with outcome_unknown set.
  [[nodiscard]] Outcome release(const SpoolEntry& entry);
  // Replaces `entry` by the plan's parts, in its place in the queue (before the group's later
  // entries), and moves each rejected task to rejected/ alone (`[task]`) with its reason.
  // Atomic across crashes: either the entry or all of its parts are queued, never both, never
  // neither, and the rejected tasks are in rejected/ exactly when the parts are queued (after a
  // crash, open() of the consumer finishes or undoes it). A part may be split again, down to
  // single tasks. The entry's outcome-unknown mark does not carry to the parts (the server
  // answered). InvalidArgument (nothing changed) when the plan puts every task in one part, has
  // 0 or more than 8 parts, breaks the tasks' order, or the entry has an import id; TaskFileInvalid
  // when the entry's file does not hold the tasks its name says.
  [[nodiscard]] Outcome split(const SpoolEntry& entry, const SplitPlan& plan);
  // The server queued the entry's import as `import_id` (> 0): recorded durably (next() returns
  // it with import_id set) so that after a restart it is polled, not sent again; confirm() and
  // reject() remove the record. The request's outcome is known, so the sending mark goes, unless
  // the entry was already outcome-unknown (an earlier request may have been imported too).
  // FileNotFound if the entry is no longer queued.
  [[nodiscard]] Outcome mark_imported(const SpoolEntry& entry, int64_t import_id);

  // Coalescing (issue #13, docs/spool.md "One request for many entries") ----------------------
  // next(), then the task entries right after it in queue order that can share its request,
  // up to `max_entries` and a body of `budget_bytes`: entries with no state (a request for
  // none is out), or, when the head is outcome-unknown or imported as part of an earlier
  // batch, the rest of that batch (no budget: they were one request before). A media entry, a
  // corrupt one, one in another state, or a group with anything but entries ends the batch. The
  // queue is not changed (next() returns the same head until it is gone). False: queue empty.
  [[nodiscard]] Result<bool> next_batch(SpoolBatch& batch, uint64_t budget_bytes,
                                        uint32_t max_entries);
  // The batch versions of the calls below: for count == 1 exactly the single-entry call. The
  // in-flight record names the batch as a range (its first and last entry), so a crash leaves
  // every member outcome-unknown or, after mark_imported, polled: never resent uncounted.
  [[nodiscard]] Outcome mark_sending(const SpoolBatch& batch);
  // Removes every member durably (each group synced, emptied groups removed), then the record.
  [[nodiscard]] Outcome confirm(const SpoolBatch& batch);
  [[nodiscard]] Outcome release(const SpoolBatch& batch);
  [[nodiscard]] Outcome mark_imported(const SpoolBatch& batch, int64_t import_id);
  // Every member to rejected/ with the same message (a queued import that failed).
  [[nodiscard]] Outcome reject(const SpoolBatch& batch, std::string_view server_message);
  // Member `index` of `batch` as an entry (for reports). InvalidArgument past the end.
  [[nodiscard]] Outcome member_entry(const SpoolBatch& batch, uint32_t index, SpoolEntry& entry);

  // SPOOLSAFE: the in-flight record and the entry check (issue #11) -------------------------
  // Whether a request for the entry `name` ("<STEM>.json") of `group` may have reached the
  // server (outcome unknown): the consumer's in-flight record names it, or an old release's
  // `.sending` marker is beside it. For next(), on the entry it returns.
  [[nodiscard]] Result<bool> is_in_flight(std::string_view group, std::string_view name);
  // Checks the entry's file before it is sent (one pass of the task-file scanner): true if it is
  // corrupt (0 bytes, not a JSON array of task objects, or not the number of tasks its name says;
  // only damage makes one) and is now in rejected/ with a reason naming what is wrong and at
  // which byte; false if it is fit to send. For next(), once per entry it returns.
  [[nodiscard]] Result<bool> reject_if_corrupt(const SpoolEntry& entry);
  // SPOOLSAFE: end ----------------------------------------------------------------------------

  // Counts by listing the directories (so adds by other processes are included).
  // `with_bytes`: queued_bytes too, at a stat per entry (status and the size cap; not `run`'s
  // start-up, which a large backlog would slow).
  [[nodiscard]] Result<SpoolCounts> counts(bool with_bytes = false);

  // rejected/ (issue #13): every entry the server refused (a whole entry, or one task of one),
  // oldest first. Needs no lock: `run` may be rejecting more meanwhile.
  [[nodiscard]] Outcome list_rejected(RejectedVisitor& visitor);
  // Moves the named rejected entries (every one, oldest first, when `names` is empty) back to the
  // end of the queue as a new group, in that order, and removes their reason files. Each entry is
  // renamed: at any moment, crash or not, it is in rejected/ or in the queue, never both and
  // never neither. Works beside a running `run` and concurrent adds. UsageError (nothing moved)
  // when a name is not a file lsedge put in rejected/.
  [[nodiscard]] Result<RequeueResult> requeue_rejected(Span<const std::string_view> names);
  // When the oldest queued entry was written (the wall clock's Unix seconds, from the file's
  // modification time); 0 when the queue is empty. For `lsedge status`: reads only.
  [[nodiscard]] Result<int64_t> oldest_entry_unix();
  // Whether DIR holds the marker (a spool is there), for a reader that must not make one.
  [[nodiscard]] static Result<bool> is_spool(hal::Storage& storage, std::string_view directory);
  [[nodiscard]] std::string_view directory() const { return dir_.view(); }

 private:
  using Path = FixedString<LSEDGE_PATH_CAPACITY>;
  using Name = FixedString<kSpoolNameCapacity>;
  enum class GroupVisit : uint8_t;
  [[nodiscard]] Outcome require_open() const;
  // open(): the directory name, the layout on disk, and the consumer's start-up report.
  [[nodiscard]] Outcome set_directory(std::string_view directory);
  [[nodiscard]] Outcome make_layout();
  [[nodiscard]] Outcome report_queue();
  [[nodiscard]] Outcome collect_garbage();
  // One entry of tmp/ (`path`): a claim, a staging directory or an earlier cleanup's garbage.
  // True if removed; false if it is not a name lsedge makes there (left alone, reported).
  [[nodiscard]] Result<bool> remove_leftover(std::string_view tmp, const hal::DirectoryEntry& entry,
                                             std::string_view path);
  [[nodiscard]] Outcome remove_tree(std::string_view path, int depth);
  [[nodiscard]] Outcome claim_staging(Path& claim, Path& staging);
  // Creates the claim file, then the staging directory; false if the claim's name is taken.
  [[nodiscard]] Result<bool> claim_as(std::string_view claim, std::string_view staging);
  void discard_staging(std::string_view claim, std::string_view staging);
  [[nodiscard]] Outcome write_entries(std::string_view task_file, hal::FileHandle file,
                                      std::string_view staging, uint64_t budget_bytes,
                                      SpoolAddResult& result);
  [[nodiscard]] Outcome write_entry(std::string_view task_file, hal::FileHandle file,
                                    std::string_view staging, const taskfile::TaskBatch& batch);
  // add(), add_media(): SpoolFull when queuing `adding` more bytes would pass the cap.
  [[nodiscard]] Outcome check_room(uint64_t adding);
  // add_media(): one file into staging/<BATCH>-1.media/<NAME>, synced; its size.
  [[nodiscard]] Result<uint64_t> write_media_entry(const MediaFile& media, std::string_view staging,
                                                   uint64_t index, uint64_t predictions_budget);
  // The predictions file as one compact array at `to`, synced.
  [[nodiscard]] Outcome write_predictions(std::string_view from, std::string_view to,
                                          uint64_t budget);
  [[nodiscard]] Result<uint64_t> copy_file(std::string_view from, std::string_view to);
  // The media file at `to`: a hard link when the spool's readers can read the file as it is,
  // else a copy; synced either way. Its size.
  [[nodiscard]] Result<uint64_t> place_media(std::string_view from, std::string_view to);
  [[nodiscard]] bool may_link(std::string_view from);
  // After an add filled its staging directory (`filled`): synced and published as the next
  // group (its SEQ), or discarded with the claim.
  [[nodiscard]] Result<uint64_t> publish_staged(std::string_view claim, std::string_view staging,
                                                Outcome filled);
  // confirm() of a task entry: its file removed durably, then the record cleared.
  [[nodiscard]] Outcome confirm_file(const SpoolEntry& entry, std::string_view group_path);
  // confirm() of a media entry: its directory leaves the queue in one rename (to tmp/), then
  // is removed.
  [[nodiscard]] Outcome confirm_media(const SpoolEntry& entry, std::string_view group_path);
  // fill_entry(): the media file in a media entry's directory, its predictions and task id.
  [[nodiscard]] Outcome find_media_file(SpoolEntry& entry);
  [[nodiscard]] Outcome read_task_id(SpoolEntry& entry);
  [[nodiscard]] Outcome check_media_entry(const SpoolEntry& entry, Error& corrupt);
  [[nodiscard]] Result<uint64_t> copy_entry_body(taskfile::BatchBodyReader& body,
                                                 hal::FileHandle out, std::string_view task_file,
                                                 std::string_view path);
  [[nodiscard]] Result<uint64_t> publish(std::string_view staging);
  // Renames `staging` to queue/<sequence> durably; false if another add took that number first.
  [[nodiscard]] Result<bool> publish_as(std::string_view staging, std::string_view queue,
                                        uint64_t sequence);
  [[nodiscard]] Result<uint64_t> highest_sequence();
  // split(): refuses an imported entry; finishes or undoes a split this process left.
  [[nodiscard]] Outcome check_splittable(const SpoolEntry& entry, std::string_view group_path,
                                         std::string_view split_name);
  // The parts and rejected tasks staged in `staging`, synced, then the commit.
  struct SplitCounts {
    uint32_t parts = 0;
    uint64_t rejected = 0;
  };
  [[nodiscard]] Outcome stage_split(const SpoolEntry& entry, const SplitPlan& plan,
                                    std::string_view staging, SplitCounts& made);
  void discard_split(std::string_view group, std::string_view split_name);
  // Moves a committed split's files to their places and removes its staging directory.
  [[nodiscard]] Outcome finish_split(std::string_view group, std::string_view split_name);
  [[nodiscard]] Outcome move_split_files(std::string_view group, std::string_view group_path,
                                         std::string_view staging, std::string_view rejected,
                                         bool reasons_and_parts);
  // Finishes (committed) or undoes (not committed) the split staged in group/split_name.
  [[nodiscard]] Outcome recover_split(std::string_view group, std::string_view split_name);
  [[nodiscard]] Outcome recover_group_splits(std::string_view group, std::string_view group_path);
  [[nodiscard]] Outcome recover_splits();
  // fill_entry(): import_id (and the outcome it replaces) from the entry's import record.
  [[nodiscard]] Outcome read_import_record(SpoolEntry& entry);

  // requeue_rejected() (spool_rejected.cpp): a new, empty group published in queue/; the next
  // rejected entry after `after` in name order (empty: none left); one entry moved.
  struct Requeue;
  [[nodiscard]] Result<uint64_t> publish_empty_group(Path& group_path);
  [[nodiscard]] Outcome check_rejected_name(std::string_view name);
  using ListedName = FixedString<kListedNameCapacity>;
  [[nodiscard]] Result<uint32_t> next_rejected(std::string_view after, ListedName* window);
  [[nodiscard]] Outcome visit_rejected(std::string_view rejected, std::string_view name,
                                       RejectedVisitor& visitor);
  [[nodiscard]] Outcome requeue_group(Requeue& into);
  [[nodiscard]] Result<bool> move_rejected(std::string_view from, uint64_t tasks, Requeue& into);
  [[nodiscard]] Outcome requeue_one(std::string_view name, uint64_t tasks, Requeue& into);
  [[nodiscard]] Outcome requeue_all(Requeue& into);
  [[nodiscard]] Outcome finish_requeue(const Requeue& into);
  // oldest_entry_unix() (spool_status.cpp): one group's first entry's time, if it has one.
  [[nodiscard]] Result<std::optional<int64_t>> first_entry_unix(std::string_view group_path);

  // SPOOLSAFE: moving an entry to rejected/ and the entry check (spool.cpp) ------------------
  // Moves `entry` to rejected/ with `reason` beside it; `why` words the log line.
  [[nodiscard]] Outcome move_to_rejected(const SpoolEntry& entry, std::string_view reason,
                                         const char* why);
  // What check_entry_file() saw of a sound task entry, for next_batch(): its size, and whether
  // its file is exactly "[...]" (so its tasks can be joined with other entries').
  struct EntryShape {
    uint64_t bytes = 0;
    bool bracketed = false;
  };
  // The reason an entry file is corrupt, or empty when it is fit to send; `shape`, if given,
  // from the same open file.
  [[nodiscard]] Outcome check_entry_file(const SpoolEntry& entry, Error& corrupt,
                                         EntryShape* shape = nullptr);
  // SPOOLSAFE: end ----------------------------------------------------------------------------

  // SPOOLSCALE: add()'s sequence counter, next()'s windows (docs/spool.md, "Large backlogs") ---
  struct GroupListing;
  using WindowName = FixedString<kEntryWindowNameCapacity>;
  // DIR/sequence, locked across the read, the publishing rename and the write.
  [[nodiscard]] Result<hal::FileHandle> lock_sequence(std::string_view path);
  [[nodiscard]] Result<uint64_t> read_sequence(hal::FileHandle counter);
  [[nodiscard]] Outcome write_sequence(hal::FileHandle counter, std::string_view path,
                                       uint64_t sequence);
  void reset_windows();
  // Forgets the serving group's entry window: split() put parts where it had none.
  void forget_entries();
  // next(): the group window's next group with an entry; false when there is none.
  [[nodiscard]] Result<bool> next_group(std::string_view queue, SpoolEntry& entry);
  // One listing of queue/: the smallest SEQs above groups_floor_.
  [[nodiscard]] Outcome refill_groups(std::string_view queue);
  // The next entry of `group` (its window, refilled by one listing when it runs out), or what
  // became of a group without entries.
  [[nodiscard]] Result<GroupVisit> visit_group(std::string_view queue, std::string_view group,
                                               uint64_t sequence, SpoolEntry& entry);
  [[nodiscard]] Result<GroupVisit> serve_group(std::string_view queue, std::string_view group,
                                               uint64_t sequence, bool may_be_refilled,
                                               SpoolEntry& entry);
  [[nodiscard]] Outcome refill_entries(std::string_view group, std::string_view group_path,
                                       GroupListing& listing);
  [[nodiscard]] Outcome list_group(std::string_view group_path, GroupListing& listing);
  // The window's first entry, if it is still queued and not corrupt (else it is passed).
  [[nodiscard]] Result<bool> serve_head(std::string_view group, uint64_t sequence,
                                        std::string_view group_path, SpoolEntry& entry);
  void pass_head();
  // `entry` for the entry `name` of a group, with its outcome-unknown mark.
  [[nodiscard]] Outcome fill_entry(std::string_view group, uint64_t sequence,
                                   std::string_view group_path, std::string_view name,
                                   SpoolEntry& entry);
  [[nodiscard]] Result<GroupVisit> remove_empty_group(std::string_view queue,
                                                      std::string_view group_path,
                                                      bool may_be_refilled);
  // Logs a file the spool did not write, once per process (by a hash of its path).
  void report_foreign(std::string_view directory, std::string_view name);

  // The LSEDGE_SPOOL_WINDOW smallest SEQs above groups_floor_ at the last listing of queue/,
  // ascending; [group_head_, group_count_) not visited yet. Adds take higher SEQs than any
  // before, so a group published after that listing sorts after all of them.
  uint64_t groups_[LSEDGE_SPOOL_WINDOW] = {};
  uint32_t group_count_ = 0;
  uint32_t group_head_ = 0;
  uint64_t groups_floor_ = 0;  // the last group taken from the window
  // The serving group's LSEDGE_SPOOL_ENTRY_WINDOW smallest entry names above entries_floor_.
  WindowName entries_[LSEDGE_SPOOL_ENTRY_WINDOW];
  uint32_t entry_count_ = 0;
  uint32_t entry_head_ = 0;
  WindowName entries_floor_;   // the last entry passed (confirmed, rejected); empty: none
  bool head_checked_ = false;  // reject_if_corrupt() passed entries_[entry_head_]
  uint64_t reported_[kForeignReports] = {};  // hashes of the foreign paths logged
  uint32_t reported_count_ = 0;
  bool reported_overflow_ = false;
  // SPOOLSCALE: end -------------------------------------------------------------------------

  hal::Storage& storage_;
  hal::Entropy& entropy_;
  Logger log_;
  Path dir_;
  bool open_ = false;
  // The group next() serves; kBetweenGroups between two; empty (open()): windows to rebuild.
  Name serving_;
  uint64_t possible_duplicates_ = 0;
  uint64_t linked_ = 0;  // add_media(): files hard-linked so far
  uint8_t scan_chunk_[LSEDGE_FILE_CHUNK_BYTES] = {};
  uint8_t body_chunk_[LSEDGE_FILE_CHUNK_BYTES] = {};
  uint8_t write_chunk_[LSEDGE_FILE_CHUNK_BYTES] = {};

  // SPOOLSAFE: the spool marker, the consumer's lock and its in-flight record (spool.cpp,
  // spool_record.cpp) ---------------------------------------------------------------------------
  // The consumer's in-flight record: the one entry a request may be out for, or whose import
  // the server queued. Kept in DIR/consumer.lock, whose bytes exist from the spool's creation.
  struct InFlight {
    enum class State : uint8_t { None, Sending, Imported };
    State state = State::None;
    uint64_t counter = 0;  // of the two slots, the one with the higher counter is current
    int64_t import_id = 0;
    bool after_unknown = false;  // the request resent an outcome-unknown entry
    Name group;
    Name name;
    // A batch (issue #13): the record covers every entry from group/name to last_group/last_name
    // in queue order. Empty: the one entry group/name.
    Name last_group;
    Name last_name;
    [[nodiscard]] bool is_range() const { return !last_group.empty(); }
    [[nodiscard]] bool covers(std::string_view entry_group, std::string_view entry_name) const;
    // The record's last entry is at or before `entry_group`/`entry_name`: nothing it covers
    // comes after that entry.
    [[nodiscard]] bool ends_by(std::string_view entry_group, std::string_view entry_name) const;
  };
  // open(): what is at DIR (made for a Producer), then its marker (or makes one).
  [[nodiscard]] Outcome prepare_directory(Role role);
  [[nodiscard]] Outcome check_contents(bool created);
  [[nodiscard]] Outcome check_marker(std::string_view marker);
  [[nodiscard]] Outcome write_marker();
  [[nodiscard]] Outcome make_lock_file();
  [[nodiscard]] Outcome take_lock();
  // tmp/ cleanup: removes a staging directory holding only entry files; false (nothing
  // removed) if it holds anything else.
  [[nodiscard]] Result<bool> remove_staging_dir(std::string_view path);
  [[nodiscard]] Outcome remove_staged_entries(std::string_view path);
  [[nodiscard]] Outcome require_consumer() const;
  [[nodiscard]] Outcome load_record();
  // Writes `record` to the slot not holding the current one (a torn write leaves the current).
  [[nodiscard]] Outcome write_record(const InFlight& record, bool durable);
  [[nodiscard]] Outcome record_entry(InFlight::State state, const SpoolEntry& entry,
                                     int64_t import_id);
  // After `entry` left the queue or got a known outcome: the record no longer names it.
  [[nodiscard]] Outcome clear_record_of(const SpoolEntry& entry, bool durable);
  // Before the record names another entry: the state of the still-queued entry it names goes to
  // an old release's note beside it (needs an inode; only when FIFO was broken, see the doc).
  [[nodiscard]] Outcome displace_record();
  // counts(): the queued entries the record makes outcome-unknown (that have no old marker).
  [[nodiscard]] Result<uint64_t> unknown_in_record();
  // `record` (one entry, or a range) written durably, keeping what the current record still
  // covers after it.
  [[nodiscard]] Outcome record_range(InFlight record);
  // The record as a range (first .. last member of `batch`), written durably.
  [[nodiscard]] Outcome record_batch(InFlight::State state, const SpoolBatch& batch,
                                     int64_t import_id);
  // Calls visit(group, name, path) for each queued entry the record covers after `after_group`/
  // `after_name` (empty: from its first), in queue order.
  template <class Visit>
  [[nodiscard]] Outcome walk_record(std::string_view after_group, std::string_view after_name,
                                    Visit&& visit);
  // Before the record stops covering the queued entries after `group`/`name` (empty: all of
  // them): their state goes to an earlier release's notes beside them (as displace_record()).
  [[nodiscard]] Outcome displace_after(std::string_view group, std::string_view name);
  // One still-queued entry's state from the record, as an earlier release's note beside it.
  [[nodiscard]] Outcome displace_entry(std::string_view group, std::string_view name);
  // next_batch(): whether the head starts a batch, and whether `entry` may follow it; the
  // entry file's size in `bytes` either way.
  [[nodiscard]] Result<bool> may_lead(const SpoolEntry& head, uint64_t& bytes);
  [[nodiscard]] Result<bool> may_join(const SpoolBatch& batch, const SpoolEntry& entry,
                                      uint64_t budget_bytes, uint64_t& bytes);
  [[nodiscard]] Result<bool> bracketed(std::string_view path, uint64_t& bytes);
  [[nodiscard]] Result<bool> has_brackets(hal::FileHandle file, uint64_t bytes);
  [[nodiscard]] Result<uint64_t> entry_size(std::string_view path);
  // confirm(): the groups of the removed members removed if empty (then queue/ synced) or synced.
  [[nodiscard]] Outcome sync_member_groups(const SpoolBatch& batch);
  [[nodiscard]] Outcome add_member(SpoolBatch& batch, const SpoolEntry& entry, uint64_t bytes);
  // Gathers the entries of group `sequence` after `after` (empty: from its start); false when
  // the batch ended there.
  [[nodiscard]] Result<bool> gather_group(SpoolBatch& batch, uint64_t sequence,
                                          std::string_view after, uint64_t budget_bytes,
                                          uint32_t max_entries);
  [[nodiscard]] Outcome gather(SpoolBatch& batch, uint64_t budget_bytes, uint32_t max_entries);
  // Names listed in a group, in order, while they join; false when the batch ended there.
  [[nodiscard]] Result<bool> gather_listed(SpoolBatch& batch, std::string_view group,
                                           uint64_t sequence, std::string_view group_path,
                                           Span<const ListedName> names, uint64_t budget_bytes,
                                           uint32_t max_entries);
  // One listed name of a group: joined to the batch, or false (the batch ends before it).
  [[nodiscard]] Result<bool> gather_entry(SpoolBatch& batch, std::string_view group,
                                          uint64_t sequence, std::string_view group_path,
                                          std::string_view name, uint64_t budget_bytes);
  // walk_record(): one group's covered entries.
  template <class Visit>
  [[nodiscard]] Outcome walk_record_group(std::string_view queue, std::string_view group,
                                          std::string_view after_group, std::string_view after_name,
                                          Visit& visit);
  // visit(group, name, path) when the record covers the entry and it comes after the bound.
  template <class Visit>
  [[nodiscard]] Outcome visit_if_covered(std::string_view group_path, std::string_view group,
                                         std::string_view name, std::string_view after_group,
                                         std::string_view after_name, Visit& visit);
  // finish_split(): the record no longer names the entry split in group/split_name.
  [[nodiscard]] Outcome clear_record_of_split(std::string_view group, std::string_view split_name);
  // open() of the consumer: the lock, the record, tmp/, interrupted splits, the report.
  [[nodiscard]] Outcome open_consumer();
  hal::FileHandle lock_;
  InFlight record_;
  size_t record_slot_ = 0;  // the slot record_ was read from or written to
  // SPOOLSAFE: end ----------------------------------------------------------------------------
};

// A spool entry as a request body: the entry file's bytes.
// Thread-safety: one thread at a time; closes its file when destroyed.
class SpoolEntryBody final : public BodySource {
 public:
  explicit SpoolEntryBody(hal::Storage& storage) : storage_(storage) {}
  ~SpoolEntryBody() { close(); }
  SpoolEntryBody(const SpoolEntryBody&) = delete;
  SpoolEntryBody& operator=(const SpoolEntryBody&) = delete;

  [[nodiscard]] Outcome open(const SpoolEntry& entry);
  // Up to out.size() next bytes; 0 at the end. An empty `out` is InvalidArgument.
  [[nodiscard]] Result<size_t> read(ByteSpan out) override;
  [[nodiscard]] Outcome rewind() override;
  [[nodiscard]] uint64_t size() const override { return size_; }
  void close();

 private:
  hal::Storage& storage_;
  hal::FileHandle file_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;
};

// A batch as a request body: "[", each member's file without its outer brackets, joined by ",",
// "]" (next_batch() checked that each file is "[...]"). Its size is known from open().
// Thread-safety: one thread at a time; closes its file when destroyed.
class SpoolBatchBody final : public BodySource {
 public:
  SpoolBatchBody(hal::Storage& storage, std::string_view spool_directory)
      : storage_(storage), directory_(spool_directory) {}
  ~SpoolBatchBody() { close(); }
  SpoolBatchBody(const SpoolBatchBody&) = delete;
  SpoolBatchBody& operator=(const SpoolBatchBody&) = delete;

  // `batch` must outlive the reads.
  [[nodiscard]] Outcome open(const SpoolBatch& batch);
  [[nodiscard]] Result<size_t> read(ByteSpan out) override;
  [[nodiscard]] Outcome rewind() override;
  [[nodiscard]] uint64_t size() const override { return size_; }
  void close();

 private:
  // The "[" first, or the "," after a member (the next one opened) or the final "]".
  [[nodiscard]] Result<uint8_t> punctuation();
  // Opens member `index_`'s file at the byte after its "[".
  [[nodiscard]] Outcome open_member();
  // Up to out.size() bytes of the current member's tasks (0 at their end).
  [[nodiscard]] Result<size_t> read_member(ByteSpan out);

  hal::Storage& storage_;
  std::string_view directory_;
  const SpoolBatch* batch_ = nullptr;
  hal::FileHandle file_;
  uint64_t size_ = 0;
  uint64_t position_ = 0;   // in the body
  uint32_t index_ = 0;      // the member being read
  uint64_t offset_ = 0;     // in its file
  bool separator_ = false;  // the "," (or the closing "]") before the next member is due
};

// A media entry's predictions as the body of labelstudio::import_predictions(): the stored array
// with "task":<task_id> first in each prediction. Its size is exact from open() on (one pass
// over the file). Thread-safety: one thread at a time; closes its file when destroyed.
class PredictionsBody final : public BodySource {
 public:
  explicit PredictionsBody(hal::Storage& storage) : storage_(storage) {}
  ~PredictionsBody() { close(); }
  PredictionsBody(const PredictionsBody&) = delete;
  PredictionsBody& operator=(const PredictionsBody&) = delete;

  // InvalidArgument without predictions or task id; TaskFileInvalid when the stored file is not
  // the array add_media() wrote; storage errors naming the file.
  [[nodiscard]] Outcome open(const SpoolEntry& entry);
  [[nodiscard]] Result<size_t> read(ByteSpan out) override;
  [[nodiscard]] Outcome rewind() override;
  [[nodiscard]] uint64_t size() const override { return size_; }
  [[nodiscard]] uint64_t predictions() const { return count_; }
  void close();

 private:
  // One byte of the stored file: what it becomes in the body, into pending_.
  [[nodiscard]] Outcome transform(uint8_t byte);
  // The next byte of the stored file; false at its end.
  [[nodiscard]] Result<bool> next_byte(uint8_t& byte);
  void restart();

  hal::Storage& storage_;
  hal::FileHandle file_;
  FixedString<LSEDGE_PATH_CAPACITY> path_;
  FixedString<32> task_member_;  // "\"task\":<id>"
  uint64_t size_ = 0;
  uint64_t count_ = 0;
  uint64_t read_offset_ = 0;  // in the stored file
  std::optional<taskfile::TaskScanner> scanner_;
  uint64_t seen_ = 0;         // predictions passed so far
  bool ended_ = false;        // the stored file's end was read
  bool inside_ = false;       // in a prediction
  bool after_brace_ = false;  // right after a prediction's '{': a ',' comes before a member
  uint8_t pending_[40] = {};
  size_t pending_size_ = 0;
  size_t pending_at_ = 0;
  uint8_t chunk_[256] = {};
  size_t chunk_size_ = 0;
  size_t chunk_at_ = 0;
};

}  // namespace lsedge::spool
