// The Label Studio base URL: parsed once from configuration, joined with endpoint paths later.
#pragma once

#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"

namespace lsedge::app {

// Thread-safety: a plain value.
enum class Scheme : uint8_t { Http, Https };

// A parsed base URL such as `https://ls.example.com:8443/ls`.
// Thread-safety: a value type; not safe for concurrent mutation.
struct BaseUrl {
  Scheme scheme = Scheme::Https;
  // Lower-cased DNS name, dotted IPv4, or IPv6 *without* brackets (what connect() and TLS
  // need); a trailing dot of a DNS name is dropped. See host_is_ipv6 for the Host header.
  FixedString<LSEDGE_HOST_CAPACITY> host;
  uint16_t port = 443;  // the explicit port, else 80 (http) or 443 (https)
  // Empty, or a sub-path starting with '/' and without trailing '/': `https://h/ls/` -> "/ls".
  FixedString<LSEDGE_PATH_CAPACITY> base_path;
  bool host_is_loopback = false;  // localhost, 127.0.0.0/8 or ::1: plain http may be allowed
  bool host_is_ipv6 = false;      // the Host header must write it as [host]
};

// Parses `text` (surrounding ASCII whitespace ignored). Accepts `http` or `https`
// (case-insensitive) followed by `://`, a host (DNS name, dotted IPv4 or `[IPv6]`), an optional
// `:port` (1-65535) and an optional path. Refuses userinfo (`user:pass@`), a query, a fragment,
// spaces, control and non-ASCII characters (use the host's xn-- form and percent-encode the
// path), IPv6 zone ids, `.`/`..` and empty path segments. Failures are ConfigInvalid with
// `source` (the config key, or a command-line option) in Error::detail; the URL itself is never
// echoed because its userinfo may hold a password. `out` is written only on success.
[[nodiscard]] Outcome parse_base_url(std::string_view text, BaseUrl& out,
                                     std::string_view source = "LABEL_STUDIO_URL");

// out = base_path + endpoint_path, e.g. "/ls" + "/api/current-user/whoami". endpoint_path must
// start with '/' (InvalidArgument) and may carry a query. All-or-nothing: BufferTooSmall leaves
// `out` untouched.
template <size_t N>
[[nodiscard]] Outcome join_path(const BaseUrl& url, std::string_view endpoint_path,
                                FixedString<N>& out) {
  if (endpoint_path.empty() || endpoint_path.front() != '/') {
    return Error(Status::InvalidArgument, "join_path: the endpoint path must start with '/'");
  }
  const std::string_view base = url.base_path.view();
  if (endpoint_path.size() > N || base.size() > N - endpoint_path.size()) {
    return Error(Status::BufferTooSmall, "join_path: base path + endpoint path exceed the buffer");
  }
  out.clear();
  (void)out.append(base);  // both fit: checked above
  (void)out.append(endpoint_path);
  return {};
}

}  // namespace lsedge::app
