// rejected/: listing what the server refused and putting it back in the queue (issue #13).
#include <optional>

#include "firmware/spool/spool.h"
#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

namespace {

constexpr uint32_t kRejectedWindow = 16;  // names per listing of rejected/
constexpr size_t kReasonShown = 240;      // bytes of a reason file list_rejected() reads

// A rejected/ file lsedge makes: "<SEQ>-<STEM>.json" (an entry, the tasks its STEM says),
// "<SEQ>-<STEM>.item<K>.json" (task K of one, alone as "[task]") or the directory
// "<SEQ>-<BATCH>-1.media" (a media entry). The tasks it holds, or nothing for any other name
// (reasons, a user's files).
std::optional<uint64_t> rejected_tasks(std::string_view name) {
  EntryName parsed;
  if (parse_rejected_group(name) && is_media_name(name)) {  // a media entry's directory
    return parse_media_entry(name.substr(kSequenceDigits + 1), parsed) ? std::optional<uint64_t>(1)
                                                                       : std::nullopt;
  }
  if (!parse_rejected_group(name) || !ends_with(name, kEntrySuffix)) {
    return std::nullopt;
  }
  std::string_view stem = name.substr(kSequenceDigits + 1);
  stem.remove_suffix(kEntrySuffix.size());
  const size_t item = stem.rfind(kItemInfix);
  const bool is_item = item != std::string_view::npos;
  if (is_item && !parse_number(stem.substr(item + kItemInfix.size()))) {
    return std::nullopt;
  }
  if (!parse_stem(is_item ? stem.substr(0, item) : stem, parsed)) {
    return std::nullopt;
  }
  return is_item ? 1 : parsed.tasks;
}

// The reason file's first line, at most kReasonShown bytes of it; empty when there is none.
std::string_view read_reason(hal::Storage& storage, std::string_view path, Span<uint8_t> buffer) {
  Result<hal::FileHandle> opened = storage.open_read(path);
  if (!opened.ok()) {
    return {};
  }
  const hal::ScopedFile file(storage, *opened);
  const size_t limit = buffer.size() < kReasonShown ? buffer.size() : kReasonShown;
  const Result<size_t> got = storage.read_at(*opened, 0, ByteSpan(buffer.data(), limit));
  if (!got.ok()) {
    return {};
  }
  const std::string_view text(reinterpret_cast<const char*>(buffer.data()), *got);
  return text.substr(0, text.find('\n'));
}

Outcome reason_path(FixedString<LSEDGE_PATH_CAPACITY>& out, std::string_view rejected,
                    std::string_view name) {
  return join(out, rejected, stem_of(name), {}, kReasonSuffix);
}

}  // namespace

Outcome Spool::list_rejected(RejectedVisitor& visitor) {
  LSEDGE_TRY(require_open());
  Path rejected;
  LSEDGE_TRY(join(rejected, dir_.view(), kRejected));
  ListedName window[kRejectedWindow];
  ListedName after;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const uint32_t count, next_rejected(after.view(), window));
    if (count == 0) {
      return {};
    }
    for (uint32_t i = 0; i < count; ++i) {
      LSEDGE_TRY(visit_rejected(rejected.view(), window[i].view(), visitor));
    }
    after = window[count - 1];
  }
}

// One rejected entry for list_rejected(): its size and its reason's first line.
Outcome Spool::visit_rejected(std::string_view rejected, std::string_view name,
                              RejectedVisitor& visitor) {
  Path path;
  LSEDGE_TRY(join(path, rejected, name));
  const Result<hal::FileInfo> info = storage_.info(path.view());
  if (!info.ok()) {
    return {};  // requeued meanwhile
  }
  RejectedEntry entry;
  entry.name = name;
  entry.tasks = *rejected_tasks(name);
  entry.bytes = info->size;
  if (info->kind == hal::FileInfo::Kind::Directory) {  // a media entry: its file's size
    SpoolEntry media;
    media.path = path;
    LSEDGE_TRY(unless_gone(find_media_file(media)));
    const Result<hal::FileInfo> file = media.media_path.empty()
                                           ? Result<hal::FileInfo>(hal::FileInfo())
                                           : storage_.info(media.media_path.view());
    entry.bytes = file.ok() ? file->size : 0;
  }
  LSEDGE_TRY(reason_path(path, rejected, name));
  entry.reason = read_reason(storage_, path.view(), Span<uint8_t>(write_chunk_));
  visitor.on_rejected(entry);
  return {};
}

Result<uint32_t> detail::smallest_names_above(hal::Storage& storage, std::string_view directory,
                                              std::string_view after, NameFilter accept,
                                              ListedName* window, uint32_t capacity) {
  hal::DirectoryReader reader(storage);
  LSEDGE_TRY(reader.open(directory));
  hal::DirectoryEntry listed;
  ListedName candidate;
  uint32_t count = 0;
  while (reader.next(listed)) {
    const std::string_view name = listed.name.view();
    if (name > after && accept(name, listed.is_directory) && candidate.assign(name) == Status::Ok) {
      keep_smallest(window, count, capacity, candidate);
    }
  }
  LSEDGE_TRY(reader.status());
  sort_window(window, count);
  return count;
}

// The next rejected entry names above `after`, oldest first: kRejectedWindow per listing, so
// rejected/ needs no buffer for all of its names.
Result<uint32_t> Spool::next_rejected(std::string_view after, ListedName* window) {
  Path rejected;
  LSEDGE_TRY(join(rejected, dir_.view(), kRejected));
  return smallest_names_above(
      storage_, rejected.view(), after,
      [](std::string_view name, bool is_directory) {
        return is_directory == is_media_name(name) && rejected_tasks(name).has_value();
      },
      window, kRejectedWindow);
}

