// What `lsedge status` reads of a spool beside counts(): the oldest queued entry's time.
#include <optional>

#include "firmware/spool/spool.h"
#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

namespace {

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

Result<bool> Spool::is_spool(hal::Storage& storage, std::string_view directory) {
  Path marker;
  LSEDGE_TRY(join(marker, directory, kSpoolMarker));
  return storage.exists(marker.view());
}

}  // namespace lsedge::spool
