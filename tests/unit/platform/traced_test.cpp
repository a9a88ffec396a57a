// Platform tests that run under tests/preload's LD_PRELOAD shim (ctest sets it; run alone, they
// fail on purpose): what LinuxStorage really asks of the kernel, and LinuxClock/LinuxCondition-
// Variable while the wall clock jumps back and forth by an hour.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "platform/linux/linux_clock.h"
#include "platform/linux/linux_entropy.h"
#include "platform/linux/linux_socket.h"
#include "platform/linux/linux_storage.h"
#include "platform/linux/linux_sync.h"
#include "platform/linux/stderr_log_sink.h"

namespace lsedge::platform {
namespace {

std::string trace_file() {
  const char* file = getenv("LSEDGE_TRACE_FILE");
  return file == nullptr ? std::string() : std::string(file);
}

std::vector<std::string> trace_lines() {
  std::ifstream in(trace_file());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

class TracedStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(trace_file().empty()) << "run under tests/preload (LD_PRELOAD, LSEDGE_TRACE_FILE)";
    char pattern[] = "/tmp/lsedge-traced-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    // The trace names what the kernel resolved: /tmp may be a symlink.
    dir_ = std::filesystem::canonical(pattern).string();
    std::filesystem::remove(trace_file());
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  size_t count(const std::string& line) {
    size_t n = 0;
    for (const auto& l : trace_lines()) {
      n += l == line ? 1 : 0;
    }
    return n;
  }

  LinuxStorage storage_;
  std::string dir_;
};

TEST_F(TracedStorage, SyncFsyncsTheFile) {
  const std::string path = dir_ + "/entry";
  auto file = storage_.create_new(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(
      storage_.append(*file, ConstByteSpan(reinterpret_cast<const uint8_t*>("{}"), 2)).ok());
  EXPECT_EQ(count("fsync " + path) + count("fdatasync " + path), 0u);
  ASSERT_TRUE(storage_.sync(*file).ok());
  storage_.close(*file);
  EXPECT_EQ(count("fsync " + path) + count("fdatasync " + path), 1u);
}

TEST_F(TracedStorage, SyncDirectoryFsyncsTheDirectory) {
  EXPECT_EQ(count("fsync " + dir_), 0u);
  ASSERT_TRUE(storage_.sync_directory(dir_).ok());
  EXPECT_EQ(count("fsync " + dir_), 1u);
}

TEST_F(TracedStorage, RenameIsTracedWithBothPaths) {
  // The shim itself: what the integration tests' order checks rely on.
  const std::string from = dir_ + "/a";
  std::ofstream(from) << "x";
  ASSERT_TRUE(storage_.rename(from, dir_ + "/b").ok());
  EXPECT_EQ(count("rename " + from + " " + dir_ + "/b"), 1u);
}

// ---- system calls that fail: every error path of LinuxStorage and LinuxEntropy ----

// tests/preload's fault queue (see lsedge_preload.c): what the next call of a function does.
constexpr int kZero = -1;   // read/write return 0
constexpr int kShort = -2;  // write/pwrite do half the bytes

class Faulted : public TracedStorage {
 protected:
  void SetUp() override {
    TracedStorage::SetUp();
    add_ =
        reinterpret_cast<void (*)(const char*, int)>(dlsym(RTLD_DEFAULT, "lsedge_preload_fault"));
    clear_ = reinterpret_cast<void (*)()>(dlsym(RTLD_DEFAULT, "lsedge_preload_clear"));
    ASSERT_NE(add_, nullptr) << "run under tests/preload (LD_PRELOAD)";
    ASSERT_NE(clear_, nullptr);
    clear_();
  }
  void TearDown() override {
    if (clear_ != nullptr) {
      clear_();
    }
    TracedStorage::TearDown();
  }
  void fault(const char* function, int action) { add_(function, action); }
  std::string file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  static std::string read_back(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static ConstByteSpan bytes(const std::string& text) {
    return ConstByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }

  void (*add_)(const char*, int) = nullptr;
  void (*clear_)() = nullptr;
};

TEST_F(Faulted, InterruptedOpenAndReadAreRetried) {
  const std::string path = file("a", "content");
  uint8_t buffer[64];
  fault("open", EINTR);
  fault("read", EINTR);
  const auto read = storage_.read_file(path, ByteSpan(buffer, sizeof(buffer)));
  ASSERT_TRUE(read.ok()) << status_name(read.status());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), *read), "content");
}

TEST_F(Faulted, AReadErrorIsReportedWithThePath) {
  const std::string path = file("a", "content");
  uint8_t buffer[64];
  fault("read", EIO);
  const auto read = storage_.read_file(path, ByteSpan(buffer, sizeof(buffer)));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, EIO);
  EXPECT_NE(read.error().detail.view().find(path), std::string_view::npos);
}

