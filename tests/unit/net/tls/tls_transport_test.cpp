// net::TlsTransport against a real Mbed TLS server (tls_test_server.h) on loopback, with real
// certificates from tests/server/gen_certs.sh, over the real Linux HAL. No mocks of TLS.
#include "firmware/net/tls_transport.h"
#include "firmware/net/tls_platform.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "firmware/http/connection.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/linux_entropy.h"
#include "platform/linux/linux_socket.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/unit/net/tls/tls_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lsedge {
namespace {

using testing::CaptureLog;
using testing::Resumption;
using testing::ServerMode;
using testing::ServerOptions;
using testing::TlsTestServer;
using testing::TlsVersion;

constexpr uint64_t kGenerousMs = 10000;

std::string cert_dir() {
  const char* dir = std::getenv("LSEDGE_TLS_TEST_CERTS");
  return dir == nullptr ? std::string() : std::string(dir);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The file's bytes plus the NUL that TlsSettings::ca_pem requires.
std::vector<uint8_t> pem_with_nul(const std::string& text) {
  std::vector<uint8_t> bytes(text.begin(), text.end());
  bytes.push_back(0);
  return bytes;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::vector<uint8_t> frame(const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out;
  const auto n = static_cast<uint32_t>(payload.size());
  out.push_back(static_cast<uint8_t>(n >> 24));
  out.push_back(static_cast<uint8_t>(n >> 16));
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::vector<uint8_t> bytes_of(const std::string& text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

class TlsTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = cert_dir();
    ASSERT_FALSE(certs_.empty())
        << "LSEDGE_TLS_TEST_CERTS is not set: run through ctest (fixture tls.certs), or run "
           "tests/unit/net/tls/make_certs.sh tests/server/gen_certs.sh DIR and export it";
  }

  std::string path(const std::string& name) const { return certs_ + "/" + name; }

  // A server with `name`.crt/.key.
  std::unique_ptr<TlsTestServer> start(const std::string& name, ServerMode mode = ServerMode::Echo,
                                       Resumption resumption = Resumption::SessionCache,
                                       TlsVersion version = TlsVersion::Tls12) {
    ServerOptions options;
    options.version = version;
    options.cert_file = path(name + ".crt");
    options.key_file = path(name + ".key");
    options.mode = mode;
    options.resumption = resumption;
    auto server = std::make_unique<TlsTestServer>(options);
    EXPECT_EQ(server->setup_error(), "");
    return server;
  }

  std::unique_ptr<net::TlsTransport> transport(hal::Entropy* entropy = nullptr) {
    return std::make_unique<net::TlsTransport>(socket_, entropy ? *entropy : entropy_, clock_,
                                               Logger(&log_, "tls"));
  }

  // Settings trusting `ca`.crt.
  net::TlsSettings settings(const std::string& ca = "ca") {
    ca_pem_ = pem_with_nul(read_text(path(ca + ".crt")));
    net::TlsSettings s;
    s.ca_pem = ConstByteSpan(ca_pem_.data(), ca_pem_.size());
    s.ca_label = "test-ca.pem";
    return s;
  }

  Deadline soon() const { return Deadline::after(clock_.now_ms(), kGenerousMs); }

  void send_all(net::TlsTransport& t, const std::vector<uint8_t>& data,
                int* partial_sends = nullptr) {
    size_t offset = 0;
    while (offset < data.size()) {
      const size_t left = data.size() - offset;
      Result<size_t> sent = t.send(ConstByteSpan(data.data() + offset, left), soon());
      ASSERT_TRUE(sent.ok()) << sent.error().detail.view();
      ASSERT_GT(*sent, 0u);
      ASSERT_LE(*sent, left);
      if (*sent < left && partial_sends != nullptr) {
        ++*partial_sends;
      }
      offset += *sent;
    }
  }

  std::vector<uint8_t> receive_exact(net::TlsTransport& t, size_t size) {
    std::vector<uint8_t> out(size);
    size_t offset = 0;
    while (offset < size) {
      Result<size_t> got = t.receive(ByteSpan(out.data() + offset, size - offset), soon());
      EXPECT_TRUE(got.ok()) << got.error().detail.view();
      if (!got.ok()) {
        out.resize(offset);
        return out;
      }
      offset += *got;
    }
    return out;
  }

  void expect_echo(net::TlsTransport& t, const std::string& text) {
    send_all(t, frame(bytes_of(text)));
    EXPECT_EQ(receive_exact(t, text.size()), bytes_of(text));
  }

  // Connects to the server and returns the failure (or ok).
  Outcome connect(net::TlsTransport& t, const TlsTestServer& server,
                  const std::string& host = "127.0.0.1") {
    return t.connect(host, server.port(), soon());
  }

  std::string host_port(const TlsTestServer& server) const {
    return "127.0.0.1:" + std::to_string(server.port());
  }

  std::string certs_;
  std::vector<uint8_t> ca_pem_;
  platform::LinuxClock clock_;
  platform::LinuxEntropy entropy_;
  platform::LinuxSocket socket_{clock_};
  CaptureLog log_;
};

// --- handshake and data ------------------------------------------------------------------

TEST_F(TlsTransportTest, HandshakeAndRoundTripWithAnIpAddressSan) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  EXPECT_FALSE(t->is_open());
  const Outcome connected = connect(*t, *server);
  ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
  EXPECT_TRUE(t->is_open());
  EXPECT_FALSE(t->last_handshake_resumed());
  expect_echo(*t, "hello over TLS");
  EXPECT_EQ(server->full_handshakes(), 1);
  t->close();
  EXPECT_FALSE(t->is_open());
}

TEST_F(TlsTransportTest, HandshakeWithADnsNameSan) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  const Outcome connected = connect(*t, *server, "localhost");
  ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
  expect_echo(*t, "via localhost");
}

TEST_F(TlsTransportTest, ServerNameOverridesTheConnectHostForVerification) {
  auto server = start("server");
  auto t = transport();
  net::TlsSettings s = settings();
  s.server_name = "localhost";
  ASSERT_TRUE(t->configure(s).ok());
  ASSERT_TRUE(connect(*t, *server, "127.0.0.1").ok());
  expect_echo(*t, "sni localhost");

  s.server_name = "wrong.example";
  ASSERT_TRUE(t->configure(s).ok());
  EXPECT_EQ(connect(*t, *server, "127.0.0.1").status(), Status::TlsNameMismatch);
}

TEST_F(TlsTransportTest, AnotherIpAddressIsANameMismatch) {
  auto server = start("server");
  auto t = transport();
  net::TlsSettings s = settings();
  s.server_name = "127.0.0.2";  // the certificate lists IP:127.0.0.1 only
  ASSERT_TRUE(t->configure(s).ok());
  EXPECT_EQ(connect(*t, *server).status(), Status::TlsNameMismatch);
  s.server_name = "::1";  // an IPv6 literal never matches a 4-byte IP SAN
  ASSERT_TRUE(t->configure(s).ok());
  EXPECT_EQ(connect(*t, *server).status(), Status::TlsNameMismatch);
}

TEST_F(TlsTransportTest, Ipv6LiteralsAreMatchedAgainstIpv6Sans) {
  auto server = start("server6");  // IP:::1, IP:fd00::a:1 (served on 127.0.0.1)
  auto t = transport();
  for (const char* name : {"::1", "0:0:0:0:0:0:0:1", "[::1]", "fd00::a:1", "FD00:0::A:1"}) {
    net::TlsSettings s = settings();
    s.server_name = name;
    ASSERT_TRUE(t->configure(s).ok());
    const Outcome result = connect(*t, *server);
    EXPECT_TRUE(result.ok()) << name << ": " << result.error().detail.view();
  }
  for (const char* name : {"::2", "fd00::a:2", "::1%lo", "::ffff:127.0.0.1", "127.0.0.1"}) {
    net::TlsSettings s = settings();
    s.server_name = name;
    ASSERT_TRUE(t->configure(s).ok());
    EXPECT_EQ(connect(*t, *server).status(), Status::TlsNameMismatch) << name;
  }
}

TEST_F(TlsTransportTest, LargePayloadsGoThroughPartialWritesAndReads) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  std::vector<uint8_t> payload(100 * 1024);
  std::mt19937 random(7);
  for (auto& byte : payload) {
    byte = static_cast<uint8_t>(random());
  }
  int partial_sends = 0;
  send_all(*t, frame(payload), &partial_sends);
  EXPECT_GT(partial_sends, 0) << "a TLS record holds at most 16 KiB: sends must be partial";
  EXPECT_EQ(receive_exact(*t, payload.size()), payload);
  EXPECT_EQ(server->bytes_received(), payload.size());
}

