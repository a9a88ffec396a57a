// A LogSink that keeps every line, so tests can assert what was (and was not) logged.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "firmware/core/log_sink.h"

namespace lsedge::testing {

class CaptureLog final : public LogSink {
 public:
  struct Line {
    LogLevel level;
    std::string component;
    std::string message;
  };
  bool enabled(LogLevel) const override { return true; }
  void write(LogLevel level, std::string_view component, std::string_view message) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back({level, std::string(component), std::string(message)});
  }
  std::vector<Line> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  // Everything logged, one line each, for substring checks (e.g. that no token leaked).
  std::string all_text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text;
    for (const auto& line : lines_) {
      text += line.component + ": " + line.message + "\n";
    }
    return text;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Line> lines_;
};

}  // namespace lsedge::testing
