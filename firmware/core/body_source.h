// A request body read piece by piece. It lives in core, not http/, so the rooms that produce
// bodies (taskfile/, spool/, labelstudio/'s multipart) implement it without depending on HTTP.
#pragma once

#include <cstddef>
#include <cstdint>

#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge {

// A request body produced piece by piece (a file, a batch of tasks), so it never has to be in
// memory whole. It is sent with Content-Length = size(); the HTTP connection reads it into a fixed
// send chunk. A source that ends before size() bytes or has more left after them is refused
// (InvalidArgument) and the connection closed, since the server would misframe the stream.
// Thread-safety: one thread at a time (the one executing the request).
class BodySource {
 public:
  // Copies the next bytes into `out` (at most out.size()); 0 means the end of the body.
  [[nodiscard]] virtual Result<size_t> read(ByteSpan out) = 0;
  // Goes back to the first byte, for a resend (a new connection, or after a token refresh).
  [[nodiscard]] virtual Outcome rewind() = 0;
  // The exact number of bytes read() produces from the start to the end.
  [[nodiscard]] virtual uint64_t size() const = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~BodySource() = default;
};

}  // namespace lsedge
