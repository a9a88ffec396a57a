// Error context and Result<T>: a value, or a Status with what the caller needs to act on it.
#pragma once

#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "firmware/core/fixed_string.h"
#include "firmware/core/status.h"

namespace lsedge {

// Capacity of an error's detail text (server `detail`, the config key, the host name ...).
inline constexpr size_t kErrorDetailCapacity = 200;

// What went wrong, with context. Never holds a secret. Thread-safety: a value type.
struct Error {
  Status status = Status::Ok;
  uint16_t http_status = 0;     // the HTTP status that caused it, 0 if none
  int32_t code = 0;             // errno, Mbed TLS or llhttp code that caused it, 0 if none
  uint64_t retry_after_ms = 0;  // the server's Retry-After (delta-seconds form), 0 if none
  FixedString<kErrorDetailCapacity> detail;  // server detail or what was involved

  Error() = default;
  Error(Status s) : status(s) {}  // NOLINT: implicit so `return Status::X;` works
  Error(Status s, std::string_view text) : status(s) { detail.append_truncated(text); }

  Error& with_http_status(uint16_t value) {
    http_status = value;
    return *this;
  }
  Error& with_code(int32_t value) {
    code = value;
    return *this;
  }
  Error& with_detail(std::string_view text) {
    detail.clear();
    detail.append_truncated(text);
    return *this;
  }
};

// A value of T or an Error. T must be movable. Thread-safety: a value type.
// The value lives in inline storage (placement new below, never the heap).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : has_value_(true) { new (&storage_) T(std::move(value)); }  // NOLINT
  Result(Error error) : error_(std::move(error)) {}                            // NOLINT
  Result(Status status) : error_(status) {}                                    // NOLINT
  Result(const Result& other) : has_value_(other.has_value_), error_(other.error_) {
    if (has_value_) {
      new (&storage_) T(*other.ptr());
    }
  }
  Result(Result&& other) noexcept : has_value_(other.has_value_), error_(other.error_) {
    if (has_value_) {
      new (&storage_) T(std::move(*other.ptr()));
    }
  }
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (has_value_) {
      ptr()->~T();
    }
  }

  [[nodiscard]] bool ok() const { return has_value_; }
  [[nodiscard]] Status status() const { return has_value_ ? Status::Ok : error_.status; }
  [[nodiscard]] const Error& error() const { return error_; }
  T& value() { return *ptr(); }
  const T& value() const { return *ptr(); }
  T* operator->() { return ptr(); }
  const T* operator->() const { return ptr(); }
  T& operator*() { return *ptr(); }
  const T& operator*() const { return *ptr(); }

 private:
  T* ptr() { return std::launder(reinterpret_cast<T*>(&storage_)); }
  const T* ptr() const { return std::launder(reinterpret_cast<const T*>(&storage_)); }

  std::aligned_storage_t<sizeof(T), alignof(T)> storage_;
  bool has_value_ = false;
  Error error_;
};

// Success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  Result(Status status) : error_(status) {}          // NOLINT

  [[nodiscard]] bool ok() const { return error_.status == Status::Ok; }
  [[nodiscard]] Status status() const { return error_.status; }
  [[nodiscard]] const Error& error() const { return error_; }

 private:
  Error error_;
};

using Outcome = Result<void>;

}  // namespace lsedge

// Returns the failure of `expr` (a Result or Status) from the enclosing function.
#define LSEDGE_TRY(expr)                                     \
  do {                                                       \
    auto&& lsedge_try_result_ = (expr);                      \
    if (!::lsedge::detail::is_ok(lsedge_try_result_)) {      \
      return ::lsedge::detail::error_of(lsedge_try_result_); \
    }                                                        \
  } while (false)

// Evaluates `expr` (a Result<T>); on failure returns its error from the enclosing function, else
// moves the value into `lhs`, which may be a declaration: LSEDGE_TRY_ASSIGN(auto n, read(buf));
#define LSEDGE_TRY_ASSIGN(lhs, expr) \
  LSEDGE_TRY_ASSIGN_IMPL_(LSEDGE_TRY_CONCAT_(lsedge_try_assign_, __LINE__), lhs, expr)
#define LSEDGE_TRY_ASSIGN_IMPL_(result, lhs, expr) \
  auto result = (expr);                            \
  if (!result.ok()) {                              \
    return result.error();                         \
  }                                                \
  lhs = std::move(result.value())
#define LSEDGE_TRY_CONCAT_(a, b) LSEDGE_TRY_CONCAT_IMPL_(a, b)
#define LSEDGE_TRY_CONCAT_IMPL_(a, b) a##b

namespace lsedge::detail {
inline bool is_ok(Status s) {
  return s == Status::Ok;
}
template <class T>
bool is_ok(const Result<T>& r) {
  return r.ok();
}
inline Error error_of(Status s) {
  return Error(s);
}
template <class T>
Error error_of(const Result<T>& r) {
  return r.error();
}
}  // namespace lsedge::detail
