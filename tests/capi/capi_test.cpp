// The C API's contract beyond the example: argument errors, status names and messages, the
// error detail, invalid input leaving the spool unchanged, the title buffer, and status reads.
#include <gtest/gtest.h>
#include <lsedge.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/lsedge-capi-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    spool_ = dir_ + "/spool";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string put(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  std::string dir_;
  std::string spool_;
};

TEST_F(CApi, EveryStatusHasANameAndAMessage) {
  for (int s = LSEDGE_OK; s <= LSEDGE_INTERNAL_ERROR; ++s) {
    const auto status = static_cast<lsedge_status>(s);
    EXPECT_STRNE(lsedge_status_name(status), "unknown") << s;
    EXPECT_GT(std::string(lsedge_status_message(status)).size(), 5u) << s;
  }
  EXPECT_STREQ(lsedge_status_name(LSEDGE_SPOOL_FULL), "spool_full");
  EXPECT_STREQ(lsedge_status_name(static_cast<lsedge_status>(9)), "unknown");
  EXPECT_EQ(std::string(lsedge_version()).rfind("lsedge ", 0), 0u);
}

TEST_F(CApi, MissingArgumentsAreInvalidArgumentAndTheErrorIsOptional) {
  lsedge_error error;
  EXPECT_EQ(lsedge_spool_add_tasks(nullptr, "[]", 2, nullptr, &error), LSEDGE_INVALID_ARGUMENT);
  EXPECT_EQ(error.status, LSEDGE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(error.detail).find("spool_dir"), std::string::npos);
  EXPECT_EQ(lsedge_spool_add_media(spool_.c_str(), nullptr, nullptr, 1, nullptr, nullptr),
            LSEDGE_INVALID_ARGUMENT);
  const char* none[1] = {nullptr};
  EXPECT_EQ(lsedge_spool_add_media(spool_.c_str(), none, nullptr, 1, nullptr, nullptr),
            LSEDGE_INVALID_ARGUMENT);
  EXPECT_EQ(lsedge_spool_get_status(spool_.c_str(), nullptr, nullptr), LSEDGE_INVALID_ARGUMENT);
  char out[8];
  EXPECT_EQ(lsedge_format_title(nullptr, nullptr, out, sizeof out, nullptr),
            LSEDGE_INVALID_ARGUMENT);
}

TEST_F(CApi, TasksFromABufferAreQueuedAndInvalidOnesChangeNothing) {
  lsedge_add_result added{};
  lsedge_error error;
  const std::string tasks = "[{\"data\":{\"text\":\"a\"}},{\"data\":{\"text\":\"b\"}}]";
  ASSERT_EQ(lsedge_spool_add_tasks(spool_.c_str(), tasks.data(), tasks.size(), &added, &error),
            LSEDGE_OK)
      << error.detail;
  EXPECT_EQ(added.tasks, 2u);
  EXPECT_EQ(added.entries, 1u);
  EXPECT_EQ(added.sequence, 1u);
  EXPECT_EQ(error.status, LSEDGE_OK);
  const std::string cut = "[{\"data\":{\"text\":\"a\"}";
  EXPECT_EQ(lsedge_spool_add_tasks(spool_.c_str(), cut.data(), cut.size(), &added, &error),
            LSEDGE_INVALID_INPUT);
  EXPECT_NE(std::string(error.detail).find("byte"), std::string::npos) << error.detail;
  lsedge_spool_status status;
  ASSERT_EQ(lsedge_spool_get_status(spool_.c_str(), &status, &error), LSEDGE_OK) << error.detail;
  EXPECT_EQ(status.queued_entries, 1u);
  EXPECT_EQ(status.queued_tasks, 2u);
  EXPECT_EQ(status.queued_bytes, tasks.size());
  EXPECT_EQ(status.max_bytes, 0u);
  EXPECT_NE(status.oldest_entry_unix, 0);
  EXPECT_EQ(status.last_success_unix, 0);
}

