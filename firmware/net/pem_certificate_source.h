// Where the TLS transport gets CA certificates one PEM block at a time: the interface a file
// reader implements without knowing the transport.
#pragma once

#include <cstddef>

#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::net {

// Hands out the CA certificates one PEM block at a time, so no buffer has to hold a whole bundle
// (Debian's is ~220 KB). The transport reads it again from the start for every certificate whose
// issuer it looks up, so it must outlive the transport's use of it. Thread-safety: used by one
// thread at a time.
class PemCertificateSource {
 public:
  // The next block, from its "-----BEGIN CERTIFICATE-----" through its
  // "-----END CERTIFICATE-----" (a source may count bytes after it, e.g. a NUL, in the span),
  // valid until the next call; an empty span at the end. Errors: the source's (e.g. a read
  // error), worded for the user.
  [[nodiscard]] virtual Result<ConstByteSpan> next() = 0;
  // Goes back to the first block (a file source reopens its file, so it sees a replaced file).
  [[nodiscard]] virtual Outcome rewind() = 0;
  // Blocks skipped since the last rewind() because they were larger than the source's buffer.
  [[nodiscard]] virtual size_t oversized() const { return 0; }

 protected:
  ~PemCertificateSource() = default;
};

}  // namespace lsedge::net
