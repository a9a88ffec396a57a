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

}  // namespace

Outcome parse_dotenv(std::string_view text, Span<char> scratch, DotenvVisitor& visitor) {
  {  // a NUL byte means this is not a text file; say where
    size_t line = 1;
    for (const char c : text) {
      if (c == '\0') {
        return line_error(Status::ConfigInvalid, line, "contains a NUL byte; is it a text file?");
      }
      line += c == '\n' ? 1 : 0;
    }
  }
  if (text.substr(0, kBom.size()) == kBom) {
    text.remove_prefix(kBom.size());
  }
  Scanner in(text);
  while (true) {
    in.skip_blanks();
    if (in.done()) {
      return {};
    }
    if (in.peek() == '\n' || in.peek() == '#') {
      in.skip_line();
      continue;
    }
    const size_t line = in.line();
    {
      const std::string_view rest = in.rest_of_line();
      if (rest.size() > 6 && rest.substr(0, 6) == "export" && (rest[6] == ' ' || rest[6] == '\t')) {
        in.advance(6);
        in.skip_blanks();
      }
    }
    const size_t key_start = in.pos();
    if (in.done() || !is_key_start(in.peek())) {
      return line_error(Status::ConfigInvalid, line,
                        "expected KEY=VALUE with a key of letters, digits and '_'");
    }
    while (!in.done() && is_key_char(in.peek())) {
      in.advance(1);
    }
    const std::string_view key = text.substr(key_start, in.pos() - key_start);
    in.skip_blanks();
    if (in.done() || in.peek() != '=') {
      return line_error(Status::ConfigInvalid, line, "expected '=' after the key (KEY=VALUE)");
    }
    in.advance(1);
    const bool wanted = visitor.wants(key);

    std::string_view value;
    const std::string_view after_equals = in.rest_of_line();
    in.skip_blanks();
    const char open = in.done() ? '\0' : in.peek();
    if (open == '\'' || open == '"') {
      const size_t body_start = in.pos() + 1;
      size_t close = body_start;
      bool has_escape = false;
      while (close < text.size() && text[close] != open) {
        if (open == '"' && text[close] == '\\' && close + 1 < text.size()) {
          has_escape = true;
          ++close;
        }
        ++close;
      }
      if (close >= text.size()) {
        return line_error(Status::ConfigInvalid, line,
                          open == '"' ? "the double-quoted value has no closing quote"
                                      : "the single-quoted value has no closing quote");
      }
      const std::string_view raw = text.substr(body_start, close - body_start);
      in.advance(close + 1 - in.pos());
      if (!only_comment_left(in.rest_of_line())) {
        return line_error(Status::ConfigInvalid, line,
                          "unexpected text after the closing quote; quote the whole value");
      }
      value = raw;
      if (wanted && has_escape) {
        const size_t n = unescape(raw, scratch);
        if (n == SIZE_MAX) {
          Error error = line_error(Status::BufferTooSmall, line, "the value of ");
          error.detail.append_truncated(key);
          error.detail.append_truncated(" is longer than the scratch buffer");
          return error;
        }
        value = std::string_view(scratch.data(), n);
      }
    } else {
      // Unquoted: up to the end of the line or a '#' that follows a blank.
      std::string_view region = after_equals;
      for (size_t k = 1; k < region.size(); ++k) {
        if (region[k] == '#' && (region[k - 1] == ' ' || region[k - 1] == '\t')) {
          region = region.substr(0, k);
          break;
        }
      }
      value = trim_blanks(region);
    }
    in.skip_line();
    if (wanted) {
      LSEDGE_TRY(visitor.on_entry(key, value));
    }
  }
}

}  // namespace lsedge::app
