#include "firmware/app/run_state.h"

#include "board_sizes.h"
#include "firmware/core/decimal.h"

namespace lsedge::app {

namespace {

constexpr std::string_view kHeader = "lsedge run-state 1";
constexpr std::string_view kNewSuffix = ".new";

using Line = FixedString<kRunStateMaxBytes>;
using Path = FixedString<LSEDGE_PATH_CAPACITY>;

// One field's text: control characters (a newline would end the line) become spaces.
void append_one_line(Line& line, std::string_view text) {
  for (const char c : text) {
    (void)line.append(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  }
}

void append_int_field(Line& line, int64_t value) {
  (void)line.append(' ');
  (void)line.append_int(value);
}

// The next space-separated word of `rest` (which loses it and the space after it).
std::string_view word(std::string_view& rest) {
  const size_t space = rest.find(' ');
  const std::string_view out = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return out;
}

// A Unix time as written: digits only (a clock before 1970 is written as 0).
bool parse_time(std::string_view text, int64_t& out) {
  const std::optional<uint64_t> value = parse_decimal(text);
  if (!value || *value > static_cast<uint64_t>(INT64_MAX)) {
    return false;
  }
  out = static_cast<int64_t>(*value);
  return true;
}

void parse_success(std::string_view rest, RunState& state) {
  int64_t when = 0;
  const bool timed = parse_time(word(rest), when);
  const std::optional<uint64_t> tasks = parse_decimal(word(rest));
  if (timed && tasks && state.last_success_entry.assign(rest) == Status::Ok) {
    state.last_success_unix = when;
    state.last_success_tasks = *tasks;
  } else {
    state.last_success_entry.clear();
  }
}

// A status name as status_name() gives it: [a-z0-9_]+.
bool is_status_word(std::string_view text) {
  for (const char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return !text.empty();
}

void parse_error(std::string_view rest, RunState& state) {
  int64_t when = 0;
  const bool timed = parse_time(word(rest), when);
  const std::string_view status = word(rest);
  if (!timed || !is_status_word(status) || state.last_error_status.assign(status) != Status::Ok) {
    state.last_error_status.clear();
    return;
  }
  const std::optional<uint64_t> http = parse_decimal(word(rest));
  if (!http || *http > UINT16_MAX) {
    state.last_error_status.clear();
    return;
  }
  state.last_error_unix = when;
  state.last_error_http_status = static_cast<uint16_t>(*http);
  state.last_error.append_truncated(rest);
}

// DIR/run-state.
Outcome run_state_path(std::string_view spool_dir, Path& path) {
  if (path.assign(spool_dir) != Status::Ok || path.append('/') != Status::Ok ||
      path.append(kRunStateFile) != Status::Ok) {
    return Error(Status::InvalidArgument, "spool path longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

}  // namespace

Outcome format_run_state(const RunState& state, Span<char> out, size_t& length) {
  Line line;
  (void)line.append(kHeader);
  (void)line.append("\nupdated");
  append_int_field(line, state.updated_unix);
  if (state.last_success_unix != 0) {
    (void)line.append("\nlast_success");
    append_int_field(line, state.last_success_unix);
    (void)line.append(' ');
    (void)line.append_uint(state.last_success_tasks);
    (void)line.append(' ');
    append_one_line(line, state.last_success_entry.view());
  }
  if (state.last_error_unix != 0) {
    (void)line.append("\nlast_error");
    append_int_field(line, state.last_error_unix);
    (void)line.append(' ');
    append_one_line(line, state.last_error_status.empty() ? std::string_view("unknown")
                                                          : state.last_error_status.view());
    (void)line.append(' ');
    (void)line.append_uint(state.last_error_http_status);
    (void)line.append(' ');
    append_one_line(line, state.last_error.view());
  }
  (void)line.append('\n');
  if (line.size() > out.size()) {
    return Error(Status::BufferTooSmall, "run-state text");
  }
  for (size_t i = 0; i < line.size(); ++i) {
    out.data()[i] = line.view()[i];
  }
  length = line.size();
  return {};
}

Result<RunState> parse_run_state(std::string_view text) {
  std::string_view rest = text;
  const size_t first_end = rest.find('\n');
  if (rest.substr(0, first_end) != kHeader) {
    return Error(Status::ConfigInvalid, "not an lsedge run-state file (or a newer format)");
  }
  rest = first_end == std::string_view::npos ? std::string_view() : rest.substr(first_end + 1);
  RunState state;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    if (end == std::string_view::npos) {
      break;  // a last line without its newline: cut short, ignored
    }
    std::string_view fields = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::string_view key = word(fields);
    if (key == "updated") {
      int64_t when = 0;
      state.updated_unix = parse_time(fields, when) ? when : 0;
    } else if (key == "last_success") {
      parse_success(fields, state);
    } else if (key == "last_error") {
      parse_error(fields, state);
    }
  }
  return state;
}

Outcome replace_file(hal::Storage& storage, std::string_view path, std::string_view text) {
  Path fresh;
  if (fresh.assign(path) != Status::Ok || fresh.append(kNewSuffix) != Status::Ok) {
    return Error(Status::InvalidArgument, "path longer than LSEDGE_PATH_CAPACITY");
  }
  const Outcome removed = storage.remove(fresh.view());  // an interrupted earlier write
  if (!removed.ok() && removed.status() != Status::FileNotFound) {
    return removed;
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle created, storage.create_new(fresh.view()));
  Outcome written;
  {
    const hal::ScopedFile file(storage, created);
    written = storage.append(file.get(), as_bytes(text));
  }
  if (written.ok()) {
    written = storage.rename(fresh.view(), path);
  }
  if (!written.ok()) {
    (void)storage.remove(fresh.view());
  }
  return written;
}

Outcome write_run_state(hal::Storage& storage, std::string_view spool_dir, const RunState& state) {
  char text[kRunStateMaxBytes];
  size_t length = 0;
  LSEDGE_TRY(format_run_state(state, Span<char>(text, sizeof(text)), length));
  Path path;
  LSEDGE_TRY(run_state_path(spool_dir, path));
  return replace_file(storage, path.view(), std::string_view(text, length));
}

Result<RunState> read_run_state(hal::Storage& storage, std::string_view spool_dir) {
  Path path;
  LSEDGE_TRY(run_state_path(spool_dir, path));
  LSEDGE_TRY_ASSIGN(const hal::FileHandle opened, storage.open_read(path.view()));
  const hal::ScopedFile file(storage, opened);
  uint8_t buffer[kRunStateMaxBytes];
  LSEDGE_TRY_ASSIGN(const size_t got, storage.read_at(file.get(), 0, ByteSpan(buffer)));
  return parse_run_state(std::string_view(reinterpret_cast<const char*>(buffer), got));
}

}  // namespace lsedge::app
