// Reporter: the human texts, and JSON that stays valid whatever a detail holds.
#include "firmware/app/reporter.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "firmware/app/status_text.h"

namespace lsedge::app {
namespace {

class RecordingConsole final : public Console {
 public:
  void out(std::string_view text) override { stdout_ += text; }
  void err(std::string_view text) override { stderr_ += text; }
  bool err_is_terminal() const override { return terminal; }
  bool terminal = false;
  std::string stdout_;
  std::string stderr_;
};

class AllLevels final : public LogSink {
 public:
  bool enabled(LogLevel level) const override { return level <= LogLevel::Info; }
  void write(LogLevel, std::string_view, std::string_view) override { ++writes; }
  int writes = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    EXPECT_NE(end, std::string::npos) << "every line ends with a newline";
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Parses one line; fails the test if it is not a JSON object.
cJSON* parse(const std::string& line) {
  cJSON* json = cJSON_ParseWithLength(line.data(), line.size());
  EXPECT_NE(json, nullptr) << line;
  EXPECT_TRUE(json == nullptr || cJSON_IsObject(json)) << line;
  return json;
}

spool::SpoolEntry entry(std::string_view group, std::string_view name, uint64_t tasks) {
  spool::SpoolEntry e;
  e.group.append_truncated(group);
  e.name.append_truncated(name);
  e.tasks = tasks;
  return e;
}

// The worst detail: full capacity, every byte escaped (control characters, quotes, backslashes).
Error hostile_error() {
  Error error(Status::ServerError);
  while (error.detail.size() < error.detail.kCapacity) {
    error.detail.append_truncated(std::string_view("\x01\"\\\n", 4));
  }
  error.http_status = 500;
  return error;
}

TEST(ReporterJson, HostileDetailsStayValidJson) {
  RecordingConsole console;
  Reporter reporter(console, true);
  const Error error = hostile_error();
  spool::SpoolEntry long_entry =
      entry(std::string(64, '\x02'), std::string(64, '"'), 3);  // names escaped 6:1 as well
  reporter.run_retry(error, 2, 400, &long_entry, true);
  reporter.run_rejected(long_entry, error, "/q");
  labelstudio::User user;
  user.id = 7;
  user.email.append_truncated(std::string(300, '\x1f'));
  user.username.append_truncated(std::string(300, '\\'));
  reporter.user(user);
  reporter.uploaded(std::string(2000, '\x7f') + "\x01", labelstudio::ImportResult());
  EXPECT_EQ(reporter.fail(error), exit_code_for(Status::ServerError));

  const auto out = lines_of(console.stdout_);
  ASSERT_EQ(out.size(), 4u);
  for (const std::string& line : out) {
    cJSON_Delete(parse(line));
  }
  cJSON* retry = parse(out[0]);
  ASSERT_NE(retry, nullptr);
  EXPECT_STREQ(cJSON_GetObjectItem(retry, "detail")->valuestring, error.detail.c_str());
  EXPECT_EQ(cJSON_GetObjectItem(retry, "attempt")->valueint, 2);
  EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(retry, "outcome_unknown")));
  cJSON_Delete(retry);

