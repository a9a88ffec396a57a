#include "platform/linux/stderr_log_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "board_sizes.h"
#include "firmware/core/log.h"
#include "tests/fakes/manual_clock.h"

namespace lsedge::platform {
namespace {

// The sink writes into a pipe the test drains.
class StderrLogSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe2(fds_, O_CLOEXEC), 0); }
  void TearDown() override {
    close(fds_[0]);
    if (fds_[1] >= 0) {
      close(fds_[1]);
    }
  }
  // Closes the write end and returns everything written.
  std::string drain() {
    close(fds_[1]);
    fds_[1] = -1;
    return read_to_end();
  }
  std::string read_to_end() {
    std::string text;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds_[0], chunk, sizeof(chunk))) > 0) {
      text.append(chunk, static_cast<size_t>(n));
    }
    return text;
  }

  int fds_[2] = {-1, -1};
  testing::ManualClock clock_{12345};
};

TEST_F(StderrLogSinkTest, ThresholdDecidesWhatIsEnabled) {
  StderrLogSink sink(clock_, LogLevel::Info, fds_[1]);
  EXPECT_TRUE(sink.enabled(LogLevel::Error));
  EXPECT_TRUE(sink.enabled(LogLevel::Info));
  EXPECT_FALSE(sink.enabled(LogLevel::Debug));
  sink.set_threshold(LogLevel::Debug);
  EXPECT_TRUE(sink.enabled(LogLevel::Debug));
  sink.set_threshold(LogLevel::Error);
  EXPECT_FALSE(sink.enabled(LogLevel::Warn));
  EXPECT_EQ(sink.threshold(), LogLevel::Error);
}

TEST_F(StderrLogSinkTest, WritesOneLineWithUptimeLevelAndComponent) {
  StderrLogSink sink(clock_, LogLevel::Info, fds_[1]);
  sink.write(LogLevel::Warn, "http", "connection reset, retrying");
  clock_.set(3600001);
  Logger(&sink, "auth").info("refreshed in %d ms", 42);
  EXPECT_EQ(drain(),
            "[  12.345] warn http: connection reset, retrying\n"
            "[3600.001] info auth: refreshed in 42 ms\n");
}

TEST_F(StderrLogSinkTest, DropsRecordsBelowTheThreshold) {
  StderrLogSink sink(clock_, LogLevel::Warn, fds_[1]);
  sink.write(LogLevel::Info, "app", "not shown");
  Logger(&sink, "app").debug("not shown either");
  sink.write(LogLevel::Error, "app", "shown");
  EXPECT_EQ(drain(), "[  12.345] error app: shown\n");
}

TEST_F(StderrLogSinkTest, ControlCharactersCannotForgeLines) {
  StderrLogSink sink(clock_, LogLevel::Info, fds_[1]);
  sink.write(LogLevel::Error, "labelstudio", "detail\n[  99.000] info auth: fake\x1b[2J");
  EXPECT_EQ(drain(), "[  12.345] error labelstudio: detail\\n[  99.000] info auth: fake\\x1b[2J\n");
}

// The sink and the console escape alike (one function): C1 controls and bytes that are not UTF-8
// too, and an escape is never cut in half at the line's end.
TEST_F(StderrLogSinkTest, EscapesC1ControlsAndInvalidBytesWholeAtTheCut) {
  StderrLogSink sink(clock_, LogLevel::Info, fds_[1]);
  sink.write(LogLevel::Info, "x",
             "a\xC2\x9B"
             "31m\xFF\x7F");
  sink.write(LogLevel::Info, "x", std::string(2 * LSEDGE_LOG_LINE_CAPACITY, '\x1b'));
  const std::string text = drain();
  const std::string first = "[  12.345] info x: a\\u009b31m\\xff\\x7f\n";
  ASSERT_EQ(text.substr(0, first.size()), first);
  const std::string line = text.substr(first.size());
  ASSERT_GE(line.size(), 6u);
  EXPECT_LE(line.size(), static_cast<size_t>(LSEDGE_LOG_LINE_CAPACITY));
  EXPECT_EQ(line.substr(line.size() - 5), "\\x1b\n");
  EXPECT_EQ((line.size() - 1 - std::string("[  12.345] info x: ").size()) % 4, 0u);
}

TEST_F(StderrLogSinkTest, LongMessagesAreCutAtTheLineCapacityOnAUtf8Boundary) {
  StderrLogSink sink(clock_, LogLevel::Info, fds_[1]);
  std::string message;
  while (message.size() < 2 * LSEDGE_LOG_LINE_CAPACITY) {
    message += "\xC3\xA9";  // é: two bytes, so some cut must land inside one
  }
  sink.write(LogLevel::Info, "x", message);
  sink.write(LogLevel::Info, "xy", message);
  const std::string text = drain();
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_LE(line.size() + 1, static_cast<size_t>(LSEDGE_LOG_LINE_CAPACITY));
    EXPECT_GE(line.size() + 2, static_cast<size_t>(LSEDGE_LOG_LINE_CAPACITY));
    // The last character is a whole é.
    ASSERT_GE(line.size(), 2u);
    EXPECT_EQ(line.substr(line.size() - 2), "\xC3\xA9");
  }
  EXPECT_EQ(count, 2);
  EXPECT_EQ(text.back(), '\n');
}

TEST_F(StderrLogSinkTest, ConcurrentLinesDoNotInterleave) {
  StderrLogSink sink(clock_, LogLevel::Info, fds_[1]);
  constexpr int kThreads = 4;
  constexpr int kLines = 300;
  std::string text;
  std::thread reader([&] { text = read_to_end(); });  // the pipe buffer is smaller than the output
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&sink, t] {
      const std::string component = "thread" + std::to_string(t);
      for (int i = 0; i < kLines; ++i) {
        sink.write(LogLevel::Info, component, "line " + std::to_string(i) + std::string(200, '.'));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  close(fds_[1]);
  fds_[1] = -1;
  reader.join();
  const std::regex pattern(R"(\[  12\.345\] info thread[0-3]: line [0-9]+\.{200})");
  std::istringstream lines(text);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    EXPECT_TRUE(std::regex_match(line, pattern)) << line;
  }
  EXPECT_EQ(count, kThreads * kLines);
}

}  // namespace
}  // namespace lsedge::platform
