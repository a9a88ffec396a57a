#include "firmware/auth/refresh_flight.h"

namespace lsedge::auth {

RefreshFlight::RefreshFlight(hal::Mutex& mutex, hal::ConditionVariable& condition,
                             const hal::MonotonicClock& clock)
    : mutex_(mutex), condition_(condition), clock_(clock) {}

void RefreshFlight::take_off(uint64_t epoch) {
  in_flight_ = true;
  epoch_ = epoch;
}

void RefreshFlight::land(const Outcome& result) {
  in_flight_ = false;
  ++landed_;
  landed_epoch_ = epoch_;
  landed_result_ = result;
  condition_.notify_all();
}

Outcome RefreshFlight::wait_for_landing(Deadline deadline) {
  const uint64_t awaited = landed_;
  while (in_flight_ && landed_ == awaited) {
    const uint64_t now = clock_.now_ms();
    if (deadline.expired(now)) {
      return Error(Status::Timeout, "waiting for another thread's access token refresh");
    }
    (void)condition_.wait_for(mutex_, deadline.remaining_ms(now));
  }
  return {};
}

}  // namespace lsedge::auth
