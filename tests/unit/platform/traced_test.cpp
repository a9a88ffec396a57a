// Platform tests that run under tests/preload's LD_PRELOAD shim (ctest sets it; run alone, they
// fail on purpose): what LinuxStorage really asks of the kernel, and LinuxClock/LinuxCondition-
// Variable while the wall clock jumps back and forth by an hour.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "platform/linux/linux_clock.h"
#include "platform/linux/linux_storage.h"
#include "platform/linux/linux_sync.h"

namespace lsedge::platform {
namespace {

std::string trace_file() {
  const char* file = getenv("LSEDGE_TRACE_FILE");
  return file == nullptr ? std::string() : std::string(file);
}

std::vector<std::string> trace_lines() {
  std::ifstream in(trace_file());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

class TracedStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(trace_file().empty()) << "run under tests/preload (LD_PRELOAD, LSEDGE_TRACE_FILE)";
    char pattern[] = "/tmp/lsedge-traced-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    // The trace names what the kernel resolved: /tmp may be a symlink.
    dir_ = std::filesystem::canonical(pattern).string();
    std::filesystem::remove(trace_file());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  size_t count(const std::string& line) {
    size_t n = 0;
    for (const auto& l : trace_lines()) {
      n += l == line ? 1 : 0;
    }
    return n;
  }

  LinuxStorage storage_;
  std::string dir_;
};

TEST_F(TracedStorage, SyncFsyncsTheFile) {
  const std::string path = dir_ + "/entry";
  auto file = storage_.create_new(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(
      storage_.append(*file, ConstByteSpan(reinterpret_cast<const uint8_t*>("{}"), 2)).ok());
  EXPECT_EQ(count("fsync " + path) + count("fdatasync " + path), 0u);
  ASSERT_TRUE(storage_.sync(*file).ok());
  storage_.close(*file);
  EXPECT_EQ(count("fsync " + path) + count("fdatasync " + path), 1u);
}

TEST_F(TracedStorage, SyncDirectoryFsyncsTheDirectory) {
  EXPECT_EQ(count("fsync " + dir_), 0u);
  ASSERT_TRUE(storage_.sync_directory(dir_).ok());
  EXPECT_EQ(count("fsync " + dir_), 1u);
}

TEST_F(TracedStorage, RenameIsTracedWithBothPaths) {
  // The shim itself: what the integration tests' order checks rely on.
  const std::string from = dir_ + "/a";
  std::ofstream(from) << "x";
  ASSERT_TRUE(storage_.rename(from, dir_ + "/b").ok());
  EXPECT_EQ(count("rename " + from + " " + dir_ + "/b"), 1u);
}

// ---- the wall clock jumps by an hour on every other reading ----

int64_t realtime_s() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

class WallClockJumps : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shim is really there: two readings an instant apart are an hour apart.
    const int64_t a = realtime_s();
    const int64_t b = realtime_s();
    ASSERT_GE(a > b ? a - b : b - a, 3000) << "run under tests/preload with LSEDGE_REALTIME_JUMP_S";
  }
};

TEST_F(WallClockJumps, NowNeverGoesBackwardsNorJumps) {
  LinuxClock clock;
  uint64_t previous = clock.now_ms();
  for (int i = 0; i < 2000; ++i) {
    const uint64_t now = clock.now_ms();
    ASSERT_GE(now, previous);
    ASSERT_LT(now - previous, 60000u);
    previous = now;
  }
}

TEST_F(WallClockJumps, SleepsLastWhatWasAsked) {
  LinuxClock clock;
  for (int i = 0; i < 4; ++i) {  // both phases of the jump
    const auto before = std::chrono::steady_clock::now();
    clock.sleep_ms(80);
    const auto slept = std::chrono::steady_clock::now() - before;
    EXPECT_GE(slept, std::chrono::milliseconds(80)) << i;
    EXPECT_LT(slept, std::chrono::seconds(30)) << i;
  }
}

TEST_F(WallClockJumps, ConditionTimeoutsLastWhatWasAsked) {
  LinuxMutex mutex;
  LinuxConditionVariable condition(mutex);
  for (int i = 0; i < 4; ++i) {
    mutex.lock();
    const auto before = std::chrono::steady_clock::now();
    const bool notified = condition.wait_for(mutex, 80);
    const auto waited = std::chrono::steady_clock::now() - before;
    mutex.unlock();
    if (!notified) {  // a spurious wake-up may end it early; a timeout may not
      EXPECT_GE(waited, std::chrono::milliseconds(80)) << i;
    }
    EXPECT_LT(waited, std::chrono::seconds(30)) << i;
  }
}

}  // namespace
}  // namespace lsedge::platform
