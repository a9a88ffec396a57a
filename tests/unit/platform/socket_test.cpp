// LinuxSocket against real loopback peers made here with plain POSIX calls.
#include "platform/linux/linux_socket.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "board_sizes.h"
#include "platform/linux/linux_clock.h"

namespace lsedge::platform {
namespace {

constexpr uint64_t kGenerousMs = 10000;

// A TCP listener on 127.0.0.1 and an ephemeral port.
class LoopbackListener {
 public:
  explicit LoopbackListener(int backlog = 16) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        listen(fd_, backlog) != 0) {
      ADD_FAILURE() << "listener: " << std::strerror(errno);
      return;
    }
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() { close(fd_); }
  uint16_t port() const { return port_; }

  // The next connection, or -1 after 10 s.
  int accept_one() {
    pollfd entry{fd_, POLLIN, 0};
    if (poll(&entry, 1, 10000) != 1) {
      return -1;
    }
    return accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A bound but not listening socket: its port refuses connections and stays reserved.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~RefusingPort() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

void write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(n, 0) << std::strerror(errno);
    done += static_cast<size_t>(n);
  }
}

std::string read_exactly(int fd, size_t size) {
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, &data[done], size - done);
    if (n <= 0) {
      break;
    }
    done += static_cast<size_t>(n);
  }
  data.resize(done);
  return data;
}

// Closes with SO_LINGER 0, which sends RST instead of FIN.
void reset_close(int fd) {
  linger option{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof(option));
  close(fd);
}

class LinuxSocketTest : public ::testing::Test {
 protected:
  Deadline after(uint64_t ms) const { return Deadline::after(clock_.now_ms(), ms); }

  // Connects socket_ to listener_ and returns the server side.
  int connect_and_accept() {
    const auto connected = socket_.connect("127.0.0.1", listener_.port(), after(kGenerousMs));
    EXPECT_TRUE(connected.ok()) << status_name(connected.status()) << " " << connected.error().code;
    const int server = listener_.accept_one();
    EXPECT_GE(server, 0);
    return server;
  }
  Result<size_t> receive_into(std::string& out, size_t size, uint64_t timeout_ms = kGenerousMs) {
    out.assign(size, '\0');
    auto result = socket_.receive(ByteSpan(reinterpret_cast<uint8_t*>(&out[0]), out.size()),
                                  after(timeout_ms));
    out.resize(result.ok() ? *result : 0);
    return result;
  }

  LinuxClock clock_;
  LoopbackListener listener_;
  LinuxSocket socket_{clock_};
};

TEST_F(LinuxSocketTest, RoundTripWithAThreadedServer) {
  std::thread server([this] {
    const int fd = listener_.accept_one();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_exactly(fd, 4), "ping");
    write_all(fd, "pong");
    close(fd);
  });
  ASSERT_TRUE(socket_.connect("127.0.0.1", listener_.port(), after(kGenerousMs)).ok());
  EXPECT_TRUE(socket_.is_open());
  const auto sent = socket_.send(as_bytes("ping"), after(kGenerousMs));
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 4u);
  std::string received;
  while (received.size() < 4) {
    std::string chunk;
    ASSERT_TRUE(receive_into(chunk, 16).ok());
    received += chunk;
  }
  EXPECT_EQ(received, "pong");
  server.join();
}

TEST_F(LinuxSocketTest, ConnectsByHostName) {
  ASSERT_TRUE(socket_.connect("localhost", listener_.port(), after(kGenerousMs)).ok());
  const int server = listener_.accept_one();
  EXPECT_GE(server, 0);
  close(server);
}

// The resolved address is reused per host and port; a failed connect is reported with host:port
// and the next one resolves again.
TEST_F(LinuxSocketTest, ReconnectsByHostNameAndAcrossPorts) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(socket_.connect("localhost", listener_.port(), after(kGenerousMs)).ok());
    const int server = listener_.accept_one();
    EXPECT_GE(server, 0);
    close(server);
  }
  LoopbackListener other;
  ASSERT_TRUE(socket_.connect("localhost", other.port(), after(kGenerousMs)).ok());
  const int server = other.accept_one();
  EXPECT_GE(server, 0);
  close(server);
  RefusingPort refusing;
  const auto refused = socket_.connect("localhost", refusing.port(), after(kGenerousMs));
  EXPECT_EQ(refused.status(), Status::ConnectionRefused);
  EXPECT_EQ(refused.error().detail.view(), "localhost:" + std::to_string(refusing.port()));
  ASSERT_TRUE(socket_.connect("localhost", listener_.port(), after(kGenerousMs)).ok());
  close(listener_.accept_one());
}

