#include "firmware/taskfile/task_file.h"

#include <cstring>
#include <string_view>

#include "firmware/core/byte_scan.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/hex.h"
#include "firmware/core/utf8.h"

namespace lsedge::taskfile {

static_assert(LSEDGE_JSON_MAX_DEPTH > 0 && LSEDGE_JSON_MAX_DEPTH < 255,
              "the scanner keeps its depth in a uint8_t");

// Where the scanner is between and around tasks.
enum class TaskScanner::Top : uint8_t {
  Begin,             // nothing fed yet (a BOM may follow)
  Bom1,              // 0xEF seen
  Bom2,              // 0xEF 0xBB seen
  Start,             // before the first '[' or '{'
  ArrayOpen,         // after '['
  ArrayNeedTask,     // after ','
  ArrayAfterTask,    // after a task in the array
  ArrayClosed,       // after ']'
  ObjectsAfterTask,  // after a top-level object (single object or NDJSON)
  TasksStart,        // Framing::Tasks: before the first task
  TasksNeedTask,     // Framing::Tasks: after ','
  TasksAfterTask,    // Framing::Tasks: after a task
  InTask,
  Failed,
};

// Where the scanner is inside a task. The states before String are between tokens (skip()).
enum class TaskScanner::Value : uint8_t {
  Value,         // a value is expected
  ValueOrClose,  // after '[': a value or ']'
  KeyOrClose,    // after '{': a key or '}'
  Key,           // after ',' in an object
  Colon,
  CommaOrClose,  // after a value
  String,
  Escape,
  Unicode,
  Utf8,
  NumMinus,
  NumZero,
  NumInt,
  NumDot,
  NumFrac,
  NumE,
  NumESign,
  NumExp,
  Literal,
};

namespace {

bool is_ws(uint8_t b) {
  return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}
bool is_digit(uint8_t b) {
  return b >= '0' && b <= '9';
}

// The digits of 2^1024 - 2^970, halfway between the largest double (1.7976931348623157e308) and
// 2^1024: a decimal number rounds to infinity (strtod, Python's float()) exactly when its
// significant digits, read as 0.d1d2...e309, are at least this.
constexpr char kOverflowDigits[] =
    "17976931348623158079372897140530341507993413271003782693617377898044496829276475"
    "09466490179775872070963302864166928879109465555478519404026306574886715058206819"
    "08902000708383676273854845817711531764475730270069855571366959622842914819860834"
    "936475292719074168444365510704342711559699508093042880177904174497792";
constexpr uint64_t kOverflowDigitCount = sizeof(kOverflowDigits) - 1;
static_assert(kOverflowDigitCount == 309, "2^1024 has 309 decimal digits");
// The decimal exponent of that bound: 0.1798...e309.
constexpr int64_t kOverflowExponent = 309;
// Digit and exponent counts saturate here: far beyond the bound, far below int64's range.
constexpr uint64_t kCountCap = 1000000000000000ULL;

uint64_t saturating_inc(uint64_t count) {
  return count < kCountCap ? count + 1 : count;
}

template <size_t N>
void append_number(FixedString<N>& text, uint64_t value) {
  FixedString<20> digits;
  (void)digits.append_uint(value);
  text.append_truncated(digits.view());
}

}  // namespace

const char* task_file_format_name(TaskFileFormat format) {
  switch (format) {
    case TaskFileFormat::JsonArray:
      return "JSON array";
    case TaskFileFormat::JsonObject:
      return "JSON object";
    case TaskFileFormat::NdJson:
      return "NDJSON";
  }
  return "unknown";
}

TaskScanner::TaskScanner(Framing framing, uint64_t first_offset, uint64_t max_task_bytes)
    : framing_(framing),
      top_(framing == Framing::File ? Top::Begin : Top::TasksStart),
      value_(Value::Value),
      offset_(first_offset),
      max_task_bytes_(max_task_bytes) {}

TaskScanner::Step TaskScanner::fail(Status status, const char* what, uint8_t byte, bool show_byte) {
  return fail_at(status, what, byte, show_byte, offset_);
}

TaskScanner::Step TaskScanner::fail_at(Status status, const char* what, uint8_t byte,
                                       bool show_byte, uint64_t offset) {
  error_ = Error(status);
  FixedString<kErrorDetailCapacity>& d = error_.detail;
  d.append_truncated("task file: ");
  d.append_truncated(what);
  if (show_byte) {
    if (byte >= 0x20 && byte < 0x7F) {
      const char quoted[] = {' ', '\'', static_cast<char>(byte), '\'', '\0'};
      d.append_truncated(quoted);
    } else {
      const char hex[] = "0123456789ABCDEF";
      const char shown[] = {' ', '0', 'x', hex[byte >> 4], hex[byte & 0x0F], '\0'};
      d.append_truncated(shown);
    }
  }
  if (top_ == Top::InTask) {
    d.append_truncated(" in task ");
    append_number(d, tasks_ + 1);
  }
  d.append_truncated(" at byte ");
  append_number(d, offset);
  if (framing_ == Framing::File) {
    d.append_truncated(" (line ");
    append_number(d, line_);
    d.append_truncated(")");
  }
  top_ = Top::Failed;
  return Step::Invalid;
}

TaskScanner::Step TaskScanner::feed(uint8_t byte) {
  Step step;
  if (top_ == Top::InTask) {
    step = value_byte(byte);
  } else if (top_ == Top::Failed) {
    return Step::Invalid;
  } else {
    step = top_byte(byte);
  }
  if (byte == '\n') {
    ++line_;
  }
  ++offset_;
  return step;
}

bool TaskScanner::in_task() const {
  return top_ == Top::InTask;
}

size_t TaskScanner::skip(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  switch (top_) {
    case Top::InTask:
      break;
    case Top::Begin:
    case Top::Bom1:
    case Top::Bom2:
    case Top::Failed:
      return 0;
    default:
      return is_ws(data[0]) ? skip_whitespace(data, size) : 0;
  }
  if (value_ == Value::String && !high_surrogate_) {
    const size_t run = bytes::json_string_run(data, size, 0);
    offset_ += run;
    return run;
  }
  // Compact JSON has a structural byte here far more often than whitespace: no call for it.
  return value_ < Value::String && is_ws(data[0]) ? skip_whitespace(data, size) : 0;
}

size_t TaskScanner::skip_whitespace(const uint8_t* data, size_t size) {
  size_t run = 0;
  uint64_t lines = 0;
  while (run < size && is_ws(data[run])) {
    lines += data[run] == '\n' ? 1 : 0;
    ++run;
  }
  if (lines > 0 && top_ != Top::InTask) {
    newline_seen_ = true;
  }
  line_ += lines;
  offset_ += run;
  return run;
}

TaskScanner::Step TaskScanner::begin_task() {
  task_start_ = offset_;
  depth_ = 0;
  top_ = Top::InTask;
  return open_container('{', '{');
}

TaskScanner::Step TaskScanner::top_byte(uint8_t byte) {
  switch (top_) {
    case Top::Begin:
    case Top::Bom1:
    case Top::Bom2:
      return bom_byte(byte);
    default:
      break;
  }
  if (byte == '\n') {
    newline_seen_ = true;
  }
  if (is_ws(byte)) {
    return Step::Gap;
  }
  switch (top_) {
    case Top::Start:
      return start_byte(byte);
    case Top::ArrayOpen:
      if (byte == ']') {
        return fail(Status::EmptyInput, "no tasks: the array is empty", byte, false);
      }
      return array_task_byte(byte);
    case Top::ArrayNeedTask:
      return array_task_byte(byte);
    case Top::ArrayAfterTask:
      return array_after_task_byte(byte);
    case Top::ArrayClosed:
      return fail(Status::TaskFileInvalid, "data after the end of the array:", byte, true);
    case Top::ObjectsAfterTask:
      return objects_after_task_byte(byte);
    case Top::TasksStart:
    case Top::TasksNeedTask:
      if (byte == '{') {
        return begin_task();
      }
      return fail(Status::TaskFileInvalid, "expected a task object, found", byte, true);
    case Top::TasksAfterTask:
      return tasks_after_task_byte(byte);
    default:
      return fail(Status::TaskFileInvalid, "internal scanner state", byte, false);
  }
}

// The optional byte order mark EF BB BF before anything else.
TaskScanner::Step TaskScanner::bom_byte(uint8_t byte) {
  if (top_ == Top::Begin) {
    if (byte == 0xEF) {
      top_ = Top::Bom1;
      return Step::Gap;
    }
    top_ = Top::Start;
    return top_byte(byte);
  }
  if (byte != (top_ == Top::Bom1 ? 0xBB : 0xBF)) {
    return fail(Status::TaskFileInvalid, "invalid UTF-8 (a broken byte order mark)", byte, true);
  }
  top_ = top_ == Top::Bom1 ? Top::Bom2 : Top::Start;
  return Step::Gap;
}

// The first non-blank byte decides the format (an object may still turn out to be NDJSON).
TaskScanner::Step TaskScanner::start_byte(uint8_t byte) {
  if (byte == '[') {
    format_ = TaskFileFormat::JsonArray;
    top_ = Top::ArrayOpen;
    return Step::Gap;
  }
  if (byte == '{') {
    format_ = TaskFileFormat::JsonObject;
    return begin_task();
  }
  return fail(Status::TaskFileInvalid, "a task file starts with '[' or '{', not", byte, true);
}

TaskScanner::Step TaskScanner::array_task_byte(uint8_t byte) {
  if (byte == '{') {
    return begin_task();
  }
  if (byte == ']') {
    return fail(Status::TaskFileInvalid, "a comma before ']'", byte, false);
  }
  return fail(Status::TaskFileInvalid, "a task must be a JSON object, not a value starting with",
              byte, true);
}

TaskScanner::Step TaskScanner::array_after_task_byte(uint8_t byte) {
  if (byte == ',') {
    top_ = Top::ArrayNeedTask;
    return Step::Gap;
  }
  if (byte == ']') {
    top_ = Top::ArrayClosed;
    return Step::Gap;
  }
  return fail(Status::TaskFileInvalid, "expected ',' or ']' after a task, found", byte, true);
}

// After a top-level object: another one on a new line makes the file NDJSON.
TaskScanner::Step TaskScanner::objects_after_task_byte(uint8_t byte) {
  if (byte != '{') {
    return fail(Status::TaskFileInvalid, "expected a new line with the next task object, found",
                byte, true);
  }
  if (!newline_seen_) {
    return fail(Status::TaskFileInvalid, "NDJSON: each task must start on a new line", byte, false);
  }
  format_ = TaskFileFormat::NdJson;
  return begin_task();
}

TaskScanner::Step TaskScanner::tasks_after_task_byte(uint8_t byte) {
  if (byte == '{') {
    return begin_task();
  }
  if (byte == ',') {
    top_ = Top::TasksNeedTask;
    return Step::Gap;
  }
  return fail(Status::TaskFileInvalid, "expected ',' or the next task, found", byte, true);
}

TaskScanner::Step TaskScanner::open_container(uint8_t kind, uint8_t byte) {
  if (depth_ >= LSEDGE_JSON_MAX_DEPTH) {
    return fail(Status::TaskFileInvalid, "nesting deeper than LSEDGE_JSON_MAX_DEPTH", byte, false);
  }
  stack_[depth_++] = kind;
  value_ = kind == '{' ? Value::KeyOrClose : Value::ValueOrClose;
  return Step::Inside;
}

TaskScanner::Step TaskScanner::close_container(uint8_t byte) {
  const uint8_t expected = stack_[depth_ - 1] == '{' ? '}' : ']';
  if (byte != expected) {
    return fail(Status::TaskFileInvalid, "mismatched bracket:", byte, true);
  }
  --depth_;
  if (depth_ > 0) {
    value_ = Value::CommaOrClose;
    return Step::Inside;
  }
  // The task's closing '}'.
  last_.index = tasks_;
  last_.offset = task_start_;
  last_.length = offset_ - task_start_ + 1;
  if (last_.length > max_task_bytes_) {
    return task_too_large();
  }
  ++tasks_;
  newline_seen_ = false;
  if (framing_ == Framing::Tasks) {
    top_ = Top::TasksAfterTask;
  } else {
    top_ = format_ == TaskFileFormat::JsonArray ? Top::ArrayAfterTask : Top::ObjectsAfterTask;
  }
  return Step::End;
}

TaskScanner::Step TaskScanner::task_too_large() {
  error_ = Error(Status::ValidationFailed);
  FixedString<kErrorDetailCapacity>& d = error_.detail;
  d.append_truncated("task file: task ");
  append_number(d, tasks_ + 1);
  d.append_truncated(" is ");
  append_number(d, last_.length);
  d.append_truncated(" bytes, more than one batch holds (at most ");
  append_number(d, max_task_bytes_);
  d.append_truncated(" bytes per task); raise the batch size");
  top_ = Top::Failed;
  return Step::Invalid;
}

TaskScanner::Step TaskScanner::value_done() {
  value_ = Value::CommaOrClose;
  return Step::Inside;
}

TaskScanner::Step TaskScanner::value_byte(uint8_t byte) {
  switch (value_) {
    case Value::String:
      return string_byte(byte);
    case Value::Escape:
      return escape_byte(byte);
    case Value::Unicode:
      return unicode_byte(byte);
    case Value::Utf8:
      return utf8_byte(byte);
    case Value::Literal:
      return literal_byte(byte);
    case Value::NumMinus:
    case Value::NumZero:
    case Value::NumInt:
    case Value::NumDot:
    case Value::NumFrac:
    case Value::NumE:
    case Value::NumESign:
    case Value::NumExp:
      return number_byte(byte);
    default:
      return structural_byte(byte);
  }
}

// --- strings ---

TaskScanner::Step TaskScanner::string_byte(uint8_t byte) {
  if (high_surrogate_ && byte != '\\') {
    return fail(Status::TaskFileInvalid, "an unpaired surrogate escape", byte, false);
  }
  if (byte == '"') {
    if (string_is_key_) {
      value_ = Value::Colon;
      return Step::Inside;
    }
    return value_done();
  }
  if (byte == '\\') {
    value_ = Value::Escape;
    return Step::Inside;
  }
  if (byte < 0x20) {
    return fail(Status::TaskFileInvalid, "a control character in a string:", byte, true);
  }
  if (byte >= 0x80) {
    return utf8_lead(byte);
  }
  return Step::Inside;
}

TaskScanner::Step TaskScanner::utf8_lead(uint8_t byte) {
  if ((byte & 0xE0U) == 0xC0U) {
    utf8_need_ = 2;
  } else if ((byte & 0xF0U) == 0xE0U) {
    utf8_need_ = 3;
  } else if ((byte & 0xF8U) == 0xF0U) {
    utf8_need_ = 4;
  } else {
    return fail(Status::TaskFileInvalid, "invalid UTF-8:", byte, true);
  }
  utf8_[0] = byte;
  utf8_have_ = 1;
  value_ = Value::Utf8;
  return Step::Inside;
}

// A continuation byte; the whole sequence is decoded once complete.
TaskScanner::Step TaskScanner::utf8_byte(uint8_t byte) {
  if ((byte & 0xC0U) != 0x80U) {
    return fail(Status::TaskFileInvalid, "invalid UTF-8:", byte, true);
  }
  utf8_[utf8_have_++] = byte;
  if (utf8_have_ < utf8_need_) {
    return Step::Inside;
  }
  const std::string_view sequence(reinterpret_cast<const char*>(utf8_), utf8_need_);
  const std::optional<CodePoint> cp = utf8_decode(sequence, 0);
  if (!cp || cp->length != utf8_need_) {
    return fail(Status::TaskFileInvalid, "invalid UTF-8 (overlong, surrogate or out of range)",
                byte, false);
  }
  value_ = Value::String;
  return Step::Inside;
}

TaskScanner::Step TaskScanner::escape_byte(uint8_t byte) {
  if (high_surrogate_ && byte != 'u') {
    return fail(Status::TaskFileInvalid, "an unpaired surrogate escape", byte, false);
  }
  switch (byte) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
      value_ = Value::String;
      return Step::Inside;
    case 'u':
      value_ = Value::Unicode;
      unicode_digits_ = 0;
      unicode_value_ = 0;
      return Step::Inside;
    default:
      return fail(Status::TaskFileInvalid, "an invalid escape after a backslash:", byte, true);
  }
}

