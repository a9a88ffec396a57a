// main() of the lsedge CLI on Linux: builds the platform objects and hands them to the app.
#include <signal.h>
#include <unistd.h>

#include <optional>
#include <string_view>

#include "firmware/app/cli.h"
#include "platform/linux/environment.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/linux_entropy.h"
#include "platform/linux/linux_socket.h"
#include "platform/linux/linux_storage.h"
#include "platform/linux/linux_sync.h"
#include "platform/linux/stderr_log_sink.h"

namespace {

class ProcessEnvironment final : public lsedge::app::EnvLookup {
 public:
  std::optional<std::string_view> get(std::string_view key) const override {
    return lsedge::platform::linux_getenv(key);
  }
};

class StdioConsole final : public lsedge::app::Console {
 public:
  void out(std::string_view text) override { write_all(STDOUT_FILENO, text); }
  void err(std::string_view text) override { write_all(STDERR_FILENO, text); }
  bool err_is_terminal() const override { return isatty(STDERR_FILENO) == 1; }

 private:
  static void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
      const ssize_t n = ::write(fd, text.data(), text.size());
      if (n <= 0) {
        return;  // nowhere left to report to
      }
      text.remove_prefix(static_cast<size_t>(n));
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  // Writes to a closed socket report EPIPE instead of killing the process.
  signal(SIGPIPE, SIG_IGN);

  static lsedge::platform::LinuxClock clock;
  static lsedge::platform::LinuxEntropy entropy;
  static lsedge::platform::LinuxSocket socket(clock);
  static lsedge::platform::StderrLogSink log(clock, lsedge::hal::LogLevel::Debug);
  static lsedge::platform::LinuxMutex token_mutex;
  static lsedge::platform::LinuxConditionVariable token_condition(token_mutex);
  static lsedge::platform::LinuxStorage storage;
  static ProcessEnvironment environment;
  static StdioConsole console;

  lsedge::app::PlatformServices services{clock,           entropy, socket,      log,    token_mutex,
                                         token_condition, storage, environment, console};
  return lsedge::app::run_cli(argc, const_cast<const char* const*>(argv), services);
}
