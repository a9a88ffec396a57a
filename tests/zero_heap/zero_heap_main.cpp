// The zero-heap test (issue #5): lsedge's real command paths, run in-process through run_cli()
// against the loopback server, must make no heap call after start-up. Each phase runs on a
// thread whose stack is ours (painted, for the high-water mark) and is counted by heap_counter.
//
//   zero_heap --state STATE_DIR [--lsedge PATH]
//
// STATE_DIR is a running tests/server instance (its env file gives URL, CA, PAT, knob.sh).
// Prints per phase: exit code, time, heap calls, Mbed TLS pool peak, stack high-water; then the
// static RAM (data + bss) of lsedge (--lsedge) and of this program. Lines starting "ZH " are for
// scripts/footprint.sh. Exit 0 only if every phase succeeded with zero heap calls.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "firmware/app/cli.h"
#include "firmware/net/tls_platform.h"
#include "platform/linux/environment.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/linux_entropy.h"
#include "platform/linux/linux_socket.h"
#include "platform/linux/linux_storage.h"
#include "platform/linux/linux_sync.h"
#include "platform/linux/stderr_log_sink.h"
#include "tests/zero_heap/heap_counter.h"

namespace {

// --- platform objects, as in platform/linux/main.cpp, plus capturing console and log ---

class ProcessEnvironment final : public lsedge::app::EnvLookup {
 public:
  std::optional<std::string_view> get(std::string_view key) const override {
    return lsedge::platform::linux_getenv(key);
  }
};

// Counts stdout lines and keeps the last ones (fixed buffer); errors go to stderr at once.
class CaptureConsole final : public lsedge::app::Console {
 public:
  void out(std::string_view text) override {
    for (const char c : text) {
      if (c == '\n') {
        ++lines_;
      }
    }
    const size_t n = text.size() < sizeof(last_) - 1 ? text.size() : sizeof(last_) - 1;
    std::memcpy(last_, text.data(), n);
    last_[n] = '\0';
  }
  void err(std::string_view text) override { (void)!::write(2, text.data(), text.size()); }
  bool err_is_terminal() const override { return false; }
  void clear() {
    lines_ = 0;
    last_[0] = '\0';
  }
  [[nodiscard]] size_t lines() const { return lines_; }
  [[nodiscard]] const char* last() const { return last_; }

 private:
  size_t lines_ = 0;
  char last_[512] = {};
};

// At -vv every line arrives here: warnings and errors are passed on to stderr, TLS handshakes
// are counted (the resumption phases check "session resumed"), and so are those that did not
// negotiate the phase's TLS version ("(TLSv1.3, " as the handshake line names it).
class CaptureLog final : public lsedge::LogSink {
 public:
  explicit CaptureLog(lsedge::LogSink& next) : next_(next) {}
  bool enabled(lsedge::LogLevel) const override { return true; }
  void write(lsedge::LogLevel level, std::string_view component,
             std::string_view message) override {
    const bool resumed = message.find("session resumed") != std::string_view::npos;
    const bool full = !resumed && message.find("full handshake") != std::string_view::npos;
    if (resumed) {
      resumed_.fetch_add(1);
    } else if (full) {
      full_.fetch_add(1);
    }
    if ((resumed || full) && !want_version_.empty() &&
        message.find(want_version_) == std::string_view::npos) {
      other_version_.fetch_add(1);
    }
    if (level <= lsedge::LogLevel::Warn || verbose_) {
      next_.write(level, component, message);
    }
  }
  // Set outside the measured window; `version` must outlive the phase.
  void clear(std::string_view version) {
    resumed_.store(0);
    full_.store(0);
    other_version_.store(0);
    want_version_ = version;
  }
  [[nodiscard]] int resumed() const { return resumed_.load(); }
  [[nodiscard]] int full() const { return full_.load(); }
  [[nodiscard]] int other_version() const { return other_version_.load(); }
  void set_verbose(bool verbose) { verbose_ = verbose; }

