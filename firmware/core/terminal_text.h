// Text from outside (a server's answer, a file name) made safe to print on a terminal: the one
// escaping rule of the console's messages and of the log sink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/fixed_string.h"
#include "firmware/core/utf8.h"

namespace lsedge {

// Whether the code point is shown as an escape: C0 controls and DEL (ESC starts terminal
// sequences, CR and LF forge lines), C1 controls (U+009B is a one-character CSI for some
// terminals) and the bidirectional overrides and isolates (they reorder what the reader sees).
// Thread-safety: pure function.
[[nodiscard]] constexpr bool terminal_escapes(uint32_t code_point) {
  return code_point < 0x20U || (code_point >= 0x7FU && code_point <= 0x9FU) ||
         (code_point >= 0x202AU && code_point <= 0x202EU) ||
         (code_point >= 0x2066U && code_point <= 0x2069U);
}

namespace terminal_detail {

// The escape of one code point (or, `wide` false, of one byte) into `buffer`.
inline std::string_view escape(uint32_t value, bool wide, char (&buffer)[6]) {
  if (value == '\n') {
    return "\\n";
  }
  if (value == '\r') {
    return "\\r";
  }
  if (value == '\t') {
    return "\\t";
  }
  constexpr std::string_view kHex = "0123456789abcdef";
  const size_t digits = wide ? 4 : 2;
  buffer[0] = '\\';
  buffer[1] = wide ? 'u' : 'x';
  for (size_t i = 0; i < digits; ++i) {
    buffer[2 + i] = kHex[(value >> (4 * (digits - 1 - i))) & 0xFU];
  }
  return std::string_view(buffer, 2 + digits);
}

}  // namespace terminal_detail

// Hands `text` to `emit(std::string_view piece)` piece by piece as it may reach a terminal:
// printable UTF-8 as is; \n, \r and \t as those two characters; other C0 controls and DEL as
// \xNN; C1 controls and bidi controls as \uNNNN; a byte that is not part of valid UTF-8 as \xNN.
// A piece is a whole character or a whole escape; `emit` returns false (no room) to stop, so a
// cut never splits either. Returns the number of bytes of `text` emitted. A backslash stays as
// is: a literal "\x1b" in the text is as harmless as the escape. Thread-safety: pure function.
template <class Emit>
size_t for_each_terminal_piece(std::string_view text, Emit&& emit) {
  size_t offset = 0;
  while (offset < text.size()) {
    const std::optional<CodePoint> cp = utf8_decode(text, offset);
    const size_t length = cp ? cp->length : 1;
    char buffer[6];
    std::string_view piece = text.substr(offset, length);
    if (!cp) {
      piece = terminal_detail::escape(static_cast<uint8_t>(text[offset]), false, buffer);
    } else if (terminal_escapes(cp->value)) {
      piece = terminal_detail::escape(cp->value, cp->value > 0x7FU, buffer);
    }
    if (!emit(piece)) {
      break;
    }
    offset += length;
  }
  return offset;
}

// Appends the escaped `text` to `out`, as much as fits (never half a character or escape).
// Thread-safety: as `out`.
template <size_t N>
void append_terminal_safe(FixedString<N>& out, std::string_view text) {
  (void)for_each_terminal_piece(
      text, [&out](std::string_view piece) { return out.append(piece) == Status::Ok; });
}

}  // namespace lsedge
