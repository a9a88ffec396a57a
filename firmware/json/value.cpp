// The only place (with its tests) that sees cJSON: hooks, parsing, and the typed readers.
#include "firmware/json/value.h"

#include <cjson/cJSON.h>

#include <cstring>
#include <optional>

#include "board_sizes.h"
#include "firmware/core/byte_scan.h"
#include "firmware/core/utf8.h"

namespace lsedge::json {
namespace {

// The calling thread's allocator for cJSON, and whether it ran dry during the current parse
// (tells BufferTooSmall from JsonInvalid, since cJSON reports both as NULL). Initial-exec: the
// code is position-independent (liblsedge.so), and the default model for that calls
// __tls_get_addr, which made the program need ld-linux.so besides libc (rooms.only_libc); a
// library loaded at start-up has static TLS, and these 9 bytes fit glibc's surplus for dlopen.
__attribute__((tls_model("initial-exec"))) thread_local Arena* t_arena = nullptr;
__attribute__((tls_model("initial-exec"))) thread_local bool t_exhausted = false;

extern "C" void* arena_malloc(size_t size) {
  void* memory = t_arena != nullptr ? t_arena->allocate(size) : nullptr;
  if (memory == nullptr) {
    t_exhausted = true;
  }
  return memory;
}

// Arena memory is released all at once by Arena::reset().
extern "C" void arena_free(void*) {}

void install_hooks_once() {
  // A function-local static is initialised exactly once, thread-safely (C++11), and every
  // caller sees the hooks installed before it goes on.
  static const bool installed = [] {
    cJSON_Hooks hooks{};
    hooks.malloc_fn = arena_malloc;
    hooks.free_fn = arena_free;  // with a custom malloc, cJSON never uses realloc
    cJSON_InitHooks(&hooks);
    return true;
  }();
  (void)installed;
}

// The one pass over a text before cJSON reads it: UTF-8 (RFC 3629) everywhere, since cJSON
// copies any byte; nesting at most LSEDGE_JSON_MAX_DEPTH, since cJSON recurses once per level and
// accepts 1000, too deep for a small thread stack; and no \u0000, where cJSON would cut the
// string. It follows cJSON's own string tokenisation and skips string bodies 8 bytes at a time;
// an Error is built only for a fault. Thread-safety: one thread per object.
class Prescan {
 public:
  enum class Fault : uint8_t { None, Utf8, Nul, Depth };

  explicit Prescan(std::string_view text) : data_(text.data()), size_(text.size()) {}

  Error run() {
    Fault fault = Fault::None;
    while (fault == Fault::None && at_ < size_) {
      const auto byte = static_cast<unsigned char>(data_[at_]);
      if (byte == '"') {
        fault = string();
      } else if (byte >= 0x80) {
        fault = utf8_sequence();
      } else {
        fault = structural(byte);
      }
    }
    return error(fault);
  }

 private:
  Fault utf8_sequence() {
    const std::optional<CodePoint> code_point = utf8_decode(std::string_view(data_, size_), at_);
    if (!code_point) {
      return Fault::Utf8;
    }
    at_ += code_point->length;
    return Fault::None;
  }

  // From the opening quote to past the closing one (or the end: cJSON reports that).
  Fault string() {
    ++at_;
    for (;;) {
      at_ += bytes::plain_run<true>(data_, size_, at_, '"', '\\', '"');
      if (at_ >= size_) {
        return Fault::None;
      }
      const auto byte = static_cast<unsigned char>(data_[at_]);
      if (byte == '"') {
        ++at_;
        return Fault::None;
      }
      const Fault fault = byte >= 0x80 ? utf8_sequence() : escape();
      if (fault != Fault::None) {
        return fault;
      }
    }
  }

  // At a backslash: the escaped character is skipped, unless it starts a UTF-8 sequence, which
  // is then checked (cJSON refuses such an escape anyway).
  Fault escape() {
    if (std::string_view(data_, size_).substr(at_ + 1, 5) == "u0000") {
      return Fault::Nul;
    }
    const bool ascii_next = at_ + 1 < size_ && static_cast<unsigned char>(data_[at_ + 1]) < 0x80;
    at_ += ascii_next ? 2 : 1;
    return Fault::None;
  }