 private:
  lsedge::LogSink& next_;
  std::atomic<int> resumed_{0};
  std::atomic<int> full_{0};
  std::atomic<int> other_version_{0};
  std::string_view want_version_;
  bool verbose_ = false;
};

class NoStop final : public lsedge::app::StopSignal {
 public:
  void arm() override {}
  bool requested() const override { return false; }
};

// --- the phase thread's stack: ours, painted, with a guard page below ---

constexpr size_t kStackBytes = 512 * 1024;
constexpr uint32_t kPaint = 0xA5C3E187u;

struct Stack {
  unsigned char* base = nullptr;  // lowest usable address (guard page below)
  size_t size = 0;
};

Stack map_stack() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) {
    std::perror("mmap");
    std::exit(2);
  }
  (void)mprotect(mem, page, PROT_NONE);
  return {static_cast<unsigned char*>(mem) + page, kStackBytes};
}

void paint(const Stack& stack) {
  auto* words = reinterpret_cast<uint32_t*>(stack.base);
  for (size_t i = 0; i < stack.size / sizeof(uint32_t); ++i) {
    words[i] = kPaint;
  }
}

// The lowest address the thread wrote to (the stack grows down on every board).
const unsigned char* lowest_touched(const Stack& stack) {
  const auto* words = reinterpret_cast<const uint32_t*>(stack.base);
  size_t i = 0;
  while (i < stack.size / sizeof(uint32_t) && words[i] == kPaint) {
    ++i;
  }
  return stack.base + i * sizeof(uint32_t);
}

// --- one phase ---

struct PhaseRun {
  lsedge::app::PlatformServices* services = nullptr;
  std::vector<const char*> argv;
  int rc = -1;
  const unsigned char* entry_sp = nullptr;  // a local of the thread function: its stack top
};

void* phase_thread(void* arg) {
  auto* run = static_cast<PhaseRun*>(arg);
  unsigned char marker = 0;
  run->entry_sp = &marker;
  zero_heap::arm();
  run->rc =
      lsedge::app::run_cli(static_cast<int>(run->argv.size()), run->argv.data(), *run->services);
  zero_heap::disarm();
  asm volatile("" : : "r"(&marker) : "memory");
  return nullptr;
}

// --- helpers used outside the measured window (they may allocate) ---

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> env;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) {
      env[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return env;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

// Runs a host tool (knob.sh, admin.sh) and returns its stdout; under qemu-user the child is a
// host process.
std::string run_tool(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) {
    return {};
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  (void)waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "tool failed: %s\n", args[0].c_str());
  }
  return out;
}

long json_number(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos) {
    return -1;
  }
  return std::strtol(json.c_str() + at + key.size() + 3, nullptr, 10);
}

void write_tasks(const std::string& path, int count, const char* tag) {
  std::ofstream out(path);
  out << "[";
  for (int i = 0; i < count; ++i) {
    out << (i ? "," : "") << "{\"data\":{\"id\":" << i << ",\"tag\":\"" << tag
        << "\",\"image\":\"https://example.com/zero-heap/" << i
        << ".jpg\",\"text\":\"zero-heap task " << i << "\"}}";
  }
  out << "]\n";
}

// data/bss/text of an ELF file of this program's class, summed as binutils' `size` does.
struct Sizes {
  bool ok = false;
  uint64_t text = 0, data = 0, bss = 0;
};

Sizes elf_sizes(const std::string& path) {
  Sizes sizes;
  const std::string image = read_file(path);
  if (image.size() < sizeof(ElfW(Ehdr)) || image.compare(0, 4, ELFMAG) != 0) {
    return sizes;
  }
  ElfW(Ehdr) header;
  std::memcpy(&header, image.data(), sizeof(header));
  for (size_t i = 0; i < header.e_shnum; ++i) {
    const size_t at = header.e_shoff + i * header.e_shentsize;
    if (at + sizeof(ElfW(Shdr)) > image.size()) {
      return sizes;
    }
    ElfW(Shdr) section;
    std::memcpy(&section, image.data() + at, sizeof(section));
    if ((section.sh_flags & SHF_ALLOC) == 0) {
      continue;
    }
    if ((section.sh_flags & SHF_EXECINSTR) != 0 || (section.sh_flags & SHF_WRITE) == 0) {
      sizes.text += section.sh_size;
    } else if (section.sh_type != SHT_NOBITS) {
      sizes.data += section.sh_size;
    } else {
      sizes.bss += section.sh_size;
    }
  }
  sizes.ok = true;
  return sizes;
}