TEST_F(TlsTransportTest, AReceiveTimeoutLeavesTheConnectionUsable) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  uint8_t byte = 0;
  const Result<size_t> got = t->receive(ByteSpan(&byte, 1), Deadline::after(clock_.now_ms(), 100));
  EXPECT_EQ(got.status(), Status::Timeout);
  EXPECT_TRUE(t->is_open());
  expect_echo(*t, "still here");
}

TEST_F(TlsTransportTest, KeepAliveHttpRequestsShareOneHandshake) {
  auto server = start("server", ServerMode::Http);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  std::vector<uint8_t> head(1024), headers(2048), body(1024), chunk(512);
  http::ConnectionBuffers buffers{
      ByteSpan(head.data(), head.size()), ByteSpan(headers.data(), headers.size()),
      ByteSpan(body.data(), body.size()), ByteSpan(chunk.data(), chunk.size())};
  http::Endpoint endpoint{"127.0.0.1", server->port(), 443};
  http::Connection connection(*t, clock_, endpoint, buffers, Logger(&log_, "http"));
  http::Request request;
  request.path = "/api/version";
  for (int i = 0; i < 3; ++i) {
    Result<http::Response> response = connection.execute(request, soon());
    ASSERT_TRUE(response.ok()) << response.error().detail.view();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(as_text(response->body), "hello");
  }
  EXPECT_EQ(server->handshakes_completed(), 1);
}

