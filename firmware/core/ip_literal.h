// IP address literals: the one definition of what an IPv4 or IPv6 address is, for the base URL
// (app) and the certificate's IP SANs (net).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lsedge {

// An address in network byte order. Thread-safety: a value type.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};  // the first `size` bytes are used
  uint8_t size = 0;                 // 4 (IPv4) or 16 (IPv6)

  // 127.0.0.0/8 or ::1 (an IPv4-mapped ::ffff:127.x is not loopback here).
  [[nodiscard]] bool is_loopback() const;
};

// Strict dotted quad: four decimal parts 0-255 without leading zeros (inet_aton's "127.1" and
// octal "010" spellings are not addresses here). `out` is written only on success.
// Thread-safety: a pure function.
[[nodiscard]] bool parse_ipv4(std::string_view text, IpAddress& out);

// RFC 4291 text form without brackets: eight groups of 1-4 hex digits, at most one "::" standing
// for at least one zero group, an optional dotted-quad tail. No zone id ("%eth0"). `out` is
// written only on success. Thread-safety: a pure function.
[[nodiscard]] bool parse_ipv6(std::string_view text, IpAddress& out);

// A dotted quad, or IPv6 with or without brackets ("[::1]", "::1"); nullopt for anything else
// (a DNS name, "[1.2.3.4]"). Thread-safety: a pure function.
[[nodiscard]] std::optional<IpAddress> parse_ip_literal(std::string_view text);

}  // namespace lsedge
