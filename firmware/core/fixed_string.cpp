#include "firmware/core/fixed_string.h"

namespace lsedge::detail {

Status fixed_append(char* data, size_t& size, size_t capacity, std::string_view text) {
  if (text.size() > capacity - size) {
    return Status::BufferTooSmall;
  }
  if (!text.empty()) {
    std::memcpy(data + size, text.data(), text.size());
  }
  size += text.size();
  data[size] = '\0';
  return Status::Ok;
}

Status fixed_append_uint(char* data, size_t& size, size_t capacity, uint64_t value) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  char text[20];
  for (size_t i = 0; i < n; ++i) {
    text[i] = digits[n - 1 - i];
  }
  return fixed_append(data, size, capacity, std::string_view(text, n));
}

Status fixed_append_int(char* data, size_t& size, size_t capacity, int64_t value) {
  if (value >= 0) {
    return fixed_append_uint(data, size, capacity, static_cast<uint64_t>(value));
  }
  const size_t before = size;
  const uint64_t magnitude = 0 - static_cast<uint64_t>(value);
  if (fixed_append(data, size, capacity, "-") != Status::Ok ||
      fixed_append_uint(data, size, capacity, magnitude) != Status::Ok) {
    size = before;
    data[size] = '\0';
    return Status::BufferTooSmall;
  }
  return Status::Ok;
}

void fixed_append_truncated(char* data, size_t& size, size_t capacity, std::string_view text) {
  (void)fixed_append(data, size, capacity, utf8_prefix(text, capacity - size));
}

}  // namespace lsedge::detail