// --- certificate errors --------------------------------------------------------------------

TEST_F(TlsTransportTest, ACertificateFromAnotherCaIsUnknownCa) {
  auto server = start("other_ca_server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings("ca")).ok());
  const Outcome result = connect(*t, *server);
  EXPECT_EQ(result.status(), Status::TlsUnknownCa);
  EXPECT_NE(result.error().detail.view().find(host_port(*server)), std::string_view::npos)
      << result.error().detail.view();
  EXPECT_NE(result.error().detail.view().find("CA"), std::string_view::npos);
  EXPECT_FALSE(t->is_open());
}

TEST_F(TlsTransportTest, TrustingOnlyAnUnrelatedCaIsUnknownCa) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings("other_ca")).ok());
  EXPECT_EQ(connect(*t, *server).status(), Status::TlsUnknownCa);
}

TEST_F(TlsTransportTest, TheSystemBundleDoesNotTrustTheTestCa) {
  const std::string bundle = read_text("/etc/ssl/certs/ca-certificates.crt");
  if (bundle.empty()) {
    GTEST_SKIP() << "no system CA bundle here";
  }
  auto server = start("server");
  auto t = transport();
  const std::vector<uint8_t> pem = pem_with_nul(bundle);
  net::TlsSettings s;
  s.ca_pem = ConstByteSpan(pem.data(), pem.size());
  ASSERT_TRUE(t->configure(s).ok());
  EXPECT_EQ(connect(*t, *server).status(), Status::TlsUnknownCa);
}

// A source handing out scripted PEM blocks (what app::PemFileSource does from a file).
class ScriptedPemSource final : public net::PemCertificateSource {
 public:
  explicit ScriptedPemSource(std::vector<std::string> blocks) {
    for (const std::string& b : blocks) {
      blocks_.push_back(pem_with_nul(b));
    }
  }
  Result<ConstByteSpan> next() override {
    if (index_ >= blocks_.size()) {
      return ConstByteSpan();
    }
    const std::vector<uint8_t>& b = blocks_[index_++];
    return ConstByteSpan(b.data(), b.size());
  }
  Outcome rewind() override {
    index_ = 0;
    if (rewind_error_.status != Status::Ok) {
      return rewind_error_;
    }
    return {};
  }
  // From now on rewind() fails with `error` (status Ok: works again).
  void fail_rewind(const Error& error) { rewind_error_ = error; }

 private:
  std::vector<std::vector<uint8_t>> blocks_;
  size_t index_ = 0;
  Error rewind_error_;
};

TEST_F(TlsTransportTest, CaCertificatesMayComeOneBlockAtATime) {
  auto server = start("server");
  auto t = transport();
  // An unparsable block and an unrelated CA are skipped or kept; the right CA makes it work.
  ScriptedPemSource source({"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
                            read_text(path("other_ca.crt")), read_text(path("ca.crt"))});
  net::TlsSettings s;
  s.ca_source = &source;
  s.ca_label = "blocks";
  ASSERT_TRUE(t->configure(s).ok());
  const Outcome connected = connect(*t, *server);
  ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
  expect_echo(*t, "streamed CA");
}

