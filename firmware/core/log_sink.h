// Where log lines go (stderr, syslog, a ring buffer ...): implemented by the platform, used by
// core's Logger, so the interface lives in core (hal/ builds on core, not the other way).
#pragma once

#include <cstdint>
#include <string_view>

namespace lsedge {

enum class LogLevel : uint8_t { Error = 0, Warn = 1, Info = 2, Debug = 3 };

// "error", "warn", "info", "debug" ("?" for any other value). Thread-safety: pure function.
[[nodiscard]] constexpr const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Error:
      return "error";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Info:
      return "info";
    case LogLevel::Debug:
      return "debug";
  }
  return "?";
}

// Receives finished lines. Callers never pass secrets: credentials live in SecretString, which
// has no implicit text view. Thread-safety: implementations must accept concurrent writes.
class LogSink {
 public:
  [[nodiscard]] virtual bool enabled(LogLevel level) const = 0;
  virtual void write(LogLevel level, std::string_view component, std::string_view message) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~LogSink() = default;
};

}  // namespace lsedge
