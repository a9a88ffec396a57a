#include "platform/linux/stderr_log_sink.h"

#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>

#include "board_sizes.h"
#include "firmware/core/terminal_text.h"

namespace lsedge::platform {
namespace {

// A line under construction; the last byte is kept for the newline.
class LineBuilder {
 public:
  static constexpr size_t kTextCapacity = LSEDGE_LOG_LINE_CAPACITY - 1;

  // Appends as much as fits, escaped as the console escapes (firmware/core/terminal_text.h),
  // never splitting a character or an escape.
  void append(std::string_view text) {
    (void)for_each_terminal_piece(text, [this](std::string_view piece) {
      if (piece.size() > kTextCapacity - size_) {
        return false;
      }
      for (const char c : piece) {
        data_[size_++] = c;
      }
      return true;
    });
  }
  void append_raw(const char* text, size_t size) {
    for (size_t i = 0; i < size && size_ < kTextCapacity; ++i) {
      data_[size_++] = text[i];
    }
  }
  // Adds the newline; returns the finished line.
  std::string_view finish() {
    data_[size_++] = '\n';
    return std::string_view(data_, size_);
  }

 private:
  char data_[LSEDGE_LOG_LINE_CAPACITY];
  size_t size_ = 0;
};

static_assert(LSEDGE_LOG_LINE_CAPACITY >= 64, "a log line needs room for its prefix");

}  // namespace

bool StderrLogSink::enabled(LogLevel level) const {
  return static_cast<uint8_t>(level) <= threshold_.load(std::memory_order_relaxed);
}

void StderrLogSink::write(LogLevel level, std::string_view component, std::string_view message) {
  if (!enabled(level)) {
    return;
  }
  const uint64_t now = clock_.now_ms();
  char prefix[48];
  const int n = std::snprintf(prefix, sizeof(prefix), "[%4" PRIu64 ".%03" PRIu64 "] %s ",
                              now / 1000U, now % 1000U, log_level_name(level));
  if (n <= 0) {
    return;
  }
  LineBuilder line;
  line.append_raw(prefix, static_cast<size_t>(n) < sizeof(prefix) ? static_cast<size_t>(n)
                                                                  : sizeof(prefix) - 1);
  line.append(component);
  line.append(": ");
  line.append(message);
  const std::string_view text = line.finish();

  const int saved_errno = errno;  // callers may log between a failure and reading errno
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t written = ::write(fd_, text.data() + done, text.size() - done);
    if (written > 0) {
      done += static_cast<size_t>(written);
    } else if (!(written < 0 && errno == EINTR)) {
      break;
    }
  }
  errno = saved_errno;
}

}  // namespace lsedge::platform