TEST_F(Faulted, OpenReadFailsCleanlyWhenFstatOrFcntlFails) {
  const std::string path = file("a", "content");
  fault("fstat", EIO);
  const auto first = storage_.open_read(path);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, EIO);
  fault("fcntl", EIO);
  const auto second = storage_.open_read(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, EIO);
  const auto third = storage_.open_read(path);  // nothing queued: works, nothing leaked
  ASSERT_TRUE(third.ok());
  storage_.close(*third);
}

TEST_F(Faulted, ReadAtRetriesAnInterruptionAndReportsAnError) {
  const std::string path = file("a", "0123456789");
  auto handle = storage_.open_read(path);
  ASSERT_TRUE(handle.ok());
  uint8_t buffer[4];
  fault("pread", EINTR);
  const auto read = storage_.read_at(*handle, 3, ByteSpan(buffer, sizeof(buffer)));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), *read), "3456");
  fault("pread", EIO);
  const auto failed = storage_.read_at(*handle, 0, ByteSpan(buffer, sizeof(buffer)));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, EIO);
  fault("fstat", EIO);
  EXPECT_FALSE(storage_.size(*handle).ok());
  storage_.close(*handle);
}

TEST_F(Faulted, AppendRetriesAnInterruptionAndAShortWrite) {
  const std::string path = dir_ + "/new";
  auto handle = storage_.create_new(path);
  ASSERT_TRUE(handle.ok());
  fault("write", EINTR);
  fault("write", kShort);
  ASSERT_TRUE(storage_.append(*handle, bytes("0123456789")).ok());
  storage_.close(*handle);
  EXPECT_EQ(read_back(path), "0123456789");
}

TEST_F(Faulted, AppendIsAllOrNothingOnAFullDisk) {
  const std::string path = dir_ + "/new";
  auto handle = storage_.create_new(path);
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(storage_.append(*handle, bytes("abc")).ok());
  // Half of the bytes fit, then the disk is full: the half is taken back (the truncate is
  // interrupted once and retried).
  fault("write", kShort);
  fault("write", ENOSPC);
  fault("ftruncate", EINTR);
  const Outcome full = storage_.append(*handle, bytes("0123456789"));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status(), Status::NoSpace);
  EXPECT_EQ(read_back(path), "abc");
  // write(2) returning 0 for a non-empty buffer is a full disk too.
  fault("write", kZero);
  EXPECT_EQ(storage_.append(*handle, bytes("x")).status(), Status::NoSpace);
  fault("fstat", EIO);
  EXPECT_FALSE(storage_.append(*handle, bytes("x")).ok());
  storage_.close(*handle);
  EXPECT_EQ(read_back(path), "abc");
}

