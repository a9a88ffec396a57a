#include "firmware/net/tls_transport.h"

#include <mbedtls/net_sockets.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <new>

#include "firmware/net/mbedtls_errors.h"
#include "firmware/net/tls_platform.h"

namespace lsedge::net {

// Everything Mbed TLS keeps per transport. Record buffers, the trusted roots a handshake looks up
// (CaLookup) and session tickets are allocated by Mbed TLS itself (mbedtls_calloc).
struct TlsTransport::Engine {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config config;
  mbedtls_ssl_session saved;  // the last full or resumed session, offered on the next connect
};

namespace {

// Whether the certificate has an iPAddress SAN (RFC 5280 [7], 4 or 16 octets) equal to `ip`. Mbed
// TLS would match an IP given to mbedtls_ssl_set_hostname() itself, but it would then also send
// it as SNI, which RFC 6066 forbids; so the hostname is unset for IPs and the match is here.
bool certificate_has_ip(const mbedtls_x509_crt& crt, const IpAddress& ip) {
  for (const mbedtls_x509_sequence* san = &crt.subject_alt_names; san != nullptr; san = san->next) {
    const int type = san->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
    if ((san->buf.tag & MBEDTLS_ASN1_CONTEXT_SPECIFIC) != 0 &&
        type == MBEDTLS_X509_SAN_IP_ADDRESS && san->buf.p != nullptr && san->buf.len == ip.size &&
        std::memcmp(san->buf.p, ip.bytes.data(), ip.size) == 0) {
      return true;
    }
  }
  return false;
}

// The signature algorithms offered: ECDSA on the compiled-in curves, RSA-PSS (TLS 1.3's only RSA
// scheme) and PKCS#1 v1.5, strongest hash first within each.
constexpr uint16_t kSigAlgs[] = {MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
                                 MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
                                 MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,
                                 MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
                                 MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,
                                 MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
                                 MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
                                 MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
                                 MBEDTLS_TLS1_3_SIG_NONE};

// The same without RSA-PSS, for TLS 1.2 servers only: Mbed TLS 3.6.6 refuses a TLS 1.2
// ServerKeyExchange signed with RSA-PSS although it offers PSS (for TLS 1.3), and OpenSSL servers
// that prefer their own order (Debian's nginx) sign that way (Mbed-TLS/mbedtls#10668, fixed
// upstream after 3.6.6). TLS 1.3 needs PSS for RSA certificates, so this list is used only after
// such a server was met (TlsTransport::connect).
constexpr uint16_t kSigAlgsWithoutPss[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,       MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,       MBEDTLS_TLS1_3_SIG_NONE};

}  // namespace

// The C callbacks Mbed TLS calls, with access to the transport's state.
struct TlsCallbacks {
  static TlsTransport& of(void* context) { return *static_cast<TlsTransport*>(context); }

  // Keeps the socket's Error for the translation; the code tells Mbed TLS what kind it was.
  static int io_failure(TlsTransport& transport, const Error& error, bool receiving) {
    transport.io_error_ = error;
    switch (error.status) {
      case Status::Timeout:
        return MBEDTLS_ERR_SSL_TIMEOUT;
      case Status::PeerClosed:
        return receiving ? 0 : MBEDTLS_ERR_NET_CONN_RESET;
      case Status::ConnectionReset:
        return MBEDTLS_ERR_NET_CONN_RESET;
      default:
        return receiving ? MBEDTLS_ERR_NET_RECV_FAILED : MBEDTLS_ERR_NET_SEND_FAILED;
    }
  }

  static int send(void* context, const unsigned char* data, size_t size) {
    TlsTransport& t = of(context);
    const size_t chunk = size > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : size;
    Result<size_t> sent = t.socket_.send(ConstByteSpan(data, chunk), t.io_deadline_);
    if (!sent.ok()) {
      return io_failure(t, sent.error(), false);
    }
    return static_cast<int>(*sent);
  }

  // Mbed TLS's own `timeout` (conf_read_timeout) is unused: the operation's Deadline rules.
  static int receive(void* context, unsigned char* data, size_t size, uint32_t /*timeout*/) {
    TlsTransport& t = of(context);
    const size_t chunk = size > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : size;
    Result<size_t> received = t.socket_.receive(ByteSpan(data, chunk), t.io_deadline_);
    if (!received.ok()) {
      return io_failure(t, received.error(), true);
    }
    return static_cast<int>(*received);
  }