TEST_F(CApi, MediaTypesLabelStudioRefusesAndBadPredictionsAreInvalidInput) {
  const std::string exe = put("tool.exe", "MZ");
  const std::string csv = put("t.csv", "a,b\n");
  const std::string jpg = put("a.jpg", "\xFF\xD8jpeg");
  const std::string bad = put("p.json", "[1]");
  lsedge_error error;
  for (const std::string& path : {exe, csv}) {
    const char* media[1] = {path.c_str()};
    EXPECT_EQ(lsedge_spool_add_media(spool_.c_str(), media, nullptr, 1, nullptr, &error),
              LSEDGE_INVALID_INPUT)
        << path;
  }
  const char* media[1] = {jpg.c_str()};
  const char* predictions[1] = {bad.c_str()};
  EXPECT_EQ(lsedge_spool_add_media(spool_.c_str(), media, predictions, 1, nullptr, &error),
            LSEDGE_INVALID_INPUT);
  EXPECT_NE(std::string(error.detail).find("predictions file"), std::string::npos) << error.detail;
  const std::string missing = dir_ + "/missing.jpg";
  const char* gone[1] = {missing.c_str()};
  EXPECT_EQ(lsedge_spool_add_media(spool_.c_str(), gone, nullptr, 1, nullptr, &error),
            LSEDGE_STORAGE_ERROR);
  lsedge_add_result added{};
  ASSERT_EQ(lsedge_spool_add_media(spool_.c_str(), media, nullptr, 1, &added, &error), LSEDGE_OK)
      << error.detail;
  EXPECT_EQ(added.entries, 1u);
  EXPECT_EQ(added.bytes, 6u);
}

TEST_F(CApi, AStatusOfADirectoryThatIsNotASpoolTouchesNothing) {
  lsedge_spool_status status;
  lsedge_error error;
  EXPECT_EQ(lsedge_spool_get_status(dir_.c_str(), &status, &error), LSEDGE_NOT_A_SPOOL);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/lsedge-spool"));
  const std::string tasks = "{\"data\":{}}";
  put("file", "x");
  EXPECT_EQ(
      lsedge_spool_add_tasks((dir_ + "/file").c_str(), tasks.data(), tasks.size(), nullptr, &error),
      LSEDGE_NOT_A_SPOOL);
}

// Capture threads adding at once: every add queued once, each in its own group.
TEST_F(CApi, ThreadsAddingAtOnceLoseNothing) {
  constexpr int kThreads = 4;
  constexpr int kAdds = 10;
  const std::string jpg = put("a.jpg", "\xFF\xD8jpeg");
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAdds; ++i) {
        const std::string task = "{\"data\":{\"t\":" + std::to_string(t) + "}}";
        const char* media[1] = {jpg.c_str()};
        const lsedge_status s =
            i % 2 == 0
                ? lsedge_spool_add_tasks(spool_.c_str(), task.data(), task.size(), nullptr, nullptr)
                : lsedge_spool_add_media(spool_.c_str(), media, nullptr, 1, nullptr, nullptr);
        failures[static_cast<size_t>(t)] += s == LSEDGE_OK ? 0 : 1;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const int failed : failures) {
    EXPECT_EQ(failed, 0);
  }
  lsedge_spool_status status;
  ASSERT_EQ(lsedge_spool_get_status(spool_.c_str(), &status, nullptr), LSEDGE_OK);
  EXPECT_EQ(status.queued_entries, static_cast<uint64_t>(kThreads * kAdds));
  EXPECT_EQ(status.queued_tasks, static_cast<uint64_t>(kThreads * kAdds));
}

TEST_F(CApi, TheTitleIsFormattedIntoTheCallersBufferOrRefusedWhole) {
  char out[256];
  lsedge_error error;
  ASSERT_EQ(lsedge_format_title("Dock camera", "6b5805c9-9b11", out, sizeof out, &error),
            LSEDGE_OK);
  EXPECT_STREQ(out, "Dock camera (6b5805c9)");
  char small[8] = "unset";
  EXPECT_EQ(lsedge_format_title("Dock camera", nullptr, small, sizeof small, &error),
            LSEDGE_BUFFER_TOO_SMALL);
  EXPECT_STREQ(small, "unset") << "written only on success";
  EXPECT_EQ(lsedge_format_title("  ", nullptr, out, sizeof out, &error), LSEDGE_INVALID_INPUT);
  EXPECT_EQ(lsedge_format_title("\xC3(", nullptr, out, sizeof out, &error), LSEDGE_INVALID_INPUT);
}

}  // namespace