TaskScanner::Step TaskScanner::unicode_byte(uint8_t byte) {
  const int digit = hex_digit_value(static_cast<char>(byte));
  if (digit < 0) {
    return fail(Status::TaskFileInvalid, "a \\u escape needs 4 hex digits, found", byte, true);
  }
  unicode_value_ = static_cast<uint16_t>((unicode_value_ << 4) | digit);
  if (++unicode_digits_ < 4) {
    return Step::Inside;
  }
  value_ = Value::String;
  return unicode_unit(byte);
}

// A complete \uXXXX: surrogates must pair up, and U+0000 is refused.
TaskScanner::Step TaskScanner::unicode_unit(uint8_t byte) {
  const uint16_t unit = unicode_value_;
  const bool high = unit >= 0xD800 && unit <= 0xDBFF;
  const bool low = unit >= 0xDC00 && unit <= 0xDFFF;
  if (high_surrogate_) {
    if (!low) {
      return fail(Status::TaskFileInvalid, "an unpaired surrogate escape", byte, false);
    }
    high_surrogate_ = false;
  } else if (high) {
    high_surrogate_ = true;
  } else if (low) {
    return fail(Status::TaskFileInvalid, "an unpaired surrogate escape", byte, false);
  } else if (unit == 0) {
    return fail(Status::TaskFileInvalid, "\\u0000 in a string (Label Studio's database refuses it)",
                byte, false);
  }
  return Step::Inside;
}

