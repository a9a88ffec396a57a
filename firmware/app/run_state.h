// What `run` last did, kept in DIR/run-state for `lsedge status` (issue #13): read without the
// network and without the consumer's lock. Written by `run` only (it holds the spool's lock), as
// a new file renamed over the old one, so a reader sees the whole previous or the whole new one.
// Times are the wall clock's (for people), never used for decisions.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/spool/spool.h"
#include "hal/storage.h"

namespace lsedge::app {

inline constexpr std::string_view kRunStateFile = "run-state";
inline constexpr size_t kRunStateMaxBytes = 1024;  // what read_run_state() reads at most

// Thread-safety: a value type.
struct RunState {
  int64_t updated_unix = 0;  // 0: never written
  int64_t last_success_unix = 0;
  uint64_t last_success_tasks = 0;
  FixedString<64> last_success_entry;  // "GROUP/ENTRY"
  int64_t last_error_unix = 0;
  FixedString<32> last_error_status;  // status_name()
  uint16_t last_error_http_status = 0;
  FixedString<200> last_error;  // one line
};

// What `lsedge status` shows. Thread-safety: a value type (views into the caller's memory).
struct StatusReport {
  std::string_view spool;
  spool::SpoolCounts counts;
  int64_t oldest_entry_unix = 0;  // 0: the queue is empty
  uint64_t max_bytes = 0;         // the spool's size cap; 0: none
  int64_t now_unix = 0;
  bool has_state = false;      // DIR/run-state was read
  bool state_damaged = false;  // ... it is there but could not be read or parsed
  RunState state;
};

// The file's text ("lsedge run-state 1" and one "key value" line per field) into `out`;
// BufferTooSmall if it does not fit.
[[nodiscard]] Outcome format_run_state(const RunState& state, Span<char> out, size_t& length);
// Parses what format_run_state() writes. Unknown keys and malformed lines are skipped (a newer
// release's fields, a damaged file): the fields they carried stay unset. ConfigInvalid only when
// the first line is not this format's.
[[nodiscard]] Result<RunState> parse_run_state(std::string_view text);

// `text` as the file at `path`, atomically for readers: written to `path` + ".new", then renamed
// over it (not fsynced: for files whose loss in a power cut costs nothing but a stale view).
[[nodiscard]] Outcome replace_file(hal::Storage& storage, std::string_view path,
                                   std::string_view text);

// DIR/run-state: written (DIR/run-state.new, then renamed; not fsynced: status is best effort)
// and read (FileNotFound when `run` never wrote one).
[[nodiscard]] Outcome write_run_state(hal::Storage& storage, std::string_view spool_dir,
                                      const RunState& state);
[[nodiscard]] Result<RunState> read_run_state(hal::Storage& storage, std::string_view spool_dir);

}  // namespace lsedge::app