  // Called per certificate after Mbed TLS checked the chain (full handshakes only: a resumed
  // session sends none); adds the IP SAN match and the pin, and records the flags for the error
  // translation. Returns 0 so a failure is reported as MBEDTLS_ERR_X509_CERT_VERIFY_FAILED with
  // these flags.
  static int verify(void* context, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
    TlsTransport& t = of(context);
    t.saw_certificate_ = true;
    if (depth == 0) {
      if (t.peer_ip_.has_value() && !certificate_has_ip(*crt, *t.peer_ip_)) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
      }
      if (t.pin_.has_value()) {
        // pk_raw is the leaf's DER SubjectPublicKeyInfo as sent: what `openssl pkey -pubin
        // -outform der` hashes.
        PinSha256 digest{};
        const bool hashed = mbedtls_sha256(crt->pk_raw.p, crt->pk_raw.len, digest.data(), 0) == 0;
        if (!hashed || digest != *t.pin_) {
          t.pin_mismatch_ = true;
          *flags |= MBEDTLS_X509_BADCERT_OTHER;
        }
      }
    }
    t.verify_flags_ |= *flags;
    return 0;
  }

  static Error fail(const TlsTransport& t, int code, TlsPhase phase) {
    TlsErrorContext context;
    context.phase = phase;
    context.host = t.peer_name_.view();
    context.port = t.port_;
    context.verify_flags = t.verify_flags_;
    context.pin_mismatch = t.pin_mismatch_;
    context.io_error = t.io_error_.status != Status::Ok ? &t.io_error_ : nullptr;
    return tls_error(code, context);
  }
};

TlsTransport::TlsTransport(hal::Socket& socket, hal::Entropy& entropy,
                           const hal::MonotonicClock& clock, Logger log)
    : socket_(socket), entropy_(entropy), clock_(clock), log_(log), ca_lookup_(log) {
  tls_platform_init();  // the firmware build's static pool, before Mbed TLS allocates
  static_assert(sizeof(Engine) <= kEngineStorage,
                "raise LSEDGE_TLS_ENGINE_STORAGE in boards/<board>/board.h");
  static_assert(alignof(Engine) <= alignof(std::max_align_t),
                "the engine storage is aligned to max_align_t only");
  new (engine_) Engine;  // placement new into engine_ (inside this object): not heap
  init_engine();
}

TlsTransport::~TlsTransport() {
  close();
  free_engine();
  engine().~Engine();
  tls_random_release(entropy_);
}

TlsTransport::Engine& TlsTransport::engine() {
  return *std::launder(reinterpret_cast<Engine*>(engine_));
}

void TlsTransport::init_engine() {
  Engine& e = engine();
  mbedtls_ssl_init(&e.ssl);
  mbedtls_ssl_config_init(&e.config);
  mbedtls_ssl_session_init(&e.saved);
  session_saved_ = false;
}

// Mbed TLS wipes keys and session secrets as it frees them.
void TlsTransport::free_engine() {
  Engine& e = engine();
  mbedtls_ssl_free(&e.ssl);
  mbedtls_ssl_config_free(&e.config);
  mbedtls_ssl_session_free(&e.saved);
  session_saved_ = false;
}

Outcome TlsTransport::configure(const TlsSettings& settings) {
  close();
  configured_ = false;
  free_engine();
  init_engine();
  LSEDGE_TRY(take_settings(settings));
  LSEDGE_TRY(tls_random_seed(entropy_));
  Engine& e = engine();
  // One code path for both: a bundle in memory is read through a PemBufferSource.
  ca_pem_source_ = PemBufferSource(settings.ca_pem);
  ca_lookup_.use(settings.ca_source != nullptr ? settings.ca_source : &ca_pem_source_,
                 settings.ca_label);
  LSEDGE_TRY(ca_lookup_.check_source());
  const int rc = setup_context();
  if (rc != 0) {
    peer_name_.clear();
    port_ = 0;
    return TlsCallbacks::fail(*this, rc, TlsPhase::Setup);
  }
  mbedtls_ssl_set_bio(&e.ssl, this, &TlsCallbacks::send, nullptr, &TlsCallbacks::receive);
  configured_ = true;
  return {};
}