  const auto err = lines_of(console.stderr_);
  ASSERT_EQ(err.size(), 1u);
  cJSON* failure = parse(err[0]);
  ASSERT_NE(failure, nullptr);
  const cJSON* inner = cJSON_GetObjectItem(failure, "error");
  ASSERT_NE(inner, nullptr);
  EXPECT_STREQ(cJSON_GetObjectItem(inner, "status")->valuestring, status_name(Status::ServerError));
  EXPECT_STREQ(cJSON_GetObjectItem(inner, "detail")->valuestring, error.detail.c_str());
  EXPECT_EQ(cJSON_GetObjectItem(inner, "exit_code")->valueint, 5);
  cJSON_Delete(failure);
}

TEST(ReporterJson, InvalidUtf8BecomesNull) {
  RecordingConsole console;
  Reporter reporter(console, true);
  reporter.title("\xff\xfe", 2);
  EXPECT_EQ(console.stdout_, "{\"title\":null,\"characters\":2}\n");
}

// Three entries sent as one request: 1/... first, 12/... last, 7 tasks.
spool::SpoolBatch three_entry_batch() {
  spool::SpoolBatch batch;
  batch.head = entry("00000000000000000001", "0000000000-1.json", 1);
  batch.count = 3;
  batch.tasks = 7;
  batch.members[2].sequence = 12;
  (void)batch.members[2].name.assign("0000000001-5.json");
  return batch;
}

TEST(ReporterJson, ExactFieldsOfTheRunEvents) {
  RecordingConsole console;
  Reporter reporter(console, true);
  spool::SpoolEntry sent = entry("1", "0-2.json", 2);
  sent.outcome_unknown = true;
  reporter.run_sent(sent, -1, 12);
  reporter.imported(4, 1);
  const spool::SpoolBatch batch = three_entry_batch();
  reporter.run_sent(batch.head, 7, 30, &batch);
  EXPECT_EQ(console.stdout_,
            "{\"event\":\"sent\",\"entry\":\"1/0-2.json\",\"tasks\":2,\"imported\":-1,\"ms\":12,"
            "\"possible_duplicate\":true}\n"
            "{\"tasks\":4,\"requests\":1}\n"
            "{\"event\":\"sent\",\"entry\":\"00000000000000000001/0000000000-1.json\",\"tasks\":1,"
            "\"last_entry\":\"00000000000000000012/0000000001-5.json\",\"entries\":3,"
            "\"batch_tasks\":7,\"imported\":7,\"ms\":30,\"possible_duplicate\":false}\n");
}

TEST(ReporterJson, SplitPoisonAndAsyncImportEventsStayValidJson) {
  RecordingConsole console;
  Reporter reporter(console, true);
  const Error error = hostile_error();
  const spool::SpoolEntry long_entry = entry(std::string(64, '\x02'), std::string(64, '"'), 3);
  reporter.run_items_rejected(long_entry, 2, 1, error.detail.view(), "/q");
  reporter.run_split(long_entry, "too_large", 413, 204800);
  reporter.run_poisoned(long_entry, error, 5, "/q");
  reporter.run_import_queued(long_entry, 17);
  reporter.run_import_polled(long_entry, 17, "in_progress", 500);
  reporter.run_batch_bytes_hint(204800, 51200);
  reporter.run_queue("drained", spool::SpoolCounts(), RunTotals());
  const auto out = lines_of(console.stdout_);
  ASSERT_EQ(out.size(), 7u);
  const char* events[] = {"items_rejected", "split",         "poisoned",
                          "import_queued",  "import_polled", "batch_bytes_hint",
                          "drained"};
  for (size_t i = 0; i < out.size(); ++i) {
    cJSON* json = parse(out[i]);
    ASSERT_NE(json, nullptr);
    EXPECT_STREQ(cJSON_GetObjectItem(json, "event")->valuestring, events[i]);
    cJSON_Delete(json);
  }
  cJSON* poisoned = parse(out[2]);
  ASSERT_NE(poisoned, nullptr);
  EXPECT_STREQ(cJSON_GetObjectItem(poisoned, "detail")->valuestring, error.detail.c_str());
  EXPECT_EQ(cJSON_GetObjectItem(poisoned, "failures")->valueint, 5);
  cJSON_Delete(poisoned);
  EXPECT_EQ(console.stderr_, "");
}

TEST(ReporterJson, ExactFieldsOfTheSplitAndImportEvents) {
  RecordingConsole console;
  Reporter reporter(console, true);
  const spool::SpoolEntry e = entry("1", "0-10.json", 10);
  reporter.run_items_rejected(e, 4, 6, "Error at item 2: \"image\" key is expected", "/q");
  reporter.run_split(e, "cut_item_list", 400, 9000);
  reporter.run_import_queued(e, 17);
  reporter.run_import_polled(e, 17, "completed", 0);
  reporter.run_batch_bytes_hint(204800, 51200);
  RunTotals totals;
  totals.split_entries = 3;
  totals.rejected = 4;
  reporter.run_queue("drained", spool::SpoolCounts(), totals);
  EXPECT_EQ(
      console.stdout_,
      "{\"event\":\"items_rejected\",\"entry\":\"1/0-10.json\",\"tasks\":10,\"refused\":4,"
      "\"requeued\":6,\"first_reason\":\"Error at item 2: \\\"image\\\" key is expected\"}\n"
      "{\"event\":\"split\",\"entry\":\"1/0-10.json\",\"tasks\":10,\"cause\":"
      "\"cut_item_list\",\"http_status\":400,\"bytes\":9000,\"parts\":2}\n"
      "{\"event\":\"import_queued\",\"entry\":\"1/0-10.json\",\"tasks\":10,\"import_id\":17}\n"
      "{\"event\":\"import_polled\",\"entry\":\"1/0-10.json\",\"tasks\":10,\"import_id\":17,"
      "\"state\":\"completed\",\"next_poll_ms\":0}\n"
      "{\"event\":\"batch_bytes_hint\",\"refused_bytes\":204800,\"suggested_batch_bytes\":"
      "51200}\n"
      "{\"event\":\"drained\",\"queued_entries\":0,\"queued_tasks\":0,\"rejected_entries\":0,"
      "\"outcome_unknown\":0,\"sent_entries\":0,\"sent_tasks\":0,\"sent_requests\":0,"
      "\"rejected\":4,"
      "\"unknown_outcomes\":0,\"possible_duplicates\":0,\"split_entries\":3}\n");
}

TEST(ReporterHuman, SplitPoisonAndAsyncImportTexts) {
  RecordingConsole console;
  Reporter reporter(console, false);
  const spool::SpoolEntry e = entry("1", "0-10.json", 10);
  reporter.run_items_rejected(e, 4, 6, "bad image", "/q");
  reporter.run_split(e, "too_large", 413, 9000);
  Error server(Status::ServerError, "boom");
  server.http_status = 500;
  reporter.run_poisoned(e, server, 5, "/q");
  reporter.run_import_queued(e, 17);
  reporter.run_import_polled(e, 17, "in_progress", 500);
  reporter.run_import_polled(e, 17, "completed", 0);
  reporter.run_batch_bytes_hint(204800, 51200);
  RunTotals totals;
  totals.split_entries = 2;
  reporter.run_queue("drained", spool::SpoolCounts(), totals);
  EXPECT_EQ(console.stdout_,
            "queued 1/0-10.json: 10 tasks as import 17; polling its status\n"
            "drained: 0 entries (0 tasks) queued, 0 in rejected/; this run sent 0 entries (0 "
            "tasks) in 0 requests, rejected 0, lost the answer to 0 requests and resent 0 "
            "entries that may be duplicates; split 2 entries the server refused in part\n");
  EXPECT_EQ(console.stderr_,
            "lsedge run: the server refused 4 of the 10 tasks of 1/0-10.json (HTTP 400), e.g. "
            "\"bad image\"; moved each to /q/rejected/ with its own reason; 6 tasks queued again "
            "in its place\n"
            "lsedge run: split 1/0-10.json (10 tasks, 9000 bytes) in halves: a proxy in front of "
            "Label Studio refused the request as too large (HTTP 413); each half is sent on its "
            "own\n"
            "lsedge run: Label Studio failed on 1/0-10.json 5 times in a row (HTTP 500) while it "
            "answered other requests: boom; moved to /q/rejected/ with the reason beside it, so "
            "the queue moves on\n"
            "import 17 of 1/0-10.json: in_progress; next poll in 500 ms\n"
            "import 17 of 1/0-10.json: completed\n"
            "lsedge run: warning: a proxy in front of Label Studio refuses request bodies of "
            "204800 bytes (HTTP 413, e.g. nginx client_max_body_size); such entries are split "
            "until they fit, which costs requests: queue new tasks with `lsedge spool add "
            "--batch-bytes 51200` or raise the proxy's limit\n");
}

TEST(ReporterHuman, ABatchIsOneSentLineNamingItsFirstAndLastEntry) {
  RecordingConsole console;
  Reporter reporter(console, false);
  spool::SpoolBatch batch = three_entry_batch();
  batch.head.outcome_unknown = true;
  reporter.run_sent(batch.head, 7, 30, &batch);
  EXPECT_EQ(console.stdout_,
            "sent 00000000000000000001/0000000000-1.json .. "
            "00000000000000000012/0000000001-5.json (3 entries in one request): 7 tasks in 30 ms "
            "(possible duplicate: an earlier request's outcome was unknown)\n");
}

TEST(ReporterHuman, TextsAsBefore) {
  RecordingConsole console;
  Reporter reporter(console, false);
  reporter.imported(3, 1);
  reporter.check_ok(2, "ann");
  Error error(Status::ServerError, "boom");
  const spool::SpoolEntry e = entry("4", "1-9.json", 9);
  reporter.run_retry(error, 3, 250, &e, true);
  reporter.run_stopped();
  EXPECT_EQ(console.stdout_, "imported 3 tasks in 1 request\ncheck 2: ok, user ann\n");
  EXPECT_EQ(console.stderr_,
            std::string("lsedge run: ") + status_message(Status::ServerError) +
                " (boom); retry 3 in 250 ms; the request may have reached the server, so the "
                "resend of 4/1-9.json may duplicate its tasks\n"
                "lsedge run: stopped; every entry not yet confirmed is still queued\n");
}

// Nothing that came from the network (or a file name) reaches the terminal raw: no ESC, no
// forged line, no one-character CSI (U+009B), on stdout and stderr alike; JSON keeps the text.
bool has_raw_control(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool newline_ending_a_line = c == '\n';
    if ((c < 0x20 && !newline_ending_a_line) || c == 0x7F ||
        (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
      return true;
    }
  }
  return false;
}

TEST(ReporterHuman, ServerTextIsPrintedWithItsControlCharactersEscaped) {
  RecordingConsole console;
  Reporter reporter(console, false);
  labelstudio::User user;
  user.id = 7;
  user.email.append_truncated("evil\x1b]0;pwned\x07@example.com");
  user.username.append_truncated(
      "ann\nlsedge: fake line\xC2\x9B"
      "2J");
  reporter.user(user);
  EXPECT_EQ(console.stdout_,
            "id: 7\nemail: evil\\x1b]0;pwned\\x07@example.com\n"
            "username: ann\\nlsedge: fake line\\u009b2J\n");
  reporter.check_ok(1, "\x1b[31mred");
  EXPECT_NE(console.stdout_.find("user \\x1b[31mred\n"), std::string::npos);

  Error error(Status::ServerError, "Injected\x1b[2J\r\nlsedge: all good");
  error.http_status = 500;
  const spool::SpoolEntry e = entry("4", "1-9.json", 9);
  reporter.run_retry(error, 1, 100, &e, false);
  reporter.run_rejected(e, error, "/spool");
  reporter.run_poisoned(e, error, 3, "/spool");
  reporter.run_items_rejected(e, 1, 8, "bad\x1b[8mhidden", "/spool");
  reporter.run_import_polled(e, 5, "failed\x1b[0m", 0);
  reporter.error(error);
  EXPECT_FALSE(has_raw_control(console.stdout_)) << console.stdout_;
  EXPECT_FALSE(has_raw_control(console.stderr_)) << console.stderr_;
  EXPECT_NE(console.stderr_.find("server said: Injected\\x1b[2J\\r\\nlsedge: all good\n"),
            std::string::npos)
      << console.stderr_;
  EXPECT_NE(console.stderr_.find("e.g. \"bad\\x1b[8mhidden\""), std::string::npos);

  RecordingConsole json_console;
  Reporter json(json_console, true);
  json.user(user);
  json.error(error);
  for (const char c : json_console.stdout_ + json_console.stderr_) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << "a raw C0 control in JSON";
  }
  cJSON* parsed = parse(lines_of(json_console.stdout_).at(0));
  ASSERT_NE(parsed, nullptr);
  EXPECT_STREQ(cJSON_GetObjectItem(parsed, "username")->valuestring, user.username.c_str());
  cJSON_Delete(parsed);
}

