// What `lsedge status` reads of a spool beside counts(): the oldest queued entry's time; and the
// spool's size cap (issue #13).
#include <optional>

#include "firmware/spool/spool.h"
#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

namespace {

// DIR/max-bytes: the cap as decimal digits and a newline; replaced through DIR/max-bytes.new.
constexpr std::string_view kMaxBytesFile = "max-bytes";
constexpr std::string_view kNewSuffix = ".new";

bool is_group(std::string_view name, bool is_directory) {
  return is_directory && parse_group(name).has_value();
}

bool is_entry(std::string_view name, bool is_directory) {
  EntryName parsed;
  return parse_any_entry(name, is_directory, parsed);
}

}  // namespace

// The time of the first entry of one group; nullopt when it has none (any more).
Result<std::optional<int64_t>> Spool::first_entry_unix(std::string_view group_path) {
  ListedName entry;
  const Result<uint32_t> listed =
      smallest_names_above(storage_, group_path, {}, is_entry, &entry, 1);
  if (!listed.ok() && !is_gone(listed.error())) {
    return listed.error();
  }
  if (!listed.ok() || *listed == 0) {
    return std::optional<int64_t>();
  }
  Path path;
  LSEDGE_TRY(join(path, group_path, entry.view()));
  const Result<hal::FileInfo> info = storage_.info(path.view());
  return info.ok() ? std::optional<int64_t>(info->modified_unix_seconds) : std::nullopt;
}

Result<int64_t> Spool::oldest_entry_unix() {
  LSEDGE_TRY(require_open());
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  ListedName group;
  for (;;) {  // groups emptied (or sent) meanwhile are passed over
    const ListedName after = group;
    LSEDGE_TRY_ASSIGN(
        const uint32_t found,
        smallest_names_above(storage_, queue.view(), after.view(), is_group, &group, 1));
    if (found == 0) {
      return int64_t{0};
    }
    Path group_path;
    LSEDGE_TRY(join(group_path, queue.view(), group.view()));
    LSEDGE_TRY_ASSIGN(const std::optional<int64_t> first, first_entry_unix(group_path.view()));
    if (first) {
      return *first;
    }
  }
}

Result<uint64_t> Spool::max_bytes() {
  LSEDGE_TRY(require_open());
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kMaxBytesFile));
  uint8_t buffer[32];
  const Result<size_t> got = storage_.read_file(path.view(), ByteSpan(buffer));
  if (!got.ok() && got.status() == Status::FileNotFound) {
    return uint64_t{0};
  }
  if (!got.ok() && got.status() != Status::BufferTooSmall) {
    return at_path(got.error(), path.view());
  }
  std::string_view text(reinterpret_cast<const char*>(buffer), got.ok() ? *got : 0);
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  const std::optional<uint64_t> cap = parse_number(text);
  if (!got.ok() || !cap) {
    Error damaged(Status::FileError, "the spool's size cap is unreadable: ");
    damaged.detail.append_truncated(path.view());
    damaged.detail.append_truncated("; set it again with lsedge spool limit");
    return damaged;
  }
  return *cap;
}

namespace {

// DIR/max-bytes replaced by one written as DIR/max-bytes.new (a reader sees the old or the new).
Outcome write_cap(hal::Storage& storage, std::string_view dir, std::string_view path,
                  uint64_t max_bytes) {
  Path staged;
  LSEDGE_TRY(join(staged, dir, kMaxBytesFile, {}, kNewSuffix));
  FixedString<24> text;
  (void)text.append_uint(max_bytes);
  LSEDGE_TRY(write_text_file(storage, staged.view(), text.view()));
  return storage.rename(staged.view(), path);
}

}  // namespace

Outcome Spool::set_max_bytes(uint64_t max_bytes) {
  LSEDGE_TRY(require_open());
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kMaxBytesFile));
  LSEDGE_TRY(max_bytes == 0 ? unless_gone(storage_.remove(path.view()))
                            : write_cap(storage_, dir_.view(), path.view(), max_bytes));
  return storage_.sync_directory(dir_.view());
}

Outcome Spool::check_room(uint64_t adding) {
  LSEDGE_TRY_ASSIGN(const uint64_t cap, max_bytes());
  if (cap == 0) {
    return {};
  }
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  SpoolCounts counts;
  LSEDGE_TRY(count_queue(storage_, queue.view(), true, counts));
  if (counts.queued_bytes <= cap && adding <= cap - counts.queued_bytes) {
    return {};
  }
  Error full(Status::SpoolFull, "");
  full.detail.append_truncated(dir_.view());
  full.detail.append_truncated(" holds ");
  (void)full.detail.append_uint(counts.queued_bytes);
  full.detail.append_truncated(" bytes queued of its cap of ");
  (void)full.detail.append_uint(cap);
  full.detail.append_truncated("; this add needs ");
  (void)full.detail.append_uint(adding);
  full.detail.append_truncated(" more");
  log_.warn("spool full: %s", full.detail.c_str());
  return full;
}

Result<bool> Spool::is_spool(hal::Storage& storage, std::string_view directory) {
  Path marker;
  LSEDGE_TRY(join(marker, directory, kSpoolMarker));
  return storage.exists(marker.view());
}

}  // namespace lsedge::spool