Outcome TlsTransport::take_settings(const TlsSettings& settings) {
  if (settings.ca_pem.empty() == (settings.ca_source == nullptr)) {
    return Error(Status::InvalidArgument, "TlsSettings needs exactly one of ca_pem and ca_source");
  }
  if (!settings.ca_pem.empty() && settings.ca_pem[settings.ca_pem.size() - 1] != 0) {
    return Error(Status::InvalidArgument,
                 "TlsSettings::ca_pem must end with a NUL byte counted in the span");
  }
  if (settings.server_name.find('\0') != std::string_view::npos ||
      configured_name_.assign(settings.server_name) != Status::Ok) {
    configured_name_.clear();
    return Error(Status::InvalidArgument,
                 "TLS server name contains a NUL byte or is longer than LSEDGE_HOST_CAPACITY");
  }
  pin_ = settings.pin_sha256;
  handshake_timeout_ms_ = settings.handshake_timeout_ms;
  return {};
}

int TlsTransport::setup_context() {
  Engine& e = engine();
  without_pss_ = false;
  const int rc = mbedtls_ssl_config_defaults(
      &e.config, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    return rc;
  }
  mbedtls_ssl_conf_authmode(&e.config, MBEDTLS_SSL_VERIFY_REQUIRED);
  // Trusted roots on demand: the parents of each certificate the server sent are looked up in
  // the CA source when the chain is verified; nothing of the bundle stays in memory.
  mbedtls_ssl_conf_ca_cb(&e.config, &CaLookup::callback, &ca_lookup_);
  mbedtls_ssl_conf_rng(&e.config, &tls_random, nullptr);
  // TLS 1.3 preferred (the default maximum), 1.2 accepted.
  mbedtls_ssl_conf_min_tls_version(&e.config, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_verify(&e.config, &TlsCallbacks::verify, this);
  mbedtls_ssl_conf_sig_algs(&e.config, kSigAlgs);
  mbedtls_ssl_conf_read_timeout(&e.config, 0);  // Deadlines instead, in the BIO
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
  mbedtls_ssl_conf_session_tickets(&e.config, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
  // TLS 1.3 tickets arrive after the handshake; mbedtls_ssl_read() reports each so it is kept.
  mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
      &e.config, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
#endif
  // No mbedtls_ssl_conf_dbg: debug levels >= 3 print key material.
  return mbedtls_ssl_setup(&e.ssl, &e.config);
}

Outcome TlsTransport::connect(std::string_view host, uint16_t port, Deadline deadline) {
  if (!configured_) {
    return Error(Status::InvalidArgument, "TLS transport used before a successful configure()");
  }
  if (host.empty() || port == 0) {
    return Error(Status::InvalidArgument, "connect needs a host and a non-zero port");
  }
  close();
  const std::string_view name = configured_name_.empty() ? host : configured_name_.view();
  if (name.find('\0') != std::string_view::npos || peer_name_.assign(name) != Status::Ok) {
    peer_name_.clear();
    return Error(Status::InvalidArgument,
                 "host name contains a NUL byte or is longer than LSEDGE_HOST_CAPACITY");
  }
  peer_ip_ = parse_ip_literal(name);
  port_ = port;
  LSEDGE_TRY(socket_.connect(host, port, deadline));
  Outcome done = handshake(deadline);
  if (done.ok() || !tls12_pss_refused_) {
    return done;
  }
  // Once more without offering RSA-PSS (kSigAlgsWithoutPss): the server then signs with PKCS#1
  // v1.5. Still offered TLS 1.3, so its downgrade protection stays.
  log_.debug(
      "%s:%u signed its TLS 1.2 key exchange with RSA-PSS, which this Mbed TLS refuses; "
      "connecting again without offering RSA-PSS",
      peer_name_.c_str(), static_cast<unsigned>(port_));
  mbedtls_ssl_conf_sig_algs(&engine().config, kSigAlgsWithoutPss);
  without_pss_ = true;
  LSEDGE_TRY(socket_.connect(host, port, deadline));
  return handshake(deadline);
}

Outcome TlsTransport::handshake(Deadline deadline) {
  Engine& e = engine();
  last_resumed_ = false;
  verify_flags_ = 0;
  pin_mismatch_ = false;
  io_error_ = Error();

  int rc = mbedtls_ssl_session_reset(&e.ssl);
  if (rc == 0) {
    // SNI and Mbed TLS's name check for DNS names only (RFC 6066: no IP literals in SNI); an
    // IP is checked against iPAddress SANs in TlsCallbacks::verify.
    rc = mbedtls_ssl_set_hostname(&e.ssl, peer_ip_.has_value() ? nullptr : peer_name_.c_str());
  }
  bool offered = false;
  if (rc == 0 && session_saved_ && session_name_ == peer_name_.view() && session_port_ == port_) {
    offered = mbedtls_ssl_set_session(&e.ssl, &e.saved) == 0;
  }

  const uint64_t now = clock_.now_ms();
  io_deadline_ = handshake_timeout_ms_ == 0
                     ? deadline
                     : Deadline::earliest(deadline, Deadline::after(now, handshake_timeout_ms_));

  saw_certificate_ = false;
  ca_lookup_.clear_error();
  ca_lookup_.reset_stats();
  while (rc == 0 && !mbedtls_ssl_is_handshake_over(&e.ssl)) {
    rc = mbedtls_ssl_handshake(&e.ssl);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      rc = io_deadline_.expired(clock_.now_ms()) ? MBEDTLS_ERR_SSL_TIMEOUT : 0;
    }
  }
  tls12_pss_refused_ = false;
  if (rc != 0) {
    // The chain was fine and the TLS 1.2 ServerKeyExchange's signature algorithm was refused.
    tls12_pss_refused_ = !without_pss_ && rc == MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER &&
                         saw_certificate_ && verify_flags_ == 0 &&
                         mbedtls_ssl_get_version_number(&e.ssl) == MBEDTLS_SSL_VERSION_TLS1_2;
    if (without_pss_) {
      // The server may have changed (e.g. to TLS 1.3 with an RSA certificate, which needs PSS).
      mbedtls_ssl_conf_sig_algs(&e.config, kSigAlgs);
      without_pss_ = false;
    }
    Error error = TlsCallbacks::fail(*this, rc, TlsPhase::Handshake);
    if (ca_lookup_.error().status != Status::Ok) {
      error = ca_lookup_error();  // reading the CA source failed: not the server's fault
    }
    log_.debug("TLS handshake with %s:%u failed: -0x%04x", peer_name_.c_str(),
               static_cast<unsigned>(port_), static_cast<unsigned>(-rc));
    abort_connection();
    forget_session();  // RFC 5246: a session ended by a fatal alert is not resumed
    return error;
  }

  connected_ = true;
  // A resumed handshake (TLS 1.2 session id or ticket, TLS 1.3 PSK) carries no certificate.
  last_resumed_ = offered && !saw_certificate_;
  log_.debug("TLS %s with %s:%u (%s, %s)", last_resumed_ ? "session resumed" : "full handshake",
             peer_name_.c_str(), static_cast<unsigned>(port_), mbedtls_ssl_get_version(&e.ssl),
             mbedtls_ssl_get_ciphersuite(&e.ssl));
  if (saw_certificate_) {
    const CaLookupStats& ca = ca_lookup_.stats();
    log_.debug("CA lookup: %zu issuer(s) looked up, %zu PEM block(s) read, %zu root(s) parsed",
               ca.lookups, ca.blocks, ca.parsed);
  }
  const TlsPoolStats pool = tls_pool_stats();
  if (pool.pooled) {
    log_.debug("TLS pool: %zu bytes in %zu blocks in use, peak %zu bytes in %zu blocks, of %zu",
               pool.used, pool.blocks, pool.peak, pool.peak_blocks, pool.size);
  }
  // TLS 1.2: the session (id and/or ticket) is known now. TLS 1.3: a session is a ticket, which
  // comes later (save_session() from receive()); until then the previous one stays saved.
  if (mbedtls_ssl_get_version_number(&e.ssl) != MBEDTLS_SSL_VERSION_TLS1_3) {
    save_session();
  }
  return {};
}

void TlsTransport::save_session() {
  Engine& e = engine();
  mbedtls_ssl_session_free(&e.saved);
  mbedtls_ssl_session_init(&e.saved);
  session_saved_ = mbedtls_ssl_get_session(&e.ssl, &e.saved) == 0;
  if (session_saved_) {
    (void)session_name_.assign(peer_name_.view());  // same capacity: always fits
    session_port_ = port_;
  }
}

Result<size_t> TlsTransport::send(ConstByteSpan data, Deadline deadline) {
  if (!connected_) {
    return not_connected();
  }
  if (data.empty()) {
    return size_t{0};
  }
  io_deadline_ = deadline;
  io_error_ = Error();
  const size_t size =
      data.size() > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : data.size();
  for (;;) {
    int rc = mbedtls_ssl_write(&engine().ssl, data.data(), size);
    if (rc > 0) {
      return static_cast<size_t>(rc);
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!deadline.expired(clock_.now_ms())) {
        continue;
      }
      rc = MBEDTLS_ERR_SSL_TIMEOUT;
    }
    // A record may be half sent: the stream cannot be resumed, even after a timeout.
    const Error error = TlsCallbacks::fail(*this, rc, TlsPhase::Write);
    abort_connection();
    return error;
  }
}

