#include "platform/linux/linux_sync.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace lsedge::platform {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(LinuxConditionVariable, WaitForReturnsFalseAfterTheTimeout) {
  LinuxMutex mutex;
  LinuxConditionVariable condition(mutex);
  hal::LockGuard lock(mutex);
  const auto before = steady_clock::now();
  EXPECT_FALSE(condition.wait_for(mutex, 60));
  EXPECT_GE(steady_clock::now() - before, milliseconds(60));
}

TEST(LinuxConditionVariable, NotifyAllWakesEveryWaiterWithTheMutexHeld) {
  LinuxMutex mutex;
  LinuxConditionVariable condition(mutex);
  bool ready = false;
  int woken = 0;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.emplace_back([&] {
      hal::LockGuard lock(mutex);
      while (!ready) {
        if (!condition.wait_for(mutex, 30000)) {
          return;  // timed out: leaves `woken` short, failing the test
        }
      }
      ++woken;  // under the mutex, re-acquired by wait_for
    });
  }
  std::this_thread::sleep_for(milliseconds(50));
  {
    hal::LockGuard lock(mutex);
    ready = true;
    condition.notify_all();
  }
  for (auto& waiter : waiters) {
    waiter.join();
  }
  EXPECT_EQ(woken, 3);
}

TEST(LinuxConditionVariable, RefusesAMutexItIsNotBoundTo) {
  LinuxMutex bound;
  LinuxMutex other;
  LinuxConditionVariable condition(bound);
  hal::LockGuard lock(other);
  const auto before = steady_clock::now();
  EXPECT_FALSE(condition.wait_for(other, 10000));
  EXPECT_LT(steady_clock::now() - before, milliseconds(5000));
}

TEST(LinuxMutex, ExcludesConcurrentCriticalSections) {
  LinuxMutex mutex;
  long counter = 0;  // deliberately not atomic
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50000; ++i) {
        hal::LockGuard lock(mutex);
        const long value = counter;
        std::this_thread::yield();  // widen the window a race would need
        counter = value + 1;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(counter, 200000);
}

}  // namespace
}  // namespace lsedge::platform