TEST_F(Faulted, WriteAtRetriesAndReportsAFullDiskAndErrors) {
  const std::string path = file("record", "0000000000");
  auto handle = storage_.lock_file(path, hal::LockWait::NoWait);
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(handle->valid());
  fault("pwrite", EINTR);
  fault("pwrite", kShort);
  ASSERT_TRUE(storage_.write_at(*handle, 2, bytes("abcd")).ok());
  EXPECT_EQ(read_back(path), "00abcd0000");
  fault("pwrite", kZero);
  EXPECT_EQ(storage_.write_at(*handle, 0, bytes("z")).status(), Status::NoSpace);
  fault("pwrite", EIO);
  const Outcome failed = storage_.write_at(*handle, 0, bytes("z"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, EIO);
  storage_.close(*handle);
  EXPECT_EQ(read_back(path), "00abcd0000");
}

TEST_F(Faulted, SyncRetriesAnInterruptionAndReportsAnError) {
  const std::string path = dir_ + "/new";
  auto handle = storage_.create_new(path);
  ASSERT_TRUE(handle.ok());
  fault("fsync", EINTR);
  ASSERT_TRUE(storage_.sync(*handle).ok());
  EXPECT_EQ(count("fsync " + path), 2u);  // interrupted, then done
  fault("fsync", EIO);
  const Outcome failed = storage_.sync(*handle);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, EIO);
  storage_.close(*handle);
}

TEST_F(Faulted, SyncDirectoryReportsErrors) {
  fault("fsync", EIO);
  const Outcome failed = storage_.sync_directory(dir_);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, EIO);
  EXPECT_NE(failed.error().detail.view().find(dir_), std::string_view::npos);
  fault("open", EACCES);
  EXPECT_EQ(storage_.sync_directory(dir_).status(), Status::FileAccessDenied);
  ASSERT_TRUE(storage_.sync_directory(dir_).ok());
}

TEST_F(Faulted, ListingsAskForTheTypeWhenTheFilesystemLeavesItOut) {
  std::filesystem::create_directory(dir_ + "/sub");
  file("a", "x");
  file("b", "x");
  file("gone", "x");
  auto list = [&](std::vector<std::string>& names, std::vector<std::string>& dirs) -> Outcome {
    LSEDGE_TRY_ASSIGN(const hal::DirectoryHandle handle, storage_.open_directory(dir_));
    hal::DirectoryEntry entry;
    for (;;) {
      const Result<bool> next = storage_.next_entry(handle, entry);
      if (!next.ok()) {
        storage_.close_directory(handle);
        return next.error();
      }
      if (!*next) {
        break;
      }
      (entry.is_directory ? dirs : names).push_back(std::string(entry.name.view()));
    }
    storage_.close_directory(handle);
    return {};
  };
  std::vector<std::string> names;
  std::vector<std::string> dirs;
  fault("getdents64", EINTR);   // retried
  fault("getdents64", kShort);  // every record without its type: fstatat tells
  ASSERT_TRUE(list(names, dirs).ok());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "gone"}));
  EXPECT_EQ(dirs, std::vector<std::string>{"sub"});

  // A file removed between the listing and the question is left out; other errors are reported.
  names.clear();
  dirs.clear();
  fault("getdents64", kShort);
  fault("fstatat", ENOENT);
  ASSERT_TRUE(list(names, dirs).ok());
  EXPECT_EQ(names.size() + dirs.size(), 3u);
  fault("getdents64", kShort);
  fault("fstatat", EIO);
  EXPECT_FALSE(list(names, dirs).ok());
  fault("getdents64", EIO);
  const Outcome failed = list(names, dirs);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, EIO);
}

TEST_F(Faulted, EntropyFallsBackToDevUrandomWithoutGetrandom) {
  LinuxEntropy entropy;
  std::vector<uint8_t> bytes(256, 0);
  fault("getrandom", ENOSYS);  // a kernel before 3.17
  fault("read", EINTR);
  ASSERT_TRUE(entropy.fill_with_error(ByteSpan(bytes.data(), bytes.size())).ok());
  EXPECT_LT(std::count(bytes.begin(), bytes.end(), uint8_t{0}), 16);
}