// --- literals and numbers ---

TaskScanner::Step TaskScanner::literal_byte(uint8_t byte) {
  if (byte != static_cast<uint8_t>(literal_[literal_at_])) {
    return fail(Status::TaskFileInvalid, "an invalid literal:", byte, true);
  }
  if (literal_[++literal_at_] == '\0') {
    return value_done();
  }
  return Step::Inside;
}

TaskScanner::Step TaskScanner::number_byte(uint8_t byte) {
  const bool digit = is_digit(byte);
  switch (value_) {
    case Value::NumMinus:
      if (digit) {
        mantissa_digit(byte, false);
        value_ = byte == '0' ? Value::NumZero : Value::NumInt;
        return Step::Inside;
      }
      return fail(Status::TaskFileInvalid, "a number needs a digit after '-', found", byte, true);
    case Value::NumZero:
      if (digit) {
        return fail(Status::TaskFileInvalid, "a number with a leading zero", byte, false);
      }
      return number_after_digits(byte);
    case Value::NumInt:
    case Value::NumFrac:
      if (digit) {
        mantissa_digit(byte, value_ == Value::NumFrac);
        return Step::Inside;
      }
      return number_after_digits(byte);
    case Value::NumDot:
      if (digit) {
        mantissa_digit(byte, true);
        value_ = Value::NumFrac;
        return Step::Inside;
      }
      return fail(Status::TaskFileInvalid, "a number needs a digit after '.', found", byte, true);
    case Value::NumE:
      if (byte == '+' || byte == '-') {
        num_exp_negative_ = byte == '-';
        value_ = Value::NumESign;
        return Step::Inside;
      }
      [[fallthrough]];
    case Value::NumESign:
      if (digit) {
        exponent_digit(byte);
        value_ = Value::NumExp;
        return Step::Inside;
      }
      return fail(Status::TaskFileInvalid, "a number needs a digit in its exponent, found", byte,
                  true);
    default:  // Value::NumExp
      if (digit) {
        exponent_digit(byte);
        return Step::Inside;
      }
      return number_end(byte);
  }
}

