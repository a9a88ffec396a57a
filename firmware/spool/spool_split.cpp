#include "firmware/spool/spool.h"

#include <optional>

#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers
using taskfile::TaskElement;

// --- split() -----------------------------------------------------------------------------------

namespace {

// How split() divides an entry, checked before anything is written.
struct SplitLayout {
  struct Part {
    uint64_t first = 0;  // 0-based index, in the entry, of its first task
    uint64_t tasks = 0;  // 0: an empty part, left out
  };
  uint64_t batch = 0;
  uint64_t first = 0;  // the entry's own FIRST (0 for an entry as added)
  uint64_t tasks = 0;
  Part parts[kMaxSplitParts];
  uint32_t part_count = 0;
  uint64_t rejected = 0;
};

Outcome layout_split(std::string_view name, uint64_t file_size, const SplitPlan& plan,
                     SplitLayout& layout) {
  EntryName parsed;
  if (!parse_entry(name, parsed)) {
    return plan_error("split: not the name of a spool entry");
  }
  // "[t1,...,tN]" with each task at least "{}": a name claiming more tasks is not this file.
  if (file_size < 4 || parsed.tasks > (file_size - 1) / 3) {
    return Error(Status::TaskFileInvalid, "spool entry holds fewer tasks than its name says");
  }
  if (parsed.first + parsed.tasks > kFirstLimit) {
    return plan_error("split: the entry has too many tasks to name its parts");
  }
  layout.batch = parsed.batch;
  layout.first = parsed.first;
  layout.tasks = parsed.tasks;
  layout.part_count = plan.part_count();
  if (layout.part_count == 0 || layout.part_count > kMaxSplitParts) {
    return plan_error("split: a plan has 1 to 8 parts");
  }
  uint32_t last = 0;
  for (uint64_t index = 0; index < layout.tasks; ++index) {
    const uint32_t part = plan.part_of(index);
    if (part == SplitPlan::kRejectTask) {
      ++layout.rejected;
      continue;
    }
    // Parts keep the tasks' order, so their FIRSTs order them (docs/spool.md).
    if (part >= layout.part_count || part < last) {
      return plan_error("split: a task's part is out of range or out of the tasks' order");
    }
    SplitLayout::Part& into = layout.parts[part];
    into.first = into.tasks == 0 ? index : into.first;
    ++into.tasks;
    last = part;
  }
  if (layout.rejected == 0 && layout.parts[last].tasks == layout.tasks) {
    return plan_error("split: the plan puts every task in one part, which changes nothing");
  }
  return {};
}

// "<SEQ>-<STEM>.item<K><suffix>": task K (0-based, as sent) of the entry <STEM>, rejected alone.
Outcome rejected_item_path(Path& out, std::string_view directory, std::string_view group,
                           std::string_view stem, uint64_t index, std::string_view suffix) {
  LSEDGE_TRY(join(out, directory, group));
  if (out.append('-') != Status::Ok || out.append(stem) != Status::Ok ||
      out.append(kItemInfix) != Status::Ok || out.append_uint(index) != Status::Ok ||
      out.append(suffix) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

// What a file in a split's staging directory is.
enum class SplitFile : uint8_t {
  Part,          // "<BATCH>.<FIRST>-<TASKS>.json", goes to the group
  Reason,        // "<SEQ>-<STEM>.item<K>.reason.txt", goes to rejected/ ...
  RejectedTask,  // "<SEQ>-<STEM>.item<K>.json", ... after its reason
  Other,         // the original, or garbage
};

SplitFile split_file_kind(std::string_view name, std::string_view group) {
  EntryName parsed;
  if (parse_entry(name, parsed)) {
    return SplitFile::Part;
  }
  if (name.size() <= group.size() + 1 || name.substr(0, group.size()) != group ||
      name[group.size()] != '-') {
    return SplitFile::Other;
  }
  if (ends_with(name, kReasonSuffix)) {
    return SplitFile::Reason;
  }
  return ends_with(name, kEntrySuffix) ? SplitFile::RejectedTask : SplitFile::Other;
}

// Where a file of a split's staging directory goes in one of finish_split()'s two passes (the
// parts and reasons, then the rejected tasks); empty: it stays (the original, or garbage removed
// with the directory).
std::string_view split_file_target(SplitFile kind, bool reasons_and_parts,
                                   std::string_view group_path, std::string_view rejected) {
  switch (kind) {
    case SplitFile::Part:
      return reasons_and_parts ? group_path : std::string_view();
    case SplitFile::Reason:
      return reasons_and_parts ? rejected : std::string_view();
    case SplitFile::RejectedTask:
      return reasons_and_parts ? std::string_view() : rejected;
    case SplitFile::Other:
      break;
  }
  return {};
}

Outcome move_file(hal::Storage& storage, std::string_view from_directory, std::string_view name,
                  std::string_view to_directory) {
  Path from;
  Path to;
  LSEDGE_TRY(join(from, from_directory, name));
  LSEDGE_TRY(join(to, to_directory, name));
  return storage.rename(from.view(), to.view());
}

// "<STEM>.split" for the entry `name`.
Outcome split_name_of(std::string_view name, Name& split_name) {
  split_name.clear();
  if (split_name.append(stem_of(name)) != Status::Ok ||
      split_name.append(kSplitSuffix) != Status::Ok || !is_split_name(split_name.view())) {
    return plan_error("split: not the name of a spool entry");
  }
  return {};
}

// Where the split `split_name` of an entry of `group` works.
struct SplitPaths {
  Path group;     // DIR/queue/<SEQ>
  Path staging;   // DIR/queue/<SEQ>/<STEM>.split
  Path rejected;  // DIR/rejected
  Path entry;     // DIR/queue/<SEQ>/<STEM>.json, the entry split
};

Outcome split_paths(std::string_view dir, std::string_view group, std::string_view split_name,
                    SplitPaths& out) {
  LSEDGE_TRY(join(out.group, dir, kQueue, group));
  LSEDGE_TRY(join(out.staging, out.group.view(), split_name));
  LSEDGE_TRY(join(out.rejected, dir, kRejected));
  return join(out.entry, out.group.view(),
              split_name.substr(0, split_name.size() - kSplitSuffix.size()), {}, kEntrySuffix);
}

// A split is committed once its entry left the group for the staging directory (as
// kSplitOriginal). Either side of that rename shows it, so it counts even if a power loss kept
// only one side (see docs/spool.md).
Result<bool> split_committed(hal::Storage& storage, const SplitPaths& paths) {
  Path original;
  LSEDGE_TRY(join(original, paths.staging.view(), kSplitOriginal));
  LSEDGE_TRY_ASSIGN(const bool moved, storage.exists(original.view()));
  if (moved) {
    return true;
  }
  LSEDGE_TRY_ASSIGN(const bool queued, storage.exists(paths.entry.view()));
  return !queued;
}

// Writes a split's parts and rejected tasks into its staging directory, each file synced, in one
// pass over the entry's tasks (the plan keeps the tasks' order, so one part is open at a time).
// Thread-safety: one thread at a time.
class SplitStager {
 public:
  SplitStager(hal::Storage& storage, const SpoolEntry& entry, const SplitLayout& layout,
              std::string_view staging, hal::FileHandle source, ByteSpan chunk)
      : storage_(storage),
        entry_(entry),
        layout_(layout),
        staging_(staging),
        source_(source),
        chunk_(chunk) {}
  ~SplitStager() { close_out(); }
  SplitStager(const SplitStager&) = delete;
  SplitStager& operator=(const SplitStager&) = delete;

  // Task `index` of the entry, at `task` in its file.
  [[nodiscard]] Outcome task(const SplitPlan& plan, uint64_t index, const TaskElement& task) {
    const uint32_t part = plan.part_of(index);
    if (part == SplitPlan::kRejectTask) {
      return reject(plan, index, task);
    }
    if (part >= layout_.part_count || (open_ && part < part_)) {
      return plan_error("split: the plan changed while the entry was split");
    }
    if (!open_ || part != part_) {
      LSEDGE_TRY(close_part());
      LSEDGE_TRY(open_part(part));
    } else {
      LSEDGE_TRY(put(out_, ",", out_path_.view()));
    }
    ++written_;
    return copy(task, out_, out_path_.view());
  }
  // Closes the last part.
  [[nodiscard]] Outcome finish() { return close_part(); }

 private:
  [[nodiscard]] Outcome open_part(uint32_t part) {
    const SplitLayout::Part& planned = layout_.parts[part];
    Name name;
    if (append_padded(name, layout_.batch, kBatchDigits) != Status::Ok ||
        name.append('.') != Status::Ok ||
        append_padded(name, layout_.first + planned.first, kFirstDigits) != Status::Ok ||
        name.append('-') != Status::Ok || name.append_uint(planned.tasks) != Status::Ok ||
        name.append(kEntrySuffix) != Status::Ok) {
      return Error(Status::InvalidArgument, "spool entry name too long");
    }
    LSEDGE_TRY(join(out_path_, staging_, name.view()));
    LSEDGE_TRY_ASSIGN(out_, storage_.create_new(out_path_.view()));
    open_ = true;
    part_ = part;
    written_ = 0;
    return put(out_, "[", out_path_.view());
  }

  [[nodiscard]] Outcome close_part() {
    if (!open_) {
      return {};
    }
    if (written_ != layout_.parts[part_].tasks) {
      return plan_error("split: the plan changed while the entry was split");
    }
    LSEDGE_TRY(put(out_, "]", out_path_.view()));
    const Outcome synced = storage_.sync(out_);
    close_out();
    return synced.ok() ? synced : at_path(synced.error(), out_path_.view());
  }

  void close_out() {
    if (out_.valid()) {
      storage_.close(out_);
    }
    out_ = hal::FileHandle{};
    open_ = false;
  }

  // Task `index` alone as `[task]`, with the server's message beside it.
  [[nodiscard]] Outcome reject(const SplitPlan& plan, uint64_t index, const TaskElement& task) {
    const std::string_view stem = stem_of(entry_.name.view());
    Path path;
    LSEDGE_TRY(rejected_item_path(path, staging_, entry_.group.view(), stem, index, kReasonSuffix));
    LSEDGE_TRY(write_text_file(storage_, path.view(), reason_text(plan.reason(index))));
    LSEDGE_TRY(rejected_item_path(path, staging_, entry_.group.view(), stem, index, kEntrySuffix));
    // The part being written stays open: a rejected task between two of its tasks is fine.
    LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage_.create_new(path.view()));
    const hal::ScopedFile file(storage_, created);
    LSEDGE_TRY(put(file.get(), "[", path.view()));
    LSEDGE_TRY(copy(task, file.get(), path.view()));
    LSEDGE_TRY(put(file.get(), "]", path.view()));
    const Outcome synced = storage_.sync(file.get());
    return synced.ok() ? synced : at_path(synced.error(), path.view());
  }

  [[nodiscard]] Outcome put(hal::FileHandle out, std::string_view text, std::string_view path) {
    const Outcome appended = storage_.append(out, as_bytes(text));
    return appended.ok() ? appended : at_path(appended.error(), path);
  }

  // The task's bytes from the entry file to `out` (at `path`).
  [[nodiscard]] Outcome copy(const TaskElement& task, hal::FileHandle out, std::string_view path) {
    uint64_t at = task.offset;
    const uint64_t end = task.offset + task.length;
    while (at < end) {
      const uint64_t left = end - at;
      const size_t want = left < chunk_.size() ? static_cast<size_t>(left) : chunk_.size();
      Result<size_t> got = storage_.read_at(source_, at, chunk_.first(want));
      if (!got.ok()) {
        return at_path(got.error(), entry_.path.view());
      }
      if (*got == 0) {
        return Error(Status::FileError, "spool entry shorter than when it was scanned");
      }
      const Outcome appended = storage_.append(out, ConstByteSpan(chunk_.data(), *got));
      if (!appended.ok()) {
        return at_path(appended.error(), path);
      }
      at += *got;
    }
    return {};
  }

  hal::Storage& storage_;
  const SpoolEntry& entry_;
  const SplitLayout& layout_;
  std::string_view staging_;
  hal::FileHandle source_;
  ByteSpan chunk_;
  hal::FileHandle out_;
  Path out_path_;
  bool open_ = false;
  uint32_t part_ = 0;
  uint64_t written_ = 0;
};

// Stages every task of the entry (scanned by `file`) as the plan says.
Outcome stage_tasks(hal::Storage& storage, const SpoolEntry& entry, const SplitPlan& plan,
                    const SplitLayout& layout, std::string_view staging, hal::FileHandle file,
                    ByteSpan scan_chunk, ByteSpan copy_chunk) {
  // A second handle copies the tasks' bytes while the reader scans with its own.
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage.open_read(entry.path.view()));
  const hal::ScopedFile source(storage, opened);
  SplitStager stager(storage, entry, layout, staging, source.get(), copy_chunk);
  taskfile::TaskReader reader(storage, file, scan_chunk);
  taskfile::TaskElement task;
  uint64_t index = 0;
  for (;;) {
    Result<bool> more = reader.next(task);
    if (!more.ok()) {
      return at_path(more.error(), entry.path.view());
    }
    if (!*more || index == layout.tasks) {
      break;  // more tasks than the name says are refused below
    }
    LSEDGE_TRY(stager.task(plan, index, task));
    ++index;
  }
  if (index != layout.tasks || reader.summary().tasks != layout.tasks) {
    return Error(Status::TaskFileInvalid, "spool entry holds other tasks than its name says");
  }
  return stager.finish();
}

}  // namespace

