#include "platform/linux/linux_sync.h"

#include <cerrno>

#include "platform/linux/monotonic_time.h"

namespace lsedge::platform {

// pthread calls below only fail on misuse (destroyed or foreign objects); the HAL interface has
// no error channel for that, and glibc's default mutex and condvar never allocate.

LinuxMutex::~LinuxMutex() {
  (void)::pthread_mutex_destroy(&mutex_);
}

void LinuxMutex::lock() {
  (void)::pthread_mutex_lock(&mutex_);
}

void LinuxMutex::unlock() {
  (void)::pthread_mutex_unlock(&mutex_);
}

LinuxConditionVariable::LinuxConditionVariable(LinuxMutex& mutex) : mutex_(mutex), cond_() {
  pthread_condattr_t attr;
  (void)::pthread_condattr_init(&attr);
  (void)::pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  (void)::pthread_cond_init(&cond_, &attr);
  (void)::pthread_condattr_destroy(&attr);
}

LinuxConditionVariable::~LinuxConditionVariable() {
  (void)::pthread_cond_destroy(&cond_);
}

bool LinuxConditionVariable::wait_for(hal::Mutex& mutex, uint32_t timeout_ms) {
  if (&mutex != static_cast<hal::Mutex*>(&mutex_)) {
    return false;
  }
  const timespec until = detail::monotonic_after_ms(timeout_ms);
  return ::pthread_cond_timedwait(&cond_, &mutex_.mutex_, &until) != ETIMEDOUT;
}

void LinuxConditionVariable::notify_all() {
  (void)::pthread_cond_broadcast(&cond_);
}

}  // namespace lsedge::platform