// After the integer or fraction digits: a fraction (integer part only), an exponent, or the end.
TaskScanner::Step TaskScanner::number_after_digits(uint8_t byte) {
  if (byte == '.' && value_ != Value::NumFrac) {
    value_ = Value::NumDot;
    return Step::Inside;
  }
  if (byte == 'e' || byte == 'E') {
    value_ = Value::NumE;
    return Step::Inside;
  }
  return number_end(byte);
}

TaskScanner::Step TaskScanner::number_end(uint8_t byte) {
  if (!number_fits()) {
    return fail_at(Status::TaskFileInvalid,
                   "a number too large for a double (beyond 1.7976931348623157e308; Label "
                   "Studio cannot store it)",
                   byte, false, num_offset_);
  }
  // The byte after a number belongs to the structure around it.
  value_ = Value::CommaOrClose;
  return structural_byte(byte);
}

void TaskScanner::start_number() {
  num_offset_ = offset_;
  num_int_digits_ = 0;
  num_frac_zeros_ = 0;
  num_significant_ = 0;
  num_exponent_ = 0;
  num_exp_negative_ = false;
  num_nonzero_ = false;
  num_order_ = 0;
}

// One digit of the integer part or the fraction: counts the digits before the point and the
// zeros after it that lead the first significant digit, and compares the significant digits
// with kOverflowDigits as they come (no copy of the number is kept, however long it is).
void TaskScanner::mantissa_digit(uint8_t byte, bool fraction) {
  if (!num_nonzero_) {
    if (byte == '0') {
      if (fraction) {
        num_frac_zeros_ = saturating_inc(num_frac_zeros_);
      }
      return;  // "0" or a zero before the first significant digit
    }
    num_nonzero_ = true;
  }
  if (!fraction) {
    num_int_digits_ = saturating_inc(num_int_digits_);
  }
  if (num_order_ == 0) {
    const uint8_t bound = num_significant_ < kOverflowDigitCount
                              ? static_cast<uint8_t>(kOverflowDigits[num_significant_])
                              : static_cast<uint8_t>('0');
    num_order_ = byte < bound ? -1 : (byte > bound ? 1 : 0);
  }
  num_significant_ = saturating_inc(num_significant_);
}

