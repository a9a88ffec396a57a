#include "platform/linux/environment.h"

#include <cstdlib>

#include "board_sizes.h"
#include "firmware/core/fixed_string.h"

namespace lsedge::platform {

std::optional<std::string_view> linux_getenv(std::string_view name) {
  if (name.empty() || name.find('=') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  FixedString<LSEDGE_ENV_NAME_CAPACITY> c_name;  // getenv needs a NUL-terminated name
  if (c_name.assign(name) != Status::Ok) {
    return std::nullopt;
  }
  const char* value = std::getenv(c_name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string_view(value);
}

}  // namespace lsedge::platform