TEST_F(LinuxSocketTest, IpV6LiteralsNeedNoResolver) {
  LoopbackListener v4_only;
  const auto result = socket_.connect("::1", v4_only.port(), after(kGenerousMs));
  // The v4 listener is not on ::1: refused (or no IPv6 at all), never a DNS failure.
  EXPECT_NE(result.status(), Status::DnsFailure);
  EXPECT_FALSE(result.ok());
}

TEST_F(LinuxSocketTest, ReceiveTimesOutWhenThePeerIsSilent) {
  const int server = connect_and_accept();
  std::string data;
  const auto result = receive_into(data, 16, 100);
  EXPECT_EQ(result.status(), Status::Timeout);
  EXPECT_TRUE(socket_.is_open());
  close(server);
}

TEST_F(LinuxSocketTest, ReceiveReportsDataThenPeerClosed) {
  const int server = connect_and_accept();
  write_all(server, "bye");
  close(server);
  std::string data;
  ASSERT_TRUE(receive_into(data, 16).ok());
  EXPECT_EQ(data, "bye");
  EXPECT_EQ(receive_into(data, 16).status(), Status::PeerClosed);
  EXPECT_EQ(receive_into(data, 16).status(), Status::PeerClosed);
}

TEST_F(LinuxSocketTest, ReceiveReportsConnectionResetOnRst) {
  reset_close(connect_and_accept());
  std::string data;
  const auto result = receive_into(data, 16);
  EXPECT_EQ(result.status(), Status::ConnectionReset);
  EXPECT_EQ(result.error().code, ECONNRESET);
}

TEST_F(LinuxSocketTest, ConnectToAPortNobodyListensOnIsRefused) {
  RefusingPort port;
  const auto result = socket_.connect("127.0.0.1", port.port(), after(kGenerousMs));
  EXPECT_EQ(result.status(), Status::ConnectionRefused);
  EXPECT_EQ(result.error().code, ECONNREFUSED);
  EXPECT_EQ(result.error().detail.view(), "127.0.0.1:" + std::to_string(port.port()));
  EXPECT_FALSE(socket_.is_open());
}

TEST_F(LinuxSocketTest, UnresolvableHostIsDnsFailureNamingTheHost) {
  const auto result = socket_.connect("nonexistent.invalid", 80, after(kGenerousMs));
  EXPECT_EQ(result.status(), Status::DnsFailure);
  EXPECT_NE(result.error().code, 0);
  EXPECT_EQ(result.error().detail.view(), "nonexistent.invalid");
  EXPECT_FALSE(socket_.is_open());
}

TEST_F(LinuxSocketTest, ConnectAfterTheDeadlineIsTimeout) {
  const auto result = socket_.connect("127.0.0.1", listener_.port(), Deadline::at(0));
  EXPECT_EQ(result.status(), Status::Timeout);
  EXPECT_FALSE(socket_.is_open());
}

TEST_F(LinuxSocketTest, RejectsInvalidHostsAndPorts) {
  EXPECT_EQ(socket_.connect("", 80, after(kGenerousMs)).status(), Status::InvalidArgument);
  const std::string too_long(LSEDGE_HOST_CAPACITY + 1, 'a');
  EXPECT_EQ(socket_.connect(too_long, 80, after(kGenerousMs)).status(), Status::InvalidArgument);
  EXPECT_EQ(
      socket_.connect(std::string_view("127.0.0.1\0evil", 14), listener_.port(), after(kGenerousMs))
          .status(),
      Status::InvalidArgument);
  EXPECT_EQ(socket_.connect("127.0.0.1", 0, after(kGenerousMs)).status(), Status::InvalidArgument);
  EXPECT_FALSE(socket_.is_open());
}

TEST_F(LinuxSocketTest, ReceiveIntoAnEmptyBufferIsInvalidArgument) {
  const int server = connect_and_accept();
  EXPECT_EQ(socket_.receive(ByteSpan(), after(kGenerousMs)).status(), Status::InvalidArgument);
  close(server);
}