void TaskScanner::exponent_digit(uint8_t byte) {
  const uint64_t digit = static_cast<uint64_t>(byte - '0');
  num_exponent_ = num_exponent_ < kCountCap ? num_exponent_ * 10 + digit : kCountCap;
}

// Whether strtod would give a finite double: the decimal exponent of the first significant digit
// decides, and only at 309 (1e308 <= |x| < 1e309) do the digits need comparing with the bound.
// Numbers too small for a double become 0 (as Python's json and Label Studio read them): fine.
bool TaskScanner::number_fits() const {
  if (!num_nonzero_) {
    return true;  // zero, whatever its exponent
  }
  const int64_t exponent = num_exp_negative_ ? -static_cast<int64_t>(num_exponent_)
                                             : static_cast<int64_t>(num_exponent_);
  const int64_t order = num_int_digits_ > 0 ? static_cast<int64_t>(num_int_digits_) + exponent
                                            : exponent - static_cast<int64_t>(num_frac_zeros_);
  if (order != kOverflowExponent) {
    return order < kOverflowExponent;
  }
  // Equal digits as far as the number goes: below the bound unless it went all the way (the
  // bound's last digit is not 0); exactly the bound is a tie, which rounds to even: infinity.
  return num_order_ < 0 || (num_order_ == 0 && num_significant_ < kOverflowDigitCount);
}

// --- structure: keys, colons, commas, brackets, the start of values ---

TaskScanner::Step TaskScanner::structural_byte(uint8_t byte) {
  // Whitespace is allowed anywhere between tokens.
  if (is_ws(byte)) {
    return Step::Inside;
  }
  switch (value_) {
    case Value::KeyOrClose:
      return byte == '}' ? close_container(byte) : key_start(byte);
    case Value::Key:
      return key_start(byte);
    case Value::Colon:
      if (byte == ':') {
        value_ = Value::Value;
        return Step::Inside;
      }
      return fail(Status::TaskFileInvalid, "expected ':' after a key, found", byte, true);
    case Value::CommaOrClose:
      return comma_or_close(byte);
    case Value::ValueOrClose:
      return byte == ']' ? close_container(byte) : value_start(byte);
    case Value::Value:
      return value_start(byte);
    default:
      return fail(Status::TaskFileInvalid, "internal scanner state", byte, false);
  }
}

TaskScanner::Step TaskScanner::key_start(uint8_t byte) {
  if (byte == '"') {
    value_ = Value::String;
    string_is_key_ = true;
    return Step::Inside;
  }
  return fail(Status::TaskFileInvalid, "expected a quoted key, found", byte, true);
}

TaskScanner::Step TaskScanner::comma_or_close(uint8_t byte) {
  if (byte == ',') {
    value_ = stack_[depth_ - 1] == '{' ? Value::Key : Value::Value;
    return Step::Inside;
  }
  if (byte == '}' || byte == ']') {
    return close_container(byte);
  }
  return fail(Status::TaskFileInvalid, "expected ',' or a closing bracket, found", byte, true);
}

TaskScanner::Step TaskScanner::value_start(uint8_t byte) {
  switch (byte) {
    case '{':
    case '[':
      return open_container(byte, byte);
    case '"':
      value_ = Value::String;
      string_is_key_ = false;
      return Step::Inside;
    case '-':
      start_number();
      value_ = Value::NumMinus;
      return Step::Inside;
    case '0':
      start_number();
      value_ = Value::NumZero;
      return Step::Inside;
    case 't':
      literal_ = "true";
      break;
    case 'f':
      literal_ = "false";
      break;
    case 'n':
      literal_ = "null";
      break;
    default:
      if (is_digit(byte)) {
        start_number();
        mantissa_digit(byte, false);
        value_ = Value::NumInt;
        return Step::Inside;
      }
      return fail(Status::TaskFileInvalid, "expected a value, found", byte, true);
  }
  value_ = Value::Literal;
  literal_at_ = 1;
  return Step::Inside;
}

