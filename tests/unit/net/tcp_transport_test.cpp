#include "firmware/net/tcp_transport.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/fakes/manual_clock.h"
#include "tests/fakes/scripted_socket.h"

namespace lsedge {
namespace {

using testing::ManualClock;
using testing::ScriptedSocket;

TEST(TcpTransport, ConnectForwardsHostAndPort) {
  ScriptedSocket socket;
  socket.add_connection();
  net::TcpTransport transport(socket);
  EXPECT_FALSE(transport.is_open());
  ASSERT_TRUE(transport.connect("ls.example", 8080, Deadline::never()).ok());
  EXPECT_TRUE(transport.is_open());
  EXPECT_EQ(socket.connection(0).host, "ls.example");
  EXPECT_EQ(socket.connection(0).port, 8080);
}

TEST(TcpTransport, ConnectFailureIsReturnedAsIs) {
  ScriptedSocket socket;
  socket.add_connection().connect_result = Status::DnsFailure;
  net::TcpTransport transport(socket);
  const Outcome result = transport.connect("nowhere.invalid", 443, Deadline::never());
  EXPECT_EQ(result.status(), Status::DnsFailure);
  EXPECT_FALSE(transport.is_open());
}

TEST(TcpTransport, ConnectRejectsEmptyHostAndPortZero) {
  ScriptedSocket socket;
  socket.add_connection();
  net::TcpTransport transport(socket);
  EXPECT_EQ(transport.connect("", 80, Deadline::never()).status(), Status::InvalidArgument);
  EXPECT_EQ(transport.connect("host", 0, Deadline::never()).status(), Status::InvalidArgument);
  EXPECT_EQ(socket.connect_calls(), 0u);
}

TEST(TcpTransport, ReconnectClosesTheOldStreamFirst) {
  ScriptedSocket socket;
  socket.add_connection();
  socket.add_connection();
  net::TcpTransport transport(socket);
  ASSERT_TRUE(transport.connect("a", 1, Deadline::never()).ok());
  ASSERT_TRUE(transport.connect("b", 2, Deadline::never()).ok());
  EXPECT_EQ(socket.current_index(), 1);
  EXPECT_EQ(socket.connection(1).host, "b");
}

TEST(TcpTransport, SendReportsPartialWrites) {
  ScriptedSocket socket;
  socket.add_connection().max_send_chunk = 3;
  net::TcpTransport transport(socket);
  ASSERT_TRUE(transport.connect("h", 80, Deadline::never()).ok());
  Result<size_t> sent = transport.send(as_bytes("abcdef"), Deadline::never());
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 3u);
  EXPECT_EQ(socket.connection(0).sent, "abc");
}

TEST(TcpTransport, ReceiveDeliversDataThenPeerClosed) {
  ScriptedSocket socket;
  socket.add_connection().then_data("hello").then_close();
  net::TcpTransport transport(socket);
  ASSERT_TRUE(transport.connect("h", 80, Deadline::never()).ok());
  uint8_t buffer[16];
  Result<size_t> got = transport.receive(ByteSpan(buffer), Deadline::never());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), *got), "hello");
  EXPECT_EQ(transport.receive(ByteSpan(buffer), Deadline::never()).status(), Status::PeerClosed);
}

TEST(TcpTransport, ReceiveTimeoutMovesTheClockToTheDeadline) {
  ManualClock clock(100);
  ScriptedSocket socket(&clock);
  socket.add_connection();
  net::TcpTransport transport(socket);
  ASSERT_TRUE(transport.connect("h", 80, Deadline::never()).ok());
  uint8_t buffer[4];
  EXPECT_EQ(transport.receive(ByteSpan(buffer), Deadline::at(500)).status(), Status::Timeout);
  EXPECT_EQ(clock.now_ms(), 500u);
}

TEST(TcpTransport, IdleBrokenAndCloseForwardToTheSocket) {
  ScriptedSocket socket;
  socket.add_connection().then_reset();
  net::TcpTransport transport(socket);
  EXPECT_TRUE(transport.idle_connection_broken());  // not connected yet
  ASSERT_TRUE(transport.connect("h", 80, Deadline::never()).ok());
  EXPECT_TRUE(transport.idle_connection_broken());  // a reset is queued
  transport.close();
  EXPECT_FALSE(transport.is_open());
  EXPECT_FALSE(socket.is_open());
}

TEST(TcpTransport, UsableThroughTheTransportInterface) {
  ScriptedSocket socket;
  socket.add_connection().then_data("x");
  net::TcpTransport tcp(socket);
  net::Transport& transport = tcp;
  ASSERT_TRUE(transport.connect("h", 80, Deadline::never()).ok());
  EXPECT_FALSE(transport.idle_connection_broken());
  uint8_t byte = 0;
  Result<size_t> got = transport.receive(ByteSpan(&byte, 1), Deadline::never());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(byte, 'x');
}

}  // namespace
}  // namespace lsedge