struct Phase {
  std::string name;
  std::vector<std::string> args;                           // after argv[0]
  std::vector<std::pair<std::string, std::string>> knobs;  // set before the phase
  int min_refreshes = 0;      // access-token refreshes the server delivered, at least
  int min_resumed = 0;        // "session resumed" handshakes, at least
  long tasks_added = 0;       // tasks the server must hold more afterwards
  std::string expect_output;  // in the last stdout text
  // The server's env key of the URL (default LSEDGE_TEST_HTTPS_URL), and the TLS version every
  // handshake line must name, e.g. "TLSv1.3" (empty: any).
  std::string url_key = "LSEDGE_TEST_HTTPS_URL";
  std::string tls_version = {};
};

// The TLS matrix listeners (tests/server: TLS 1.3 only / TLS 1.2 only, RSA-2048 / ECDSA P-256,
// keep-alive 1 s): a full handshake, then after the 2.5 s idle the server has closed the
// connection and the second call resumes the session.
Phase tls_matrix_phase(const char* name, const char* url_key, const char* version) {
  Phase phase;
  phase.name = name;
  phase.args = {"-vv", "check", "--count", "2", "--interval-ms", "2500"};
  phase.knobs = {{"access_lifetime", "300"}};
  phase.min_refreshes = 1;
  phase.min_resumed = 1;
  phase.expect_output = "check 2: ok";
  phase.url_key = url_key;
  phase.tls_version = version;
  return phase;
}

}  // namespace