Outcome TaskScanner::finish() {
  switch (top_) {
    case Top::Failed:
      return error_;
    case Top::Begin:
    case Top::Start:
      (void)fail(Status::EmptyInput, "no tasks: the file is empty", 0, false);
      return error_;
    case Top::Bom1:
    case Top::Bom2:
      (void)fail(Status::TaskFileInvalid, "invalid UTF-8 (a broken byte order mark)", 0, false);
      return error_;
    case Top::ArrayOpen:
    case Top::ArrayNeedTask:
    case Top::ArrayAfterTask:
      (void)fail(Status::TaskFileInvalid, "unexpected end of file: the array is not closed", 0,
                 false);
      return error_;
    case Top::InTask:
      (void)fail(Status::TaskFileInvalid, "unexpected end of file", 0, false);
      return error_;
    case Top::TasksStart:
    case Top::TasksNeedTask:
      (void)fail(Status::TaskFileInvalid, "unexpected end of the task range", 0, false);
      return error_;
    case Top::ArrayClosed:
    case Top::ObjectsAfterTask:
    case Top::TasksAfterTask:
      return {};
  }
  return error_;
}

TaskReader::TaskReader(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk,
                       uint64_t max_task_bytes)
    : storage_(storage),
      file_(file),
      chunk_(chunk),
      scanner_(TaskScanner::Framing::File, 0, max_task_bytes) {}

Result<bool> TaskReader::next(TaskElement& task) {
  if (state_ != State::Reading) {
    return state_ == State::Ended ? Result<bool>(false) : Result<bool>(error_);
  }
  for (;;) {
    if (chunk_pos_ == chunk_len_) {
      const Outcome read = refill();
      if (!read.ok()) {
        return stop(read.error());
      }
      if (chunk_len_ == 0) {
        return end_of_file();
      }
    }
    const TaskScanner::Step step = feed_chunk();
    if (step == TaskScanner::Step::Invalid) {
      return stop(scanner_.error());
    }
    if (step == TaskScanner::Step::End) {
      task = scanner_.last_task();
      count(task);
      return true;
    }
  }
}

Outcome TaskReader::refill() {
  if (chunk_.empty()) {
    return Error(Status::InvalidArgument, "task file scan needs a non-empty chunk buffer");
  }
  LSEDGE_TRY_ASSIGN(chunk_len_, storage_.read_at(file_, file_pos_, chunk_));
  chunk_pos_ = 0;
  file_pos_ += chunk_len_;
  return {};
}

// The hot loop: feeds the chunk's bytes up to the end of a task, an error or the chunk's end.
TaskScanner::Step TaskReader::feed_chunk() {
  size_t pos = chunk_pos_;
  const size_t len = chunk_len_;
  TaskScanner::Step step = TaskScanner::Step::Gap;
  while (pos < len) {
    pos += scanner_.skip(chunk_.data() + pos, len - pos);
    if (pos == len) {
      break;
    }
    step = scanner_.feed(chunk_[pos++]);
    if (step == TaskScanner::Step::End || step == TaskScanner::Step::Invalid) {
      break;
    }
  }
  chunk_pos_ = pos;
  return step;
}

Result<bool> TaskReader::stop(const Error& error) {
  state_ = State::Failed;
  error_ = error;
  return error_;
}

Result<bool> TaskReader::end_of_file() {
  const Outcome finished = scanner_.finish();
  if (!finished.ok()) {
    return stop(finished.error());
  }
  state_ = State::Ended;
  summary_.format = scanner_.format();
  summary_.file_bytes = file_pos_;
  return false;
}

void TaskReader::count(const TaskElement& task) {
  summary_.format = scanner_.format();
  summary_.tasks = scanner_.tasks();
  summary_.task_bytes += task.length;
  if (task.length > summary_.largest_task) {
    summary_.largest_task = task.length;
  }
}

Result<TaskFileSummary> scan_task_file(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk,
                                       uint64_t max_task_bytes) {
  TaskReader reader(storage, file, chunk, max_task_bytes);
  TaskElement task;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const bool more, reader.next(task));
    if (!more) {
      return reader.summary();
    }
  }
}

namespace {

constexpr uint64_t kSmallestBody = 4;  // "[{}]"

}  // namespace

bool BatchGrouper::add(const TaskElement& task, TaskBatch& closed) {
  if (open_.task_count > 0 && open_.body_size + 1 + task.length <= budget_) {
    open_.task_count += 1;
    open_.end = task.offset + task.length;
    open_.body_size += 1 + task.length;
    return false;
  }
  const bool was_open = take_open(closed);
  open_.index = batches_;  // every earlier batch is closed by now
  open_.first_task = task.index;
  open_.task_count = 1;
  open_.begin = task.offset;
  open_.end = task.offset + task.length;
  open_.body_size = 2 + task.length;  // "[" task "]"
  return was_open;
}

bool BatchGrouper::take_open(TaskBatch& batch) {
  if (open_.task_count == 0) {
    return false;
  }
  batch = open_;
  open_ = TaskBatch();
  ++batches_;
  return true;
}

