// One access-token refresh in flight, and the result it publishes to the threads that waited.
#pragma once

#include <cstdint>

#include "firmware/core/deadline.h"
#include "firmware/core/result.h"
#include "hal/clock.h"
#include "hal/sync.h"

namespace lsedge::auth {

// The single-flight part of TokenManager: at most one refresh is in the air; it lands with a
// result (copied to every waiter) tagged with the credential epoch it ran for. The refresh itself
// runs elsewhere, outside the lock. Thread-safety: every member must be called with `mutex` held
// (wait_for_landing() releases it while blocked and holds it again on return).
class RefreshFlight {
 public:
  RefreshFlight(hal::Mutex& mutex, hal::ConditionVariable& condition,
                const hal::MonotonicClock& clock);
  RefreshFlight(const RefreshFlight&) = delete;
  RefreshFlight& operator=(const RefreshFlight&) = delete;

  [[nodiscard]] bool in_flight() const { return in_flight_; }
  // Claims the flight for a refresh of the credential of `epoch`; the caller must land() it.
  void take_off(uint64_t epoch);
  // Publishes the result of the flight in the air and wakes every waiter.
  void land(const Outcome& result);
  // Waits for the flight in the air now to land. Timeout when `deadline` passes first.
  [[nodiscard]] Outcome wait_for_landing(Deadline deadline);

  // The last landed flight: the credential epoch it ran for, and its result.
  [[nodiscard]] uint64_t landed_epoch() const { return landed_epoch_; }
  [[nodiscard]] const Outcome& landed_result() const { return landed_result_; }

 private:
  hal::Mutex& mutex_;
  hal::ConditionVariable& condition_;
  const hal::MonotonicClock& clock_;

  bool in_flight_ = false;
  uint64_t epoch_ = 0;   // of the flight in the air
  uint64_t landed_ = 0;  // flights landed so far; waiters wait for it to move on
  uint64_t landed_epoch_ = 0;
  Outcome landed_result_;
};

}  // namespace lsedge::auth
