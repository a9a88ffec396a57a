// A .env parser without heap: entries go to a visitor as views.
#pragma once

#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::app {

// Receives the entries of a .env text in file order (a repeated key is reported each time, so
// the last one wins when the visitor overwrites). Thread-safety: used by one parse at a time.
class DotenvVisitor {
 public:
  // Whether on_entry wants this key. The values of unwanted keys are still checked for syntax
  // but never unescaped, so a long unrelated value needs no scratch space.
  [[nodiscard]] virtual bool wants(std::string_view key) const {
    (void)key;
    return true;
  }
  // `value` is valid only during the call: it may point into the scratch buffer. A failure
  // stops the parse and is returned by parse_dotenv unchanged.
  [[nodiscard]] virtual Outcome on_entry(std::string_view key, std::string_view value) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~DotenvVisitor() = default;
};

// Parses .env text:
//   KEY=VALUE and `export KEY=VALUE`; keys are [A-Za-z_][A-Za-z0-9_.-]*
//   blank lines and full-line `#` comments; in an unquoted value a `#` after a space or tab
//     starts a comment (`K=a#b` is "a#b", `K= #x` is "")
//   whitespace around `=` and around unquoted values is dropped
//   'single quotes': literal, no escapes
//   "double quotes": \n \r \t \" \\ \' \a \b \f \v are unescaped, any other \x is kept as is;
//     no ${VAR} expansion
//   quoted values may span lines (e.g. a PEM block); only a `#` comment may follow the closing
//     quote
//   LF or CRLF line endings, an optional UTF-8 byte order mark
// Double-quoted values with escapes are unescaped into `scratch` (reused for each entry; a
// value never grows when unescaped, so scratch of the text's size always suffices).
// Errors: ConfigInvalid for a malformed line (NUL bytes, no `=`, bad key, unclosed quote, text
// after a closing quote), BufferTooSmall when a wanted value does not fit `scratch`. The detail
// names the line number, never the line's text: it may hold a token.
[[nodiscard]] Outcome parse_dotenv(std::string_view text, Span<char> scratch,
                                   DotenvVisitor& visitor);

}  // namespace lsedge::app
