// Where the CLI's output goes: stdout for results, stderr for messages.
#pragma once

#include <string_view>

namespace lsedge::app {

// Thread-safety: implementations must accept writes from the CLI thread; one writer at a time.
class Console {
 public:
  virtual void out(std::string_view text) = 0;
  virtual void err(std::string_view text) = 0;
  [[nodiscard]] virtual bool err_is_terminal() const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~Console() = default;
};

}  // namespace lsedge::app
