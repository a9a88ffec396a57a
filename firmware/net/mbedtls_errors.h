// Mbed TLS error codes and X.509 verify flags → lsedge Errors: the one place they are translated.
// Private to net/ (included only by its .cpp files); no Mbed TLS header here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"

namespace lsedge::net {

// Where in a connection's life a code came from; it changes the wording and some statuses
// (an EOF during the handshake is a failed handshake, during a read an orderly close).
enum class TlsPhase : uint8_t { Setup, Handshake, Read, Write };

// What the translation needs besides the code. Thread-safety: a value type.
struct TlsErrorContext {
  TlsPhase phase = TlsPhase::Handshake;
  std::string_view host;  // the name being verified, for the detail
  uint16_t port = 0;
  uint32_t verify_flags = 0;        // X.509 flags seen by the verify callback (all depths)
  bool pin_mismatch = false;        // the leaf's key did not match the configured pin
  const Error* io_error = nullptr;  // the socket failure behind a BIO error code, if any
};

// The Error for an Mbed TLS return code (negative). Every detail names host:port and what to
// check; Error::code keeps the Mbed TLS code (or the socket's errno for socket failures).
[[nodiscard]] Error tls_error(int code, const TlsErrorContext& context);

// The Error for a CA bundle Mbed TLS could not parse (ConfigInvalid, naming `ca_label`).
[[nodiscard]] Error ca_bundle_error(int code, std::string_view ca_label);

// Mbed TLS's text for `code` into `out` (NUL-terminated); "" without MBEDTLS_ERROR_C.
void describe_mbedtls_code(int code, char* out, size_t size);

}  // namespace lsedge::net