TEST_F(Faulted, EntropyRetriesAnInterruptionAndReportsFailures) {
  LinuxEntropy entropy;
  uint8_t bytes[32];
  fault("getrandom", EINTR);
  EXPECT_EQ(entropy.fill(ByteSpan(bytes, sizeof(bytes))), Status::Ok);
  fault("getrandom", EIO);
  EXPECT_EQ(entropy.fill(ByteSpan(bytes, sizeof(bytes))), Status::EntropyFailure);
  fault("getrandom", ENOSYS);
  fault("open", EMFILE);  // /dev/urandom cannot be opened
  EXPECT_EQ(entropy.fill(ByteSpan(bytes, sizeof(bytes))), Status::EntropyFailure);
  fault("getrandom", ENOSYS);
  fault("read", kZero);  // /dev/urandom ends: never silently short
  EXPECT_EQ(entropy.fill(ByteSpan(bytes, sizeof(bytes))), Status::EntropyFailure);
  fault("getrandom", ENOSYS);
  fault("read", EIO);
  EXPECT_EQ(entropy.fill(ByteSpan(bytes, sizeof(bytes))), Status::EntropyFailure);
}

TEST_F(Faulted, TheLogSinkWritesWholeLinesThroughInterruptionsAndStopsOnErrors) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  LinuxClock clock;
  StderrLogSink sink(clock, LogLevel::Info, fds[1]);
  fault("write", EINTR);
  fault("write", kShort);
  sink.write(LogLevel::Info, "spool", "first line");
  fault("write", EIO);  // the line is dropped, nothing blocks, errno is the caller's
  errno = ENOENT;
  sink.write(LogLevel::Info, "spool", "lost line");
  EXPECT_EQ(errno, ENOENT);
  sink.write(LogLevel::Debug, "spool", "below the threshold");
  close(fds[1]);
  std::string all;
  char buffer[256];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof(buffer))) > 0;) {
    all.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  EXPECT_NE(all.find("info spool: first line\n"), std::string::npos) << all;
  EXPECT_EQ(all.find("lost line"), std::string::npos) << all;
  EXPECT_EQ(all.find("threshold"), std::string::npos) << all;
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 1) << all;
}

// A loopback listener for the socket's faults.
class FaultedSocket : public Faulted {
 protected:
  void SetUp() override {
    Faulted::SetUp();
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ASSERT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(listen(listener_, 8), 0);
    ASSERT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
  }
  void TearDown() override {
    close(listener_);
    Faulted::TearDown();
  }
  Deadline after(uint64_t ms) const { return Deadline::after(clock_.now_ms(), ms); }
  // The next connection, or -1 after 5 s.
  int accept_one() {
    pollfd entry{listener_, POLLIN, 0};
    return ::poll(&entry, 1, 5000) == 1 ? accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC) : -1;
  }

  LinuxClock clock_;
  LinuxSocket socket_{clock_};
  int listener_ = -1;
  uint16_t port_ = 0;
};

TEST_F(FaultedSocket, ConnectFailuresCloseAndNameTheHost) {
  fault("socket", EMFILE);
  const Outcome no_socket = socket_.connect("127.0.0.1", port_, after(5000));
  ASSERT_FALSE(no_socket.ok());
  EXPECT_EQ(no_socket.error().code, EMFILE);
  EXPECT_NE(no_socket.error().detail.view().find("127.0.0.1"), std::string_view::npos);
  EXPECT_FALSE(socket_.is_open());
  fault("connect", ENETUNREACH);
  EXPECT_EQ(socket_.connect("127.0.0.1", port_, after(5000)).error().code, ENETUNREACH);
  EXPECT_FALSE(socket_.is_open());
  fault("getsockopt", EBADF);  // the handshake's result cannot be read
  fault("connect", EINPROGRESS);
  EXPECT_FALSE(socket_.connect("127.0.0.1", port_, after(5000)).ok());
  EXPECT_FALSE(socket_.is_open());
  fault("connect", EINTR);  // the handshake goes on in the background
  ASSERT_TRUE(socket_.connect("127.0.0.1", port_, after(5000)).ok());
  const int server = accept_one();
  ASSERT_GE(server, 0);
  close(server);
}

