// An escaping JSON writer into a caller-owned buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::json {

// Writes one compact JSON text (no whitespace) into `out`. Strings are escaped (`"`, `\` and
// every control character), so the output is valid UTF-8 JSON whatever the input.
// Each call writes all of its bytes or none:
//   BufferTooSmall   `out` has no room for this call's bytes
//   InvalidUtf8      a key or string is not valid UTF-8
//   InvalidArgument  out of grammar (a value where a key is due, an unbalanced end, a second
//                    top-level value, nesting deeper than LSEDGE_JSON_MAX_DEPTH)
// The first failure sticks: later calls and finish() return it, so the output is never a
// silently broken document.
// Holding a secret (the refresh body) is the caller's business: wipe `out` after use.
// Thread-safety: one thread at a time.
class Writer {
 public:
  explicit Writer(ByteSpan out) : out_(out) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  [[nodiscard]] Status begin_object();
  [[nodiscard]] Status end_object();
  [[nodiscard]] Status begin_array();
  [[nodiscard]] Status end_array();
  // The next member's name; its value follows with one of the value calls.
  [[nodiscard]] Status key(std::string_view name);

  [[nodiscard]] Status string(std::string_view value);
  [[nodiscard]] Status int64(int64_t value);
  [[nodiscard]] Status boolean(bool value);
  [[nodiscard]] Status null();

  // key(name) then the value, as one all-or-nothing call. Distinct names, because a string
  // literal would otherwise pick the bool overload.
  [[nodiscard]] Status member_string(std::string_view name, std::string_view value);
  [[nodiscard]] Status member_int64(std::string_view name, int64_t value);
  [[nodiscard]] Status member_bool(std::string_view name, bool value);
  [[nodiscard]] Status member_null(std::string_view name);

  // The size of the finished text: InvalidArgument if a container is still open or nothing was
  // written, or the sticky failure.
  [[nodiscard]] Result<size_t> finish() const;
  // What was written so far.
  [[nodiscard]] std::string_view text() const {
    return std::string_view(reinterpret_cast<const char*>(out_.data()), used_);
  }
  [[nodiscard]] size_t size() const { return used_; }

 private:
  enum class Container : uint8_t { Object, Array };
  struct Frame {
    Container kind;
    bool has_items;  // a comma comes before the next element or key
    bool after_key;  // (objects) a key was written, its value is due
  };

  [[nodiscard]] Status fail(Status status);
  // The separator a value written now needs ("" or ","), or a grammar failure.
  [[nodiscard]] Status value_prefix(size_t& prefix) const;
  void value_done();
  [[nodiscard]] Status open(Container kind, char bracket);
  [[nodiscard]] Status close(Container kind, char bracket);
  // Writes prefix comma + literal bytes, all or nothing.
  [[nodiscard]] Status emit_value(std::string_view literal);
  [[nodiscard]] Status emit_string_value(std::string_view value);
  template <class WriteValue>
  [[nodiscard]] Status member(std::string_view name, WriteValue write_value);
  void put(char c) { out_[used_++] = static_cast<uint8_t>(c); }
  void put(std::string_view text);
  void put_escaped(std::string_view value);

  ByteSpan out_;
  size_t used_ = 0;
  Status failure_ = Status::Ok;
  bool root_done_ = false;
  size_t depth_ = 0;
  Frame stack_[LSEDGE_JSON_MAX_DEPTH] = {};
};

}  // namespace lsedge::json