// Trusted roots are looked up during the handshake: a CA file that became unreadable since
// configure() is reported as such (naming the file and the peer), not as an unknown CA.
TEST_F(TlsTransportTest, ACaSourceFailingDuringTheHandshakeIsReportedAsSuch) {
  auto server = start("server");
  auto t = transport();
  ScriptedPemSource source({read_text(path("ca.crt"))});
  net::TlsSettings s;
  s.ca_source = &source;
  s.ca_label = "/etc/lsedge/ca.pem";
  ASSERT_TRUE(t->configure(s).ok());
  source.fail_rewind(
      Error(Status::ConfigInvalid, "cannot read LABEL_STUDIO_CA_FILE /etc/lsedge/ca.pem"));
  const Outcome failed = connect(*t, *server);
  EXPECT_EQ(failed.status(), Status::ConfigInvalid);
  const std::string_view detail = failed.error().detail.view();
  EXPECT_NE(detail.find("/etc/lsedge/ca.pem"), std::string_view::npos) << detail;
  EXPECT_NE(detail.find(host_port(*server)), std::string_view::npos) << detail;
  EXPECT_FALSE(t->is_open());
  source.fail_rewind(Error());  // readable again: no reconfiguring needed
  const Outcome connected = connect(*t, *server);
  ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
  expect_echo(*t, "CA file back");
}

TEST_F(TlsTransportTest, ACaSourceWithoutAnyCertificateIsAConfigError) {
  auto t = transport();
  ScriptedPemSource empty({});
  net::TlsSettings s;
  s.ca_source = &empty;
  s.ca_label = "empty.pem";
  const Outcome configured = t->configure(s);
  EXPECT_EQ(configured.status(), Status::ConfigInvalid);
  EXPECT_NE(configured.error().detail.view().find("empty.pem"), std::string_view::npos);
  // Exactly one of ca_pem and ca_source.
  net::TlsSettings both = settings();
  both.ca_source = &empty;
  EXPECT_EQ(t->configure(both).status(), Status::InvalidArgument);
  EXPECT_EQ(t->configure(net::TlsSettings()).status(), Status::InvalidArgument);
}

TEST_F(TlsTransportTest, ACertificateForAnotherHostIsANameMismatch) {
  auto server = start("wrong_host");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  Outcome by_ip = connect(*t, *server);
  EXPECT_EQ(by_ip.status(), Status::TlsNameMismatch);
  EXPECT_NE(by_ip.error().detail.view().find(host_port(*server)), std::string_view::npos);
  EXPECT_EQ(connect(*t, *server, "localhost").status(), Status::TlsNameMismatch);
}

TEST_F(TlsTransportTest, AnExpiredCertificateIsReported) {
  auto server = start("expired");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  const Outcome result = connect(*t, *server);
  EXPECT_EQ(result.status(), Status::TlsCertificateExpired);
  EXPECT_NE(result.error().detail.view().find("expired"), std::string_view::npos);
  EXPECT_NE(result.error().detail.view().find(host_port(*server)), std::string_view::npos);
}

TEST_F(TlsTransportTest, ANotYetValidCertificateSaysToCheckTheClock) {
  auto server = start("not_yet_valid");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  const Outcome result = connect(*t, *server);
  EXPECT_EQ(result.status(), Status::TlsCertificateExpired);
  EXPECT_NE(result.error().detail.view().find("clock"), std::string_view::npos)
      << result.error().detail.view();
}

TEST_F(TlsTransportTest, CertificateErrorsHaveDistinctDetails) {
  std::vector<std::string> details;
  for (const char* name : {"other_ca_server", "wrong_host", "expired"}) {
    auto server = start(name);
    auto t = transport();
    ASSERT_TRUE(t->configure(settings()).ok());
    const Outcome result = connect(*t, *server);
    ASSERT_FALSE(result.ok());
    std::string detail(result.error().detail.view());
    detail.replace(detail.find(host_port(*server)), host_port(*server).size(), "HOST");
    details.push_back(detail);
  }
  EXPECT_NE(details[0], details[1]);
  EXPECT_NE(details[1], details[2]);
  EXPECT_NE(details[0], details[2]);
}

// --- pin -------------------------------------------------------------------------------------

