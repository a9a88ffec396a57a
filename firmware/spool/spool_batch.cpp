// Coalescing (issue #13): consecutive small task entries sent as one import request and
// confirmed together. The in-flight record names the batch as a range, so the crash analysis of
// one entry holds for each member (docs/spool.md, "One request for many entries").
#include <optional>

#include "firmware/spool/spool.h"
#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

namespace {

// Everything in a group but an entry's notes: entries, and what ends a batch (a split being
// staged, a file the spool did not write).
bool is_not_a_note(std::string_view name, bool is_directory) {
  return is_directory || (!ends_with(name, kMarkerSuffix) && !ends_with(name, kImportSuffix));
}

}  // namespace

void format_group(uint64_t sequence, FixedString<kSpoolNameCapacity>& out) {
  out.clear();
  (void)append_padded(out, sequence, kSequenceDigits);
}

Result<bool> Spool::next_batch(SpoolBatch& batch, uint64_t budget_bytes, uint32_t max_entries) {
  batch.count = 0;
  batch.tasks = 0;
  batch.body_bytes = 0;
  LSEDGE_TRY_ASSIGN(const bool found, next(batch.head));
  if (!found) {
    return false;
  }
  const SpoolEntry& head = batch.head;
  uint64_t bytes = 0;
  LSEDGE_TRY_ASSIGN(const bool leads, head.media ? Result<bool>(false) : may_lead(head, bytes));
  LSEDGE_TRY(add_member(batch, head, bytes));
  const uint32_t most =
      max_entries < LSEDGE_SPOOL_BATCH_ENTRIES ? max_entries : uint32_t{LSEDGE_SPOOL_BATCH_ENTRIES};
  if (leads && most > 1) {
    LSEDGE_TRY(gather(batch, budget_bytes, most));
  }
  return true;
}

Result<bool> Spool::bracketed(std::string_view path, uint64_t& bytes) {
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage_.open_read(path));
  const hal::ScopedFile file(storage_, opened);
  LSEDGE_TRY_ASSIGN(bytes, storage_.size(file.get()));
  return has_brackets(file.get(), bytes);
}

// "[" first and "]" last, so that the tasks between can be joined with other entries'.
Result<bool> Spool::has_brackets(hal::FileHandle file, uint64_t bytes) {
  if (bytes < 3) {
    return false;
  }
  uint8_t first = 0;
  uint8_t last = 0;
  LSEDGE_TRY_ASSIGN(const size_t got_first, storage_.read_at(file, 0, ByteSpan(&first, 1)));
  LSEDGE_TRY_ASSIGN(const size_t got_last, storage_.read_at(file, bytes - 1, ByteSpan(&last, 1)));
  return got_first == 1 && got_last == 1 && first == '[' && last == ']';
}

// A head starts a batch when it has no state, or is the first queued entry of an earlier batch
// the record still covers (sent again, or its import polled, as that batch).
Result<bool> Spool::may_lead(const SpoolEntry& head, uint64_t& bytes) {
  if (!head.stateless() &&
      !(record_.is_range() && record_.covers(head.group.view(), head.name.view()))) {
    LSEDGE_TRY_ASSIGN(bytes, entry_size(head.path.view()));
    return false;
  }
  return bracketed(head.path.view(), bytes);
}

Result<uint64_t> Spool::entry_size(std::string_view path) {
  LSEDGE_TRY_ASSIGN(const hal::FileInfo info, storage_.info(path));
  return info.size;
}

Result<bool> Spool::may_join(const SpoolBatch& batch, const SpoolEntry& entry,
                             uint64_t budget_bytes, uint64_t& bytes) {
  const SpoolEntry& head = batch.head;
  if (entry.media || entry.outcome_unknown != head.outcome_unknown ||
      entry.import_id != head.import_id) {
    return false;
  }
  const bool stateless = head.stateless();
  if (!stateless && !record_.covers(entry.group.view(), entry.name.view())) {
    return false;  // not of the earlier batch (an old release's marker, or another request)
  }
  Error corrupt;
  EntryShape shape;
  LSEDGE_TRY(check_entry_file(entry, corrupt, &shape));
  if (corrupt.status != Status::Ok) {
    return false;  // next() sets it aside when it is the head
  }
  bytes = shape.bytes;
  // An earlier batch is sent whole again (it was one request before); a new one within budget.
  return shape.bracketed && (!stateless || batch.body_bytes + bytes - 1 <= budget_bytes);
}

