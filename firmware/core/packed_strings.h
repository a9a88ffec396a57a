// A constant table's strings packed into one character array with 16-bit offsets. A table of
// `const char*` or `string_view` costs, in a position-independent executable, a pointer and a
// 24-byte relocation per string (aarch64), written at every start-up; this costs 2 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lsedge {

// Bytes to hold field `field` of every row, each with a terminating NUL.
template <class Row, size_t N, class Field>
constexpr size_t packed_bytes(const Row (&rows)[N], Field Row::*field) {
  size_t bytes = 0;
  for (const Row& row : rows) {
    bytes += std::string_view(row.*field).size() + 1;
  }
  return bytes;
}

// Immutable after construction (constexpr): safe to read from any thread.
template <size_t Count, size_t Bytes>
class PackedStrings {
  static_assert(Bytes <= UINT16_MAX, "offsets are 16 bits");

 public:
  template <class Row, class Field>
  constexpr PackedStrings(const Row (&rows)[Count], Field Row::*field) {
    size_t at = 0;
    for (size_t i = 0; i < Count; ++i) {
      offsets_[i] = static_cast<uint16_t>(at);
      const std::string_view text(rows[i].*field);
      for (const char c : text) {
        text_[at++] = c;
      }
      text_[at++] = '\0';
    }
    offsets_[Count] = static_cast<uint16_t>(at);
  }

  static constexpr size_t size() { return Count; }
  // NUL-terminated; `index` < size().
  constexpr const char* c_str(size_t index) const { return text_ + offsets_[index]; }
  constexpr std::string_view operator[](size_t index) const {
    return {text_ + offsets_[index],
            static_cast<size_t>(offsets_[index + 1] - offsets_[index]) - 1U};
  }

 private:
  char text_[Bytes] = {};
  uint16_t offsets_[Count + 1] = {};
};

// The packed strings of `field` over `rows`; `Bytes` is packed_bytes(rows, field).
template <size_t Bytes, class Row, size_t N, class Field>
constexpr PackedStrings<N, Bytes> pack_strings(const Row (&rows)[N], Field Row::*field) {
  return PackedStrings<N, Bytes>(rows, field);
}

}  // namespace lsedge