  Fault structural(unsigned char byte) {
    ++at_;
    if (byte == '[' || byte == '{') {
      if (++depth_ > LSEDGE_JSON_MAX_DEPTH) {
        return Fault::Depth;
      }
    } else if ((byte == ']' || byte == '}') && depth_ > 0) {
      --depth_;
    }
    return Fault::None;
  }

  Error error(Fault fault) const {
    switch (fault) {
      case Fault::None:
        return Error();
      case Fault::Utf8:
        return Error(Status::JsonInvalid, "JSON text is not valid UTF-8");
      case Fault::Nul: {
        Error error(Status::JsonInvalid, "a JSON string holds \\u0000 at byte ");
        (void)error.detail.append_uint(at_);
        return error;
      }
      case Fault::Depth: {
        Error error(Status::JsonInvalid, "JSON nesting deeper than LSEDGE_JSON_MAX_DEPTH (");
        (void)error.detail.append_uint(LSEDGE_JSON_MAX_DEPTH);
        (void)error.detail.append(")");
        return error;
      }
    }
    return Error(Status::JsonInvalid);
  }

  const char* data_;
  size_t size_;
  size_t at_ = 0;
  size_t depth_ = 0;
};

// Most answers are plain: no byte >= 0x80, no backslash, and fewer brackets in all than the depth
// limit. Such a text holds none of the faults Prescan looks for; this finds out 8 bytes at a time.
bool plainly_safe(std::string_view text) {
  uint64_t flags = 0;
  size_t brackets = 0;
  size_t i = 0;
  for (; text.size() - i >= 8; i += 8) {
    const uint64_t word = bytes::load8(text.data() + i);
    flags |= bytes::any_high(word) | bytes::any_equal(word, '\\');
    const uint64_t opens = bytes::each_equal(word, '[') | bytes::each_equal(word, '{');
    brackets += bytes::count_marks(opens);
  }
  for (; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    flags |= byte >= 0x80 || byte == '\\' ? 1U : 0U;
    brackets += byte == '[' || byte == '{' ? 1U : 0U;
  }
  return flags == 0 && brackets <= LSEDGE_JSON_MAX_DEPTH;
}

bool is_json_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

Error invalid_at(const char* what, size_t offset) {
  Error error(Status::JsonInvalid, what);
  (void)error.detail.append(" at byte ");
  (void)error.detail.append_uint(offset);
  return error;
}

// Doubles whose integer conversion is exact and unambiguous: |v| <= 2^53 - 1.
constexpr double kMaxExactInteger = 9007199254740991.0;

}  // namespace

ArenaScope::ArenaScope(Arena& arena) : previous_(t_arena), previous_exhausted_(t_exhausted) {
  install_hooks_once();
  t_arena = &arena;
  t_exhausted = false;
}

ArenaScope::~ArenaScope() {
  t_arena = previous_;
  t_exhausted = previous_exhausted_;
}

Result<Value> parse(std::string_view text, Arena& arena) {
  size_t start = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    start = 3;  // a BOM is not JSON, but RFC 8259 lets parsers ignore it
  }
  const std::string_view body = text.substr(start);
  size_t first = 0;
  while (first < body.size() && is_json_whitespace(body[first])) {
    ++first;
  }
  if (first == body.size()) {
    return Error(Status::JsonInvalid, "JSON text is empty");
  }
  if (!plainly_safe(body)) {
    Error scan = Prescan(body).run();
    if (scan.status != Status::Ok) {
      return scan;
    }
  }