TEST(ReporterHuman, AFullDetailEscapedStillEndsItsLine) {
  RecordingConsole console;
  Reporter reporter(console, false);
  Error error(Status::ServerError);
  while (error.detail.size() < error.detail.kCapacity) {
    error.detail.append_truncated("\x1b");
  }
  error.http_status = 500;
  const spool::SpoolEntry e = entry("4", "1-9.json", 9);
  reporter.run_poisoned(e, error, 3, "/spool");
  EXPECT_NE(console.stderr_.find("/rejected/ with the reason beside it, so the queue moves on\n"),
            std::string::npos)
      << console.stderr_.size();
}

TEST(ReporterHuman, ProgressBarOnlyAtATerminal) {
  RecordingConsole console;
  Reporter reporter(console, false);
  reporter.import_progress(1, 2, 1);
  reporter.import_progress_end();
  EXPECT_EQ(console.stderr_, "");
  console.terminal = true;
  reporter.import_progress(45, 100, 5);
  reporter.import_progress_end();
  EXPECT_EQ(console.stderr_, "\r[#############                 ] 45% 45/100 tasks, 5 requests\n");
  Reporter json(console, true);
  json.import_progress(1, 2, 1);
  json.import_progress_end();
  EXPECT_EQ(console.stderr_, "\r[#############                 ] 45% 45/100 tasks, 5 requests\n");
}

