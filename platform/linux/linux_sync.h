// hal::Mutex and hal::ConditionVariable on pthreads, timed on CLOCK_MONOTONIC.
#pragma once

#include <pthread.h>

#include <cstdint>

#include "hal/sync.h"

namespace lsedge::platform {

class LinuxConditionVariable;

// A plain (non-recursive) pthread mutex. Thread-safety: a synchronisation primitive.
class LinuxMutex final : public hal::Mutex {
 public:
  LinuxMutex() = default;
  ~LinuxMutex();
  LinuxMutex(const LinuxMutex&) = delete;
  LinuxMutex& operator=(const LinuxMutex&) = delete;

  void lock() override;
  void unlock() override;

 private:
  friend class LinuxConditionVariable;
  pthread_mutex_t mutex_ = PTHREAD_MUTEX_INITIALIZER;
};

// A condition variable bound to one LinuxMutex (without RTTI a hal::Mutex cannot be checked
// otherwise). Its waits use CLOCK_MONOTONIC, so wall-clock steps do not shorten or stretch them.
// Thread-safety: a synchronisation primitive.
class LinuxConditionVariable final : public hal::ConditionVariable {
 public:
  explicit LinuxConditionVariable(LinuxMutex& mutex);
  ~LinuxConditionVariable();
  LinuxConditionVariable(const LinuxConditionVariable&) = delete;
  LinuxConditionVariable& operator=(const LinuxConditionVariable&) = delete;

  // `mutex` must be the bound LinuxMutex, held by the caller. Another mutex is a caller bug:
  // returns false at once without waiting.
  [[nodiscard]] bool wait_for(hal::Mutex& mutex, uint32_t timeout_ms) override;
  void notify_all() override;

 private:
  LinuxMutex& mutex_;
  pthread_cond_t cond_;
};

}  // namespace lsedge::platform
