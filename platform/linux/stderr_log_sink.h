// LogSink writing one line per record to stderr (or another descriptor), with uptime.
#pragma once

#include <atomic>
#include <string_view>

#include "firmware/core/log_sink.h"
#include "hal/clock.h"

namespace lsedge::platform {

// Lines look like `[  12.345] warn http: message\n`: seconds of the monotonic clock (the wall
// clock may be unset on a gateway). Each line goes out in a single write(2) of at most
// LSEDGE_LOG_LINE_CAPACITY bytes, so concurrent lines do not interleave; longer lines are cut at
// a UTF-8 boundary. Control characters are escaped (\x1b, \n: firmware/core/terminal_text.h) so a
// hostile server detail cannot forge lines or send terminal sequences. Thread-safety: safe for
// concurrent use from any thread.
class StderrLogSink final : public LogSink {
 public:
  static constexpr int kStderr = 2;

  // `fd` is not owned (tests pass a pipe).
  explicit StderrLogSink(const hal::MonotonicClock& clock, LogLevel threshold = LogLevel::Info,
                         int fd = kStderr)
      : clock_(clock), fd_(fd), threshold_(static_cast<uint8_t>(threshold)) {}

  // Records at `threshold` or more severe are written.
  void set_threshold(LogLevel threshold) {
    threshold_.store(static_cast<uint8_t>(threshold), std::memory_order_relaxed);
  }
  [[nodiscard]] LogLevel threshold() const {
    return static_cast<LogLevel>(threshold_.load(std::memory_order_relaxed));
  }

  [[nodiscard]] bool enabled(LogLevel level) const override;
  // Drops records below the threshold; a failing write is ignored (logging must not fail).
  void write(LogLevel level, std::string_view component, std::string_view message) override;

 private:
  const hal::MonotonicClock& clock_;
  int fd_;
  std::atomic<uint8_t> threshold_;
};

}  // namespace lsedge::platform