Outcome Spool::add_member(SpoolBatch& batch, const SpoolEntry& entry, uint64_t bytes) {
  BatchMember& member = batch.members[batch.count];
  member.sequence = entry.sequence;
  if (member.name.assign(entry.name.view()) != Status::Ok) {
    return plan_error("next_batch: an entry name longer than the window's");
  }
  member.tasks = entry.tasks;
  member.bytes = bytes;
  // "[" + tasks + "]", then each member adds its tasks and a ",": its size less the brackets + 1.
  batch.body_bytes += batch.count == 0 ? bytes : bytes - 1;
  batch.tasks += entry.tasks;
  ++batch.count;
  return {};
}

Outcome Spool::gather(SpoolBatch& batch, uint64_t budget_bytes, uint32_t max_entries) {
  const SpoolEntry& head = batch.head;
  LSEDGE_TRY_ASSIGN(
      bool more, gather_group(batch, head.sequence, head.name.view(), budget_bytes, max_entries));
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  ListedName groups[kWalkWindow];
  ListedName floor;
  (void)floor.assign(head.group.view());
  while (more) {
    LSEDGE_TRY_ASSIGN(const uint32_t listed,
                      smallest_names_above(storage_, queue.view(), floor.view(), is_group_dir,
                                           groups, kWalkWindow));
    for (uint32_t g = 0; g < listed && more; ++g) {
      const std::optional<uint64_t> sequence = parse_group(groups[g].view());
      LSEDGE_TRY_ASSIGN(more, gather_group(batch, *sequence, {}, budget_bytes, max_entries));
    }
    if (listed < kWalkWindow) {
      return {};
    }
    floor = groups[listed - 1];
  }
  return {};
}

Result<bool> Spool::gather_group(SpoolBatch& batch, uint64_t sequence, std::string_view after,
                                 uint64_t budget_bytes, uint32_t max_entries) {
  Name group;
  (void)append_padded(group, sequence, kSequenceDigits);
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, group.view()));
  ListedName names[kWalkWindow];
  ListedName floor;
  (void)floor.assign(after);
  for (;;) {
    const Result<uint32_t> listed = smallest_names_above(storage_, group_path.view(), floor.view(),
                                                         is_not_a_note, names, kWalkWindow);
    if (!listed.ok()) {
      LSEDGE_TRY(unless_gone(listed.error()));
      return true;  // emptied and removed just now: the next group follows
    }
    LSEDGE_TRY_ASSIGN(
        const bool joined,
        gather_listed(batch, group.view(), sequence, group_path.view(),
                      Span<const ListedName>(names, *listed), budget_bytes, max_entries));
    if (!joined) {
      return false;
    }
    if (*listed < kWalkWindow) {
      return true;
    }
    floor = names[*listed - 1];
  }
}

Result<bool> Spool::gather_listed(SpoolBatch& batch, std::string_view group, uint64_t sequence,
                                  std::string_view group_path, Span<const ListedName> names,
                                  uint64_t budget_bytes, uint32_t max_entries) {
  for (const ListedName& name : names) {
    if (batch.count >= max_entries) {
      return false;
    }
    LSEDGE_TRY_ASSIGN(const bool joined,
                      gather_entry(batch, group, sequence, group_path, name.view(), budget_bytes));
    if (!joined) {
      return false;
    }
  }
  return true;
}

Result<bool> Spool::gather_entry(SpoolBatch& batch, std::string_view group, uint64_t sequence,
                                 std::string_view group_path, std::string_view name,
                                 uint64_t budget_bytes) {
  EntryName parsed;
  if (!parse_any_entry(name, is_media_name(name), parsed)) {
    return false;  // a split being staged or a foreign file: next() decides what comes first
  }
  SpoolEntry entry;
  LSEDGE_TRY(fill_entry(group, sequence, group_path, name, entry));
  uint64_t bytes = 0;
  LSEDGE_TRY_ASSIGN(const bool joins, may_join(batch, entry, budget_bytes, bytes));
  if (joins) {
    LSEDGE_TRY(add_member(batch, entry, bytes));
  }
  return joins;
}

