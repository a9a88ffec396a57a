// The one translation of Mbed TLS codes and X.509 flags (firmware/net/mbedtls_errors.cpp), case
// by case; the real handshakes in tls_transport_test.cpp show the codes really arrive this way.
#include "firmware/net/mbedtls_errors.h"

#include <gtest/gtest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <string>

namespace lsedge::net {
namespace {

TlsErrorContext handshake_context(uint32_t flags = 0) {
  TlsErrorContext context;
  context.phase = TlsPhase::Handshake;
  context.host = "ls.example";
  context.port = 8443;
  context.verify_flags = flags;
  return context;
}

bool contains(const Error& error, std::string_view text) {
  return error.detail.view().find(text) != std::string_view::npos;
}

TEST(TlsError, UntrustedChainWinsOverOtherCertificateFlags) {
  const Error e =
      tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                handshake_context(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED |
                                  MBEDTLS_X509_BADCERT_CN_MISMATCH));
  EXPECT_EQ(e.status, Status::TlsUnknownCa);
  EXPECT_EQ(e.code, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  EXPECT_TRUE(contains(e, "ls.example:8443: ")) << e.detail.view();
}

TEST(TlsError, NameMismatchWinsOverExpiry) {
  const Error e =
      tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                handshake_context(MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_EXPIRED));
  EXPECT_EQ(e.status, Status::TlsNameMismatch);
}

TEST(TlsError, ExpiredAndNotYetValidAreBothExpiryWithDifferentAdvice) {
  const Error expired = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                                  handshake_context(MBEDTLS_X509_BADCERT_EXPIRED));
  const Error future = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                                 handshake_context(MBEDTLS_X509_BADCERT_FUTURE));
  EXPECT_EQ(expired.status, Status::TlsCertificateExpired);
  EXPECT_EQ(future.status, Status::TlsCertificateExpired);
  EXPECT_TRUE(contains(expired, "expired"));
  EXPECT_TRUE(contains(future, "not yet valid"));
  EXPECT_TRUE(contains(future, "clock"));
}

TEST(TlsError, APinMismatchOnlyWhenTheChainIsOtherwiseFine) {
  TlsErrorContext context = handshake_context(MBEDTLS_X509_BADCERT_OTHER);
  context.pin_mismatch = true;
  EXPECT_EQ(tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, context).status, Status::TlsPinMismatch);
  context.verify_flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  EXPECT_EQ(tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, context).status, Status::TlsUnknownCa);
}

TEST(TlsError, OtherVerifyFailuresNameMbedTlsReason) {
  const Error e = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                            handshake_context(MBEDTLS_X509_BADCERT_BAD_MD));
  EXPECT_EQ(e.status, Status::TlsHandshakeFailed);
  EXPECT_TRUE(contains(e, "certificate verification failed: "));
  EXPECT_TRUE(contains(e, "hash")) << e.detail.view();  // "...unacceptable hash."
  EXPECT_FALSE(contains(e, "\n"));
}

TEST(TlsError, TheLowestFlagWithAReasonIsNamed) {
  // REVOKED (0x02) is below KEY_USAGE (0x0800); SKIP_VERIFY (0x80) has no text of its own.
  const Error revoked =
      tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                handshake_context(MBEDTLS_X509_BADCERT_SKIP_VERIFY |
                                  MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_REVOKED));
  EXPECT_TRUE(contains(revoked, "certificate verification failed: the certificate is revoked"))
      << revoked.detail.view();
  const Error usage = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                                handshake_context(MBEDTLS_X509_BADCERT_EXT_KEY_USAGE));
  EXPECT_TRUE(contains(usage, "not meant for a TLS server")) << usage.detail.view();
  const Error unnamed = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED,
                                  handshake_context(MBEDTLS_X509_BADCRL_EXPIRED));
  EXPECT_TRUE(contains(unnamed, "certificate verification failed: rejected"))
      << unnamed.detail.view();
}

TEST(TlsError, TimeoutsSayWhatTimedOut) {
  const Error handshake = tls_error(MBEDTLS_ERR_SSL_TIMEOUT, handshake_context());
  EXPECT_EQ(handshake.status, Status::Timeout);
  EXPECT_TRUE(contains(handshake, "TLS handshake with ls.example:8443 timed out"))
      << handshake.detail.view();
  TlsErrorContext read = handshake_context();
  read.phase = TlsPhase::Read;
  EXPECT_TRUE(contains(tls_error(MBEDTLS_ERR_SSL_TIMEOUT, read), "waiting for data from"));
}

