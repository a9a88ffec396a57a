// `lsedge import` through run_cli with the HAL fakes: a task file on the in-memory disk is checked
// whole before anything is sent, then sent in batches in file order, each task once.
#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tests/unit/app/cli_rig.h"

namespace lsedge::app {
namespace {

using test::CliRig;
using test::http_response;
using test::label_studio;
using test::Request;
using test::tasks_json;

const std::string kImport = "/api/projects/5/import";

class CmdImport : public ::testing::Test {
 protected:
  void SetUp() override {
    rig.socket.answer = [](const Request& r) { return label_studio(r); };
  }

  // The task ids in every import body (of at most `max_body` bytes), in the order they were sent.
  std::vector<int> sent_ids(size_t max_body = SIZE_MAX) const {
    std::vector<int> ids;
    for (const auto& r : rig.socket.requests) {
      if (r.method != "POST" || r.path.rfind(kImport, 0) != 0 || r.body.size() > max_body) {
        continue;
      }
      for (size_t at = r.body.find(R"("id":)"); at != std::string::npos;
           at = r.body.find(R"("id":)", at + 1)) {
        ids.push_back(std::stoi(r.body.substr(at + 5)));
      }
    }
    return ids;
  }

  CliRig rig;
};

TEST_F(CmdImport, SendsTheFileInBatchesInOrderEachTaskOnce) {
  rig.storage.put_file("/in/tasks.json", tasks_json(0, 60));
  ASSERT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "600", "/in/tasks.json"}), 0)
      << rig.console.err_text;
  const size_t requests = rig.count("POST", kImport);
  EXPECT_GT(requests, 3u);  // 60 tasks of ~35 bytes do not fit 600-byte batches
  std::vector<int> expected;
  for (int i = 0; i < 60; ++i) {
    expected.push_back(i);
  }
  EXPECT_EQ(sent_ids(), expected);
  for (const auto& r : rig.socket.requests) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      EXPECT_LE(r.body.size(), 600u);
    }
  }
  EXPECT_NE(rig.console.out_text.find("60"), std::string::npos) << rig.console.out_text;
}

// Validation and planning are one read of the file; sending reads each batch's range once more.
TEST_F(CmdImport, TheFileIsReadOnceBeforeSending) {
  const std::string file = tasks_json(0, 60);
  rig.storage.put_file("/in/tasks.json", file);
  ASSERT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "600", "/in/tasks.json"}), 0)
      << rig.console.err_text;
  EXPECT_GT(rig.count("POST", kImport), 3u);
  EXPECT_LE(rig.storage.bytes_read(), 2 * file.size());
}

// More batches than LSEDGE_IMPORT_PLAN_BATCHES: those past the plan are planned again from the
// file, with the same boundaries; every task goes once, in order.
TEST_F(CmdImport, BatchesPastThePlanAreStillSentInOrderEachTaskOnce) {
  const int count = 3 * LSEDGE_IMPORT_PLAN_BATCHES;
  rig.storage.put_file("/in/tasks.json", tasks_json(0, count));
  ASSERT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "60", "/in/tasks.json"}), 0)
      << rig.console.err_text;
  EXPECT_EQ(rig.count("POST", kImport), static_cast<size_t>(count));  // one ~35-byte task each
  std::vector<int> expected;
  for (int i = 0; i < count; ++i) {
    expected.push_back(i);
  }
  EXPECT_EQ(sent_ids(), expected);
}

// A proxy's 413 in the middle of the planned batches: the rest is planned again with a smaller
// budget from the refused batch on, each task once.
TEST_F(CmdImport, AProxyLimitInsideThePlanReplansFromTheRefusedBatch) {
  rig.storage.put_file("/in/tasks.json", tasks_json(0, 60));
  rig.socket.answer = [](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0 && r.body.size() > 300) {
      return http_response(413, "<html><body>413 Request Entity Too Large</body></html>",
                           "text/html");
    }
    return label_studio(r);
  };
  ASSERT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "600", "/in/tasks.json"}), 0)
      << rig.console.err_text;
  std::vector<int> expected;
  for (int i = 0; i < 60; ++i) {
    expected.push_back(i);
  }
  EXPECT_EQ(sent_ids(300), expected);  // the bodies the proxy let through
  EXPECT_GT(sent_ids().size(), expected.size());
}

