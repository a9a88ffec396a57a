// `lsedge run` through run_cli with the HAL fakes: the daemon's order of work against the spool on
// an in-memory disk (an entry leaves the queue only after the server confirmed it), rejections,
// retries, a stop during a request, and a kill at the moment of sending.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/app/cli_rig.h"

namespace lsedge::app {
namespace {

using test::CliRig;
using test::http_response;
using test::kProject;
using test::label_studio;
using test::Request;
using test::tasks_json;

const std::string kImport = "/api/projects/5/import";

class CmdRun : public ::testing::Test {
 protected:
  void SetUp() override {
    rig.socket.answer = [](const Request& r) { return label_studio(r); };
  }

  // `lsedge spool add` of `count` tasks from id `first`, as its own file.
  void add(int first, int count, const std::string& extra = {}) {
    const std::string file = "/in/t" + std::to_string(first) + ".json";
    rig.storage.put_file(file, tasks_json(first, count));
    std::vector<std::string> args = {"spool", "add", "--spool", "/spool"};
    if (!extra.empty()) {
      args.push_back("--batch-bytes");
      args.push_back(extra);
    }
    args.push_back(file);
    ASSERT_EQ(rig.run(args), 0) << rig.console.err_text;
  }
  // `extra`: e.g. {"--batch-bytes", "4"}: one entry per request (no two fit).
  int run_once(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {
        "run",    "--spool",         "/spool", "--project",      std::to_string(kProject),
        "--once", "--retry-base-ms", "10",     "--retry-cap-ms", "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    return rig.run(args);
  }
  std::vector<std::string> queued() { return rig.files_under("/spool/queue/"); }
  // Queued entry files whose content holds task `id`.
  size_t queued_holding(int id) {
    const std::string needle = R"("id":)" + std::to_string(id) + ",";
    size_t n = 0;
    for (const auto& [path, content] : rig.storage.snapshot()) {
      n += path.rfind("/spool/queue/", 0) == 0 && path.back() != '/' &&
                   content.find(needle) != std::string::npos
               ? 1
               : 0;
    }
    return n;
  }
  // The first task id in a request body.
  static int first_id(const std::string& body) {
    const size_t at = body.find(R"("id":)");
    return at == std::string::npos ? -1 : std::stoi(body.substr(at + 5));
  }

  CliRig rig;
};

TEST_F(CmdRun, AnEntryStaysQueuedUntilItsImportIsAnswered) {
  add(0, 3);
  add(100, 3);
  add(200, 3);
  ASSERT_EQ(queued().size(), 3u);
  // At the moment each import reaches the server, its entry must still be on disk in the queue
  // (a daemon that removed it first would lose it to a kill -9 or a power cut right then).
  std::vector<int> sent_ids;
  std::vector<size_t> holding_at_send;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      sent_ids.push_back(first_id(r.body));
      holding_at_send.push_back(queued_holding(first_id(r.body)));
    }
    return label_studio(r);
  };
  EXPECT_EQ(run_once({"--batch-bytes", "4"}), 0) << rig.console.err_text;
  EXPECT_EQ(sent_ids, (std::vector<int>{0, 100, 200}));  // FIFO
  EXPECT_EQ(holding_at_send, (std::vector<size_t>{1, 1, 1}));
  EXPECT_TRUE(queued().empty());
  EXPECT_EQ(rig.count("POST", kImport), 3u);
  EXPECT_NE(rig.console.out_text.find("drained"), std::string::npos) << rig.console.out_text;
}

TEST_F(CmdRun, ConsecutiveEntriesGoAsOneRequestAndStayQueuedUntilItIsAnswered) {
  add(0, 3);
  add(100, 3);
  add(200, 3);
  std::vector<std::string> bodies;
  std::vector<size_t> holding_at_send;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      bodies.push_back(r.body);
      for (const int id : {0, 100, 200}) {
        holding_at_send.push_back(queued_holding(id));
      }
    }
    return label_studio(r);
  };
  EXPECT_EQ(run_once(), 0) << rig.console.err_text;
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(bodies[0], "[" + tasks_json(0, 3).substr(1, tasks_json(0, 3).size() - 2) + "," +
                           tasks_json(100, 3).substr(1, tasks_json(100, 3).size() - 2) + "," +
                           tasks_json(200, 3).substr(1, tasks_json(200, 3).size() - 2) + "]");
  EXPECT_EQ(holding_at_send, (std::vector<size_t>{1, 1, 1}));
  EXPECT_TRUE(queued().empty());
  EXPECT_NE(rig.console.out_text.find("(3 entries in one request): 9 tasks"), std::string::npos)
      << rig.console.out_text;
  EXPECT_NE(rig.console.out_text.find("this run sent 3 entries (9 tasks) in 1 requests"),
            std::string::npos)
      << rig.console.out_text;
}

