// DIR/run-state (issue #13): the text `run` writes and `status` reads, and both commands through
// run_cli with the HAL fakes.
#include "firmware/app/run_state.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/app/cli_rig.h"

namespace lsedge::app {
namespace {

using test::CliRig;
using test::http_response;
using test::kProject;
using test::label_studio;
using test::Request;
using test::tasks_json;

std::string format(const RunState& state) {
  char text[kRunStateMaxBytes];
  size_t length = 0;
  EXPECT_TRUE(format_run_state(state, Span<char>(text, sizeof(text)), length).ok());
  return std::string(text, length);
}

TEST(RunState, RoundTripsEveryField) {
  RunState state;
  state.updated_unix = 1796515260;
  state.last_success_unix = 1796515200;
  state.last_success_tasks = 27;
  (void)state.last_success_entry.assign("00000000000000000001/0000000000-27.json");
  state.last_error_unix = 1796515250;
  (void)state.last_error_status.assign("server_error");
  state.last_error_http_status = 503;
  (void)state.last_error.assign("Service Unavailable\nfrom the proxy");  // a newline inside
  const std::string text = format(state);
  EXPECT_EQ(text,
            "lsedge run-state 1\nupdated 1796515260\n"
            "last_success 1796515200 27 00000000000000000001/0000000000-27.json\n"
            "last_error 1796515250 server_error 503 Service Unavailable from the proxy\n");
  const Result<RunState> parsed = parse_run_state(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->last_success_tasks, 27u);
  EXPECT_EQ(parsed->last_success_entry.view(), "00000000000000000001/0000000000-27.json");
  EXPECT_EQ(parsed->last_error_http_status, 503);
  EXPECT_EQ(parsed->last_error_status.view(), "server_error");
  EXPECT_EQ(parsed->last_error.view(), "Service Unavailable from the proxy");
}

TEST(RunState, DamagedOrForeignLinesCostOnlyTheirField) {
  const Result<RunState> parsed = parse_run_state(
      "lsedge run-state 1\nupdated -5\nfuture_key whatever\n"
      "last_success 17965x5200 27 g/e.json\n"
      "last_error 1796515250 Server-Error 503 x\n"
      "last_success 1796515200 3 g/e.json");  // the last line cut short (no newline)
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->updated_unix, 0);
  EXPECT_EQ(parsed->last_success_unix, 0);
  EXPECT_EQ(parsed->last_error_unix, 0);
  EXPECT_EQ(parse_run_state("").status(), Status::ConfigInvalid);
  EXPECT_EQ(parse_run_state("lsedge run-state 2\n").status(), Status::ConfigInvalid);
}

class RunStateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    rig.socket.answer = [](const Request& r) { return label_studio(r); };
    rig.storage.put_file("/in/t.json", tasks_json(0, 4));
    ASSERT_EQ(rig.run({"spool", "add", "--spool", "/spool", "/in/t.json"}), 0);
  }
  int run_once() {
    return rig.run({"run", "--spool", "/spool", "--project", std::to_string(kProject), "--once",
                    "--retry-base-ms", "10", "--retry-cap-ms", "100"});
  }
  CliRig rig;
};

TEST_F(RunStateCli, RunRecordsTheLastUploadAndStatusShowsIt) {
  EXPECT_EQ(rig.run({"status", "--spool", "/spool"}), 0);
  EXPECT_NE(rig.console.out_text.find("queued: 1 entries (4 tasks)"), std::string::npos)
      << rig.console.out_text;
  EXPECT_NE(rig.console.out_text.find("last upload: none recorded"), std::string::npos);
  ASSERT_EQ(run_once(), 0) << rig.console.err_text;
  const Result<RunState> state = read_run_state(rig.storage, "/spool");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->last_success_tasks, 4u);
  EXPECT_GE(state->last_success_unix, testing::ManualClock::kWallStart);
  EXPECT_EQ(state->last_error_unix, 0);
  EXPECT_EQ(rig.storage.snapshot().count("/spool/run-state.new"), 0u) << "renamed into place";

  EXPECT_EQ(rig.run({"--json", "status", "--spool", "/spool", "--prometheus", "/m.prom"}), 0);
  EXPECT_NE(rig.console.out_text.find("\"queued_entries\":0"), std::string::npos)
      << rig.console.out_text;
  const std::string metrics = rig.storage.snapshot().at("/m.prom");
  EXPECT_NE(metrics.find("lsedge_upload_last_success_timestamp_seconds{spool=\"/spool\"} " +
                         std::to_string(state->last_success_unix) + "\n"),
            std::string::npos)
      << metrics;
}

TEST_F(RunStateCli, ARetriedFailureIsTheLastErrorAndTheLastUploadIsKept) {
  ASSERT_EQ(run_once(), 0);
  rig.storage.put_file("/in/u.json", tasks_json(10, 2));
  ASSERT_EQ(rig.run({"spool", "add", "--spool", "/spool", "/in/u.json"}), 0);
  int failures = 1;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind("/api/projects/5/import", 0) == 0 && failures-- > 0) {
      return http_response(503, "<html>busy</html>", "text/html");
    }
    return label_studio(r);
  };
  ASSERT_EQ(run_once(), 0) << rig.console.err_text;
  const Result<RunState> state = read_run_state(rig.storage, "/spool");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->last_success_tasks, 2u);
  EXPECT_EQ(state->last_error_http_status, 503);
  EXPECT_EQ(state->last_error_status.view(), "server_error");
  EXPECT_GE(state->last_success_unix, state->last_error_unix);
}

TEST_F(RunStateCli, StatusNeverMakesASpool) {
  rig.storage.put_directory("/empty");
  EXPECT_EQ(rig.run({"status", "--spool", "/empty"}), 2);
  EXPECT_EQ(rig.run({"status", "--spool", "/missing"}), 2);
  EXPECT_EQ(rig.storage.snapshot().count("/empty/lsedge-spool"), 0u);
  EXPECT_EQ(rig.storage.snapshot().count("/missing/"), 0u);
}

}  // namespace
}  // namespace lsedge::app