int main(int argc, char** argv) {
  std::string state;
  std::string lsedge_path;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--state" && i + 1 < argc) {
      state = argv[++i];
    } else if (arg == "--lsedge" && i + 1 < argc) {
      lsedge_path = argv[++i];
    } else if (arg == "--verbose") {
      verbose = true;
    } else {
      std::fprintf(stderr, "usage: zero_heap --state STATE_DIR [--lsedge PATH] [--verbose]\n");
      return 2;
    }
  }
  if (state.empty()) {
    std::fprintf(stderr, "usage: zero_heap --state STATE_DIR [--lsedge PATH] [--verbose]\n");
    return 2;
  }
  const auto env = read_env_file(state + "/env");
  if (env.count("LSEDGE_TEST_HTTPS_URL") == 0) {
    std::fprintf(stderr, "%s/env: no loopback server there (tests/server/start.sh)\n",
                 state.c_str());
    return 2;
  }
  const std::string knob = env.at("LSEDGE_TEST_KNOB");
  const std::string admin = env.at("LSEDGE_TEST_ADMIN");
  const std::string project = env.at("LSEDGE_TEST_PROJECT_ID");

  // Only the loopback server's settings; a literal IP, so no resolver.
  for (const char* key :
       {"LABEL_STUDIO_API_KEY", "LABEL_STUDIO_ALLOW_INSECURE_HTTP", "LABEL_STUDIO_PIN_SHA256"}) {
    unsetenv(key);
  }
  setenv("LABEL_STUDIO_CA_FILE", env.at("LSEDGE_TEST_CA_FILE").c_str(), 1);
  setenv("LABEL_STUDIO_API_TOKEN", trim(read_file(env.at("LSEDGE_TEST_PAT_FILE"))).c_str(), 1);

  // A fresh working directory: no ./.env, the task files, the spool.
  std::string work = (getenv("TMPDIR") != nullptr ? getenv("TMPDIR") : "/tmp");
  work += "/lsedge-zeroheap.XXXXXX";
  if (mkdtemp(work.data()) == nullptr || chdir(work.c_str()) != 0) {
    std::perror("work dir");
    return 2;
  }
  constexpr int kTasks = 1000;
  write_tasks("import.json", kTasks, "import");
  write_tasks("spool.json", kTasks, "spool");

  std::vector<Phase> phases = {
      {"pat-exchange", {"-vv", "whoami"}, {{"access_lifetime", "300"}}, 1, 0, 0, "username: "},
      // The JSON reporter and JSON log lines (-v: a few info lines reach stderr as JSON).
      {"json-whoami", {"--json", "-v", "whoami"}, {}, 1, 0, 0, "\"username\":"},
      {"bearer-1000",
       {"-vv", "check", "--count", "1000", "--interval-ms", "0"},
       {{"access_lifetime", "2"}},
       4,  // the PAT exchange and at least 3 refreshes
       0,
       0,
       "check 1000: ok"},
      {"tls-resume",
       {"-vv", "check", "--count", "3", "--interval-ms", "2500"},
       {{"access_lifetime", "300"}, {"keepalive_timeout", "1"}},
       1,
       2,  // nginx closes the idle connection before requests 2 and 3
       0,
       "check 3: ok"},
      tls_matrix_phase("tls13-rsa", "LSEDGE_TEST_HTTPS13_RSA_URL", "TLSv1.3"),
      tls_matrix_phase("tls13-ecdsa", "LSEDGE_TEST_HTTPS13_ECDSA_URL", "TLSv1.3"),
      tls_matrix_phase("tls12-rsa", "LSEDGE_TEST_HTTPS12_RSA_URL", "TLSv1.2"),
      tls_matrix_phase("tls12-ecdsa", "LSEDGE_TEST_HTTPS12_ECDSA_URL", "TLSv1.2"),
      // secp384r1 only: a HelloRetryRequest unless lsedge's first key share is P-384.
      tls_matrix_phase("tls13-p384", "LSEDGE_TEST_HTTPS13_P384_URL", "TLSv1.3"),
      {"import-1000",
       {"-vv", "import", "--project", project, "import.json"},
       {{"keepalive_timeout", "65"}},
       1,
       0,
       kTasks,
       "imported 1000 tasks"},
      {"spool-add-1000",
       {"-vv", "spool", "add", "--spool", "spool", "--batch-bytes", "8192", "spool.json"},
       {},
       0,
       0,
       0,
       "queued 1000 tasks"},
      {"run-once",
       {"-vv", "run", "--spool", "spool", "--project", project, "--once"},
       {},
       1,
       0,
       kTasks,
       ""},
  };

  // Start-up: the platform objects, as main() builds them.
  signal(SIGPIPE, SIG_IGN);
  static std::atomic<bool> stop_requested{false};
  static lsedge::platform::LinuxClock clock(&stop_requested);
  static lsedge::platform::LinuxEntropy entropy;
  static lsedge::platform::LinuxSocket socket(clock);
  static lsedge::platform::StderrLogSink stderr_log(clock, lsedge::LogLevel::Debug);
  static CaptureLog log(stderr_log);
  static lsedge::platform::LinuxMutex token_mutex;
  static lsedge::platform::LinuxConditionVariable token_condition(token_mutex);
  static lsedge::platform::LinuxStorage storage;
  static ProcessEnvironment environment;
  static CaptureConsole console;
  static NoStop stop;
  lsedge::app::PlatformServices services{
      clock,           clock,   entropy,     socket,  log, token_mutex,
      token_condition, storage, environment, console, stop};
  log.set_verbose(verbose);
  zero_heap::prepare();
  const Stack stack = map_stack();

  // The counters must see a call when there is one: one of each, counted in both layers.
  {
    void* (*volatile allocate)(size_t) = malloc;
    void (*volatile release)(void*) = free;
    zero_heap::reset();
    zero_heap::arm();
    release(allocate(16));
    delete new volatile int(1);
    zero_heap::disarm();
    const zero_heap::HeapCounts seen = zero_heap::counts();
    zero_heap::reset();
    if (seen.calls[zero_heap::kLinked][zero_heap::kMalloc] != 1 ||
        seen.calls[zero_heap::kLinked][zero_heap::kFree] != 1 ||
        seen.calls[zero_heap::kProcess][zero_heap::kNew] != 1 ||
        seen.calls[zero_heap::kProcess][zero_heap::kDelete] != 1) {
      std::fprintf(stderr,
                   "the heap counters missed calls: the wrap or the interposition is off\n");
      return 2;
    }
  }

  bool all_ok = true;
  uint64_t max_stack = 0;
  size_t max_pool = 0;
  const auto started_all = std::chrono::steady_clock::now();
  for (const Phase& phase : phases) {
    const auto url = env.find(phase.url_key);
    if (url == env.end() || url->second.empty()) {
      std::printf("phase %-15s FAIL  %s is not in %s/env (tests/server/start.sh too old?)\n",
                  phase.name.c_str(), phase.url_key.c_str(), state.c_str());
      all_ok = false;
      continue;
    }
    setenv("LABEL_STUDIO_URL", url->second.c_str(), 1);
    for (const auto& [name, value] : phase.knobs) {
      (void)run_tool({knob, state, name, value});
    }
    const std::string before = run_tool({admin, state, "stats"});

    PhaseRun run;
    run.services = &services;
    run.argv.push_back("lsedge");
    for (const auto& a : phase.args) {
      run.argv.push_back(a.c_str());
    }
    console.clear();
    // As the handshake line has it: "(TLSv1.3, SUITE)"; lives until the phase is checked.
    const std::string version_needle =
        phase.tls_version.empty() ? std::string() : "(" + phase.tls_version + ", ";
    log.clear(version_needle);
    zero_heap::reset();
    lsedge::net::tls_pool_reset_peak();
    paint(stack);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, stack.base, stack.size);
    pthread_t thread;
    const auto started = std::chrono::steady_clock::now();
    if (pthread_create(&thread, &attr, phase_thread, &run) != 0) {
      std::fprintf(stderr, "pthread_create failed\n");
      return 2;
    }
    pthread_join(thread, nullptr);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    pthread_attr_destroy(&attr);

    const zero_heap::HeapCounts counts = zero_heap::counts();
    const lsedge::net::TlsPoolStats pool = lsedge::net::tls_pool_stats();
    const uint64_t stack_used =
        static_cast<uint64_t>(run.entry_sp - lowest_touched(stack));  // from the thread's entry
    const std::string after = run_tool({admin, state, "stats"});
    const long refreshes = json_number(after, "refreshes") - json_number(before, "refreshes");
    const long tasks = json_number(after, "tasks") - json_number(before, "tasks");

    std::string problems;
    if (run.rc != 0) {
      problems += " exit code " + std::to_string(run.rc) + ";";
    }
    if (counts.total() != 0) {
      problems += " heap calls;";
    }
    if (refreshes < phase.min_refreshes) {
      problems += " refreshes " + std::to_string(refreshes) + " < " +
                  std::to_string(phase.min_refreshes) + ";";
    }
    if (log.resumed() < phase.min_resumed) {
      problems += " session resumed " + std::to_string(log.resumed()) + " < " +
                  std::to_string(phase.min_resumed) + ";";
    }
    if (log.other_version() != 0) {
      problems +=
          " " + std::to_string(log.other_version()) + " handshakes not " + phase.tls_version + ";";
    }
    if (tasks != phase.tasks_added) {
      problems += " server tasks +" + std::to_string(tasks) + ", expected +" +
                  std::to_string(phase.tasks_added) + ";";
    }
    if (!phase.expect_output.empty() &&
        std::strstr(console.last(), phase.expect_output.c_str()) == nullptr) {
      problems += " output lacks \"" + phase.expect_output + "\";";
    }
    if (lowest_touched(stack) <= stack.base + 64) {
      problems += " stack (nearly) full;";
    }

    std::string command;
    for (const auto& a : phase.args) {
      command += " " + a;
    }
    std::printf("phase %-15s %s  exit %d  %.1f s  lsedge%s\n", phase.name.c_str(),
                problems.empty() ? "ok  " : "FAIL", run.rc, seconds, command.c_str());
    std::printf("  heap calls: linked");
    for (int k = zero_heap::kMalloc; k <= zero_heap::kFree; ++k) {
      std::printf(" %s %llu", zero_heap::kind_name(k),
                  static_cast<unsigned long long>(counts.calls[zero_heap::kLinked][k]));
    }
    std::printf("; process");
    for (int k = zero_heap::kMalloc; k < zero_heap::kKinds; ++k) {
      std::printf(" %s %llu", zero_heap::kind_name(k),
                  static_cast<unsigned long long>(counts.calls[zero_heap::kProcess][k]));
    }
    std::printf("\n  TLS pool peak %zu B in %zu blocks (%zu B with headers) of %zu B\n", pool.peak,
                pool.peak_blocks, pool.peak + pool.peak_blocks * lsedge::net::kTlsPoolBlockHeader,
                pool.size);
    std::printf(
        "  stack high-water %llu B; refreshes %ld, handshakes %d full + %d resumed, "
        "server tasks +%ld, stdout lines %zu\n",
        static_cast<unsigned long long>(stack_used), refreshes, log.full(), log.resumed(), tasks,
        console.lines());
    if (!problems.empty()) {
      std::printf("  problems:%s\n", problems.c_str());
      std::printf("  last output: %s\n", console.last());
    }
    zero_heap::print_call_sites(stdout);
    std::printf(
        "ZH phase=%s ok=%d rc=%d seconds=%.1f heap=%llu pool_peak=%zu pool_blocks=%zu "
        "pool_peak_with_headers=%zu stack=%llu\n",
        phase.name.c_str(), problems.empty() ? 1 : 0, run.rc, seconds,
        static_cast<unsigned long long>(counts.total()), pool.peak, pool.peak_blocks,
        pool.peak + pool.peak_blocks * lsedge::net::kTlsPoolBlockHeader,
        static_cast<unsigned long long>(stack_used));
    std::fflush(stdout);
    all_ok = all_ok && problems.empty();
    max_stack = stack_used > max_stack ? stack_used : max_stack;
    const size_t with_headers = pool.peak + pool.peak_blocks * lsedge::net::kTlsPoolBlockHeader;
    max_pool = with_headers > max_pool ? with_headers : max_pool;
  }
  (void)run_tool({knob, state, "keepalive_timeout", "65"});
  const double total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_all).count();

  const size_t pool_size = lsedge::net::tls_pool_stats().size;
  std::printf("\n");
  for (const auto& [label, path] : {std::pair<std::string, std::string>{"lsedge", lsedge_path},
                                    {"zero_heap", "/proc/self/exe"}}) {
    if (path.empty()) {
      continue;
    }
    const Sizes sizes = elf_sizes(path);
    if (!sizes.ok) {
      std::printf("static RAM of %s: cannot read %s\n", label.c_str(), path.c_str());
      all_ok = false;
      continue;
    }
    std::printf(
        "static RAM of %s: data %llu + bss %llu = %llu B (%.1f KiB), of which the Mbed "
        "TLS pool %zu B; text %llu B\n",
        label.c_str(), static_cast<unsigned long long>(sizes.data),
        static_cast<unsigned long long>(sizes.bss),
        static_cast<unsigned long long>(sizes.data + sizes.bss),
        static_cast<double>(sizes.data + sizes.bss) / 1024.0, pool_size,
        static_cast<unsigned long long>(sizes.text));
    std::printf("ZH static_ram binary=%s data=%llu bss=%llu total=%llu pool=%zu\n", label.c_str(),
                static_cast<unsigned long long>(sizes.data),
                static_cast<unsigned long long>(sizes.bss),
                static_cast<unsigned long long>(sizes.data + sizes.bss), pool_size);
  }
  std::printf("ZH summary ok=%d seconds=%.1f max_stack=%llu max_pool_with_headers=%zu\n",
              all_ok ? 1 : 0, total_seconds, static_cast<unsigned long long>(max_stack), max_pool);
  std::printf("%s: %zu phases in %.1f s\n", all_ok ? "PASS" : "FAIL", phases.size(), total_seconds);

  (void)chdir("/");
  (void)run_tool({"/bin/rm", "-rf", work});
  return all_ok ? 0 : 1;
}