TEST_F(CmdRun, AKillAtTheMomentOfSendingLeavesTheEntryToBeSentAgain) {
  add(0, 2);
  // The process dies while the server handles the import: nothing the daemon does afterwards
  // reaches the disk.
  bool killed = false;
  rig.socket.answer = [&](const Request& r) {
    if (!killed && r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      killed = true;
      rig.storage.crash_after(0);
    }
    return label_studio(r);
  };
  EXPECT_NE(run_once(), 0);
  ASSERT_TRUE(killed);
  rig.storage.restart(testing::MemoryStorage::Crash::ProcessKilled);
  EXPECT_EQ(queued_holding(0), 1u) << "the entry was gone before its import was answered";
  // The next run sends it again, flagged as a possible duplicate.
  EXPECT_EQ(run_once(), 0) << rig.console.err_text;
  EXPECT_EQ(rig.count("POST", kImport), 2u);
  EXPECT_TRUE(queued().empty());
  EXPECT_NE(rig.console.out_text.find("possible duplicate"), std::string::npos)
      << rig.console.out_text;
}

TEST_F(CmdRun, AStopDuringARequestLetsItFinish) {
  add(0, 2);
  add(100, 2);
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      rig.stop.stop = true;  // SIGTERM while the server works on the first import
    }
    return label_studio(r);
  };
  EXPECT_EQ(rig.run({"run", "--spool", "/spool", "--project", "5", "--batch-bytes", "4"}), 0)
      << rig.console.err_text;
  EXPECT_TRUE(rig.stop.armed);
  EXPECT_EQ(rig.count("POST", kImport), 1u);  // the one in flight, then no new one
  EXPECT_EQ(queued_holding(0), 0u);           // confirmed and removed, not left to be resent
  EXPECT_EQ(queued_holding(100), 1u);
  EXPECT_NE(rig.console.out_text.find("sent "), std::string::npos) << rig.console.out_text;
}

TEST_F(CmdRun, ARefusedEntryGoesToRejectedAndTheRestIsSent) {
  add(0, 2);
  add(100, 2);
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0 && first_id(r.body) == 0) {
      return http_response(400, R"({"id":"e","status_code":400,"version":"1.24.0",)"
                                R"("detail":"Validation error","exc_info":null,)"
                                R"("validation_errors":{"data":["bad"]}})");
    }
    return label_studio(r);
  };
  EXPECT_EQ(run_once(), 5);
  EXPECT_TRUE(queued().empty());
  EXPECT_FALSE(rig.files_under("/spool/rejected/").empty());
  // The two as one request, refused; then each alone: the bad one's 400 is never resent.
  EXPECT_EQ(rig.count("POST", kImport), 3u);
  EXPECT_NE(rig.console.err_text.find("Validation error"), std::string::npos)
      << rig.console.err_text;
}

