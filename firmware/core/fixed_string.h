// A string of at most N bytes stored inline; appends are all-or-nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "firmware/core/secure_wipe.h"
#include "firmware/core/status.h"
#include "firmware/core/utf8.h"

namespace lsedge {
namespace detail {
// FixedString's bodies, once for every capacity (they were ~4.6 KB of copies per N on aarch64).
// `data` has room for capacity + 1 bytes; [0, size] is written and data[size] is '\0'.
[[nodiscard]] Status fixed_append(char* data, size_t& size, size_t capacity, std::string_view text);
[[nodiscard]] Status fixed_append_uint(char* data, size_t& size, size_t capacity, uint64_t value);
[[nodiscard]] Status fixed_append_int(char* data, size_t& size, size_t capacity, int64_t value);
void fixed_append_truncated(char* data, size_t& size, size_t capacity, std::string_view text);
}  // namespace detail

// Thread-safety: a value type; not safe for concurrent mutation.
template <size_t N>
class FixedString {
 public:
  static constexpr size_t kCapacity = N;

  // Only the terminator is written: construction and copies cost O(size), not O(N).
  FixedString() { data_[0] = '\0'; }
  FixedString(const FixedString& other) : size_(other.size_) {
    std::memcpy(data_, other.data_, size_ + 1);
  }
  FixedString& operator=(const FixedString& other) {
    size_ = other.size_;
    std::memmove(data_, other.data_, size_ + 1);
    return *this;
  }

  [[nodiscard]] static constexpr size_t capacity() { return N; }
  [[nodiscard]] size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] size_t remaining() const { return N - size_; }
  [[nodiscard]] std::string_view view() const { return std::string_view(data_, size_); }
  [[nodiscard]] const char* c_str() const { return data_; }
  [[nodiscard]] char* data() { return data_; }
  char operator[](size_t i) const { return data_[i]; }

  void clear() {
    size_ = 0;
    data_[0] = '\0';
  }

  // Appends the whole text, or nothing and returns BufferTooSmall.
  [[nodiscard]] Status append(std::string_view text) {
    return detail::fixed_append(data_, size_, N, text);
  }
  [[nodiscard]] Status append(char c) { return append(std::string_view(&c, 1)); }
  [[nodiscard]] Status append_uint(uint64_t value) {
    return detail::fixed_append_uint(data_, size_, N, value);
  }
  [[nodiscard]] Status append_int(int64_t value) {
    return detail::fixed_append_int(data_, size_, N, value);
  }
  // Keeps as much of text as fits, never splitting a UTF-8 sequence; for diagnostics.
  void append_truncated(std::string_view text) {
    detail::fixed_append_truncated(data_, size_, N, text);
  }

  [[nodiscard]] Status assign(std::string_view text) {
    clear();
    return append(text);
  }

  void truncate(size_t size) {
    if (size < size_) {
      size_ = size;
      data_[size_] = '\0';
    }
  }

  // Zeroes the storage; for buffers that held secrets.
  void wipe() {
    secure_wipe(data_, sizeof(data_));
    size_ = 0;
  }
  // Zeroes [0, size()] only: enough for a string that never shrank since it was last wiped.
  void wipe_written() {
    secure_wipe(data_, size_ + 1);
    size_ = 0;
  }

  friend bool operator==(const FixedString& a, std::string_view b) { return a.view() == b; }

 private:
  char data_[N + 1];  // [0, size_] written; the rest indeterminate until wipe()
  size_t size_ = 0;
};

// A FixedString for credentials: no implicit view, wiped when it goes away, so it cannot be
// passed to a log by accident. It only grows between wipes (assign wipes first; appends are
// all-or-nothing), so a wipe zeroes just the bytes written, not the whole capacity.
// Thread-safety: as FixedString.
template <size_t N>
class SecretString {
 public:
  SecretString() = default;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() { value_.wipe_written(); }

  [[nodiscard]] Status assign(std::string_view text) {
    value_.wipe_written();
    return value_.append(text);  // all-or-nothing: a refused text leaves it empty
  }
  // All-or-nothing, like FixedString::append; builds "Bearer <token>" without a plain copy.
  [[nodiscard]] Status append(std::string_view text) { return value_.append(text); }
  // The one door to the secret's bytes: for the Authorization header and the refresh body only.
  [[nodiscard]] std::string_view expose() const { return value_.view(); }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  [[nodiscard]] size_t size() const { return value_.size(); }
  void wipe() { value_.wipe_written(); }

 private:
  FixedString<N> value_;
};

}  // namespace lsedge