  ArenaScope scope(arena);
  const char* end = nullptr;
  // Never cJSON_GetErrorPtr(): it is process-global. `end` is this call's own.
  const cJSON* root = cJSON_ParseWithLengthOpts(body.data(), body.size(), &end, 0);
  if (root == nullptr) {
    if (t_exhausted) {
      Error error(Status::BufferTooSmall, "JSON arena of ");
      (void)error.detail.append_uint(arena.capacity());
      (void)error.detail.append(" bytes is full");
      return error;
    }
    const size_t offset = end != nullptr && end >= body.data() && end <= body.data() + body.size()
                              ? static_cast<size_t>(end - body.data()) + start
                              : 0;
    return invalid_at("JSON syntax error", offset);
  }
  size_t rest = static_cast<size_t>(end - body.data());
  while (rest < body.size() && is_json_whitespace(body[rest])) {
    ++rest;
  }
  if (rest != body.size()) {
    return invalid_at("data after the JSON value", rest + start);
  }
  return Value(root);
}

bool Value::is_null() const {
  return cJSON_IsNull(node_) != 0;
}
bool Value::is_bool() const {
  return cJSON_IsBool(node_) != 0;
}
bool Value::is_number() const {
  return cJSON_IsNumber(node_) != 0;
}
bool Value::is_string() const {
  return cJSON_IsString(node_) != 0;
}
bool Value::is_array() const {
  return cJSON_IsArray(node_) != 0;
}
bool Value::is_object() const {
  return cJSON_IsObject(node_) != 0;
}

Value Value::get(std::string_view key) const {
  if (!is_object()) {
    return Value();
  }
  for (const cJSON* child = node_->child; child != nullptr; child = child->next) {
    if (child->string != nullptr && std::string_view(child->string) == key) {
      return Value(child);
    }
  }
  return Value();
}

Value Value::at(size_t index) const {
  if (!is_array() && !is_object()) {
    return Value();
  }
  const cJSON* child = node_->child;
  for (size_t i = 0; child != nullptr && i < index; ++i) {
    child = child->next;
  }
  return Value(child);
}

size_t Value::size() const {
  if (!is_array() && !is_object()) {
    return 0;
  }
  size_t count = 0;
  for (const cJSON* child = node_->child; child != nullptr; child = child->next) {
    ++count;
  }
  return count;
}

std::string_view Value::key() const {
  return node_ != nullptr && node_->string != nullptr ? std::string_view(node_->string)
                                                      : std::string_view();
}

Value::Items Value::items() const {
  const bool container = is_array() || is_object();
  return Items{Iterator(container ? node_->child : nullptr)};
}

Value::Iterator& Value::Iterator::operator++() {
  if (node_ != nullptr) {
    node_ = node_->next;
  }
  return *this;
}

std::optional<std::string_view> Value::as_string() const {
  if (!is_string() || node_->valuestring == nullptr) {
    return std::nullopt;
  }
  return std::string_view(node_->valuestring);
}

std::optional<int64_t> Value::as_int64() const {
  if (!is_number()) {
    return std::nullopt;
  }
  const double value = node_->valuedouble;
  // Written so that NaN fails too.
  if (!(value >= -kMaxExactInteger && value <= kMaxExactInteger)) {
    return std::nullopt;
  }
  const auto whole = static_cast<int64_t>(value);
  if (static_cast<double>(whole) != value) {
    return std::nullopt;
  }
  return whole;
}

std::optional<double> Value::as_double() const {
  if (!is_number()) {
    return std::nullopt;
  }
  return node_->valuedouble;
}

std::optional<bool> Value::as_bool() const {
  if (!is_bool()) {
    return std::nullopt;
  }
  return cJSON_IsTrue(node_) != 0;
}

Result<std::string_view> Value::require_string(std::string_view key) const {
  const std::optional<std::string_view> text = get(key).as_string();
  if (!text) {
    return Error(Status::JsonMissingField, key);
  }
  return *text;
}

Result<int64_t> Value::require_int64(std::string_view key) const {
  const std::optional<int64_t> number = get(key).as_int64();
  if (!number) {
    return Error(Status::JsonMissingField, key);
  }
  return *number;
}

}  // namespace lsedge::json
