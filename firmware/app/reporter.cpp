// The Reporter: each event's human text and JSON object side by side, and the JSON log sink.
#include "firmware/app/reporter.h"

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "firmware/app/status_text.h"
#include "firmware/core/civil_time.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/terminal_text.h"
#include "firmware/core/utf8.h"
#include "firmware/json/writer.h"
#include "firmware/labelstudio/api_error.h"
#include "firmware/taskfile/task_file.h"

namespace lsedge::app {
namespace {

// A line for people: text and numbers appended with <<, then written in one console call. A
// string view is data (a server's detail, a user name, a path): its control characters are
// escaped so it cannot drive the terminal; a C string is the reporter's own literal text.
class Text {
 public:
  Text& operator<<(std::string_view text) {
    append_terminal_safe(line_, text);
    return *this;
  }
  Text& operator<<(const char* text) {
    line_.append_truncated(text);
    return *this;
  }
  template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
  Text& operator<<(T value) {
    if constexpr (std::is_signed_v<T>) {
      (void)line_.append_int(value);
    } else {
      (void)line_.append_uint(value);
    }
    return *this;
  }
  Text& operator<<(const spool::SpoolEntry& entry) {
    return *this << entry.group.view() << "/" << entry.name.view();
  }
  [[nodiscard]] std::string_view view() const { return line_.view(); }

 private:
  // Room for three full details escaped 4:1, on the stack of a shallow call like EventLine.
  FixedString<3 * 4 * kErrorDetailCapacity + 512> line_;
};

// A string value is cut to this many bytes (at a character boundary): with every byte escaped
// 6:1, three of them still fit a line (whoami's email and username are the longest pair).
constexpr size_t kMaxStringBytes = 255;
constexpr size_t kLineBytes = 3 * 6 * kMaxStringBytes + 512;  // + the newline
static_assert(kErrorDetailCapacity <= kMaxStringBytes, "an error detail must fit uncut");

// One JSON object written into its own N-byte buffer (on the caller's stack: no static line to
// share between threads, no RAM held between events), then sent as one line. A writer failure
// (which the sizes above rule out) prints a valid placeholder, never broken JSON.
template <size_t N>
class JsonLine {
 public:
  // The last byte of the buffer is kept for the newline. A non-empty `event` comes first.
  explicit JsonLine(std::string_view event = {}) : writer_(ByteSpan(buffer_, N - 1)) {
    (void)writer_.begin_object();
    if (!event.empty()) {
      str("event", event);
    }
  }
  // The writer points into buffer_: never copied or moved (returned by guaranteed elision).
  JsonLine(const JsonLine&) = delete;
  JsonLine& operator=(const JsonLine&) = delete;
  JsonLine& open(std::string_view key) {
    (void)writer_.key(key);
    (void)writer_.begin_object();
    return *this;
  }
  JsonLine& close() {
    (void)writer_.end_object();
    return *this;
  }
  JsonLine& num(std::string_view key, int64_t value) {
    (void)writer_.member_int64(key, value);
    return *this;
  }
  JsonLine& unum(std::string_view key, uint64_t value) {
    return num(key, static_cast<int64_t>(value));
  }
  JsonLine& flag(std::string_view key, bool value) {
    (void)writer_.member_bool(key, value);
    return *this;
  }
  // null if `value` is not valid UTF-8.
  JsonLine& str(std::string_view key, std::string_view value) {
    value = utf8_prefix(value, kMaxStringBytes);
    (void)(utf8_valid(value) ? writer_.member_string(key, value) : writer_.member_null(key));
    return *this;
  }
  JsonLine& entry(const spool::SpoolEntry* entry) {
    if (entry != nullptr) {
      FixedString<2 * spool::kSpoolNameCapacity + 1> name;
      name.append_truncated(entry->group.view());
      name.append_truncated("/");
      name.append_truncated(entry->name.view());
      str("entry", name.view()).unum("tasks", entry->tasks);
    }
    return *this;
  }
  void send(Console& console, bool to_stderr) {
    (void)writer_.end_object();
    const auto size = writer_.finish();
    std::string_view text = "{\"error\":{\"status\":\"buffer_too_small\"}}\n";
    if (size.ok()) {
      buffer_[*size] = '\n';  // the text and its newline in one write
      text = as_text(ConstByteSpan(buffer_, *size + 1));
    }
    (to_stderr ? console.err(text) : console.out(text));
  }