Outcome Spool::split(const SpoolEntry& entry, const SplitPlan& plan) {
  LSEDGE_TRY(require_open());
  forget_entries();  // SPOOLSCALE: its parts sort before the entries next() has in its window
  Name split_name;
  SplitPaths paths;
  LSEDGE_TRY(split_name_of(entry.name.view(), split_name));
  LSEDGE_TRY(split_paths(dir_.view(), entry.group.view(), split_name.view(), paths));
  LSEDGE_TRY(check_splittable(entry, paths.group.view(), split_name.view()));
  SplitCounts made;
  const Outcome staged = stage_split(entry, plan, paths.staging.view(), made);
  if (!staged.ok()) {
    discard_split(entry.group.view(), split_name.view());
    if (staged.status() == Status::NoSpace) {
      // The parts need space the disk does not have. As a plan the spool cannot carry out, the
      // caller moves the entry to rejected/ whole (a rename: no space needed), so the queue moves
      // on instead of sending and refusing the same entry on every start.
      Error full(Status::InvalidArgument, "no disk space for its parts: ");
      full.detail.append_truncated(staged.error().detail.view());
      return full;
    }
    return staged;
  }
  // The commit is durable with the group directory (the staging directory's files already are).
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  LSEDGE_TRY(finish_split(entry.group.view(), split_name.view()));
  log_.info("split %s/%s (%llu tasks) into %u parts; %llu refused tasks moved to %s",
            entry.group.c_str(), entry.name.c_str(), static_cast<unsigned long long>(entry.tasks),
            made.parts, static_cast<unsigned long long>(made.rejected), paths.rejected.c_str());
  return {};
}