// The file rewritten while it is sent: the tasks are found again in each batch and checked
// against the plan, so a longer task stops the import before its request is complete (the
// server never gets a body cut short or run over), and the tasks before it stay imported.
TEST_F(CmdImport, AFileChangedWhileSendingStopsTheImportBeforeItsBatchIsComplete) {
  const std::string file = tasks_json(0, 60);
  rig.storage.put_file("/in/tasks.json", file);
  std::string changed = file;
  const size_t at = changed.find("task 40");
  ASSERT_NE(at, std::string::npos);
  changed.insert(at, "longer ");
  int imports = 0;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0 && ++imports == 1) {
      rig.storage.overwrite_in_place("/in/tasks.json", changed);
    }
    return label_studio(r);
  };
  EXPECT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "600", "/in/tasks.json"}), 2);
  EXPECT_NE(rig.console.err_text.find("task file changed since it was planned"), std::string::npos)
      << rig.console.err_text;
  const std::vector<int> ids = sent_ids();
  ASSERT_FALSE(ids.empty());
  EXPECT_LT(ids.back(), 40) << "no body with the changed task was completed";
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], static_cast<int>(i));
  }
}

TEST_F(CmdImport, AnInvalidFileSendsNothing) {
  // Valid up to the last task, so a sender that streamed before checking would have sent some.
  std::string file = tasks_json(0, 30);
  file.back() = ',';
  file += R"({"data":{"id":99,"text":"unterminated}])";
  rig.storage.put_file("/in/bad.json", file);
  // README's exit codes: a bad local task file is 2 (TaskFileInvalid, a usage error).
  EXPECT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "300", "/in/bad.json"}), 2);
  EXPECT_TRUE(rig.socket.requests.empty());  // not even the token refresh
  EXPECT_NE(rig.console.err_text.find("/in/bad.json"), std::string::npos) << rig.console.err_text;
}

TEST_F(CmdImport, AMissingFileFailsNamingItAndSendsNothing) {
  EXPECT_NE(rig.run({"import", "--project", "5", "/in/none.json"}), 0);
  EXPECT_TRUE(rig.socket.requests.empty());
  EXPECT_NE(rig.console.err_text.find("/in/none.json"), std::string::npos) << rig.console.err_text;
}

TEST_F(CmdImport, ARefusedBatchStopsTheImportAndNothingAfterItIsSent) {
  rig.storage.put_file("/in/tasks.json", tasks_json(0, 40));
  int imports = 0;
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0 && ++imports == 2) {
      return http_response(400, R"({"id":"e","status_code":400,"version":"1.24.0",)"
                                R"("detail":"Validation error","exc_info":null,)"
                                R"("validation_errors":{"data":["bad"]}})");
    }
    return label_studio(r);
  };
  EXPECT_NE(rig.run({"import", "--project", "5", "--batch-bytes", "400", "/in/tasks.json"}), 0);
  EXPECT_EQ(imports, 2);  // the refused batch was the last request
  EXPECT_NE(rig.console.err_text.find("Validation error"), std::string::npos)
      << rig.console.err_text;
}

TEST_F(CmdImport, UsageErrorsSendNothing) {
  rig.storage.put_file("/in/tasks.json", tasks_json(0, 3));
  EXPECT_EQ(rig.run({"import", "/in/tasks.json"}), 2);  // no --project
  EXPECT_EQ(rig.run({"import", "--project", "5"}), 2);  // no file
  EXPECT_EQ(rig.run({"import", "--project", "0", "/in/tasks.json"}), 2);
  EXPECT_EQ(rig.run({"import", "--project", "5", "--batch-bytes", "1", "/in/tasks.json"}), 2);
  EXPECT_TRUE(rig.socket.requests.empty());
}

TEST_F(CmdImport, AnAnswerThatNeverComesTimesOutWithExit4) {
  rig.storage.put_file("/in/tasks.json", tasks_json(0, 3));
  rig.socket.answer = [&](const Request& r) {
    if (r.method == "POST" && r.path.rfind(kImport, 0) == 0) {
      return std::string();  // the server holds the request: the clock runs to the deadline
    }
    return label_studio(r);
  };
  const int rc = rig.run({"import", "--project", "5", "/in/tasks.json"});
  EXPECT_EQ(rc, 4) << rig.console.err_text;
  EXPECT_GE(rig.count("POST", kImport), 1u);
}

}  // namespace
}  // namespace lsedge::app
