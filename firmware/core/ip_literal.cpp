#include "firmware/core/ip_literal.h"

#include <cstddef>

#include "firmware/core/hex.h"

namespace lsedge {
namespace {

constexpr size_t kNotParsed = SIZE_MAX;

// One decimal part of a dotted quad: 1-3 digits, 0-255, no leading zero.
bool parse_decimal_octet(std::string_view digits, uint8_t& out) {
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits.front() == '0')) {
    return false;
  }
  unsigned value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 255) {
    return false;
  }
  out = static_cast<uint8_t>(value);
  return true;
}

// One IPv6 group: 1-4 hex digits, written big-endian into out[0..1].
bool parse_group(std::string_view digits, uint8_t* out) {
  if (digits.empty() || digits.size() > 4) {
    return false;
  }
  unsigned value = 0;
  for (const char c : digits) {
    const int v = hex_digit_value(c);
    if (v < 0) {
      return false;
    }
    value = value * 16 + static_cast<unsigned>(v);
  }
  out[0] = static_cast<uint8_t>(value >> 8);
  out[1] = static_cast<uint8_t>(value & 0xFFU);
  return true;
}

// One side of "::" (or the whole address without one): ':'-separated groups, the last of which
// may be a dotted quad when `dotted_tail` (the address's end). Writes at most `capacity` bytes;
// returns how many, or kNotParsed.
size_t parse_groups(std::string_view text, bool dotted_tail, uint8_t* out, size_t capacity) {
  if (text.empty()) {
    return 0;
  }
  size_t n = 0;
  for (;;) {
    const size_t colon = text.find(':');
    const std::string_view piece = text.substr(0, colon);
    const bool last = colon == std::string_view::npos;
    if (dotted_tail && last && piece.find('.') != std::string_view::npos) {
      IpAddress v4;
      if (capacity - n < 4 || !parse_ipv4(piece, v4)) {
        return kNotParsed;
      }
      for (size_t i = 0; i < 4; ++i) {
        out[n++] = v4.bytes[i];
      }
      return n;
    }
    if (capacity - n < 2 || !parse_group(piece, out + n)) {
      return kNotParsed;
    }
    n += 2;
    if (last) {
      return n;
    }
    text.remove_prefix(colon + 1);
  }
}

}  // namespace

bool IpAddress::is_loopback() const {
  if (size == 4) {
    return bytes[0] == 127;
  }
  for (size_t i = 0; i < 15; ++i) {
    if (bytes[i] != 0) {
      return false;
    }
  }
  return size == 16 && bytes[15] == 1;
}

bool parse_ipv4(std::string_view text, IpAddress& out) {
  IpAddress parsed;
  for (size_t part = 0; part < 4; ++part) {
    const size_t dot = text.find('.');
    const bool last = part == 3;
    if (last != (dot == std::string_view::npos) ||
        !parse_decimal_octet(text.substr(0, dot), parsed.bytes[part])) {
      return false;
    }
    text.remove_prefix(last ? text.size() : dot + 1);
  }
  parsed.size = 4;
  out = parsed;
  return true;
}

bool parse_ipv6(std::string_view text, IpAddress& out) {
  IpAddress parsed;
  parsed.size = 16;
  uint8_t* const bytes = parsed.bytes.data();
  const size_t gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (parse_groups(text, true, bytes, 16) != 16) {
      return false;
    }
    out = parsed;
    return true;
  }
  const std::string_view tail = text.substr(gap + 2);
  if (tail.find("::") != std::string_view::npos) {
    return false;
  }
  // "::" stands for at least one group: head and tail hold at most 7 together.
  const size_t head_size = parse_groups(text.substr(0, gap), false, bytes, 14);
  if (head_size == kNotParsed) {
    return false;
  }
  std::array<uint8_t, 14> tail_bytes{};
  const size_t tail_size = parse_groups(tail, true, tail_bytes.data(), 14 - head_size);
  if (tail_size == kNotParsed) {
    return false;
  }
  for (size_t i = 0; i < tail_size; ++i) {
    bytes[16 - tail_size + i] = tail_bytes[i];
  }
  out = parsed;
  return true;
}

std::optional<IpAddress> parse_ip_literal(std::string_view text) {
  IpAddress address;
  if (parse_ipv4(text, address)) {
    return address;
  }
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (!parse_ipv6(text, address)) {
    return std::nullopt;
  }
  return address;
}

}  // namespace lsedge