TEST_F(TlsTransportTest, AMatchingPinIsAccepted) {
  auto server = start("server");
  auto t = transport();
  Result<net::PinSha256> pin = net::parse_pin_sha256(trim(read_text(path("server.pin"))));
  ASSERT_TRUE(pin.ok()) << pin.error().detail.view();
  net::TlsSettings s = settings();
  s.pin_sha256 = *pin;
  ASSERT_TRUE(t->configure(s).ok());
  const Outcome connected = connect(*t, *server);
  ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
  expect_echo(*t, "pinned");
}

TEST_F(TlsTransportTest, AnotherKeyIsAPinMismatch) {
  auto server = start("server");
  auto t = transport();
  net::PinSha256 pin{};
  pin.fill(0x5A);
  net::TlsSettings s = settings();
  s.pin_sha256 = pin;
  ASSERT_TRUE(t->configure(s).ok());
  const Outcome result = connect(*t, *server);
  EXPECT_EQ(result.status(), Status::TlsPinMismatch);
  EXPECT_NE(result.error().detail.view().find(host_port(*server)), std::string_view::npos);
  EXPECT_FALSE(t->is_open());
}

TEST_F(TlsTransportTest, ThePinDoesNotReplaceTheChain) {
  auto server = start("other_ca_server");  // a trusted pin for an untrusted chain
  auto t = transport();
  Result<net::PinSha256> pin = net::parse_pin_sha256(trim(read_text(path("server.pin"))));
  ASSERT_TRUE(pin.ok());
  net::TlsSettings s = settings();
  s.pin_sha256 = *pin;
  ASSERT_TRUE(t->configure(s).ok());
  EXPECT_EQ(connect(*t, *server).status(), Status::TlsUnknownCa);
}

// --- timeouts and connection failures --------------------------------------------------------

TEST_F(TlsTransportTest, ASilentServerTimesOutTheHandshake) {
  auto server = start("server", ServerMode::Silent);
  auto t = transport();
  net::TlsSettings s = settings();
  s.handshake_timeout_ms = 300;
  ASSERT_TRUE(t->configure(s).ok());
  const Outcome result = connect(*t, *server);  // the connect deadline is 10 s away
  EXPECT_EQ(result.status(), Status::Timeout);
  EXPECT_NE(result.error().detail.view().find("TLS handshake with " + host_port(*server)),
            std::string_view::npos)
      << result.error().detail.view();
  EXPECT_FALSE(t->is_open());
}

TEST_F(TlsTransportTest, TheConnectDeadlineAlsoBoundsTheHandshake) {
  auto server = start("server", ServerMode::Silent);
  auto t = transport();
  net::TlsSettings s = settings();
  s.handshake_timeout_ms = 0;  // only the caller's deadline
  ASSERT_TRUE(t->configure(s).ok());
  const Outcome result =
      t->connect("127.0.0.1", server->port(), Deadline::after(clock_.now_ms(), 300));
  EXPECT_EQ(result.status(), Status::Timeout);
}

TEST_F(TlsTransportTest, AResetDuringTheHandshakeIsConnectionReset) {
  auto server = start("server", ServerMode::ResetInHandshake);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  const Outcome result = connect(*t, *server);
  EXPECT_EQ(result.status(), Status::ConnectionReset) << result.error().detail.view();
  EXPECT_NE(result.error().detail.view().find(host_port(*server)), std::string_view::npos);
  EXPECT_NE(result.error().detail.view().find("handshake"), std::string_view::npos);
}

TEST_F(TlsTransportTest, APlainHttpPortIsAFailedHandshake) {
  auto server = start("server", ServerMode::PlainHttp);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  const Outcome result = connect(*t, *server);
  EXPECT_EQ(result.status(), Status::TlsHandshakeFailed);
  EXPECT_NE(result.error().code, 0);  // the Mbed TLS code
  EXPECT_NE(result.error().detail.view().find(host_port(*server)), std::string_view::npos);
  EXPECT_NE(result.error().detail.view().find("port"), std::string_view::npos)
      << result.error().detail.view();
}

TEST_F(TlsTransportTest, ARefusedPortIsConnectionRefused) {
  // A port that was just free: bind, read it, close.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  const Outcome result = t->connect("127.0.0.1", ntohs(address.sin_port), soon());
  EXPECT_EQ(result.status(), Status::ConnectionRefused);
}

// --- closing ---------------------------------------------------------------------------------

TEST_F(TlsTransportTest, CloseNotifyFromTheServerIsPeerClosed) {
  auto server = start("server", ServerMode::CloseAfterHandshake);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  uint8_t buffer[16];
  const Result<size_t> got = t->receive(ByteSpan(buffer, sizeof(buffer)), soon());
  EXPECT_EQ(got.status(), Status::PeerClosed) << got.error().detail.view();
  EXPECT_FALSE(t->is_open());
}

