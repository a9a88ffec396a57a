// HAL: the mutex and condition the token manager needs.
#pragma once

#include <cstdint>

namespace lsedge::hal {

// Thread-safety: these are the thread-safety primitives.
class Mutex {
 public:
  virtual void lock() = 0;
  virtual void unlock() = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~Mutex() = default;
};

class ConditionVariable {
 public:
  // Atomically releases `mutex` and waits for a notification or `timeout_ms` on the monotonic
  // clock; holds `mutex` again on return. False on timeout. Spurious wake-ups are allowed.
  [[nodiscard]] virtual bool wait_for(Mutex& mutex, uint32_t timeout_ms) = 0;
  virtual void notify_all() = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~ConditionVariable() = default;
};

// Scoped lock. Thread-safety: a scope guard for one thread.
class LockGuard {
 public:
  explicit LockGuard(Mutex& mutex) : mutex_(mutex) { mutex_.lock(); }
  ~LockGuard() { mutex_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Mutex& mutex_;
};

}  // namespace lsedge::hal
