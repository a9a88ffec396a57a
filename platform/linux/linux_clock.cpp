#include "platform/linux/linux_clock.h"

#include <time.h>

#include <cerrno>

#include "platform/linux/monotonic_time.h"

namespace lsedge::platform {

int64_t LinuxClock::unix_seconds() const {
  timespec now{};
  (void)::clock_gettime(CLOCK_REALTIME, &now);  // cannot fail for CLOCK_REALTIME
  return static_cast<int64_t>(now.tv_sec);
}

uint64_t LinuxClock::now_ms() const {
  timespec ts{};
  // Fails only with EINVAL/EFAULT, impossible for CLOCK_MONOTONIC and a valid pointer.
  (void)::clock_gettime(CLOCK_MONOTONIC, &ts);
  return detail::timespec_to_ms(ts);
}

void LinuxClock::sleep_ms(uint32_t ms) {
  if (ms == 0) {
    return;
  }
  const timespec until = detail::monotonic_after_ms(ms);
  for (;;) {
    const int rc = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
    if (rc != EINTR) {
      return;  // 0: the end time was reached; other errors cannot be fixed by retrying
    }
    if (stop_requested_ != nullptr && stop_requested_->load()) {
      return;
    }
  }
}

}  // namespace lsedge::platform
