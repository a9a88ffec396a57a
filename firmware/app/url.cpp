#include "firmware/app/url.h"

#include <cstddef>
#include <cstdint>

#include "firmware/core/ascii.h"
#include "firmware/core/hex.h"
#include "firmware/core/ip_literal.h"

namespace lsedge::app {
namespace {

constexpr size_t kMaxDnsName = 253;
constexpr size_t kMaxDnsLabel = 63;

// "<source>: <problem>". The URL text itself is never included (its userinfo may be a password).
Error invalid(std::string_view source, std::string_view problem) {
  Error error(Status::ConfigInvalid, source);
  error.detail.append_truncated(": ");
  error.detail.append_truncated(problem);
  return error;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Letters, digits, '-' and '_' (docker service names use it); labels of 1-63 bytes that do not
// start or end with '-'.
bool valid_dns_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxDnsName) {
    return false;
  }
  size_t label = 0;
  char previous = '.';
  for (const char c : s) {
    if (c == '.') {
      if (label == 0 || previous == '-') {
        return false;
      }
      label = 0;
    } else {
      if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '_')) {
        return false;
      }
      if (label == 0 && c == '-') {
        return false;
      }
      if (++label > kMaxDnsLabel) {
        return false;
      }
    }
    previous = c;
  }
  return label != 0 && previous != '-';
}

bool all_digits(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (!is_digit(c)) {
      return false;
    }
  }
  return true;
}

// RFC 3986 pchar plus '/': unreserved, sub-delims, ':', '@', and %XX escapes.
bool valid_path_chars(std::string_view s) {
  constexpr std::string_view kPunctuation = "-._~!$&'()*+,;=:@/";
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_alpha(c) || is_digit(c) || kPunctuation.find(c) != std::string_view::npos) {
      continue;
    }
    if (c == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 &&
        hex_digit_value(s[i + 2]) >= 0) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

Outcome parse_port(std::string_view text, std::string_view source, uint16_t& port) {
  if (text.empty()) {
    return invalid(source, "the port after ':' is empty; give 1-65535 or drop the ':'");
  }
  if (text.size() > 5 || !all_digits(text)) {
    return invalid(source, "the port must be a number from 1 to 65535");
  }
  uint32_t value = 0;
  for (const char c : text) {
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value == 0 || value > 65535) {
    return invalid(source, "the port must be a number from 1 to 65535");
  }
  port = static_cast<uint16_t>(value);
  return {};
}

// `[IPv6]`, brackets already removed: no zone id; only ::1 is loopback.
Outcome parse_bracketed_host(std::string_view host, std::string_view source, BaseUrl& url) {
  if (host.find('%') != std::string_view::npos) {
    return invalid(source, "IPv6 zone ids (%...) are not supported; use an address without one");
  }
  IpAddress address;
  if (!parse_ipv6(host, address)) {
    return invalid(source, "the host in [...] is not a valid IPv6 address");
  }
  url.host_is_loopback = address.is_loopback();
  url.host_is_ipv6 = true;
  return {};
}

// A DNS name, or a dotted IPv4 when the last label is all digits (no top-level domain is).
Outcome parse_plain_host(std::string_view host, std::string_view source, BaseUrl& url) {
  const size_t last_dot = host.rfind('.');
  const std::string_view last_label =
      last_dot == std::string_view::npos ? host : host.substr(last_dot + 1);
  if (all_digits(last_label)) {
    IpAddress address;
    if (!parse_ipv4(host, address)) {
      return invalid(source, "the host is not a valid IPv4 address (a.b.c.d, each 0-255)");
    }
    url.host_is_loopback = address.is_loopback();
  } else {
    if (!valid_dns_name(host)) {
      return invalid(source,
                     "the host is not a valid DNS name (letters, digits, '-', labels of at "
                     "most 63); IPv6 goes in [...]");
    }
    url.host_is_loopback = equals_ignore_case(host, "localhost");
  }
  url.host_is_ipv6 = false;
  return {};
}

Outcome parse_host(std::string_view host, bool bracketed, std::string_view source, BaseUrl& url) {
  if (bracketed) {
    LSEDGE_TRY(parse_bracketed_host(host, source, url));
  } else {
    if (host.empty()) {
      return invalid(source, "the URL has no host; write it as https://host[:port][/path]");
    }
    if (host.size() > 1 && host.back() == '.') {
      host.remove_suffix(1);  // a fully qualified name; SNI must not carry the dot
    }
    LSEDGE_TRY(parse_plain_host(host, source, url));
  }
  if (host.size() > url.host.capacity()) {
    return invalid(source, "the host is too long");
  }
  url.host.clear();
  for (const char c : host) {
    (void)url.host.append(to_lower_ascii(c));  // fits: checked above
  }
  return {};
}

