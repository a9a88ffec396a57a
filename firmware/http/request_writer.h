// Serialises an HTTP/1.1 request head (request line + headers) into a caller buffer.
#pragma once

#include <cstddef>

#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/http/http.h"

namespace lsedge::http {

// Writes "METHOD path HTTP/1.1", Host, User-Agent, Accept, Connection, Content-Type,
// Content-Length (the body's size, or body_source->size()), Authorization and the extra headers,
// then the blank line; the body is not copied. Returns the head's length.
//   InvalidArgument: CR/LF/NUL in any header or the host (header injection), a path that is not
//     "/..." or holds a space/control byte, a header name that is not a token, or an extra
//     header that lsedge manages itself (Host, Content-Length, Transfer-Encoding, Connection),
//     or both a body and a body_source.
//   BufferTooSmall: `out` cannot hold the head; nothing is written.
// Error::detail names the offending header, never its value. Thread-safety: pure function.
[[nodiscard]] Result<size_t> write_request_head(const Request& request, const Endpoint& endpoint,
                                                ByteSpan out);

}  // namespace lsedge::http
