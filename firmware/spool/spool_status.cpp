// What `lsedge status` reads of a spool beside counts(): the oldest queued entry's time.
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
  return !is_directory && parse_entry(name, parsed);
}

}  // namespace

Result<int64_t> Spool::oldest_entry_unix() {
  LSEDGE_TRY(require_open());
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  FileName group;
  for (;;) {  // groups emptied (or sent) meanwhile are passed over
    const FileName after = group;
    LSEDGE_TRY_ASSIGN(const bool found,
                      smallest_name_above(storage_, queue.view(), after.view(), is_group, group));
    if (!found) {
      return int64_t{0};
    }
    Path group_path;
    LSEDGE_TRY(join(group_path, queue.view(), group.view()));
    FileName entry;
    const Result<bool> listed =
        smallest_name_above(storage_, group_path.view(), {}, is_entry, entry);
    if (!listed.ok() && !is_gone(listed.error())) {
      return listed.error();
    }
    if (!listed.ok() || !*listed) {
      continue;
    }
    Path path;
    LSEDGE_TRY(join(path, group_path.view(), entry.view()));
    const Result<hal::FileInfo> info = storage_.info(path.view());
    if (info.ok()) {
      return info->modified_unix_seconds;
    }
  }
}

}  // namespace lsedge::spool