TEST_F(FaultedSocket, SendAndReceiveRetryInterruptionsAndReportErrors) {
  ASSERT_TRUE(socket_.connect("127.0.0.1", port_, after(5000)).ok());
  const int server = accept_one();
  ASSERT_GE(server, 0);
  const std::string ping = "ping";
  fault("send", EINTR);
  fault("send", EAGAIN);  // the buffer is full: wait for POLLOUT, interrupted once
  fault("poll", EINTR);
  const auto sent = socket_.send(
      ConstByteSpan(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()), after(5000));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 4u);
  fault("send", EPIPE);
  const auto broken = socket_.send(
      ConstByteSpan(reinterpret_cast<const uint8_t*>(ping.data()), ping.size()), after(5000));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, EPIPE);

  ASSERT_EQ(::write(server, "pong", 4), 4);
  uint8_t buffer[8];
  fault("recv", EINTR);
  const auto got = socket_.receive(ByteSpan(buffer, sizeof(buffer)), after(5000));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), *got), "pong");
  fault("recv", ECONNRESET);
  EXPECT_EQ(socket_.receive(ByteSpan(buffer, sizeof(buffer)), after(5000)).status(),
            Status::ConnectionReset);
  fault("recv", EAGAIN);
  fault("poll", EIO);  // poll itself fails
  EXPECT_FALSE(socket_.receive(ByteSpan(buffer, sizeof(buffer)), after(5000)).ok());
  fault("recv", EAGAIN);
  fault("poll", kShort);  // POLLNVAL: the descriptor went away
  const auto gone = socket_.receive(ByteSpan(buffer, sizeof(buffer)), after(5000));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, EBADF);

  fault("recv", EINTR);  // the idle check retries an interruption
  EXPECT_FALSE(socket_.idle_connection_broken());
  fault("recv", ECONNRESET);
  EXPECT_TRUE(socket_.idle_connection_broken());
  close(server);
}

// ---- the wall clock jumps by an hour on every other reading ----

int64_t realtime_s() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

class WallClockJumps : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shim is really there: two readings an instant apart are an hour apart.
    const int64_t a = realtime_s();
    const int64_t b = realtime_s();
    ASSERT_GE(a > b ? a - b : b - a, 3000) << "run under tests/preload with LSEDGE_REALTIME_JUMP_S";
  }
};

TEST_F(WallClockJumps, NowNeverGoesBackwardsNorJumps) {
  LinuxClock clock;
  uint64_t previous = clock.now_ms();
  for (int i = 0; i < 2000; ++i) {
    const uint64_t now = clock.now_ms();
    ASSERT_GE(now, previous);
    ASSERT_LT(now - previous, 60000u);
    previous = now;
  }
}

TEST_F(WallClockJumps, SleepsLastWhatWasAsked) {
  LinuxClock clock;
  for (int i = 0; i < 4; ++i) {  // both phases of the jump
    const auto before = std::chrono::steady_clock::now();
    clock.sleep_ms(80);
    const auto slept = std::chrono::steady_clock::now() - before;
    EXPECT_GE(slept, std::chrono::milliseconds(80)) << i;
    EXPECT_LT(slept, std::chrono::seconds(30)) << i;
  }
}

TEST_F(WallClockJumps, ConditionTimeoutsLastWhatWasAsked) {
  LinuxMutex mutex;
  LinuxConditionVariable condition(mutex);
  for (int i = 0; i < 4; ++i) {
    mutex.lock();
    const auto before = std::chrono::steady_clock::now();
    const bool notified = condition.wait_for(mutex, 80);
    const auto waited = std::chrono::steady_clock::now() - before;
    mutex.unlock();
    if (!notified) {  // a spurious wake-up may end it early; a timeout may not
      EXPECT_GE(waited, std::chrono::milliseconds(80)) << i;
    }
    EXPECT_LT(waited, std::chrono::seconds(30)) << i;
  }
}

}  // namespace
}  // namespace lsedge::platform
