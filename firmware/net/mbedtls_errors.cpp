#include "firmware/net/mbedtls_errors.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include <cstring>

namespace lsedge::net {
namespace {

// "host:port" ("[v6]:port" for an IPv6 literal), truncated to the detail's capacity.
void append_host_port(Error& error, const TlsErrorContext& context) {
  const bool bracket =
      context.host.find(':') != std::string_view::npos && context.host.front() != '[';
  if (bracket) {
    error.detail.append_truncated("[");
  }
  error.detail.append_truncated(context.host);
  error.detail.append_truncated(bracket ? "]:" : ":");
  (void)error.detail.append_uint(context.port);
}

// "host:port: what" — never split inside UTF-8.
Error make(Status status, const TlsErrorContext& context, std::string_view what) {
  Error error(status);
  append_host_port(error, context);
  error.detail.append_truncated(": ");
  error.detail.append_truncated(what);
  return error;
}

// Appends " (Mbed TLS's text)" when it is available.
void append_code_text(Error& error, int code) {
  char text[96];
  describe_mbedtls_code(code, text, sizeof(text));
  if (text[0] != '\0') {
    error.detail.append_truncated(" (");
    error.detail.append_truncated(text);
    error.detail.append_truncated(")");
  }
}

// Our words for one verify flag the chain branches below do not name; "" for any other
// (MBEDTLS_X509_REMOVE_INFO leaves out Mbed TLS's texts, and with them every OID description).
std::string_view verify_flag_text(uint32_t flag) {
  switch (flag) {
    case MBEDTLS_X509_BADCERT_REVOKED:
      return "the certificate is revoked (listed on a CRL)";
    case MBEDTLS_X509_BADCERT_MISSING:
      return "the server sent no certificate";
    case MBEDTLS_X509_BADCERT_KEY_USAGE:
    case MBEDTLS_X509_BADCERT_EXT_KEY_USAGE:
    case MBEDTLS_X509_BADCERT_NS_CERT_TYPE:
      return "the certificate is not meant for a TLS server (key usage)";
    case MBEDTLS_X509_BADCERT_BAD_MD:
      return "the certificate is signed with an unacceptable hash";
    case MBEDTLS_X509_BADCERT_BAD_PK:
      return "the certificate's public key algorithm is not accepted";
    case MBEDTLS_X509_BADCERT_BAD_KEY:
      return "the certificate's key is too small or on a curve not accepted";
    default:
      return {};
  }
}

// The first (lowest) flag that has a text.
std::string_view other_verify_reason(uint32_t flags) {
  for (uint32_t flag = 1; flag != 0; flag <<= 1U) {
    if ((flags & flag) != 0 && !verify_flag_text(flag).empty()) {
      return verify_flag_text(flag);
    }
  }
  return "rejected";
}

// Chain problems come first: an untrusted certificate's other properties mean nothing.
Error verify_error(int code, const TlsErrorContext& context) {
  const uint32_t flags = context.verify_flags;
  Error error;
  if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) {
    error = make(Status::TlsUnknownCa, context,
                 "the certificate chain does not lead to a CA in the configured CA bundle; "
                 "check LABEL_STUDIO_CA_FILE / --ca-file");
  } else if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
    error = make(Status::TlsNameMismatch, context,
                 "the certificate is not issued for this host name or IP address; use a name "
                 "listed in the certificate");
  } else if ((flags & MBEDTLS_X509_BADCERT_FUTURE) != 0) {
    error = make(Status::TlsCertificateExpired, context,
                 "the certificate is not yet valid - check the gateway's clock (date and time)");
  } else if ((flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0) {
    error = make(Status::TlsCertificateExpired, context,
                 "the certificate has expired; renew it on the server, or check the gateway's "
                 "clock");
  } else if (context.pin_mismatch) {
    error = make(Status::TlsPinMismatch, context,
                 "the SHA-256 of the server's public key differs from the configured pin; "
                 "update the pin if the server's key was changed");
  } else {
    // Revoked, wrong key usage, a weak hash or key.
    const std::string_view reason = other_verify_reason(flags);
    error = make(Status::TlsHandshakeFailed, context, "certificate verification failed: ");
    error.detail.append_truncated(reason);
  }
  return error.with_code(code);
}

bool is_bio_failure(int code) {
  return code == MBEDTLS_ERR_NET_CONN_RESET || code == MBEDTLS_ERR_NET_SEND_FAILED ||
         code == MBEDTLS_ERR_NET_RECV_FAILED;
}

const char* phase_text(TlsPhase phase) {
  switch (phase) {
    case TlsPhase::Setup:
      return "setting up TLS";
    case TlsPhase::Handshake:
      return "during the TLS handshake";
    case TlsPhase::Read:
      return "while receiving TLS data";
    case TlsPhase::Write:
      return "while sending TLS data";
  }
  return "";
}

bool is_alloc_failure(int code) {
  return code == MBEDTLS_ERR_SSL_ALLOC_FAILED || code == MBEDTLS_ERR_X509_ALLOC_FAILED ||
         code == MBEDTLS_ERR_PK_ALLOC_FAILED || code == MBEDTLS_ERR_MPI_ALLOC_FAILED ||
         code == MBEDTLS_ERR_ECP_ALLOC_FAILED || code == PSA_ERROR_INSUFFICIENT_MEMORY;
}

Error timeout_error(int code, const TlsErrorContext& context) {
  const bool handshake = context.phase == TlsPhase::Handshake;
  Error error(Status::Timeout);
  error.detail.append_truncated(handshake                         ? "TLS handshake with "
                                : context.phase == TlsPhase::Read ? "waiting for data from "
                                                                  : "sending data to ");
  append_host_port(error, context);
  error.detail.append_truncated(
      handshake ? " timed out; check that the port serves HTTPS and the network path"
                : " timed out");
  return error.with_code(code);
}

// A socket failure under a BIO code: the socket's status and errno.
Error socket_error(int code, const TlsErrorContext& context, const Error& io_error) {
  const Status status =
      io_error.status == Status::PeerClosed ? Status::ConnectionReset : io_error.status;
  Error error = make(status, context,
                     status == Status::ConnectionReset ? "the peer reset the connection "
                                                       : "the connection failed ");
  error.detail.append_truncated(phase_text(context.phase));
  if (context.phase == TlsPhase::Handshake) {
    error.detail.append_truncated("; check that the port serves HTTPS and any proxy/firewall");
  }
  return error.with_code(io_error.code != 0 ? io_error.code : code);
}

// EOF or close_notify: a failed handshake, or the end of the connection.
Error closed_error(int code, const TlsErrorContext& context) {
  if (context.phase == TlsPhase::Handshake) {
    return make(Status::TlsHandshakeFailed, context,
                "the server closed the connection during the TLS handshake; check that the "
                "port serves HTTPS and accepts TLS 1.3 or 1.2")
        .with_code(code);
  }
  return make(Status::PeerClosed, context, "the server closed the TLS connection").with_code(code);
}

// What to check when the handshake (or its setup) failed with `code`.
const char* handshake_advice(int code) {
  switch (code) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
      return "the server aborted the TLS handshake with an alert; check its TLS versions and "
             "ciphers (TLS 1.3 or 1.2, ECDHE with AES-GCM or ChaCha20-Poly1305)";
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA:
    case MBEDTLS_ERR_SSL_DECODE_ERROR:
      return "the server does not speak TLS on this port; check the URL's scheme and port";
    case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE:
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
      return "no common TLS version or cipher suite; the server must offer TLS 1.3 or 1.2 with "
             "ECDHE and AES-GCM or ChaCha20-Poly1305";
    default:
      return "the TLS handshake failed; check that the port serves HTTPS with TLS 1.3 or 1.2";
  }
}