TEST(Reporter, AnErrorIsReportedOnceAndInputErrorsNameTheFile) {
  RecordingConsole console;
  Reporter reporter(console, false);
  const Error bad =
      reporter.input_error(Error(Status::JsonInvalid, "line 3"), "the task file", "tasks.json");
  EXPECT_EQ(reporter.fail(bad), exit_code_for(Status::JsonInvalid));
  EXPECT_EQ(console.stderr_, "lsedge: cannot use the task file tasks.json\n  detail: line 3\n");
  EXPECT_EQ(reporter.fail(bad), exit_code_for(Status::JsonInvalid));
  EXPECT_EQ(console.stderr_, "lsedge: cannot use the task file tasks.json\n  detail: line 3\n");
}

TEST(JsonLogSink, LogLinesAreJsonAndKeepTheLevelsOfTheNextSink) {
  RecordingConsole console;
  AllLevels next;
  JsonLogSink sink(next, console);
  EXPECT_TRUE(sink.enabled(LogLevel::Warn));
  EXPECT_FALSE(sink.enabled(LogLevel::Debug));
  sink.write(LogLevel::Warn, "run", "a \"quoted\"\nmessage\x1b[31m");
  sink.write(LogLevel::Debug, "run", "dropped");
  EXPECT_EQ(next.writes, 0);
  const auto lines = lines_of(console.stderr_);
  ASSERT_EQ(lines.size(), 1u);
  cJSON* json = parse(lines[0]);
  ASSERT_NE(json, nullptr);
  const cJSON* log = cJSON_GetObjectItem(json, "log");
  ASSERT_NE(log, nullptr);
  EXPECT_STREQ(cJSON_GetObjectItem(log, "level")->valuestring, "warn");
  EXPECT_STREQ(cJSON_GetObjectItem(log, "component")->valuestring, "run");
  EXPECT_STREQ(cJSON_GetObjectItem(log, "message")->valuestring, "a \"quoted\"\nmessage\x1b[31m");
  cJSON_Delete(json);
}

TEST(Reporter, OnlyTheServersWordsAreCalledTheServers) {
  RecordingConsole console;
  Reporter reporter(console, false);
  Error wrong_url(Status::NoApiAtUrl, "GET /ls/api/projects/ answered an HTML 404 page");
  wrong_url.http_status = 404;
  reporter.error(wrong_url);
  EXPECT_NE(console.stderr_.find("  detail: GET /ls/api"), std::string::npos) << console.stderr_;
  EXPECT_EQ(console.stderr_.find("server said"), std::string::npos) << console.stderr_;
  console.stderr_.clear();
  Error refused(Status::ValidationFailed, "Validation error");
  refused.http_status = 400;
  reporter.error(refused);
  EXPECT_NE(console.stderr_.find("  server said: Validation error"), std::string::npos)
      << console.stderr_;
}

}  // namespace
}  // namespace lsedge::app
