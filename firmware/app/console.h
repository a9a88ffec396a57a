// Where the CLI's output goes: stdout for results, stderr for messages.
#pragma once

#include <string_view>

namespace lsedge::app {

// Thread-safety: implementations must accept writes from the CLI thread; one writer at a time.
class Console {
 public:
  virtual ~Console() = default;
  virtual void out(std::string_view text) = 0;
  virtual void err(std::string_view text) = 0;
  [[nodiscard]] virtual bool err_is_terminal() const = 0;
};

}  // namespace lsedge::app