// Any other code, with Mbed TLS's text.
Error other_error(int code, const TlsErrorContext& context) {
  Error error;
  if (context.phase == TlsPhase::Handshake || context.phase == TlsPhase::Setup) {
    error = make(Status::TlsHandshakeFailed, context, handshake_advice(code));
  } else {
    error = make(Status::NetworkError, context, "the TLS connection failed ");
    error.detail.append_truncated(phase_text(context.phase));
  }
  append_code_text(error, code);
  return error.with_code(code);
}

}  // namespace

void describe_mbedtls_code(int code, char* out, size_t size) {
  if (size == 0) {
    return;
  }
  out[0] = '\0';
#if defined(MBEDTLS_ERROR_C)
  mbedtls_strerror(code, out, size);
#else
  (void)code;
#endif
}

Error ca_bundle_error(int code, std::string_view ca_label) {
  Error error(Status::ConfigInvalid, "CA file ");
  error.detail.append_truncated(ca_label.empty() ? std::string_view("(CA bundle)") : ca_label);
  error.detail.append_truncated(
      ": no certificate could be parsed; give a PEM file of CA certificates");
  append_code_text(error, code);
  return error.with_code(code);
}

Error tls_error(int code, const TlsErrorContext& context) {
  if (code == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    return verify_error(code, context);
  }
  if (code == MBEDTLS_ERR_SSL_TIMEOUT) {
    return timeout_error(code, context);
  }
  // The socket failed under Mbed TLS: its status (reset, network error) and errno win.
  if (is_bio_failure(code) && context.io_error != nullptr &&
      context.io_error->status != Status::Ok) {
    return socket_error(code, context, *context.io_error);
  }
  if (code == MBEDTLS_ERR_NET_CONN_RESET) {
    Error error = make(Status::ConnectionReset, context, "the peer reset the connection ");
    error.detail.append_truncated(phase_text(context.phase));
    return error.with_code(code);
  }
  if (code == MBEDTLS_ERR_SSL_CONN_EOF || code == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
    return closed_error(code, context);
  }
  if (code == MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED ||
      code == PSA_ERROR_INSUFFICIENT_ENTROPY) {
    return make(Status::EntropyFailure, context, "the random generator could not be seeded")
        .with_code(code);
  }
  if (is_alloc_failure(code)) {
    Error error = make(Status::BufferTooSmall, context, "Mbed TLS ran out of memory ");
    error.detail.append_truncated(phase_text(context.phase));
    return error.with_code(code);
  }
  return other_error(code, context);
}

}  // namespace lsedge::net