Outcome Spool::check_splittable(const SpoolEntry& entry, std::string_view group_path,
                                std::string_view split_name) {
  if (entry.import_id != 0) {
    return plan_error("split: an entry whose import the server queued is polled, never split");
  }
  if (entry.media) {
    return plan_error("split: a media entry is one file");
  }
  // Left by an earlier attempt that failed: finished if it had committed (then the entry is no
  // longer queued and opening it fails), else undone.
  Path path;
  LSEDGE_TRY(join(path, group_path, split_name));
  LSEDGE_TRY_ASSIGN(const bool leftover, storage_.exists(path.view()));
  if (leftover) {
    LSEDGE_TRY(recover_split(entry.group.view(), split_name));
  }
  LSEDGE_TRY(join(path, entry.path.view(), {}, {}, kImportSuffix));
  LSEDGE_TRY_ASSIGN(bool imported, storage_.exists(path.view()));
  imported = imported || (record_.covers(entry.group.view(), entry.name.view()) &&
                          record_.state == InFlight::State::Imported);
  if (imported) {
    return plan_error("split: an entry whose import the server queued is polled, never split");
  }
  return {};
}

// Everything up to and including the commit: the rename of the entry into `staging`.
Outcome Spool::stage_split(const SpoolEntry& entry, const SplitPlan& plan, std::string_view staging,
                           SplitCounts& made) {
  SplitLayout layout;
  {
    LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(entry.path.view()));
    const hal::ScopedFile file(storage_, opened);
    Result<uint64_t> size = storage_.size(file.get());
    if (!size.ok()) {
      return at_path(size.error(), entry.path.view());
    }
    LSEDGE_TRY(layout_split(entry.name.view(), *size, plan, layout));
    for (uint32_t part = 0; part < layout.part_count; ++part) {
      made.parts += layout.parts[part].tasks > 0 ? 1 : 0;
    }
    made.rejected = layout.rejected;
    LSEDGE_TRY(storage_.make_directory(staging));
    LSEDGE_TRY(stage_tasks(storage_, entry, plan, layout, staging, file.get(),
                           ByteSpan(scan_chunk_), ByteSpan(write_chunk_)));
  }
  LSEDGE_TRY(storage_.sync_directory(staging));
  Path original;
  LSEDGE_TRY(join(original, staging, kSplitOriginal));
  return storage_.rename(entry.path.view(), original.view());
}

