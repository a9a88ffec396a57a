// Reading process environment variables (LABEL_STUDIO_*) without copying their values.
#pragma once

#include <optional>
#include <string_view>

namespace lsedge::platform {

// The value of environment variable `name`, or nullopt if it is unset or `name` is not a valid
// name (empty, contains '=' or NUL, longer than LSEDGE_ENV_NAME_CAPACITY). An empty value is
// returned as an empty view, not nullopt. The view points into the environment: valid until the
// variable is changed. Thread-safety: like getenv(3), safe unless another thread modifies the
// environment; call it at start-up.
[[nodiscard]] std::optional<std::string_view> linux_getenv(std::string_view name);

}  // namespace lsedge::platform