Result<size_t> TlsTransport::receive(ByteSpan buffer, Deadline deadline) {
  if (!connected_) {
    return not_connected();
  }
  if (buffer.empty()) {
    return Error(Status::InvalidArgument, "receive into an empty buffer");
  }
  io_deadline_ = deadline;
  io_error_ = Error();
  const size_t size =
      buffer.size() > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : buffer.size();
  for (;;) {
    int rc = mbedtls_ssl_read(&engine().ssl, buffer.data(), size);
    if (rc > 0) {
      return static_cast<size_t>(rc);
    }
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
      save_session();  // TLS 1.3: the ticket the next connect() offers
      log_.debug("TLS 1.3 session ticket from %s:%u kept for resumption", peer_name_.c_str(),
                 static_cast<unsigned>(port_));
      rc = MBEDTLS_ERR_SSL_WANT_READ;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!deadline.expired(clock_.now_ms())) {
        continue;  // a record without application data (a ticket, a refused renegotiation)
      }
      rc = MBEDTLS_ERR_SSL_TIMEOUT;
    }
    if (rc == 0) {
      rc = MBEDTLS_ERR_SSL_CONN_EOF;  // TCP EOF without close_notify: still the end
    }
    const Error error = TlsCallbacks::fail(*this, rc, TlsPhase::Read);
    if (rc != MBEDTLS_ERR_SSL_TIMEOUT) {
      abort_connection();
    }
    return error;
  }
}