// A split that failed before its commit: its staging directory goes (one that did commit stays,
// for next() to finish).
void Spool::discard_split(std::string_view group, std::string_view split_name) {
  SplitPaths paths;
  if (!split_paths(dir_.view(), group, split_name, paths).ok()) {
    return;
  }
  const Result<bool> committed = split_committed(storage_, paths);
  if (committed.ok() && !*committed) {
    (void)remove_tree(paths.staging.view(), 0);
  }
}

Outcome Spool::finish_split(std::string_view group, std::string_view split_name) {
  SplitPaths paths;
  LSEDGE_TRY(split_paths(dir_.view(), group, split_name, paths));
  // Reasons before their tasks, so a rejected task never lacks its reason.
  for (const bool reasons_and_parts : {true, false}) {
    LSEDGE_TRY(move_split_files(group, paths.group.view(), paths.staging.view(),
                                paths.rejected.view(), reasons_and_parts));
  }
  LSEDGE_TRY(storage_.sync_directory(paths.rejected.view()));
  LSEDGE_TRY(storage_.sync_directory(paths.group.view()));
  // The entry's marker and import record do not carry to its parts: the server refused it, a
  // known outcome.
  LSEDGE_TRY(clear_record_of_split(group, split_name));
  remove_entry_notes(storage_, paths.entry.view());
  Path original;
  LSEDGE_TRY(join(original, paths.staging.view(), kSplitOriginal));
  LSEDGE_TRY(unless_gone(storage_.remove(original.view())));
  // Not synced: if a power loss brings the staging directory back, open() removes it again.
  return remove_tree(paths.staging.view(), 0);
}