Result<TaskFilePlan> plan_task_file(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk,
                                    uint64_t max_task_bytes, uint64_t budget,
                                    Span<TaskBatch> plan) {
  TaskReader reader(storage, file, chunk, max_task_bytes);
  BatchGrouper grouper(budget);
  TaskFilePlan out;
  TaskBatch batch;
  TaskElement task;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const bool more, reader.next(task));
    const bool closed = more ? grouper.add(task, batch) : grouper.take_open(batch);
    if (closed && out.kept < plan.size()) {
      plan[out.kept++] = batch;
    }
    if (!more) {
      out.summary = reader.summary();
      out.summary.batches = grouper.batches();
      return out;
    }
  }
}

BatchPlanner::BatchPlanner(hal::Storage& storage, hal::FileHandle file, ByteSpan chunk,
                           uint64_t budget_bytes)
    : reader_(storage, file, chunk, budget_bytes >= kSmallestBody ? budget_bytes - 2 : 0),
      budget_(budget_bytes),
      grouper_(budget_bytes) {}

Result<bool> BatchPlanner::next(TaskBatch& batch) {
  if (budget_ < kSmallestBody) {
    return Error(Status::InvalidArgument, "a batch budget holds at least 4 bytes (\"[{}]\")");
  }
  TaskElement task;
  for (;;) {
    LSEDGE_TRY_ASSIGN(const bool more, reader_.next(task));
    if (!more) {
      return grouper_.take_open(batch);  // the last batch (the scan found at least one task)
    }
    if (grouper_.add(task, batch)) {
      return true;
    }
  }
}

TaskFileSummary BatchPlanner::summary() const {
  TaskFileSummary summary = reader_.summary();
  summary.batches = grouper_.batches();
  return summary;
}

// --- TaskBoundaries ---

size_t TaskBoundaries::gap(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    const uint8_t byte = data[i];
    if (is_ws(byte)) {
      continue;
    }
    if (byte == ',' && after_task_ && !comma_) {
      comma_ = true;
      continue;
    }
    if (byte == '{') {
      in_task_ = true;
    } else {
      failed_ = true;
    }
    return i;
  }
  return size;
}

size_t TaskBoundaries::task(const uint8_t* data, size_t size, bool& ended) {
  ended = false;
  size_t i = 0;
  while (i < size) {
    if (in_string_) {
      if (escape_) {
        escape_ = false;
        ++i;
        continue;
      }
      i += bytes::plain_run<false>(reinterpret_cast<const char*>(data), size, i, '"', '\\', '"');
      if (i < size) {
        escape_ = data[i] == '\\';
        in_string_ = escape_;
        ++i;
      }
      continue;
    }
    const uint8_t byte = data[i++];
    if (byte == '"') {
      in_string_ = true;
    } else if (byte == '{' || byte == '[') {
      ++depth_;
    } else if ((byte == '}' || byte == ']') && --depth_ == 0) {
      in_task_ = false;
      after_task_ = true;
      comma_ = false;
      ended = true;
      break;
    }
  }
  return i;
}

// --- BatchBodyReader ---

BatchBodyReader::BatchBodyReader(hal::Storage& storage, hal::FileHandle file,
                                 const TaskBatch& batch, ByteSpan scratch, BodyCheck check)
    : storage_(storage),
      file_(file),
      batch_(batch),
      scratch_(scratch),
      check_(check),
      scanner_(TaskScanner::Framing::Tasks, batch.begin),
      file_pos_(batch.begin) {}

Error BatchBodyReader::changed(const char* what) const {
  Error error(Status::TaskFileInvalid, "task file changed since it was planned: ");
  error.detail.append_truncated(what);
  return error;
}

Outcome BatchBodyReader::rewind() {
  scanner_ = TaskScanner(TaskScanner::Framing::Tasks, batch_.begin);
  boundaries_ = TaskBoundaries();
  phase_ = Phase::Open;
  file_pos_ = batch_.begin;
  chunk_len_ = 0;
  chunk_pos_ = 0;
  produced_ = 0;
  tasks_done_ = 0;
  return {};
}

Outcome BatchBodyReader::check(ByteSpan out) const {
  if (out.empty() || scratch_.empty()) {
    return Error(Status::InvalidArgument, "BatchBodyReader::read needs non-empty buffers");
  }
  // Separators take at least one byte each, so the body is never longer than the range + 2.
  if (batch_.task_count == 0 || batch_.end < batch_.begin || batch_.body_size < 4 ||
      batch_.body_size > 2 + (batch_.end - batch_.begin)) {
    return Error(Status::InvalidArgument, "BatchBodyReader: an empty or inconsistent batch");
  }
  return {};
}

Result<size_t> BatchBodyReader::read(ByteSpan out) {
  LSEDGE_TRY(check(out));
  size_t n = 0;
  while (n < out.size() && phase_ != Phase::Done) {
    if (phase_ != Phase::Tasks) {
      LSEDGE_TRY_ASSIGN(out[n], punctuation());
      ++n;
      ++produced_;
    } else if (chunk_pos_ == chunk_len_) {
      LSEDGE_TRY(refill());
    } else {
      LSEDGE_TRY_ASSIGN(
          n, check_ == BodyCheck::Revalidate ? copy_task_bytes(out, n) : copy_tasks(out, n));
    }
  }
  return n;
}