TEST(TlsError, SocketFailuresKeepTheSocketsStatusAndErrno) {
  TlsErrorContext context = handshake_context();
  const Error reset = Error(Status::ConnectionReset, "ls.example:8443").with_code(104);
  context.io_error = &reset;
  const Error e = tls_error(MBEDTLS_ERR_NET_CONN_RESET, context);
  EXPECT_EQ(e.status, Status::ConnectionReset);
  EXPECT_EQ(e.code, 104);
  EXPECT_TRUE(contains(e, "during the TLS handshake"));

  const Error unreachable = Error(Status::NetworkError, "x").with_code(113);
  context.io_error = &unreachable;
  context.phase = TlsPhase::Write;
  const Error n = tls_error(MBEDTLS_ERR_NET_SEND_FAILED, context);
  EXPECT_EQ(n.status, Status::NetworkError);
  EXPECT_EQ(n.code, 113);

  context.io_error = nullptr;  // no socket error recorded: the code alone decides
  EXPECT_EQ(tls_error(MBEDTLS_ERR_NET_CONN_RESET, context).status, Status::ConnectionReset);
}

TEST(TlsError, EndOfStreamIsAFailedHandshakeOrAnOrderlyClose) {
  EXPECT_EQ(tls_error(MBEDTLS_ERR_SSL_CONN_EOF, handshake_context()).status,
            Status::TlsHandshakeFailed);
  TlsErrorContext read = handshake_context();
  read.phase = TlsPhase::Read;
  EXPECT_EQ(tls_error(MBEDTLS_ERR_SSL_CONN_EOF, read).status, Status::PeerClosed);
  EXPECT_EQ(tls_error(MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, read).status, Status::PeerClosed);
}

TEST(TlsError, AlertsKeepTheMbedTlsCodeAndText) {
  const Error e = tls_error(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, handshake_context());
  EXPECT_EQ(e.status, Status::TlsHandshakeFailed);
  EXPECT_EQ(e.code, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  EXPECT_TRUE(contains(e, "alert"));
#if defined(MBEDTLS_ERROR_C)
  EXPECT_TRUE(contains(e, "(SSL - ")) << e.detail.view();
#endif
}

TEST(TlsError, ResourceFailures) {
  EXPECT_EQ(tls_error(MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED, handshake_context()).status,
            Status::EntropyFailure);
  EXPECT_EQ(tls_error(MBEDTLS_ERR_SSL_ALLOC_FAILED, handshake_context()).status,
            Status::BufferTooSmall);
}

TEST(TlsError, ProtocolErrorsAfterTheHandshakeAreNetworkErrors) {
  TlsErrorContext read = handshake_context();
  read.phase = TlsPhase::Read;
  EXPECT_EQ(tls_error(MBEDTLS_ERR_SSL_INVALID_MAC, read).status, Status::NetworkError);
  EXPECT_EQ(tls_error(MBEDTLS_ERR_SSL_INVALID_MAC, handshake_context()).status,
            Status::TlsHandshakeFailed);
}

TEST(TlsError, EveryDetailNamesHostAndPortAndIpv6IsBracketed) {
  TlsErrorContext context = handshake_context();
  context.host = "fd00::1";
  for (int code : {MBEDTLS_ERR_SSL_TIMEOUT, MBEDTLS_ERR_NET_CONN_RESET, MBEDTLS_ERR_SSL_CONN_EOF,
                   MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, MBEDTLS_ERR_SSL_INVALID_RECORD,
                   MBEDTLS_ERR_SSL_ALLOC_FAILED, MBEDTLS_ERR_X509_CERT_VERIFY_FAILED}) {
    context.verify_flags = code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED
                               ? static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED)
                               : 0U;
    const Error e = tls_error(code, context);
    EXPECT_TRUE(contains(e, "[fd00::1]:8443")) << code << ": " << e.detail.view();
  }
}

TEST(TlsError, AVeryLongHostIsTruncatedNotOverflowed) {
  const std::string host(250, 'h');
  TlsErrorContext context = handshake_context(MBEDTLS_X509_BADCERT_NOT_TRUSTED);
  context.host = host;
  const Error e = tls_error(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, context);
  EXPECT_EQ(e.status, Status::TlsUnknownCa);
  EXPECT_EQ(e.detail.size(), kErrorDetailCapacity);
}

TEST(CaBundleError, IsConfigInvalidNamingTheFile) {
  const Error e = ca_bundle_error(MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT, "/etc/ca.pem");
  EXPECT_EQ(e.status, Status::ConfigInvalid);
  EXPECT_TRUE(contains(e, "CA file /etc/ca.pem"));
  EXPECT_EQ(e.code, MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT);
}

}  // namespace
}  // namespace lsedge::net