Outcome Spool::move_split_files(std::string_view group, std::string_view group_path,
                                std::string_view staging, std::string_view rejected,
                                bool reasons_and_parts) {
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(staging));
  hal::DirectoryEntry file;
  while (reader.next(file)) {
    const std::string_view name = file.name.view();
    const SplitFile kind = file.is_directory ? SplitFile::Other : split_file_kind(name, group);
    const std::string_view target =
        split_file_target(kind, reasons_and_parts, group_path, rejected);
    if (!target.empty()) {
      LSEDGE_TRY(move_file(storage_, staging, name, target));
    }
  }
  return reader.status();
}

Outcome Spool::recover_split(std::string_view group, std::string_view split_name) {
  SplitPaths paths;
  LSEDGE_TRY(split_paths(dir_.view(), group, split_name, paths));
  LSEDGE_TRY_ASSIGN(const bool committed, split_committed(storage_, paths));
  if (committed) {
    LSEDGE_TRY(finish_split(group, split_name));
    log_.info("finished the interrupted split of %s", paths.entry.c_str());
    return {};
  }
  LSEDGE_TRY(remove_tree(paths.staging.view(), 0));  // not synced: undone again if it comes back
  log_.info("undid an interrupted split of %s; the entry stays queued whole", paths.entry.c_str());
  return {};
}

Outcome Spool::recover_group_splits(std::string_view group, std::string_view group_path) {
  for (int round = 0; round < kMaxSplitRecoveries; ++round) {
    GroupScan scan;
    LSEDGE_TRY(scan_group(storage_, group_path, scan));
    if (scan.split.empty()) {
      return {};
    }
    LSEDGE_TRY(recover_split(group, scan.split.view()));
  }
  return Error(Status::FileError, group_path);  // splits that reappear: not the spool's doing
}

// open(Consumer): every split a crash interrupted is finished or undone before anything is
// counted or sent.
Outcome Spool::recover_splits() {
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  hal::DirectoryReader reader(storage_);
  LSEDGE_TRY(reader.open(queue.view()));
  hal::DirectoryEntry group;
  Path group_path;
  while (reader.next(group)) {
    if (group.is_directory && parse_group(group.name.view()) &&
        join(group_path, queue.view(), group.name.view()).ok()) {
      LSEDGE_TRY(unless_gone(recover_group_splits(group.name.view(), group_path.view())));
    }
  }
  return reader.status();
}

}  // namespace lsedge::spool
