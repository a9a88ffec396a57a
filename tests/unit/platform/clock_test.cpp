#include "platform/linux/linux_clock.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace lsedge::platform {
namespace {

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

TEST(LinuxClock, ReadsCLOCK_MONOTONICInMilliseconds) {
  // libstdc++'s steady_clock is CLOCK_MONOTONIC too, so the readings must bracket each other.
  LinuxClock clock;
  const uint64_t before = steady_ms();
  const uint64_t now = clock.now_ms();
  const uint64_t after = steady_ms();
  EXPECT_GE(now, before);
  EXPECT_LE(now, after);
}

TEST(LinuxClock, TheWallClockIsCLOCK_REALTIMEInSeconds) {
  const LinuxClock clock;
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t wall = clock.unix_seconds();
  const auto after = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  EXPECT_GE(wall, before);
  EXPECT_LE(wall, after);
}

TEST(LinuxClock, NeverGoesBackwards) {
  LinuxClock clock;
  uint64_t previous = clock.now_ms();
  for (int i = 0; i < 100000; ++i) {
    const uint64_t now = clock.now_ms();
    ASSERT_GE(now, previous);
    previous = now;
  }
}

TEST(LinuxClock, SleepsAtLeastTheRequestedTime) {
  LinuxClock clock;
  for (const uint32_t ms : {1u, 20u, 120u}) {
    const auto before = std::chrono::steady_clock::now();
    clock.sleep_ms(ms);
    EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(ms)) << ms;
  }
}

TEST(LinuxClock, SleepZeroReturns) {
  LinuxClock clock;
  const uint64_t before = clock.now_ms();
  clock.sleep_ms(0);
  EXPECT_LT(clock.now_ms() - before, 1000u);
}

// Delivers SIGUSR1 (with a no-op handler) to a thread sleeping in sleep_ms.
class SignalDuringSleep : public ::testing::Test {
 protected:
  void SetUp() override {
    struct sigaction action {};
    action.sa_handler = [](int) {};
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    ASSERT_EQ(sigaction(SIGUSR1, &action, &previous_), 0);
  }
  void TearDown() override { sigaction(SIGUSR1, &previous_, nullptr); }

  // Runs sleep_ms(sleep) on a thread, signals it every 20 ms, returns how long it slept.
  std::chrono::milliseconds sleep_while_signalled(LinuxClock& clock, uint32_t sleep) {
    std::atomic<bool> done{false};
    std::chrono::steady_clock::duration slept{};
    std::thread sleeper([&] {
      const auto before = std::chrono::steady_clock::now();
      clock.sleep_ms(sleep);
      slept = std::chrono::steady_clock::now() - before;
      done = true;
    });
    const pthread_t handle = sleeper.native_handle();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!done) {
        pthread_kill(handle, SIGUSR1);
      }
    }
    sleeper.join();
    return std::chrono::duration_cast<std::chrono::milliseconds>(slept);
  }

  struct sigaction previous_ {};
};

TEST_F(SignalDuringSleep, SleepsThroughSignalsWithoutAStopRequest) {
  std::atomic<bool> stop{false};
  LinuxClock clock(&stop);
  EXPECT_GE(sleep_while_signalled(clock, 300).count(), 300);
}

TEST_F(SignalDuringSleep, EndsEarlyOnASignalWhenStopIsRequested) {
  std::atomic<bool> stop{true};
  LinuxClock clock(&stop);
  // 60 s requested; the first signal (after ~20 ms) ends it.
  EXPECT_LT(sleep_while_signalled(clock, 60000).count(), 30000);
}

}  // namespace
}  // namespace lsedge::platform