TEST_F(TlsTransportTest, AnIdleConnectionTheServerClosedIsBroken) {
  auto server = start("server", ServerMode::CloseAfterHandshake);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  ASSERT_TRUE(server->wait_connections_finished(1));
  EXPECT_TRUE(t->idle_connection_broken());
}

TEST_F(TlsTransportTest, AnIdleLiveConnectionIsNotBroken) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  expect_echo(*t, "ping");
  EXPECT_FALSE(t->idle_connection_broken());
  t->close();
  EXPECT_TRUE(t->idle_connection_broken());
}

TEST_F(TlsTransportTest, SendAndReceiveAfterCloseFail) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  t->close();
  t->close();  // idempotent
  const uint8_t byte = 1;
  EXPECT_EQ(t->send(ConstByteSpan(&byte, 1), soon()).status(), Status::NetworkError);
  uint8_t out = 0;
  EXPECT_EQ(t->receive(ByteSpan(&out, 1), soon()).status(), Status::NetworkError);
}

// --- session resumption ----------------------------------------------------------------------

TEST_F(TlsTransportTest, TheSecondConnectionResumesFromTheSessionCache) {
  auto server = start("server", ServerMode::Echo, Resumption::SessionCache);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  expect_echo(*t, "first");
  t->close();
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_TRUE(t->last_handshake_resumed());
  expect_echo(*t, "second, resumed");
  EXPECT_EQ(server->handshakes_completed(), 2);
  EXPECT_EQ(server->full_handshakes(), 1) << "the resumed handshake must not use the key";
  const std::string text = log_.all_text();
  EXPECT_NE(text.find("TLS full handshake with 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS session resumed with 127.0.0.1:"), std::string::npos) << text;
}

TEST_F(TlsTransportTest, TheSecondConnectionResumesWithASessionTicket) {
  auto server = start("server", ServerMode::Echo, Resumption::Tickets);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  t->close();
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_TRUE(t->last_handshake_resumed());
  expect_echo(*t, "ticket");
  ASSERT_TRUE(connect(*t, *server).ok());  // reconnect closes the old one; still resumable
  EXPECT_TRUE(t->last_handshake_resumed());
  EXPECT_EQ(server->full_handshakes(), 1);
}

// --- TLS 1.3 and the certificate kinds -------------------------------------------------

TEST_F(TlsTransportTest, Tls13IsNegotiatedWithRsaAndEcdsaCertificates) {
  for (const char* name : {"server", "server_ec"}) {
    SCOPED_TRACE(name);
    auto server = start(name, ServerMode::Echo, Resumption::None, TlsVersion::Tls13);
    auto t = transport();
    ASSERT_TRUE(t->configure(settings()).ok());
    const Outcome connected = connect(*t, *server);
    ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
    expect_echo(*t, "over tls 1.3");
    EXPECT_NE(log_.all_text().find("(TLSv1.3, TLS1-3-"), std::string::npos) << log_.all_text();
    t->close();
  }
}

TEST_F(TlsTransportTest, Tls12WithAnEcdsaCertificateUsesAnEcdsaSuite) {
  auto server = start("server_ec", ServerMode::Echo, Resumption::None, TlsVersion::Tls12);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  expect_echo(*t, "ecdsa");
  EXPECT_NE(log_.all_text().find("(TLSv1.2, TLS-ECDHE-ECDSA-WITH-"), std::string::npos)
      << log_.all_text();
}

TEST_F(TlsTransportTest, Tls13ResumesWithTheTicketThatArrivesAfterTheHandshake) {
  auto server = start("server", ServerMode::Echo, Resumption::Tickets, TlsVersion::Tls13);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  expect_echo(*t, "first");  // reading the answer also reads the NewSessionTicket
  EXPECT_NE(log_.all_text().find("TLS 1.3 session ticket from 127.0.0.1:"), std::string::npos);
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_TRUE(t->last_handshake_resumed());
  expect_echo(*t, "resumed");
  EXPECT_EQ(server->handshakes_completed(), 2);
  EXPECT_EQ(server->full_handshakes(), 1);
  EXPECT_NE(log_.all_text().find("TLS session resumed with 127.0.0.1:"), std::string::npos);
}