Outcome parse_path(std::string_view path, std::string_view source, BaseUrl& url) {
  while (!path.empty() && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (!valid_path_chars(path)) {
    return invalid(source, "the path has a character that must be percent-encoded (%XX)");
  }
  // path is "" or "/seg/seg": check the segments.
  size_t start = 1;
  while (start <= path.size() && !path.empty()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty()) {
      return invalid(source, "the path has an empty segment (//); remove the extra '/'");
    }
    if (segment == "." || segment == "..") {
      return invalid(source, "the path has a '.' or '..' segment; write the path it stands for");
    }
    start = end + 1;
  }
  if (url.base_path.assign(path) != Status::Ok) {
    return invalid(source, "the path is longer than LSEDGE_PATH_CAPACITY");
  }
  return {};
}

// Spaces, control and non-ASCII bytes: the URL must be typed in its ASCII form.
Outcome check_characters(std::string_view text, std::string_view source) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) {
      return invalid(source,
                     "contains a space, control or non-ASCII character; use the host's xn-- "
                     "form and percent-encode the path");
    }
  }
  return {};
}

// The scheme and its default port; `rest` gets what follows "://".
Outcome parse_scheme(std::string_view text, std::string_view source, BaseUrl& url,
                     std::string_view& rest) {
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return invalid(source, "must start with https:// or http://");
  }
  const std::string_view scheme = text.substr(0, scheme_end);
  if (equals_ignore_case(scheme, "https")) {
    url.scheme = Scheme::Https;
    url.port = 443;
  } else if (equals_ignore_case(scheme, "http")) {
    url.scheme = Scheme::Http;
    url.port = 80;
  } else {
    return invalid(source, "the scheme must be https:// or http://");
  }
  rest = text.substr(scheme_end + 3);
  return {};
}

// Only scheme, host, port and path are allowed after "://".
Outcome check_no_extras(std::string_view rest, std::string_view source) {
  if (rest.find('?') != std::string_view::npos) {
    return invalid(source, "must not contain a query (?...); give only scheme, host, port, path");
  }
  if (rest.find('#') != std::string_view::npos) {
    return invalid(source,
                   "must not contain a fragment (#...); give only scheme, host, port, path");
  }
  if (rest.find('\\') != std::string_view::npos) {
    return invalid(source, "must not contain '\\'; use '/' in the path");
  }
  return {};
}

// The authority (between "://" and the path) split into host and port text.
struct Authority {
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  bool bracketed = false;  // an IPv6 literal, without its brackets in `host`
};

// `[v6]` with an optional `:port`.
Outcome split_bracketed(std::string_view authority, std::string_view source, Authority& out) {
  const size_t close = authority.find(']');
  if (close == std::string_view::npos) {
    return invalid(source, "an IPv6 host needs a closing ']', as in http://[::1]:8080");
  }
  out.host = authority.substr(1, close - 1);
  out.bracketed = true;
  const std::string_view after = authority.substr(close + 1);
  if (after.empty()) {
    return {};
  }
  if (after.front() != ':') {
    return invalid(source, "only ':port' may follow ']'");
  }
  out.has_port = true;
  out.port_text = after.substr(1);
  return {};
}

// `host` with an optional `:port`; a second ':' is an IPv6 address without brackets.
Outcome split_plain(std::string_view authority, std::string_view source, Authority& out) {
  const size_t colon = authority.find(':');
  out.host = authority.substr(0, colon);
  if (colon == std::string_view::npos) {
    return {};
  }
  out.port_text = authority.substr(colon + 1);
  if (out.port_text.find(':') != std::string_view::npos) {
    return invalid(source, "an IPv6 host must be written in brackets, as in http://[::1]:8080");
  }
  out.has_port = true;
  return {};
}

Outcome split_authority(std::string_view authority, std::string_view source, Authority& out) {
  if (authority.find('@') != std::string_view::npos) {
    return invalid(source,
                   "must not contain user:password@; put the token in LABEL_STUDIO_API_TOKEN");
  }
  if (!authority.empty() && authority.front() == '[') {
    return split_bracketed(authority, source, out);
  }
  return split_plain(authority, source, out);
}

// Host and optional port into `url`.
Outcome parse_authority(std::string_view authority, std::string_view source, BaseUrl& url) {
  Authority parts;
  LSEDGE_TRY(split_authority(authority, source, parts));
  LSEDGE_TRY(parse_host(parts.host, parts.bracketed, source, url));
  if (parts.has_port) {
    LSEDGE_TRY(parse_port(parts.port_text, source, url.port));
  }
  return {};
}

}  // namespace

Outcome parse_base_url(std::string_view text, BaseUrl& out, std::string_view source) {
  text = trim_ascii(text);
  if (text.empty()) {
    return invalid(source, "is empty; set it to the server's URL, e.g. https://ls.example.com");
  }
  LSEDGE_TRY(check_characters(text, source));
  BaseUrl url;
  std::string_view rest;
  LSEDGE_TRY(parse_scheme(text, source, url, rest));
  LSEDGE_TRY(check_no_extras(rest, source));
  const size_t authority_end = rest.find('/');
  const std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  LSEDGE_TRY(parse_authority(rest.substr(0, authority_end), source, url));
  LSEDGE_TRY(parse_path(path, source, url));
  out = url;
  return {};
}

}  // namespace lsedge::app