// The body's own bytes: '[' first, ',' between tasks, ']' once the size matches the plan.
Result<uint8_t> BatchBodyReader::punctuation() {
  switch (phase_) {
    case Phase::Open:
      phase_ = Phase::Tasks;
      return static_cast<uint8_t>('[');
    case Phase::Comma:
      phase_ = Phase::Tasks;
      return static_cast<uint8_t>(',');
    default:  // Phase::Close
      if (produced_ + 1 != batch_.body_size) {
        return changed("the batch's size differs");
      }
      phase_ = Phase::Done;
      return static_cast<uint8_t>(']');
  }
}

// The next part of the batch's range of the file into scratch.
Outcome BatchBodyReader::refill() {
  const uint64_t left = batch_.end - file_pos_;
  if (left == 0) {
    return changed("the batch's tasks end early");
  }
  const size_t want = left < scratch_.size() ? static_cast<size_t>(left) : scratch_.size();
  LSEDGE_TRY_ASSIGN(const size_t got, storage_.read_at(file_, file_pos_, scratch_.first(want)));
  if (got == 0) {
    return changed("the file is shorter");
  }
  chunk_len_ = got;
  chunk_pos_ = 0;
  file_pos_ += got;
  return {};
}

// Copies task bytes from scratch to out[n...] (separators skipped) until out is full, scratch is
// used up or a task ends; returns the new n.
Result<size_t> BatchBodyReader::copy_task_bytes(ByteSpan out, size_t n) {
  while (n < out.size() && chunk_pos_ < chunk_len_) {
    n = copy_run(out, n);
    if (n == out.size() || chunk_pos_ == chunk_len_) {
      break;
    }
    const uint8_t byte = scratch_[chunk_pos_++];
    const TaskScanner::Step step = scanner_.feed(byte);
    if (step == TaskScanner::Step::Invalid) {
      return changed(scanner_.error().detail.c_str());
    }
    if (step == TaskScanner::Step::Gap) {
      continue;
    }
    // Keep room for the ']' (and ',' before the next task).
    if (produced_ + 2 > batch_.body_size) {
      return changed("the batch's size differs");
    }
    out[n++] = byte;
    ++produced_;
    if (step == TaskScanner::Step::End) {
      LSEDGE_TRY(task_ended());
      break;
    }
  }
  return n;
}

// What the scanner skips at once: copied whole when it is a task's (a separator's is dropped),
// never past the room the plan leaves before the ']'; returns the new n.
size_t BatchBodyReader::copy_run(ByteSpan out, size_t n) {
  const bool in_task = scanner_.in_task();
  const size_t available = chunk_len_ - chunk_pos_;
  const size_t limit = in_task ? task_room(out.size() - n, available) : available;
  const size_t run = scanner_.skip(scratch_.data() + chunk_pos_, limit);
  if (in_task && run > 0) {
    std::memcpy(out.data() + n, scratch_.data() + chunk_pos_, run);
    n += run;
    produced_ += run;
  }
  chunk_pos_ += run;
  return n;
}

// How many task bytes may be copied: what out and scratch hold, never into the room the plan
// leaves for the ']'.
size_t BatchBodyReader::task_room(size_t out_room, size_t available) const {
  const uint64_t room = batch_.body_size > produced_ + 1 ? batch_.body_size - produced_ - 1 : 0;
  const size_t limit = out_room < available ? out_room : available;
  return room < limit ? static_cast<size_t>(room) : limit;
}

// BodyCheck::Boundaries: copies whole runs of task bytes from scratch to out[n...] (separators
// skipped) until out is full, scratch is used up or a task ends; returns the new n.
Result<size_t> BatchBodyReader::copy_tasks(ByteSpan out, size_t n) {
  while (n < out.size() && chunk_pos_ < chunk_len_) {
    const uint8_t* data = scratch_.data() + chunk_pos_;
    const size_t available = chunk_len_ - chunk_pos_;
    if (!boundaries_.in_task()) {
      chunk_pos_ += boundaries_.gap(data, available);
      if (boundaries_.failed()) {
        return changed("a task is not where it was");
      }
      continue;
    }
    const size_t limit = task_room(out.size() - n, available);
    if (limit == 0) {
      return changed("the batch's size differs");
    }
    bool ended = false;
    const size_t taken = boundaries_.task(data, limit, ended);
    std::memcpy(out.data() + n, data, taken);
    n += taken;
    produced_ += taken;
    chunk_pos_ += taken;
    if (ended) {
      if (out[n - 1] != '}') {
        return changed("a task is not where it was");
      }
      LSEDGE_TRY(task_ended());
      break;
    }
  }
  return n;
}

Outcome BatchBodyReader::task_ended() {
  ++tasks_done_;
  if (tasks_done_ < batch_.task_count) {
    phase_ = Phase::Comma;
    return {};
  }
  if (file_pos_ - (chunk_len_ - chunk_pos_) != batch_.end) {
    return changed("the batch's range differs");
  }
  phase_ = Phase::Close;
  return {};
}

}  // namespace lsedge::taskfile