Result<uint64_t> Spool::publish_empty_group(Path& group_path) {
  Path claim;
  Path staging;
  LSEDGE_TRY(claim_staging(claim, staging));
  Result<uint64_t> sequence = publish(staging.view());
  if (!sequence.ok()) {
    discard_staging(claim.view(), staging.view());
    return sequence;
  }
  (void)storage_.remove(claim.view());  // a leftover claim is garbage the consumer removes
  Name group;
  (void)append_padded(group, *sequence, kSequenceDigits);
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, group.view()));
  return sequence;
}

// A requeue in progress: the group being filled and what went there.
struct Spool::Requeue {
  RequeueResult result;
  Path group;  // queue/<SEQ>; empty: none yet (or `run` removed it)
  uint64_t batch = 0;
};

// The group to move into: published empty when there is none. `run` removes an empty group it
// comes across (or one it has emptied); the next entry then gets a new one.
Outcome Spool::requeue_group(Requeue& into) {
  if (!into.group.empty()) {
    return {};
  }
  LSEDGE_TRY_ASSIGN(const uint64_t sequence, publish_empty_group(into.group));
  into.result.sequence = into.result.sequence == 0 ? sequence : into.result.sequence;
  into.batch = 0;
  return {};
}

// One rename from rejected/ into the group, as its next batch: true when moved, false when the
// group was gone (a new one is made for the next attempt).
Result<bool> Spool::move_rejected(std::string_view from, uint64_t tasks, Requeue& into) {
  Name target;
  (void)append_padded(target, into.batch, kBatchDigits);
  if (target.append('-') != Status::Ok || target.append_uint(tasks) != Status::Ok ||
      target.append(entry_suffix(from)) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool: entry name longer than its capacity");
  }
  Path to;
  LSEDGE_TRY(join(to, into.group.view(), target.view()));
  const Outcome moved = storage_.rename(from, to.view());
  if (moved.ok()) {
    ++into.batch;
    ++into.result.entries;
    into.result.tasks += tasks;
    return true;
  }
  LSEDGE_TRY_ASSIGN(const bool source_there, storage_.exists(from));
  if (!is_gone(moved) || !source_there) {
    return at_path(moved.error(), from);  // the entry gone: requeued by another process
  }
  into.group.clear();
  return false;
}

// Moves one rejected entry into the group, then removes its reason.
Outcome Spool::requeue_one(std::string_view name, uint64_t tasks, Requeue& into) {
  Path rejected;
  LSEDGE_TRY(join(rejected, dir_.view(), kRejected));
  Path from;
  LSEDGE_TRY(join(from, rejected.view(), name));
  for (int attempt = 0; attempt < 4; ++attempt) {
    LSEDGE_TRY(requeue_group(into));
    LSEDGE_TRY_ASSIGN(const bool moved, move_rejected(from.view(), tasks, into));
    if (moved) {
      Path reason;
      LSEDGE_TRY(reason_path(reason, rejected.view(), name));
      return unless_gone(storage_.remove(reason.view()));
    }
  }
  return Error(Status::FileError, "spool: the new group kept disappearing; try again");
}

// A name given to requeue_rejected(): a file lsedge put in rejected/, and there.
Outcome Spool::check_rejected_name(std::string_view name) {
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kRejected, name));
  const bool named = rejected_tasks(name) && name.find('/') == std::string_view::npos;
  LSEDGE_TRY_ASSIGN(const bool there, named ? storage_.exists(path.view()) : Result<bool>(false));
  if (there) {
    return {};
  }
  Error error(Status::UsageError, named ? "no rejected entry " : "not a rejected entry's name: ");
  error.detail.append_truncated(named ? path.view() : name);
  return error;
}

// Every rejected entry, oldest first.
Outcome Spool::requeue_all(Requeue& into) {
  ListedName window[kRejectedWindow];
  ListedName after;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const uint32_t count, next_rejected(after.view(), window));
    if (count == 0) {
      return {};
    }
    for (uint32_t i = 0; i < count; ++i) {
      LSEDGE_TRY(requeue_one(window[i].view(), *rejected_tasks(window[i].view()), into));
    }
    after = window[count - 1];
  }
}

// The moves made durable, then reported.
Outcome Spool::finish_requeue(const Requeue& into) {
  Path rejected;
  LSEDGE_TRY(join(rejected, dir_.view(), kRejected));
  if (!into.group.empty()) {
    LSEDGE_TRY(unless_gone(storage_.sync_directory(into.group.view())));
  }
  LSEDGE_TRY(storage_.sync_directory(rejected.view()));
  log_.info("requeued %llu rejected entries (%llu tasks) as group %llu",
            static_cast<unsigned long long>(into.result.entries),
            static_cast<unsigned long long>(into.result.tasks),
            static_cast<unsigned long long>(into.result.sequence));
  return {};
}

Result<RequeueResult> Spool::requeue_rejected(Span<const std::string_view> names) {
  LSEDGE_TRY(require_open());
  for (const std::string_view name : names) {  // every name is checked before anything moves
    LSEDGE_TRY(check_rejected_name(name));
  }
  Requeue into;
  Outcome moved = names.size() == 0 ? requeue_all(into) : Outcome();
  for (size_t i = 0; moved.ok() && i < names.size(); ++i) {
    moved = requeue_one(names[i], *rejected_tasks(names[i]), into);
  }
  LSEDGE_TRY(moved);
  LSEDGE_TRY(finish_requeue(into));
  return into.result;
}

}  // namespace lsedge::spool
