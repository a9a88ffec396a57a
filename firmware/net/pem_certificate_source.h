// Where TlsTransport::configure() gets CA certificates one PEM block at a time: the interface a
// file reader implements without knowing the transport.
#pragma once

#include "firmware/core/result.h"
#include "firmware/core/span.h"

namespace lsedge::net {

// Hands configure() the CA certificates one PEM block at a time, so no buffer has to hold a whole
// bundle (Debian's is ~220 KB). Thread-safety: used by one configure() call at a time.
class PemCertificateSource {
 public:
  // The next "-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----" block followed by
  // one NUL byte counted in the span, valid until the next call; an empty span at the end.
  [[nodiscard]] virtual Result<ConstByteSpan> next() = 0;

 protected:
  ~PemCertificateSource() = default;
};

}  // namespace lsedge::net