TEST_F(LinuxSocketTest, UnconnectedSocketFailsWithoutTouchingTheNetwork) {
  uint8_t buffer[4];
  EXPECT_FALSE(socket_.is_open());
  EXPECT_EQ(socket_.send(as_bytes("x"), after(100)).status(), Status::NetworkError);
  EXPECT_EQ(socket_.receive(buffer, after(100)).status(), Status::NetworkError);
  EXPECT_TRUE(socket_.idle_connection_broken());
}

TEST_F(LinuxSocketTest, IdleConnectionIsHealthyWhileThePeerIsQuiet) {
  const int server = connect_and_accept();
  EXPECT_FALSE(socket_.idle_connection_broken());
  close(server);
}

TEST_F(LinuxSocketTest, IdleConnectionIsBrokenAfterThePeerCloses) {
  close(connect_and_accept());
  // The FIN arrives asynchronously; on loopback within microseconds.
  bool broken = false;
  for (int i = 0; i < 200 && !broken; ++i) {
    broken = socket_.idle_connection_broken();
    if (!broken) {
      usleep(10000);
    }
  }
  EXPECT_TRUE(broken);
  std::string data;
  EXPECT_EQ(receive_into(data, 16).status(), Status::PeerClosed) << "the peek consumed nothing";
}

TEST_F(LinuxSocketTest, IdleConnectionIsBrokenByUnsolicitedBytes) {
  const int server = connect_and_accept();
  write_all(server, "HTTP/1.1 408 Request Timeout\r\n");
  bool broken = false;
  for (int i = 0; i < 200 && !broken; ++i) {
    broken = socket_.idle_connection_broken();
    if (!broken) {
      usleep(10000);
    }
  }
  EXPECT_TRUE(broken);
  close(server);
}

TEST_F(LinuxSocketTest, SendToAClosedPeerFailsWithoutSigpipe) {
  // SIGPIPE is blocked so that, if it were raised, it stays pending where the test can see it.
  sigset_t pipe_only, old_mask;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask), 0);

  close(connect_and_accept());
  // The first sends still succeed; the closed peer answers them with RST. From then on every
  // send fails: first with the reset, then with EPIPE, which is what raises SIGPIPE by default.
  Status status = Status::Ok;
  for (int i = 0; i < 1000 && status == Status::Ok; ++i) {
    const auto sent = socket_.send(as_bytes("data after the peer left"), after(kGenerousMs));
    status = sent.status();
    if (status == Status::Ok) {
      usleep(1000);
    }
  }
  EXPECT_EQ(status, Status::ConnectionReset);
  int32_t last_code = 0;
  for (int i = 0; i < 3; ++i) {
    const auto sent = socket_.send(as_bytes("more"), after(kGenerousMs));
    EXPECT_EQ(sent.status(), Status::ConnectionReset);
    last_code = sent.error().code;
  }
  EXPECT_EQ(last_code, EPIPE);

  sigset_t pending;
  sigpending(&pending);
  const bool raised = sigismember(&pending, SIGPIPE) == 1;
  if (raised) {
    const timespec zero{0, 0};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  EXPECT_FALSE(raised) << "send raised SIGPIPE";
}

TEST_F(LinuxSocketTest, LargeTransferArrivesWholeThroughPartialSends) {
  constexpr size_t kSize = 8 * 1024 * 1024;
  std::string payload(kSize, '\0');
  for (size_t i = 0; i < kSize; ++i) {
    payload[i] = static_cast<char>('a' + (i * 7) % 26);
  }
  std::string received;
  std::thread server([&] {
    const int fd = listener_.accept_one();
    ASSERT_GE(fd, 0);
    usleep(100000);  // let the client fill the socket buffers first
    received = read_exactly(fd, kSize);
    close(fd);
  });
  ASSERT_TRUE(socket_.connect("127.0.0.1", listener_.port(), after(kGenerousMs)).ok());
  size_t done = 0;
  size_t calls = 0;
  while (done < kSize) {
    const auto sent = socket_.send(as_bytes(payload).subspan(done), after(kGenerousMs));
    ASSERT_TRUE(sent.ok()) << status_name(sent.status());
    ASSERT_GT(*sent, 0u);
    done += *sent;
    ++calls;
  }
  server.join();
  EXPECT_GT(calls, 1u) << "8 MiB cannot fit the socket buffers at once";
  EXPECT_TRUE(received == payload);
}

