// printf-style logging into a fixed line buffer, delivered to a LogSink.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <string_view>

#include "firmware/core/log_sink.h"

namespace lsedge {

#if defined(__GNUC__)
#define LSEDGE_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define LSEDGE_PRINTF(fmt_index, first_arg)
#endif

// A named source of log lines. A null sink drops everything. Never format a secret into a line.
// Thread-safety: as thread-safe as its sink; holds no mutable state.
class Logger {
 public:
  static constexpr size_t kLineCapacity = 256;

  constexpr Logger() = default;
  constexpr Logger(LogSink* sink, const char* component) : sink_(sink), component_(component) {}

  [[nodiscard]] bool enabled(LogLevel level) const {
    return sink_ != nullptr && sink_->enabled(level);
  }
  void log(LogLevel level, const char* format, ...) const LSEDGE_PRINTF(3, 4) {
    if (!enabled(level)) {
      return;
    }
    va_list args;
    va_start(args, format);
    vlog(level, format, args);
    va_end(args);
  }
  void error(const char* format, ...) const LSEDGE_PRINTF(2, 3) {
    va_list a;
    va_start(a, format);
    if (enabled(LogLevel::Error))
      vlog(LogLevel::Error, format, a);
    va_end(a);
  }
  void warn(const char* format, ...) const LSEDGE_PRINTF(2, 3) {
    va_list a;
    va_start(a, format);
    if (enabled(LogLevel::Warn))
      vlog(LogLevel::Warn, format, a);
    va_end(a);
  }
  void info(const char* format, ...) const LSEDGE_PRINTF(2, 3) {
    va_list a;
    va_start(a, format);
    if (enabled(LogLevel::Info))
      vlog(LogLevel::Info, format, a);
    va_end(a);
  }
  void debug(const char* format, ...) const LSEDGE_PRINTF(2, 3) {
    va_list a;
    va_start(a, format);
    if (enabled(LogLevel::Debug))
      vlog(LogLevel::Debug, format, a);
    va_end(a);
  }

 private:
  void vlog(LogLevel level, const char* format, va_list args) const {
    char line[kLineCapacity];
    const int n = std::vsnprintf(line, sizeof(line), format, args);
    if (n < 0) {
      return;
    }
    const size_t length =
        static_cast<size_t>(n) < sizeof(line) ? static_cast<size_t>(n) : sizeof(line) - 1;
    sink_->write(level, component_, std::string_view(line, length));
  }

  LogSink* sink_ = nullptr;
  const char* component_ = "";
};

}  // namespace lsedge