 private:
  uint8_t buffer_[N];
  json::Writer writer_;
};

// A reporter event's line (kLineBytes on the stack of a shallow call: commands report between
// requests, never from inside one).
using EventLine = JsonLine<kLineBytes>;
EventLine json_line(std::string_view event = {}) {
  return EventLine(event);
}

bool is_content_error(Status status) {
  return status == Status::JsonInvalid || status == Status::ValidationFailed ||
         status == Status::EmptyInput;
}

}  // namespace

void Reporter::title(std::string_view title, uint64_t characters) {
  if (json_) {
    return json_line().str("title", title).unum("characters", characters).send(console_, false);
  }
  console_.out((Text() << title << "\n").view());
}

void Reporter::user(const labelstudio::User& user) {
  if (json_) {
    return json_line()
        .num("id", user.id)
        .str("email", user.email.view())
        .str("username", user.username.view())
        .send(console_, false);
  }
  console_.out((Text() << "id: " << user.id << "\nemail: " << user.email.view()
                       << "\nusername: " << user.username.view() << "\n")
                   .view());
}

void Reporter::check_ok(uint64_t number, std::string_view username) {
  if (json_) {
    return json_line()
        .unum("check", number)
        .flag("ok", true)
        .str("username", username)
        .send(console_, false);
  }
  console_.out((Text() << "check " << number << ": ok, user " << username << "\n").view());
}

void Reporter::project(const labelstudio::EnsuredProject& ensured) {
  if (json_) {
    return json_line()
        .num("id", ensured.project.id)
        .str("title", ensured.project.title.view())
        .flag("created", ensured.created)
        .send(console_, false);
  }
  console_.out((Text() << ensured.project.id << "\n").view());
}

void Reporter::imported(uint64_t tasks, uint64_t requests) {
  if (json_) {
    return json_line().unum("tasks", tasks).unum("requests", requests).send(console_, false);
  }
  console_.out((Text() << "imported " << tasks << " tasks in " << requests
                       << (requests == 1 ? " request\n" : " requests\n"))
                   .view());
}

void Reporter::import_progress(uint64_t sent_tasks, uint64_t total_tasks, uint64_t requests) {
  if (json_ || !console_.err_is_terminal()) {
    return;
  }
  // "\r[#########           ] 45% 4500/10000 tasks, 5 requests"
  constexpr uint64_t kWidth = 30;
  const uint64_t filled = total_tasks > 0 ? sent_tasks * kWidth / total_tasks : kWidth;
  Text text;
  text << "\r[";
  for (uint64_t i = 0; i < kWidth; ++i) {
    text << (i < filled ? "#" : " ");
  }
  text << "] " << (total_tasks > 0 ? sent_tasks * 100 / total_tasks : 100) << "% " << sent_tasks
       << "/" << total_tasks << " tasks, " << requests << " requests";
  console_.err(text.view());
  progress_drawn_ = true;
}

void Reporter::import_progress_end() {
  if (progress_drawn_) {
    console_.err("\n");
    progress_drawn_ = false;
  }
}

void Reporter::uploaded(std::string_view path, const labelstudio::ImportResult& result) {
  if (json_) {
    return json_line()
        .str("file", path)
        .num("tasks", result.task_count)
        .num("file_upload_id", result.first_file_upload_id)
        .flag("queued", result.queued)
        .send(console_, false);
  }
  console_.out(
      (Text() << path << ": " << labelstudio::describe_import(result).view() << "\n").view());
}

void Reporter::spool_added(const spool::SpoolAddResult& added) {
  if (json_) {
    EventLine line;
    line.unum("entries", added.entries)
        .unum("tasks", added.tasks)
        .unum("sequence", added.sequence)
        .str("format", added.media ? std::string_view("media")
                                   : taskfile::task_file_format_name(added.format));
    if (added.media) {
      line.unum("linked", added.linked);
    }
    return line.send(console_, false);
  }
  if (added.media) {
    Text text;
    text << "queued " << added.entries
         << (added.entries == 1 ? " media file (group " : " media files (group ") << added.sequence;
    if (added.linked != 0) {
      text << "; " << added.linked << " hard-linked, not copied";
    }
    return console_.out((text << ")\n").view());
  }
  console_.out((Text() << "queued " << added.tasks << " tasks in " << added.entries
                       << (added.entries == 1 ? " entry (group " : " entries (group ")
                       << added.sequence << ")\n")
                   .view());
}

void Reporter::rejected_entry(const spool::RejectedEntry& entry) {
  if (json_) {
    return json_line()
        .str("name", entry.name)
        .unum("tasks", entry.tasks)
        .unum("bytes", entry.bytes)
        .str("reason", entry.reason)
        .send(console_, false);
  }
  console_.out((Text() << entry.name << "  " << entry.tasks
                       << (entry.tasks == 1 ? " task, " : " tasks, ") << entry.bytes << " B  "
                       << entry.reason << "\n")
                   .view());
}

void Reporter::requeued(const spool::RequeueResult& result) {
  if (json_) {
    return json_line()
        .unum("entries", result.entries)
        .unum("tasks", result.tasks)
        .unum("sequence", result.sequence)
        .send(console_, false);
  }
  if (result.entries == 0) {
    console_.out("nothing to requeue: rejected/ holds no entries\n");
    return;
  }
  console_.out((Text() << "requeued " << result.tasks << " tasks in " << result.entries
                       << (result.entries == 1 ? " entry (group " : " entries (group ")
                       << result.sequence << ")\n")
                   .view());
}

namespace {

// " 2026-12-06 13:01:02 UTC (3 h 2 min ago)"; " (not yet)" style for a clock behind the event.
void append_when(Text& text, int64_t unix_seconds, int64_t now_unix) {
  const CivilTime t = civil_from_unix_seconds(unix_seconds);
  const auto two = [&text](int value) {
    if (value < 10) {
      text << "0";
    }
    text << value;
  };
  text << " " << t.year << "-";
  two(t.month);
  text << "-";
  two(t.day);
  text << " ";
  two(t.hour);
  text << ":";
  two(t.minute);
  text << ":";
  two(t.second);
  text << " UTC (";
  const int64_t age = now_unix - unix_seconds;
  if (age < 0) {
    text << "in the future by the device's clock)";
  } else if (age < 120) {
    text << age << " s ago)";
  } else if (age < 7200) {
    text << age / 60 << " min ago)";
  } else if (age < 172800) {
    text << age / 3600 << " h " << age % 3600 / 60 << " min ago)";
  } else {
    text << age / 86400 << " days ago)";
  }
}

}  // namespace

void Reporter::spool_limit(std::string_view spool, uint64_t max_bytes) {
  if (json_) {
    return json_line().str("spool", spool).unum("max_bytes", max_bytes).send(console_, false);
  }
  if (max_bytes == 0) {
    return console_.out((Text() << "spool " << spool << ": no size cap\n").view());
  }
  console_.out((Text() << "spool " << spool << ": at most " << max_bytes
                       << " bytes queued; spool add refuses past it (exit 6)\n")
                   .view());
}

void Reporter::status(const StatusReport& r) {
  const RunState& s = r.state;
  if (json_) {
    return json_line()
        .str("spool", r.spool)
        .unum("queued_entries", r.counts.queued_entries)
        .unum("queued_tasks", r.counts.queued_tasks)
        .unum("queued_bytes", r.counts.queued_bytes)
        .unum("max_bytes", r.max_bytes)
        .flag("full", r.max_bytes != 0 && r.counts.queued_bytes >= r.max_bytes)
        .num("oldest_entry_unix", r.oldest_entry_unix)
        .num("oldest_entry_age_s", r.oldest_entry_unix == 0 ? 0 : r.now_unix - r.oldest_entry_unix)
        .unum("rejected_entries", r.counts.rejected_entries)
        .unum("outcome_unknown", r.counts.outcome_unknown)
        .num("last_success_unix", s.last_success_unix)
        .unum("last_success_tasks", s.last_success_tasks)
        .str("last_success_entry", s.last_success_entry.view())
        .num("last_error_unix", s.last_error_unix)
        .str("last_error_status", s.last_error_status.view())
        .unum("last_error_http_status", s.last_error_http_status)
        .str("last_error", s.last_error.view())
        .num("state_updated_unix", s.updated_unix)
        .send(console_, false);
  }
  Text text;
  text << "spool " << r.spool << "\nqueued: " << r.counts.queued_entries << " entries ("
       << r.counts.queued_tasks << " tasks)";
  if (r.oldest_entry_unix != 0) {
    text << ", the oldest added";
    append_when(text, r.oldest_entry_unix, r.now_unix);
  }
  text << "\nsize: " << r.counts.queued_bytes << " bytes queued";
  if (r.max_bytes != 0) {
    text << " of a cap of " << r.max_bytes;
    if (r.counts.queued_bytes >= r.max_bytes) {
      text << "; FULL: spool add refuses new entries (exit 6) until run uploads";
    } else {
      text << " (" << r.max_bytes - r.counts.queued_bytes << " left)";
    }
  }
  text << "\nrejected: " << r.counts.rejected_entries << " entries"
       << (r.counts.rejected_entries != 0 ? " (lsedge spool rejected list)" : "")
       << "\noutcome unknown: " << r.counts.outcome_unknown << " entries\nlast upload:";
  if (s.last_success_unix != 0) {
    append_when(text, s.last_success_unix, r.now_unix);
    text << ", " << s.last_success_tasks << " tasks of " << s.last_success_entry.view();
  } else {
    text << (r.has_state ? " none yet"
                         : " none recorded (no run-state file: `run` has not run here)");
  }
  text << "\nlast error:";
  if (s.last_error_unix != 0) {
    append_when(text, s.last_error_unix, r.now_unix);
    text << ": " << s.last_error_status.view();
    if (s.last_error_http_status != 0) {
      text << " (HTTP " << s.last_error_http_status << ")";
    }
    text << ": " << s.last_error.view();
  } else {
    text << " none";
  }
  text << "\n";
  console_.out(text.view());
}

void Reporter::run_queue(std::string_view event, const spool::SpoolCounts& counts,
                         const RunTotals& totals) {
  if (json_) {
    return json_line(event)
        .unum("queued_entries", counts.queued_entries)
        .unum("queued_tasks", counts.queued_tasks)
        .unum("rejected_entries", counts.rejected_entries)
        .unum("outcome_unknown", counts.outcome_unknown)
        .unum("sent_entries", totals.sent_entries)
        .unum("sent_tasks", totals.sent_tasks)
        .unum("sent_requests", totals.requests)
        .unum("rejected", totals.rejected)
        .unum("unknown_outcomes", totals.unknown_outcomes)
        .unum("possible_duplicates", totals.possible_duplicates)
        .unum("split_entries", totals.split_entries)
        .send(console_, false);
  }
  Text text;
  text << event << ": " << counts.queued_entries << " entries (" << counts.queued_tasks
       << " tasks) queued, " << counts.rejected_entries << " in rejected/";
  if (event == "started") {
    text << ", " << counts.outcome_unknown << " with an unknown outcome from before\n";
  } else {
    text << "; this run sent " << totals.sent_entries << " entries (" << totals.sent_tasks
         << " tasks) in " << totals.requests << " requests, rejected " << totals.rejected
         << ", lost the answer to " << totals.unknown_outcomes << " requests and resent "
         << totals.possible_duplicates << " entries that may be duplicates";
    if (totals.split_entries > 0) {
      text << "; split " << totals.split_entries << " entries the server refused in part";
    }
    text << "\n";
  }
  console_.out(text.view());
}

void Reporter::run_sent(const spool::SpoolEntry& entry, int64_t imported, uint64_t ms,
                        const spool::SpoolBatch* batch) {
  const uint32_t entries = batch != nullptr ? batch->count : 1;
  const uint64_t tasks = batch != nullptr ? batch->tasks : entry.tasks;
  FixedString<2 * spool::kSpoolNameCapacity + 1> last;
  if (entries > 1) {
    const spool::BatchMember& member = batch->members[entries - 1];
    FixedString<spool::kSpoolNameCapacity> group;
    spool::format_group(member.sequence, group);
    last.append_truncated(group.view());
    last.append_truncated("/");
    last.append_truncated(member.name.view());
  }
  if (json_) {
    EventLine line = json_line("sent");
    line.entry(&entry);
    if (entries > 1) {
      line.str("last_entry", last.view()).unum("entries", entries).unum("batch_tasks", tasks);
    }
    return line.num("imported", imported)
        .unum("ms", ms)
        .flag("possible_duplicate", entry.outcome_unknown)
        .send(console_, false);
  }
  Text text;
  text << "sent " << entry;
  if (entries > 1) {
    text << " .. " << last.view() << " (" << uint64_t{entries} << " entries in one request)";
  }
  console_.out((text << ": " << tasks << " tasks in " << ms << " ms"
                     << (entry.outcome_unknown
                             ? " (possible duplicate: an earlier request's outcome was unknown)"
                             : "")
                     << "\n")
                   .view());
}

void Reporter::run_retry(const Error& error, uint64_t attempt, uint64_t delay_ms,
                         const spool::SpoolEntry* entry, bool outcome_unknown) {
  if (json_) {
    return json_line("retry")
        .entry(entry)
        .str("status", status_name(error.status))
        .unum("http_status", error.http_status)
        .str("detail", error.detail.view())
        .unum("attempt", attempt)
        .unum("delay_ms", delay_ms)
        .flag("outcome_unknown", outcome_unknown)
        .send(console_, false);
  }
  Text text;
  text << "lsedge run: " << status_message(error.status);
  if (!error.detail.empty()) {
    text << " (" << error.detail.view() << ")";
  }
  text << "; retry " << attempt << " in " << delay_ms << " ms";
  if (outcome_unknown && entry != nullptr) {
    text << "; the request may have reached the server, so the resend of " << *entry
         << " may duplicate its tasks";
  }
  console_.err((text << "\n").view());
}

void Reporter::run_rejected(const spool::SpoolEntry& entry, const Error& error,
                            std::string_view spool_directory) {
  if (json_) {
    return json_line("rejected")
        .entry(&entry)
        .unum("http_status", error.http_status)
        .str("detail", error.detail.view())
        .send(console_, false);
  }
  Text text;
  text << "lsedge run: the server refused " << entry;
  if (error.http_status != 0) {
    text << " (HTTP " << error.http_status << ")";
  }
  console_.err((text << ": " << error.detail.view() << "; moved to " << spool_directory
                     << "/rejected/ with the reason beside it\n")
                   .view());
}

void Reporter::run_items_rejected(const spool::SpoolEntry& entry, uint64_t refused,
                                  uint64_t requeued, std::string_view first_reason,
                                  std::string_view spool_directory) {
  if (json_) {
    return json_line("items_rejected")
        .entry(&entry)
        .unum("refused", refused)
        .unum("requeued", requeued)
        .str("first_reason", first_reason)
        .send(console_, false);
  }
  console_.err((Text() << "lsedge run: the server refused " << refused << " of the " << entry.tasks
                       << " tasks of " << entry << " (HTTP 400), e.g. \"" << first_reason
                       << "\"; moved each to " << spool_directory
                       << "/rejected/ with its own reason; " << requeued
                       << " tasks queued again in its place\n")
                   .view());
}

void Reporter::run_split(const spool::SpoolEntry& entry, std::string_view cause,
                         uint16_t http_status, uint64_t bytes) {
  if (json_) {
    return json_line("split")
        .entry(&entry)
        .str("cause", cause)
        .unum("http_status", http_status)
        .unum("bytes", bytes)
        .unum("parts", 2)
        .send(console_, false);
  }
  const std::string_view why =
      cause == "too_large"
          ? "a proxy in front of Label Studio refused the request as too large"
          : "the server refused it without saying which tasks (its list of items was cut)";
  console_.err((Text() << "lsedge run: split " << entry << " (" << entry.tasks << " tasks, "
                       << bytes << " bytes) in halves: " << why << " (HTTP " << http_status
                       << "); each half is sent on its own\n")
                   .view());
}

void Reporter::run_poisoned(const spool::SpoolEntry& entry, const Error& error, uint64_t failures,
                            std::string_view spool_directory) {
  if (json_) {
    return json_line("poisoned")
        .entry(&entry)
        .unum("http_status", error.http_status)
        .unum("failures", failures)
        .str("detail", error.detail.view())
        .send(console_, false);
  }
  console_.err((Text() << "lsedge run: Label Studio failed on " << entry << " " << failures
                       << " times in a row (HTTP " << error.http_status
                       << ") while it answered other requests: " << error.detail.view()
                       << "; moved to " << spool_directory
                       << "/rejected/ with the reason beside it, so the queue moves on\n")
                   .view());
}

void Reporter::run_import_queued(const spool::SpoolEntry& entry, int64_t import_id) {
  if (json_) {
    return json_line("import_queued")
        .entry(&entry)
        .num("import_id", import_id)
        .send(console_, false);
  }
  console_.out((Text() << "queued " << entry << ": " << entry.tasks << " tasks as import "
                       << import_id << "; polling its status\n")
                   .view());
}

void Reporter::run_import_polled(const spool::SpoolEntry& entry, int64_t import_id,
                                 std::string_view state, uint64_t next_poll_ms) {
  if (json_) {
    return json_line("import_polled")
        .entry(&entry)
        .num("import_id", import_id)
        .str("state", state)
        .unum("next_poll_ms", next_poll_ms)
        .send(console_, false);
  }
  Text text;
  text << "import " << import_id << " of " << entry << ": " << state;
  if (next_poll_ms > 0) {
    text << "; next poll in " << next_poll_ms << " ms";
  }
  console_.err((text << "\n").view());
}

void Reporter::run_batch_bytes_hint(uint64_t refused_bytes, uint64_t suggested_bytes) {
  if (json_) {
    return json_line("batch_bytes_hint")
        .unum("refused_bytes", refused_bytes)
        .unum("suggested_batch_bytes", suggested_bytes)
        .send(console_, false);
  }
  console_.err((Text() << "lsedge run: warning: a proxy in front of Label Studio refuses request "
                          "bodies of "
                       << refused_bytes
                       << " bytes (HTTP 413, e.g. nginx client_max_body_size); such entries are "
                          "split until they fit, which costs requests: queue new tasks with "
                          "`lsedge spool add --batch-bytes "
                       << suggested_bytes << "` or raise the proxy's limit\n")
                   .view());
}

void Reporter::run_stopped() {
  if (!json_) {
    console_.err("lsedge run: stopped; every entry not yet confirmed is still queued\n");
  }
}

void Reporter::usage(std::string_view text) {
  if (json_) {
    return write_error(Error(Status::UsageError, "no command given"));
  }
  console_.err(text);
}

void Reporter::error(const Error& error) {
  reported_ = true;
  write_error(error);
}

int Reporter::fail(const Error& error) {
  if (!reported_) {
    this->error(error);
  }
  return exit_code_for(error.status);
}

Error Reporter::input_error(const Error& error, std::string_view what, std::string_view path) {
  reported_ = true;
  if (json_ || !is_content_error(error.status)) {
    write_error(error);
  } else {
    console_.err((Text() << "lsedge: cannot use " << what << " " << path
                         << "\n  detail: " << error.detail.view() << "\n")
                     .view());
  }
  return error;
}

void Reporter::write_error(const Error& error) {
  if (json_) {
    return json_line()
        .open("error")
        .str("status", status_name(error.status))
        .str("message", status_message(error.status))
        .str("detail", error.detail.view())
        .unum("http_status", error.http_status)
        .num("exit_code", exit_code_for(error.status))
        .close()
        .send(console_, true);
  }
  Text text;
  text << "lsedge: " << status_message(error.status) << "\n";
  if (!error.detail.empty()) {
    // A configuration verdict (wrong URL, redirect, plain HTTP to HTTPS) is lsedge's own text.
    const bool from_server = error.status == Status::RefreshRejected ||
                             (error.http_status != 0 && exit_code_for(error.status) != 2);
    text << (from_server ? "  server said: " : "  detail: ") << error.detail.view() << "\n";
  }
  if (error.status == Status::RefreshRejected) {
    text << "  what to do: " << labelstudio::refresh_failure_hint(error.detail.view()) << "\n";
  }
  console_.err(text.view());
}

void JsonLogSink::write(LogLevel level, std::string_view component, std::string_view message) {
  if (!enabled(level)) {
    return;
  }
  // A smaller line than an event's: log lines can come from deep in a request (the TLS
  // handshake's debug lines), and carry one long string.
  JsonLine<6 * kMaxStringBytes + 256>()
      .open("log")
      .str("level", log_level_name(level))
      .str("component", component)
      .str("message", message)
      .close()
      .send(console_, true);
}

void Reporter::import_stopped(uint64_t sent_tasks, uint64_t total_tasks, uint64_t requests,
                              uint64_t unknown_first, uint64_t unknown_count) {
  if (json_) {
    EventLine line;
    line.unum("tasks", sent_tasks)
        .unum("requests", requests)
        .unum("total_tasks", total_tasks)
        .flag("complete", false);
    if (unknown_count > 0) {
      line.unum("unknown_first_task", unknown_first).unum("unknown_tasks", unknown_count);
    }
    return line.send(console_, false);
  }
  Text text;
  if (requests > 0) {
    text << "lsedge: " << sent_tasks << " tasks were imported before the failure, in " << requests
         << (requests == 1 ? " request" : " requests") << " (of " << total_tasks
         << " tasks in the file)\n";
  }
  if (unknown_count > 0) {
    text << "lsedge: " << (unknown_count == 1 ? "task " : "tasks ") << unknown_first;
    if (unknown_count > 1) {
      text << "-" << unknown_first + unknown_count - 1;
    }
    text << " may already be on the server: " << (unknown_count == 1 ? "its" : "their")
         << " request was sent and its answer was lost; check the project before importing "
         << (unknown_count == 1 ? "it" : "them") << " again\n";
  }
  if (!text.view().empty()) {
    console_.err(text.view());
  }
}

}  // namespace lsedge::app
