#include "firmware/app/dotenv.h"

#include <cstddef>
#include <cstdint>

namespace lsedge::app {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

Error line_error(Status status, size_t line, std::string_view problem) {
  Error error(status, ".env line ");
  (void)error.detail.append_uint(line);  // a short prefix: always fits
  error.detail.append_truncated(": ");
  error.detail.append_truncated(problem);
  return error;
}

// Horizontal whitespace; '\r' counts so that CRLF lines need no special case.
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool is_key_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_key_char(char c) {
  return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_blank(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// The cursor over the whole text: quoted values may span lines, so lines are not split first.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  [[nodiscard]] bool done() const { return pos_ >= text_.size(); }
  [[nodiscard]] char peek() const { return text_[pos_]; }
  [[nodiscard]] size_t line() const { return line_; }
  [[nodiscard]] size_t pos() const { return pos_; }
  [[nodiscard]] std::string_view text() const { return text_; }

  void skip_blanks() {
    while (!done() && is_blank(peek())) {
      ++pos_;
    }
  }
  // Moves past the next '\n' (or to the end).
  void skip_line() {
    while (!done() && peek() != '\n') {
      ++pos_;
    }
    if (!done()) {
      ++pos_;
      ++line_;
    }
  }
  // The text up to the next '\n' (exclusive); the cursor does not move.
  [[nodiscard]] std::string_view rest_of_line() const {
    const size_t end = text_.find('\n', pos_);
    return text_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
  }
  void advance(size_t n) {
    for (size_t i = 0; i < n && !done(); ++i) {
      if (text_[pos_] == '\n') {
        ++line_;
      }
      ++pos_;
    }
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

char unescaped(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'v':
      return '\v';
    case '"':
      return '"';
    case '\\':
      return '\\';
    case '\'':
      return '\'';
    default:
      return '\0';  // not an escape: kept as written
  }
}

// Unescapes the body of a double-quoted value into scratch. Returns the length, or SIZE_MAX when
// it does not fit.
size_t unescape(std::string_view raw, Span<char> scratch) {
  size_t n = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    char out[2] = {raw[i], '\0'};
    size_t count = 1;
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char e = unescaped(raw[i + 1]);
      if (e != '\0') {
        out[0] = e;
      } else {
        out[1] = raw[i + 1];
        count = 2;
      }
      ++i;
    }
    if (count > scratch.size() - n) {
      return SIZE_MAX;
    }
    for (size_t k = 0; k < count; ++k) {
      scratch[n++] = out[k];
    }
  }
  return n;
}

// After a closing quote only blanks and a comment may follow on the line.
bool only_comment_left(std::string_view rest) {
  rest = trim_blanks(rest);
  return rest.empty() || rest.front() == '#';
}

// A NUL byte means this is not a text file; say where.
Outcome check_no_nul(std::string_view text) {
  size_t line = 1;
  for (const char c : text) {
    if (c == '\0') {
      return line_error(Status::ConfigInvalid, line, "contains a NUL byte; is it a text file?");
    }
    line += c == '\n' ? 1 : 0;
  }
  return {};
}

// Skips `export` when a blank follows it (`export=1` is the key "export").
void skip_export(Scanner& in) {
  const std::string_view rest = in.rest_of_line();
  if (rest.size() > 6 && rest.substr(0, 6) == "export" && (rest[6] == ' ' || rest[6] == '\t')) {
    in.advance(6);
    in.skip_blanks();
  }
}

// The key and the '=' after it (blanks allowed before the '=').
Result<std::string_view> read_key(Scanner& in, size_t line) {
  const size_t key_start = in.pos();
  if (in.done() || !is_key_start(in.peek())) {
    return line_error(Status::ConfigInvalid, line,
                      "expected KEY=VALUE with a key of letters, digits and '_'");
  }
  while (!in.done() && is_key_char(in.peek())) {
    in.advance(1);
  }
  const std::string_view key = in.text().substr(key_start, in.pos() - key_start);
  in.skip_blanks();
  if (in.done() || in.peek() != '=') {
    return line_error(Status::ConfigInvalid, line, "expected '=' after the key (KEY=VALUE)");
  }
  in.advance(1);
  return key;
}

// The body of a quoted value. Only double quotes have escapes (a `\"` does not close them).
struct QuotedBody {
  std::string_view raw;
  bool has_escape = false;
};

// Reads from the opening quote under the cursor past the closing one, which may be lines away.
Result<QuotedBody> read_quoted(Scanner& in, size_t line) {
  const std::string_view text = in.text();
  const char open = in.peek();
  const size_t body_start = in.pos() + 1;
  QuotedBody body;
  size_t close = body_start;
  while (close < text.size() && text[close] != open) {
    if (open == '"' && text[close] == '\\' && close + 1 < text.size()) {
      body.has_escape = true;
      ++close;
    }
    ++close;
  }
  if (close >= text.size()) {
    return line_error(Status::ConfigInvalid, line,
                      open == '"' ? "the double-quoted value has no closing quote"
                                  : "the single-quoted value has no closing quote");
  }
  body.raw = text.substr(body_start, close - body_start);
  in.advance(close + 1 - in.pos());
  if (!only_comment_left(in.rest_of_line())) {
    return line_error(Status::ConfigInvalid, line,
                      "unexpected text after the closing quote; quote the whole value");
  }
  return body;
}

// Unquoted: up to the end of the line or a '#' that follows a blank, without surrounding blanks.
std::string_view unquoted_value(std::string_view after_equals) {
  for (size_t k = 1; k < after_equals.size(); ++k) {
    if (after_equals[k] == '#' && (after_equals[k - 1] == ' ' || after_equals[k - 1] == '\t')) {
      return trim_blanks(after_equals.substr(0, k));
    }
  }
  return trim_blanks(after_equals);
}

// The value after '=' (the cursor stays on its last line). A wanted double-quoted value with
// escapes is unescaped into `scratch`.
Result<std::string_view> read_value(Scanner& in, std::string_view key, bool wanted,
                                    Span<char> scratch, size_t line) {
  const std::string_view after_equals = in.rest_of_line();
  in.skip_blanks();
  const char open = in.done() ? '\0' : in.peek();
  if (open != '\'' && open != '"') {
    return unquoted_value(after_equals);
  }
  LSEDGE_TRY_ASSIGN(const QuotedBody body, read_quoted(in, line));
  if (!wanted || !body.has_escape) {
    return body.raw;
  }
  const size_t n = unescape(body.raw, scratch);
  if (n == SIZE_MAX) {
    Error error = line_error(Status::BufferTooSmall, line, "the value of ");
    error.detail.append_truncated(key);
    error.detail.append_truncated(" is longer than the scratch buffer");
    return error;
  }
  return std::string_view(scratch.data(), n);
}

// One `[export] KEY=VALUE` entry starting at the cursor; moves past its (last) line.
Outcome parse_entry(Scanner& in, Span<char> scratch, DotenvVisitor& visitor) {
  const size_t line = in.line();
  skip_export(in);
  LSEDGE_TRY_ASSIGN(const std::string_view key, read_key(in, line));
  const bool wanted = visitor.wants(key);
  LSEDGE_TRY_ASSIGN(const std::string_view value, read_value(in, key, wanted, scratch, line));
  in.skip_line();
  if (wanted) {
    LSEDGE_TRY(visitor.on_entry(key, value));
  }
  return {};
}

}  // namespace

Outcome parse_dotenv(std::string_view text, Span<char> scratch, DotenvVisitor& visitor) {
  LSEDGE_TRY(check_no_nul(text));
  if (text.substr(0, kBom.size()) == kBom) {
    text.remove_prefix(kBom.size());
  }
  Scanner in(text);
  for (;;) {
    in.skip_blanks();
    if (in.done()) {
      return {};
    }
    if (in.peek() == '\n' || in.peek() == '#') {
      in.skip_line();
      continue;
    }
    LSEDGE_TRY(parse_entry(in, scratch, visitor));
  }
}

}  // namespace lsedge::app
