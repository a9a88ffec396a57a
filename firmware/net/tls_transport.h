// TLS 1.3 and 1.2 over hal::Socket with Mbed TLS 3.6. Mbed TLS appears in no header: its objects
// live in an opaque block inside the transport (sized by LSEDGE_TLS_ENGINE_STORAGE, checked in the
// .cpp).
//
// Certificate validity dates are checked by Mbed TLS against the wall clock (time()): a gateway
// needs a roughly right date for HTTPS; a "not yet valid" error says to check the clock. lsedge's
// own code never reads the wall clock; every timeout here is a Deadline on the monotonic clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/deadline.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/ip_literal.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/net/ca_lookup.h"
#include "firmware/net/pem_certificate_source.h"
#include "firmware/net/pin_sha256.h"
#include "firmware/net/transport.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/socket.h"

namespace lsedge::net {

// What configure() needs. The CA certificates (ca_pem or ca_source, and ca_label) are read again
// on every full handshake (trusted roots are looked up on demand, ca_lookup.h), so they must
// outlive the transport or its next configure(); the other views are read during configure().
// Thread-safety: a value type.
struct TlsSettings {
  // SNI and certificate name check. Empty: the host given to connect(). A DNS name is matched
  // by Mbed TLS (SAN dNSName / CN, wildcards); an IPv4/IPv6 literal (brackets allowed) is sent
  // without SNI and matched against the certificate's IP SANs by lsedge.
  std::string_view server_name;
  // The CA bundle as PEM, followed by one NUL byte that is counted in the span.
  ConstByteSpan ca_pem;
  // Instead of ca_pem (which must then be empty): the certificates one block at a time.
  PemCertificateSource* ca_source = nullptr;
  // Where the CA certificates came from (a path), for error messages only.
  std::string_view ca_label;
  // Checked in addition to the chain on every full handshake.
  std::optional<PinSha256> pin_sha256;
  // Bound on the handshake after the TCP connect, on top of connect()'s deadline; 0: none.
  uint32_t handshake_timeout_ms = LSEDGE_TLS_HANDSHAKE_TIMEOUT_MS;
};

// TLS 1.3 (preferred) and 1.2 client: verification always required (chain to the CA bundle, host
// name or IP, optional pin), randomness from hal::Entropy (tls_platform.h), keep-alive through
// the Transport contract, and resumption of the last session (TLS 1.2 id or ticket, TLS 1.3
// ticket) when connect() is called again for the same name and port.
// Errors: tls_error() in mbedtls_errors.cpp (unknown CA, expired, name mismatch, pin, timeout,
// reset ...), each naming host:port. Thread-safety: one thread at a time; not movable.
class TlsTransport final : public Transport {
 public:
  static constexpr size_t kEngineStorage = LSEDGE_TLS_ENGINE_STORAGE;

  // The references must outlive the transport. Deadlines passed in are read on `clock`.
  TlsTransport(hal::Socket& socket, hal::Entropy& entropy, const hal::MonotonicClock& clock,
               Logger log);
  ~TlsTransport();
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // Seeds the TLS random generator, checks the CA certificates (at least one block with a readable
  // subject; none is parsed until a handshake looks its issuer up) and sets up the TLS context. May
  // be called again (it closes the connection and forgets the saved session). Errors:
  // InvalidArgument (neither or both of ca_pem / ca_source, ca_pem not NUL-terminated, server_name
  // too long or with a NUL), ConfigInvalid (no readable certificate; the detail names ca_label),
  // the ca_source's errors, EntropyFailure, BufferTooSmall (Mbed TLS memory).
  [[nodiscard]] Outcome configure(const TlsSettings& settings);

  // TCP connect before `deadline`, then the handshake before the earlier of `deadline` and
  // handshake_timeout_ms. Closes an open connection first (close_notify). InvalidArgument
  // before configure() or for an empty host / port 0; the ca_source's error (e.g. the CA file
  // became unreadable) if looking a trusted root up failed.
  [[nodiscard]] Outcome connect(std::string_view host, uint16_t port, Deadline deadline) override;
  // Encrypts and sends part or all of `data` (at most one TLS record's worth per call).
  [[nodiscard]] Result<size_t> send(ConstByteSpan data, Deadline deadline) override;
  // Decrypted bytes; PeerClosed on close_notify or EOF. A timed-out receive leaves the
  // connection usable (Mbed TLS keeps a partly read record).
  [[nodiscard]] Result<size_t> receive(ByteSpan buffer, Deadline deadline) override;
  // Not connected, decrypted bytes nobody asked for, or the socket's check (EOF, reset, bytes
  // pending — a server's close_notify arrives as such bytes).
  [[nodiscard]] bool idle_connection_broken() override;
  // Sends close_notify (best effort, LSEDGE_TLS_CLOSE_NOTIFY_TIMEOUT_MS), closes the socket,
  // keeps the saved session for the next connect(). Idempotent.
  void close() override;
  [[nodiscard]] bool is_open() const override;

  // Whether the last successful handshake resumed the saved session (no certificate exchange).
  [[nodiscard]] bool last_handshake_resumed() const { return last_resumed_; }
  // Drops the saved session: the next connect() does a full handshake.
  void forget_session();

 private:
  struct Engine;
  friend struct TlsCallbacks;

  [[nodiscard]] Engine& engine();
  void init_engine();
  void free_engine();
  // configure()'s steps: check and keep the settings, set up the SSL context (returns an Mbed
  // TLS code).
  [[nodiscard]] Outcome take_settings(const TlsSettings& settings);
  [[nodiscard]] int setup_context();
  // Keeps the connection's session (or TLS 1.3 ticket) for the next connect().
  void save_session();
  [[nodiscard]] Outcome handshake(Deadline deadline);
  void abort_connection();
  [[nodiscard]] Error not_connected() const;
  // The CA source's error that failed a handshake, naming the peer.
  [[nodiscard]] Error ca_lookup_error() const;

  hal::Socket& socket_;
  hal::Entropy& entropy_;
  const hal::MonotonicClock& clock_;
  Logger log_;

  FixedString<LSEDGE_HOST_CAPACITY> configured_name_;  // TlsSettings::server_name
  FixedString<LSEDGE_HOST_CAPACITY> peer_name_;        // name verified on this connection
  std::optional<IpAddress> peer_ip_;                   // peer_name_ as an address, if it is one
  uint16_t port_ = 0;
  std::optional<PinSha256> pin_;
  uint32_t handshake_timeout_ms_ = 0;

  FixedString<LSEDGE_HOST_CAPACITY> session_name_;  // whom the saved session belongs to
  uint16_t session_port_ = 0;
  bool session_saved_ = false;

  // State the BIO and verify callbacks share with the current operation.
  Deadline io_deadline_;
  Error io_error_;
  uint32_t verify_flags_ = 0;
  bool pin_mismatch_ = false;
  bool saw_certificate_ = false;  // the verify callback ran: a full handshake
  // The last handshake failed on a TLS 1.2 RSA-PSS ServerKeyExchange (see kSigAlgsWithoutPss);
  // without_pss_: RSA-PSS is not offered now.
  bool tls12_pss_refused_ = false;
  bool without_pss_ = false;

  // Trusted roots on demand (Mbed TLS's CA callback), over ca_source or over ca_pem_source_.
  PemBufferSource ca_pem_source_;
  CaLookup ca_lookup_;

  bool configured_ = false;
  bool connected_ = false;  // handshake done, context usable
  bool last_resumed_ = false;

  alignas(alignof(std::max_align_t)) unsigned char engine_[kEngineStorage] = {};
};

}  // namespace lsedge::net