TEST_F(LinuxSocketTest, SendTimesOutWhenThePeerDoesNotRead) {
  const int server = connect_and_accept();
  const std::string chunk(64 * 1024, 'x');
  Status status = Status::Ok;
  for (int i = 0; i < 4096 && status == Status::Ok; ++i) {  // up to 256 MiB
    status = socket_.send(as_bytes(chunk), after(100)).status();
  }
  EXPECT_EQ(status, Status::Timeout);
  EXPECT_TRUE(socket_.is_open());
  close(server);
}

TEST_F(LinuxSocketTest, CloseIsIdempotentAndTheDestructorCloses) {
  const int first = connect_and_accept();
  socket_.close();
  socket_.close();
  EXPECT_FALSE(socket_.is_open());
  EXPECT_EQ(read_exactly(first, 1), "") << "the server sees end of stream";
  close(first);

  int second = -1;
  {
    LinuxSocket scoped(clock_);
    ASSERT_TRUE(scoped.connect("127.0.0.1", listener_.port(), after(kGenerousMs)).ok());
    second = listener_.accept_one();
    ASSERT_GE(second, 0);
  }
  EXPECT_EQ(read_exactly(second, 1), "");
  close(second);
}

TEST_F(LinuxSocketTest, ReconnectClosesThePreviousConnection) {
  const int first = connect_and_accept();
  const int second = connect_and_accept();
  EXPECT_EQ(read_exactly(first, 1), "");
  write_all(second, "2");
  std::string data;
  ASSERT_TRUE(receive_into(data, 4).ok());
  EXPECT_EQ(data, "2");
  close(first);
  close(second);
}

// SIGTERM arrives while a request waits for its answer: the process has asked to stop (the clock's
// stop flag is set, so sleeps end early), but the wait for the answer goes on to its deadline, so
// the request in flight finishes instead of being cut (and resent later as a possible duplicate).
TEST(LinuxSocketSignals, AStopSignalDuringAReceiveDoesNotEndIt) {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = [](int) {};
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // as lsedge's handler: no SA_RESTART, poll(2) returns EINTR
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
  std::atomic<bool> stop{true};
  LinuxClock clock(&stop);
  LoopbackListener listener;
  LinuxSocket socket(clock);
  ASSERT_TRUE(
      socket.connect("127.0.0.1", listener.port(), Deadline::after(clock.now_ms(), 10000)).ok());
  const int server = listener.accept_one();
  ASSERT_GE(server, 0);

  std::atomic<bool> done{false};
  std::optional<Result<size_t>> received;
  char buffer[16] = {};
  std::thread reader([&] {
    received.emplace(socket.receive(ByteSpan(reinterpret_cast<uint8_t*>(buffer), sizeof(buffer)),
                                    Deadline::after(clock.now_ms(), 10000)));
    done = true;
  });
  const pthread_t handle = reader.native_handle();
  for (int i = 0; i < 15 && !done; ++i) {  // ~300 ms of signals before the answer
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pthread_kill(handle, SIGUSR1);
  }
  const bool ended_early = done.load();
  write_all(server, "answer");
  reader.join();
  sigaction(SIGUSR1, &previous, nullptr);
  close(server);
  EXPECT_FALSE(ended_early) << "the receive ended on a signal, before the answer came";
  ASSERT_TRUE(received.has_value());
  ASSERT_TRUE(received->ok()) << status_name(received->status());
  EXPECT_EQ(std::string(buffer, **received), "answer");
}

TEST(LinuxSocketBacklog, ConnectTimesOutWhenNobodyAnswersTheHandshake) {
  // A listener whose accept queue is full drops new SYNs, so the handshake never completes.
  LinuxClock clock;
  LoopbackListener listener(0);
  LinuxSocket fillers[4] = {LinuxSocket(clock), LinuxSocket(clock), LinuxSocket(clock),
                            LinuxSocket(clock)};
  Status status = Status::Ok;
  for (auto& filler : fillers) {
    status =
        filler.connect("127.0.0.1", listener.port(), Deadline::after(clock.now_ms(), 300)).status();
    if (status != Status::Ok) {
      break;
    }
  }
  EXPECT_EQ(status, Status::Timeout);
}

}  // namespace
}  // namespace lsedge::platform