bool TlsTransport::idle_connection_broken() {
  if (!connected_ || !socket_.is_open()) {
    return true;
  }
  const mbedtls_ssl_context& ssl = engine().ssl;
  if (mbedtls_ssl_get_bytes_avail(&ssl) > 0 || mbedtls_ssl_check_pending(&ssl) != 0) {
    return true;  // decrypted or buffered bytes nobody asked for
  }
  return socket_.idle_connection_broken();
}

void TlsTransport::close() {
  if (connected_ && socket_.is_open()) {
    io_deadline_ = Deadline::after(clock_.now_ms(), LSEDGE_TLS_CLOSE_NOTIFY_TIMEOUT_MS);
    io_error_ = Error();
    (void)mbedtls_ssl_close_notify(&engine().ssl);  // best effort; the peer may be gone
  }
  abort_connection();
}

bool TlsTransport::is_open() const {
  return connected_ && socket_.is_open();
}

void TlsTransport::forget_session() {
  Engine& e = engine();
  mbedtls_ssl_session_free(&e.saved);
  mbedtls_ssl_session_init(&e.saved);
  session_saved_ = false;
}

void TlsTransport::abort_connection() {
  connected_ = false;
  socket_.close();
}

Error TlsTransport::ca_lookup_error() const {
  Error error = ca_lookup_.error();
  error.detail.append_truncated(" (looking up a trusted root for the TLS handshake with ");
  error.detail.append_truncated(peer_name_.view());
  error.detail.append_truncated(":");
  (void)error.detail.append_uint(port_);
  error.detail.append_truncated(")");
  return error;
}

Error TlsTransport::not_connected() const {
  return Error(Status::NetworkError, "TLS connection is not open").with_code(ENOTCONN);
}

}  // namespace lsedge::net