Outcome Spool::member_entry(const SpoolBatch& batch, uint32_t index, SpoolEntry& entry) {
  if (index >= batch.count) {
    return plan_error("member_entry: past the batch's end");
  }
  const BatchMember& member = batch.members[index];
  entry = SpoolEntry();
  (void)append_padded(entry.group, member.sequence, kSequenceDigits);
  (void)entry.name.assign(member.name.view());
  LSEDGE_TRY(join(entry.path, dir_.view(), kQueue, entry.group.view()));
  LSEDGE_TRY(join(entry.path, Path(entry.path).view(), member.name.view()));
  entry.sequence = member.sequence;
  entry.tasks = member.tasks;
  EntryName parsed;
  if (parse_entry(member.name.view(), parsed)) {
    entry.batch = parsed.batch;
  }
  entry.outcome_unknown = batch.head.outcome_unknown;
  entry.import_id = batch.head.import_id;
  return {};
}

Outcome Spool::mark_sending(const SpoolBatch& batch) {
  if (batch.count <= 1) {
    return mark_sending(batch.head);
  }
  LSEDGE_TRY(require_consumer());
  LSEDGE_TRY(record_batch(InFlight::State::Sending, batch, 0));
  if (batch.head.outcome_unknown) {
    const BatchMember& last = batch.members[batch.count - 1];
    Name last_group;
    format_group(last.sequence, last_group);
    log_.warn(
        "resending %s/%s .. %s/%s (%u entries, %llu tasks) in one request; an earlier request "
        "for them may have reached the server, so this may duplicate them",
        batch.head.group.c_str(), batch.head.name.c_str(), last_group.c_str(), last.name.c_str(),
        static_cast<unsigned>(batch.count), static_cast<unsigned long long>(batch.tasks));
  }
  return {};
}

Outcome Spool::confirm(const SpoolBatch& batch) {
  if (batch.count <= 1) {
    return confirm(batch.head);
  }
  LSEDGE_TRY(require_consumer());
  SpoolEntry entry;
  for (uint32_t i = 0; i < batch.count; ++i) {
    LSEDGE_TRY(member_entry(batch, i, entry));
    LSEDGE_TRY(unless_gone(storage_.remove(entry.path.view())));
  }
  // Every removal is durable before the record goes (as confirm() of one entry): a group the
  // batch emptied is removed and queue/ synced once; a group still holding entries is synced.
  LSEDGE_TRY(sync_member_groups(batch));
  LSEDGE_TRY(member_entry(batch, batch.count - 1, entry));
  LSEDGE_TRY(clear_record_of(entry, false));
  if (batch.head.outcome_unknown) {
    possible_duplicates_ += batch.count;
    log_.warn(
        "possible duplicate: %u entries from %s/%s (%llu tasks) were sent again after an "
        "earlier request with an unknown outcome",
        static_cast<unsigned>(batch.count), batch.head.group.c_str(), batch.head.name.c_str(),
        static_cast<unsigned long long>(batch.tasks));
  }
  return {};
}

Outcome Spool::sync_member_groups(const SpoolBatch& batch) {
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  Name group;
  Path group_path;
  bool removed = false;
  for (uint32_t i = 0; i < batch.count; ++i) {
    if (i + 1 < batch.count && batch.members[i + 1].sequence == batch.members[i].sequence) {
      continue;  // members of one group are consecutive: once, at its last
    }
    format_group(batch.members[i].sequence, group);
    LSEDGE_TRY(join(group_path, queue.view(), group.view()));
    // rmdir fails while the group holds anything else (its later entries, notes).
    if (storage_.remove(group_path.view()).ok()) {
      removed = true;
    } else {
      LSEDGE_TRY(unless_gone(storage_.sync_directory(group_path.view())));
    }
  }
  return removed ? storage_.sync_directory(queue.view()) : Outcome();
}

Outcome Spool::release(const SpoolBatch& batch) {
  if (batch.count <= 1) {
    return release(batch.head);
  }
  LSEDGE_TRY(require_consumer());
  if (batch.head.outcome_unknown ||
      !record_.covers(batch.head.group.view(), batch.head.name.view())) {
    return {};  // an earlier request's outcome is still unknown: the marks stay
  }
  return write_record(InFlight(), true);
}

