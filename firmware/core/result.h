// Error context and Result<T>: a value, or a Status with what the caller needs to act on it.
#pragma once

#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "firmware/core/fixed_string.h"
#include "firmware/core/status.h"

// Stops the program when `cond` is false in debug builds (a caller bug, such as reading the value
// of a failed Result); compiled out with NDEBUG.
#ifndef NDEBUG
#define LSEDGE_ASSERT(cond) \
  do {                      \
    if (!(cond)) {          \
      __builtin_trap();     \
    }                       \
  } while (false)
#else
#define LSEDGE_ASSERT(cond) static_cast<void>(0)
#endif

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

namespace detail {
// What error() answers for a successful result: status Ok, no detail. A function-local static,
// built on first use: Error is not a constant expression (FixedString leaves its buffer
// unwritten), and a namespace-scope one would add an initializer to every file's start-up.
inline const Error& no_error() {
  static const Error kNone;
  return kNone;
}
}  // namespace detail

// A value of T or an Error, never both: they share inline storage (a union, never the heap), so a
// successful call neither constructs, copies nor destroys an Error. T must be movable.
// Thread-safety: a value type.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : has_value_(true) { new (&value_) T(std::move(value)); }           // NOLINT
  Result(Error error) : has_value_(false) { new (&error_) Error(std::move(error)); }  // NOLINT
  Result(Status status) : has_value_(false) { new (&error_) Error(status); }          // NOLINT
  Result(const Result& other) : has_value_(other.has_value_) {
    if (has_value_) {
      new (&value_) T(other.value_);
    } else {
      new (&error_) Error(other.error_);
    }
  }
  Result(Result&& other) noexcept : has_value_(other.has_value_) {
    if (has_value_) {
      new (&value_) T(std::move(other.value_));
    } else {
      new (&error_) Error(std::move(other.error_));
    }
  }
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (has_value_) {
      value_.~T();
    } else {
      error_.~Error();
    }
  }

  [[nodiscard]] bool ok() const { return has_value_; }
  [[nodiscard]] Status status() const { return has_value_ ? Status::Ok : error_.status; }
  // The failure; an Ok Error without detail when there is a value.
  [[nodiscard]] const Error& error() const { return has_value_ ? detail::no_error() : error_; }
  // The value; reading it from a failed Result is a caller bug (trap in debug builds).
  T& value() { return checked(); }
  const T& value() const { return checked(); }
  T* operator->() { return &checked(); }
  const T* operator->() const { return &checked(); }
  T& operator*() { return checked(); }
  const T& operator*() const { return checked(); }

 private:
  T& checked() {
    LSEDGE_ASSERT(has_value_);
    return value_;
  }
  const T& checked() const {
    LSEDGE_ASSERT(has_value_);
    return value_;
  }

  union {
    T value_;
    Error error_;
  };
  bool has_value_;
};

// Success or an Error. On success only a Status is written: the Error is constructed only for a
// failure. Thread-safety: a value type.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : ok_{Status::Ok} {}
  Result(Error error) : error_(std::move(error)) {}  // NOLINT
  Result(Status status) {                            // NOLINT
    if (status == Status::Ok) {
      new (&ok_) OkState{Status::Ok};
    } else {
      new (&error_) Error(status);
    }
  }
  Result(const Result& other) { copy_from(other); }
  Result& operator=(const Result& other) {
    if (this != &other) {
      destroy();
      copy_from(other);
    }
    return *this;
  }
  ~Result() { destroy(); }

  [[nodiscard]] bool ok() const { return ok_.status == Status::Ok; }
  [[nodiscard]] Status status() const { return ok_.status; }
  [[nodiscard]] const Error& error() const { return ok() ? detail::no_error() : error_; }

 private:
  // Error begins with its Status, so `ok_.status` may be read whichever member is active
  // (the common initial sequence of two standard-layout structs).
  struct OkState {
    Status status;
  };

  // GCC at -O2 warns that an inlined copy of an Ok Result reads the inactive Error (a false
  // positive: that branch runs only when `other` holds one).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  void copy_from(const Result& other) {
    if (other.ok()) {
      new (&ok_) OkState{Status::Ok};
    } else {
      new (&error_) Error(other.error_);
    }
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
  void destroy() {
    if (!ok()) {
      error_.~Error();
    }
  }

  union {
    OkState ok_;
    Error error_;
  };
};

using Outcome = Result<void>;

static_assert(std::is_standard_layout_v<Error>, "Outcome reads Error::status through OkState");
// An Outcome made from an Error whose status is Ok keeps error_ as the active member but is ok(),
// so its destructor skips ~Error(): only sound while that destructor does nothing.
static_assert(std::is_trivially_destructible_v<Error>, "Outcome may skip ~Error()");

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