TEST_F(TlsTransportTest, Tls13WithoutATicketReadYetDoesAFullHandshake) {
  auto server = start("server", ServerMode::Echo, Resumption::Tickets, TlsVersion::Tls13);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  t->close();  // nothing read: the ticket never reached the client
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  expect_echo(*t, "full");
  EXPECT_EQ(server->full_handshakes(), 2);
}

TEST_F(TlsTransportTest, Tls13ChecksTheChainTheNameAndThePin) {
  auto other = start("other_ca_server", ServerMode::Echo, Resumption::None, TlsVersion::Tls13);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  EXPECT_EQ(connect(*t, *other).status(), Status::TlsUnknownCa);

  auto wrong = start("wrong_host", ServerMode::Echo, Resumption::None, TlsVersion::Tls13);
  EXPECT_EQ(connect(*t, *wrong).status(), Status::TlsNameMismatch);

  auto server = start("server_ec", ServerMode::Echo, Resumption::None, TlsVersion::Tls13);
  net::TlsSettings pinned = settings();
  pinned.pin_sha256 = net::PinSha256{};  // all zeros: matches no key
  ASSERT_TRUE(t->configure(pinned).ok());
  EXPECT_EQ(connect(*t, *server).status(), Status::TlsPinMismatch);
}

TEST_F(TlsTransportTest, AServerWithoutResumptionGetsAFullHandshake) {
  auto server = start("server", ServerMode::Echo, Resumption::None);
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  t->close();
  ASSERT_TRUE(connect(*t, *server).ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  expect_echo(*t, "full again");
  EXPECT_EQ(server->full_handshakes(), 2);
}

TEST_F(TlsTransportTest, AFreshTransportOrConfigurationDoesAFullHandshake) {
  auto server = start("server");
  auto first = transport();
  ASSERT_TRUE(first->configure(settings()).ok());
  ASSERT_TRUE(connect(*first, *server).ok());
  first->close();

  platform::LinuxSocket other_socket(clock_);
  net::TlsTransport second(other_socket, entropy_, clock_, Logger(&log_, "tls"));
  ASSERT_TRUE(second.configure(settings()).ok());
  ASSERT_TRUE(second.connect("127.0.0.1", server->port(), soon()).ok());
  EXPECT_FALSE(second.last_handshake_resumed());
  second.close();

  ASSERT_TRUE(first->configure(settings()).ok());  // reconfiguring forgets the session
  ASSERT_TRUE(connect(*first, *server).ok());
  EXPECT_FALSE(first->last_handshake_resumed());
  EXPECT_EQ(server->full_handshakes(), 3);
}

TEST_F(TlsTransportTest, ASessionIsOnlyOfferedToTheSameName) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server, "localhost").ok());
  t->close();
  ASSERT_TRUE(connect(*t, *server, "127.0.0.1").ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  t->forget_session();
  t->close();
  ASSERT_TRUE(connect(*t, *server, "127.0.0.1").ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  EXPECT_EQ(server->full_handshakes(), 3);
}

TEST_F(TlsTransportTest, ASessionIsOnlyOfferedToTheSamePort) {
  auto first = start("server");
  auto second = start("server");  // same certificate, its own session cache
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *first).ok());
  ASSERT_TRUE(connect(*t, *second).ok());
  EXPECT_FALSE(t->last_handshake_resumed());
  EXPECT_EQ(second->full_handshakes(), 1);
}

// --- configuration ---------------------------------------------------------------------------

TEST_F(TlsTransportTest, ABundleWithoutCertificatesIsConfigInvalid) {
  auto t = transport();
  for (const std::string& text :
       {std::string("not a certificate\n"),
        std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}) {
    const std::vector<uint8_t> pem = pem_with_nul(text);
    net::TlsSettings s;
    s.ca_pem = ConstByteSpan(pem.data(), pem.size());
    s.ca_label = "/etc/lsedge/bad.pem";
    const Outcome result = t->configure(s);
    EXPECT_EQ(result.status(), Status::ConfigInvalid) << text;
    EXPECT_NE(result.error().detail.view().find("CA file /etc/lsedge/bad.pem"),
              std::string_view::npos)
        << result.error().detail.view();
    EXPECT_EQ(t->connect("127.0.0.1", 443, soon()).status(), Status::InvalidArgument);
  }
}

TEST_F(TlsTransportTest, TheCaBundleMustEndWithANul) {
  auto t = transport();
  const std::string text = read_text(path("ca.crt"));
  net::TlsSettings s;
  s.ca_pem = as_bytes(text);  // no NUL counted
  EXPECT_EQ(t->configure(s).status(), Status::InvalidArgument);
  s.ca_pem = ConstByteSpan();
  EXPECT_EQ(t->configure(s).status(), Status::InvalidArgument);
}