TEST_F(CmdRun, ABatchsItemVerdictsSettleEachEntryAndTheGoodOnesGoAgainAsOneRequest) {
  add(0, 1);
  add(100, 2);  // its second task is refused: split, the first queued again
  add(200, 1);  // refused: rejected/ with its own message
  add(300, 1);
  std::vector<std::string> bodies;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      bodies.push_back(r.body);
      if (bodies.size() == 1) {
        return http_response(
            400, R"({"id":"e","status_code":400,"version":"1.24.0","detail":"Validation error",)"
                 R"("exc_info":null,"validation_errors":{"non_field_errors":[{},{},)"
                 R"("Error at item 2: bad 101 :: {}","Error at item 3: bad 200 :: {}",{}]}})");
      }
    }
    return label_studio(r);
  };
  EXPECT_EQ(run_once(), 5) << rig.console.err_text;
  ASSERT_EQ(bodies.size(), 2u) << "the batch, then the good tasks as one request";
  EXPECT_EQ(bodies[1].find(R"("id":101,)"), std::string::npos) << bodies[1];
  EXPECT_EQ(bodies[1].find(R"("id":200,)"), std::string::npos) << bodies[1];
  for (const int id : {0, 100, 300}) {
    EXPECT_NE(bodies[1].find(R"("id":)" + std::to_string(id) + ","), std::string::npos) << id;
  }
  EXPECT_TRUE(queued().empty());
  size_t reasons = 0;
  for (const auto& [path, content] : rig.storage.snapshot()) {
    if (path.rfind("/spool/rejected/", 0) == 0 && path.find(".reason.txt") != std::string::npos) {
      ++reasons;
      EXPECT_TRUE(content.find("bad 101") != std::string::npos ||
                  content.find("bad 200") != std::string::npos)
          << path << ": " << content;
    }
  }
  EXPECT_EQ(reasons, 2u);
}

TEST_F(CmdRun, AServerErrorIsRetriedAndTheEntryCountedAsAPossibleDuplicate) {
  add(0, 2);
  int imports = 0;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0 && imports++ == 0) {
      return http_response(500, R"({"detail":"boom"})");
    }
    return label_studio(r);
  };
  EXPECT_EQ(run_once(), 0) << rig.console.err_text;
  EXPECT_EQ(imports, 2);
  EXPECT_TRUE(queued().empty());
  EXPECT_NE(rig.console.out_text.find("possible duplicate"), std::string::npos)
      << rig.console.out_text;
}

TEST_F(CmdRun, AMissingProjectStopsBeforeAnyImportWithTheQueueIntact) {
  add(0, 2);
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "GET" && r.path.rfind("/api/projects/5", 0) == 0) {
      return http_response(404, R"({"detail":"Not found."})");
    }
    return label_studio(r);
  };
  EXPECT_EQ(run_once(), 2);
  EXPECT_EQ(rig.count("POST", kImport), 0u);
  EXPECT_EQ(queued_holding(0), 1u);
  EXPECT_NE(rig.console.err_text.find("project 5"), std::string::npos) << rig.console.err_text;
}

TEST_F(CmdRun, AnEmptyQueueDrainsAtOnce) {
  add(0, 1);
  ASSERT_EQ(run_once(), 0);
  rig.socket.requests.clear();
  EXPECT_EQ(run_once(), 0) << rig.console.err_text;
  EXPECT_EQ(rig.count("POST", kImport), 0u);
}

TEST_F(CmdRun, UsageErrorsSendNothing) {
  EXPECT_EQ(rig.run({"run", "--spool", "/spool"}), 2);  // no --project
  EXPECT_EQ(rig.run({"run", "--project", "5"}), 2);     // no --spool
  EXPECT_EQ(rig.run({"run", "--spool", "/spool", "--project", "5", "--poll-ms", "x"}), 2);
  EXPECT_TRUE(rig.socket.requests.empty());
}

TEST_F(CmdRun, NoTokenReachesTheConsoleOrTheLog) {
  add(0, 2);
  ASSERT_EQ(run_once(), 0);
  const std::string everything = rig.console.out_text + rig.console.err_text + rig.log.all_text();
  EXPECT_EQ(everything.find(rig.pat.substr(rig.pat.rfind('.'))), std::string::npos);
  EXPECT_EQ(everything.find("eyJ"), std::string::npos);
}

}  // namespace
}  // namespace lsedge::app
