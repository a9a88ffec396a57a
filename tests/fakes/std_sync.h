// hal::Mutex and hal::ConditionVariable on std::mutex / std::condition_variable_any, for tests
// (real threads, real blocking). wait_for's timeout runs on the steady clock, not a ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "hal/sync.h"

namespace lsedge::testing {

class StdMutex final : public hal::Mutex {
 public:
  void lock() override { mutex_.lock(); }
  void unlock() override { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

class StdConditionVariable final : public hal::ConditionVariable {
 public:
  bool wait_for(hal::Mutex& mutex, uint32_t timeout_ms) override {
    ++waiting_;
    ++waits_;
    // hal::Mutex is BasicLockable, which is all condition_variable_any needs.
    const std::cv_status status = condition_.wait_for(mutex, std::chrono::milliseconds(timeout_ms));
    --waiting_;
    return status == std::cv_status::no_timeout;
  }
  void notify_all() override {
    ++notifications_;
    condition_.notify_all();
  }

  // Threads blocked in wait_for right now (lets a test wait until all waiters are parked).
  int waiting() const { return waiting_.load(); }
  uint64_t waits() const { return waits_.load(); }
  uint64_t notifications() const { return notifications_.load(); }

 private:
  std::condition_variable_any condition_;
  std::atomic<int> waiting_{0};
  std::atomic<uint64_t> waits_{0};
  std::atomic<uint64_t> notifications_{0};
};

}  // namespace lsedge::testing
