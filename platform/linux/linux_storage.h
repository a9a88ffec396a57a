// hal::Storage on Linux: whole-file reads into the caller's buffer.
#pragma once

#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "hal/storage.h"

namespace lsedge::platform {

// Thread-safety: stateless; safe to call from any thread.
class LinuxStorage final : public hal::Storage {
 public:
  // Reads all of `path` into `buffer`. InvalidArgument for an empty path, one with a NUL byte or
  // longer than LSEDGE_PATH_CAPACITY; BufferTooSmall if the file does not fit; FileError with
  // errno and the path otherwise. On failure the bytes already read are wiped (.env files hold
  // tokens).
  [[nodiscard]] Result<size_t> read_file(std::string_view path, ByteSpan buffer) override;
};

}  // namespace lsedge::platform
