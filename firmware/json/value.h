// Parsing JSON with cJSON on a per-request Arena, and typed readers over the result.
// cJSON.h stays out of this header: only firmware/json/*.cpp include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "firmware/core/arena.h"
#include "firmware/core/result.h"

struct cJSON;  // cJSON's node type; opaque outside firmware/json/

namespace lsedge::json {

// Makes `arena` the calling thread's allocator for cJSON until the scope ends (the previous one
// is restored, so scopes nest). cJSON's hooks are process-global and installed once; with no
// current arena, or a full one, cJSON's allocations fail instead of reaching the heap.
// Thread-safety: affects only the calling thread.
class ArenaScope {
 public:
  explicit ArenaScope(Arena& arena);
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  Arena* previous_;
  bool previous_exhausted_;
};

// A read-only view of one parsed JSON value, or "missing" (a key that is absent, an index out
// of range, a default-constructed Value). Readers on the wrong type give nullopt, never crash.
// Valid while the arena it was parsed into is neither reset nor destroyed.
// Thread-safety: a view; concurrent reads are safe, the arena must not change meanwhile.
class Value {
 public:
  class Iterator;
  struct Items;

  constexpr Value() = default;

  [[nodiscard]] bool exists() const { return node_ != nullptr; }
  [[nodiscard]] bool is_null() const;
  [[nodiscard]] bool is_bool() const;
  [[nodiscard]] bool is_number() const;
  [[nodiscard]] bool is_string() const;
  [[nodiscard]] bool is_array() const;
  [[nodiscard]] bool is_object() const;

  // The first member named `key` (exact, case-sensitive match); missing if this is not an object
  // or has no such member.
  [[nodiscard]] Value get(std::string_view key) const;
  // Element `index` of an array or member `index` of an object; missing when out of range.
  [[nodiscard]] Value at(size_t index) const;
  // Number of elements (array) or members (object); 0 for anything else.
  [[nodiscard]] size_t size() const;
  // The member name when this value was reached through an object; "" otherwise.
  [[nodiscard]] std::string_view key() const;
  // Elements of an array or members of an object, in document order: `for (Value v : x.items())`.
  [[nodiscard]] Items items() const;

  // Valid UTF-8 (parse() checked the whole text) without the quotes and with escapes resolved.
  [[nodiscard]] std::optional<std::string_view> as_string() const;
  // Only numbers that are whole and within +-(2^53 - 1): cJSON keeps numbers as double, and
  // beyond that range the text may already have been rounded. 1e3 and 2.0 are whole; 2.5 is not.
  [[nodiscard]] std::optional<int64_t> as_int64() const;
  [[nodiscard]] std::optional<double> as_double() const;
  [[nodiscard]] std::optional<bool> as_bool() const;

  // get(key) that must exist with the type: JsonMissingField with the key as detail otherwise.
  [[nodiscard]] Result<std::string_view> require_string(std::string_view key) const;
  [[nodiscard]] Result<int64_t> require_int64(std::string_view key) const;

 private:
  friend Result<Value> parse(std::string_view text, Arena& arena);
  constexpr explicit Value(const cJSON* node) : node_(node) {}

  const cJSON* node_ = nullptr;
};

// Forward iterator over the children of an array or object. Thread-safety: as Value.
class Value::Iterator {
 public:
  constexpr explicit Iterator(const cJSON* node) : node_(node) {}
  Value operator*() const { return Value(node_); }
  Iterator& operator++();
  bool operator!=(const Iterator& other) const { return node_ != other.node_; }
  bool operator==(const Iterator& other) const { return node_ == other.node_; }

 private:
  const cJSON* node_;
};

// The range returned by Value::items(). Thread-safety: as Value.
struct Value::Items {
  Iterator first;
  Iterator begin() const { return first; }
  Iterator end() const { return Iterator(nullptr); }
};

// Parses one JSON text (RFC 8259; surrounding whitespace and a leading UTF-8 BOM allowed) into
// `arena`. The arena is not reset here; the returned Value lives as long as the arena's memory.
//   JsonInvalid    not JSON, trailing data, invalid UTF-8, nesting deeper than
//                  LSEDGE_JSON_MAX_DEPTH, or a string containing \u0000 (cJSON would cut it)
//   BufferTooSmall the arena is too small (nothing is taken from the heap)
// Thread-safety: safe to call concurrently with different arenas.
[[nodiscard]] Result<Value> parse(std::string_view text, Arena& arena);

}  // namespace lsedge::json