TEST_F(TlsTransportTest, ConnectNeedsConfigureAHostAndAPort) {
  auto t = transport();
  EXPECT_EQ(t->connect("127.0.0.1", 443, soon()).status(), Status::InvalidArgument);
  ASSERT_TRUE(t->configure(settings()).ok());
  EXPECT_EQ(t->connect("", 443, soon()).status(), Status::InvalidArgument);
  EXPECT_EQ(t->connect("127.0.0.1", 0, soon()).status(), Status::InvalidArgument);
}

TEST_F(TlsTransportTest, AFailingEntropySourceIsEntropyFailure) {
  testing::FakeEntropy entropy;
  entropy.set_failing(true);
  auto t = transport(&entropy);
  EXPECT_EQ(t->configure(settings()).status(), Status::EntropyFailure);
  entropy.set_failing(false);
  EXPECT_TRUE(t->configure(settings()).ok());
}

// --- logging ---------------------------------------------------------------------------------

TEST_F(TlsTransportTest, TheLogHoldsNoPayloadAndNoKeyMaterial) {
  auto server = start("server");
  auto t = transport();
  ASSERT_TRUE(t->configure(settings()).ok());
  ASSERT_TRUE(connect(*t, *server).ok());
  expect_echo(*t, "Authorization: Bearer s3cret-access-token");
  t->close();
  ASSERT_TRUE(connect(*t, *server).ok());
  t->close();

  const std::string text = log_.all_text();
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  // No line of the server's private key (base64 body) shows up.
  std::istringstream key(read_text(path("server.key")));
  for (std::string line; std::getline(key, line);) {
    if (line.size() > 20 && line.find("-----") == std::string::npos) {
      EXPECT_EQ(text.find(line), std::string::npos);
    }
  }
  // Exactly the two handshake lines, each with version and ciphersuite.
  int handshake_lines = 0;
  for (const auto& line : log_.lines()) {
    if (line.message.rfind("TLS full handshake", 0) == 0 ||
        line.message.rfind("TLS session resumed", 0) == 0) {
      ++handshake_lines;
      EXPECT_EQ(line.level, LogLevel::Debug);
      EXPECT_NE(line.message.find("TLSv1.2"), std::string::npos) << line.message;
    }
  }
  EXPECT_EQ(handshake_lines, 2) << text;
}

// --- Mbed TLS memory ---------------------------------------------------------------------

// Firmware build: Mbed TLS allocates from the static pool (shared here with the test server),
// and a transport's blocks go back to it when the transport goes. Host build: Debian's
// libmbedtls uses the heap, and the stats say so.
TEST_F(TlsTransportTest, MbedTlsMemoryComesFromThePoolInTheFirmwareBuild) {
  const net::TlsPoolStats baseline = net::tls_pool_stats();
  auto server = start("server", ServerMode::Echo, Resumption::None);  // no cache that grows
  const net::TlsPoolStats before = net::tls_pool_stats();
  if (!before.pooled) {
    EXPECT_EQ(before.size, 0u);
    EXPECT_EQ(before.peak, 0u);
    return;
  }
  EXPECT_GT(before.size, 0u);
  {
    auto t = transport();
    ASSERT_TRUE(t->configure(settings()).ok());
    net::tls_pool_reset_peak();
    const Outcome connected = connect(*t, *server);
    ASSERT_TRUE(connected.ok()) << connected.error().detail.view();
    expect_echo(*t, "pooled");
    const net::TlsPoolStats during = net::tls_pool_stats();
    EXPECT_GT(during.used, before.used);
    EXPECT_GT(during.blocks, before.blocks);
    EXPECT_GE(during.peak, during.used);
    EXPECT_LE(during.peak + during.peak_blocks * net::kTlsPoolBlockHeader, during.size);
    EXPECT_NE(log_.all_text().find("TLS pool: "), std::string::npos) << log_.all_text();
    t->close();
  }
  ASSERT_TRUE(server->wait_connections_finished(1));
  server.reset();
  const net::TlsPoolStats after = net::tls_pool_stats();
  EXPECT_EQ(after.used, baseline.used);
  EXPECT_EQ(after.blocks, baseline.blocks);
}

}  // namespace
}  // namespace lsedge