Outcome Spool::mark_imported(const SpoolBatch& batch, int64_t import_id) {
  if (batch.count <= 1) {
    return mark_imported(batch.head, import_id);
  }
  LSEDGE_TRY(require_consumer());
  if (import_id <= 0) {
    return plan_error("mark_imported: an import id is positive");
  }
  LSEDGE_TRY(record_batch(InFlight::State::Imported, batch, import_id));
  log_.info(
      "the server queued the import of %u entries from %s/%s as import %lld; its outcome is "
      "polled",
      static_cast<unsigned>(batch.count), batch.head.group.c_str(), batch.head.name.c_str(),
      static_cast<long long>(import_id));
  return {};
}

Outcome Spool::reject(const SpoolBatch& batch, std::string_view server_message) {
  if (batch.count <= 1) {
    return reject(batch.head, server_message);
  }
  LSEDGE_TRY(require_consumer());
  SpoolEntry entry;
  for (uint32_t i = 0; i < batch.count; ++i) {
    LSEDGE_TRY(member_entry(batch, i, entry));
    // The record goes with the last member (clear_record_of() keeps it for the others).
    LSEDGE_TRY(move_to_rejected(entry, reason_text(server_message), "the server rejected"));
  }
  return {};
}

// --- SpoolBatchBody ------------------------------------------------------------------------

Outcome SpoolBatchBody::open(const SpoolBatch& batch) {
  close();
  if (batch.count == 0) {
    return Error(Status::InvalidArgument, "SpoolBatchBody: an empty batch");
  }
  batch_ = &batch;
  size_ = batch.body_bytes;
  return rewind();
}

Outcome SpoolBatchBody::open_member() {
  if (file_.valid()) {
    storage_.close(file_);
    file_ = hal::FileHandle{};
  }
  const BatchMember& member = batch_->members[index_];
  Name group;
  (void)append_padded(group, member.sequence, kSequenceDigits);
  Path path;
  LSEDGE_TRY(join(path, directory_, kQueue, group.view()));
  LSEDGE_TRY(join(path, Path(path).view(), member.name.view()));
  LSEDGE_TRY_ASSIGN(file_, storage_.open_read(path.view()));
  offset_ = 1;  // after its "["
  return {};
}

Result<size_t> SpoolBatchBody::read_member(ByteSpan out) {
  const uint64_t end = batch_->members[index_].bytes - 1;  // its "]"
  if (offset_ >= end) {
    return size_t{0};
  }
  const uint64_t left = end - offset_;
  const size_t want = left < out.size() ? static_cast<size_t>(left) : out.size();
  LSEDGE_TRY_ASSIGN(const size_t got, storage_.read_at(file_, offset_, out.first(want)));
  if (got == 0) {
    return Error(Status::FileError, "spool entry shorter than when the batch was made");
  }
  offset_ += got;
  return got;
}

Result<size_t> SpoolBatchBody::read(ByteSpan out) {
  if (batch_ == nullptr || !file_.valid()) {
    return Error(Status::InvalidArgument, "SpoolBatchBody is not open");
  }
  if (out.empty()) {
    return Error(Status::InvalidArgument, "SpoolBatchBody::read needs a non-empty buffer");
  }
  size_t filled = 0;
  while (filled < out.size() && position_ < size_) {
    if (position_ == 0 || separator_) {
      LSEDGE_TRY_ASSIGN(out[filled], punctuation());
      ++filled;
      ++position_;
      continue;
    }
    LSEDGE_TRY_ASSIGN(const size_t got, read_member(out.subspan(filled)));
    separator_ = got == 0;
    filled += got;
    position_ += got;
  }
  return filled;
}

Result<uint8_t> SpoolBatchBody::punctuation() {
  if (position_ == 0) {
    return uint8_t{'['};
  }
  separator_ = false;
  if (index_ + 1 >= batch_->count) {
    return uint8_t{']'};
  }
  ++index_;
  LSEDGE_TRY(open_member());
  return uint8_t{','};
}

Outcome SpoolBatchBody::rewind() {
  if (batch_ == nullptr) {
    return Error(Status::InvalidArgument, "SpoolBatchBody is not open");
  }
  position_ = 0;
  index_ = 0;
  separator_ = false;
  return open_member();
}

void SpoolBatchBody::close() {
  if (file_.valid()) {
    storage_.close(file_);
  }
  file_ = hal::FileHandle{};
  batch_ = nullptr;
  size_ = 0;
  position_ = 0;
}

}  // namespace lsedge::spool
