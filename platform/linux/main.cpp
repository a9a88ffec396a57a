// main() of the lsedge CLI on Linux: builds the platform objects and hands them to the app.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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

// Set by SIGTERM/SIGINT once `lsedge run` armed it; ends LinuxClock sleeps early.
std::atomic<bool> g_stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void on_stop_signal(int signo) {
  g_stop_requested.store(true);
  // A second signal takes the default action: a stuck stop can still be forced (the spool's
  // on-disk state is crash-safe either way).
  ::signal(signo, SIG_DFL);
}

// SIGHUP is systemd's (and a closed terminal's) "reload": lsedge has no configuration to reload,
// and a daemon that stopped on it cleanly would not be restarted. Logged with write(2), the one
// output that is async-signal-safe.
extern "C" void on_hangup_signal(int) {
  static constexpr char kLine[] = "lsedge: SIGHUP ignored (nothing to reload)\n";
  const int saved_errno = errno;
  (void)!::write(STDERR_FILENO, kLine, sizeof(kLine) - 1);
  errno = saved_errno;
}

class SignalStop final : public lsedge::app::StopSignal {
 public:
  void arm() override {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: a sleep or poll returns early and checks the flag
    (void)::sigaction(SIGTERM, &action, nullptr);
    (void)::sigaction(SIGINT, &action, nullptr);
    struct sigaction hangup {};
    hangup.sa_handler = on_hangup_signal;
    sigemptyset(&hangup.sa_mask);
    hangup.sa_flags = SA_RESTART;  // waits that return EINTR anyway go on: the stop flag is unset
    (void)::sigaction(SIGHUP, &hangup, nullptr);
  }
  bool requested() const override { return g_stop_requested.load(); }
};

// Everything main() gives the application, in static storage.
struct Platform {
  lsedge::platform::LinuxClock clock{&g_stop_requested};
  lsedge::platform::LinuxEntropy entropy;
  lsedge::platform::LinuxSocket socket{clock};
  lsedge::platform::StderrLogSink log{clock, lsedge::LogLevel::Debug};
  lsedge::platform::LinuxMutex token_mutex;
  lsedge::platform::LinuxConditionVariable token_condition{token_mutex};
  lsedge::platform::LinuxStorage storage;
  ProcessEnvironment environment;
  StdioConsole console;
  SignalStop stop;
};

}  // namespace

int main(int argc, char** argv) {
  // Writes to a closed socket report EPIPE instead of killing the process.
  signal(SIGPIPE, SIG_IGN);
  // The process holds the PAT and access tokens: no core file, no ptrace by other processes of
  // the same user. Best effort: a failure leaves the system's defaults, nothing worse.
  const rlimit no_core{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &no_core);
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  // One static object (built on first use, in this order; destroyed at exit in reverse): one
  // initialisation guard instead of one per member.
  static Platform platform;
  lsedge::app::PlatformServices services{
      platform.clock,           platform.clock,   platform.entropy,
      platform.socket,          platform.log,     platform.token_mutex,
      platform.token_condition, platform.storage, platform.environment,
      platform.console,         platform.stop};
  return lsedge::app::run_cli(argc, const_cast<const char* const*>(argv), services);
}
