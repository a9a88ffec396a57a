// HAL: reading local files (the .env file, CA bundles, task files).
#pragma once

#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::hal {

// Thread-safety: implementations must be safe to call from any thread.
class Storage {
 public:
  virtual ~Storage() = default;
  // Reads the whole file into `buffer`; BufferTooSmall if it does not fit, FileError (errno in
  // Error::code, path in Error::detail) if it cannot be read.
  [[nodiscard]] virtual Result<size_t> read_file(std::string_view path,
                                                 lsedge::ByteSpan buffer) = 0;
};

}  // namespace lsedge::hal
