// Trusted roots looked up on demand: instead of parsing a whole CA bundle into memory, the TLS
// transport asks for the parents of each certificate the server sent (Mbed TLS's trusted-
// certificate callback), and CaLookup reads the bundle one PEM block at a time, decodes only as
// much of each block as it takes to reach the subject, and parses just the blocks whose subject
// is the issuer sought.
#pragma once

#include <cstddef>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/net/pem_certificate_source.h"

struct mbedtls_x509_crt;  // Mbed TLS's parsed certificate (C struct, same name in 2.28 and 3.6)

namespace lsedge::net {

// DER bytes a PEM block of LSEDGE_CA_PEM_BLOCK_LIMIT bytes can decode to (3 per 4 base64 digits).
inline constexpr size_t kCaDerCapacity = LSEDGE_CA_PEM_BLOCK_LIMIT / 4 * 3;

// The subject Name (its whole DER TLV, as Mbed TLS's issuer_raw / subject_raw hold it) of the
// certificate in the PEM `block`, decoding into `scratch` only the base64 prefix the walk needs
// (the subject ends within 500 bytes for every root in Debian's bundle). Empty when the block has
// no readable subject: no BEGIN/END lines, not base64, not a certificate, or larger than scratch.
// Thread-safety: a pure function of its arguments.
[[nodiscard]] ConstByteSpan pem_certificate_subject(ConstByteSpan block, ByteSpan scratch);
// The whole DER of the certificate in the PEM `block`, decoded into `scratch`; empty if the block
// is not PEM, its base64 is invalid or it does not fit. Thread-safety: a pure function.
[[nodiscard]] ConstByteSpan pem_certificate_der(ConstByteSpan block, ByteSpan scratch);
// The subject Name of a DER certificate (the same walk on bytes already decoded); empty if the
// DER does not reach a subject. Thread-safety: a pure function.
[[nodiscard]] ConstByteSpan der_certificate_subject(ConstByteSpan der);

// PEM blocks out of a bundle already in memory (TlsSettings::ca_pem). Thread-safety: one thread.
class PemBufferSource final : public PemCertificateSource {
 public:
  explicit PemBufferSource(ConstByteSpan pem = ConstByteSpan()) : pem_(pem) {}
  // A truncated last block (BEGIN without END) ends the bundle.
  [[nodiscard]] Result<ConstByteSpan> next() override;
  [[nodiscard]] Outcome rewind() override;

 private:
  ConstByteSpan pem_;
  size_t position_ = 0;
};

// What the lookups did, for the debug log and the tests. Thread-safety: a value type.
struct CaLookupStats {
  size_t lookups = 0;     // issuers looked up
  size_t blocks = 0;      // PEM blocks read, over all lookups
  size_t unreadable = 0;  // blocks without a readable subject, over all lookups
  size_t unparsable = 0;  // matching blocks Mbed TLS could not parse (e.g. an unsupported key)
  size_t parsed = 0;      // matching blocks parsed into candidate chains
};

// Looks trusted parents up in a PemCertificateSource. The source is read from its start on every
// lookup (a file source reopens the file: a long-running process sees an updated bundle); the
// only memory held between lookups is a DER scratch for one block. Thread-safety: one thread at
// a time (the transport's); the source and label must outlive it or the next use().
class CaLookup {
 public:
  explicit CaLookup(Logger log) : log_(log) {}
  CaLookup(const CaLookup&) = delete;
  CaLookup& operator=(const CaLookup&) = delete;

  // Where to look from now on (nullptr: nowhere); `label` names it in messages (a path).
  void use(PemCertificateSource* source, std::string_view label);
  // Reads from the start until one block has a readable subject, so a file that cannot be a CA
  // bundle is refused before any connection. Errors: ConfigInvalid naming the label; the source's
  // own (e.g. a read error); InvalidArgument without a source.
  [[nodiscard]] Outcome check_source();

  // Parses every block whose subject is `issuer` (DER Name) into a chain allocated with
  // mbedtls_calloc, which the caller frees (mbedtls_x509_crt_free + mbedtls_free); nullptr and 0
  // when none matches. The number parsed. Errors: the source's (kept in error()), BufferTooSmall
  // when Mbed TLS ran out of memory parsing a match, InvalidArgument without a source.
  [[nodiscard]] Result<size_t> find(ConstByteSpan issuer, mbedtls_x509_crt** candidates);

  // Mbed TLS's mbedtls_x509_crt_ca_cb_t, with the CaLookup as context: find() for the child's
  // issuer. On an error it keeps it (error()) and returns non-zero, which fails the verification.
  static int callback(void* context, const mbedtls_x509_crt* child, mbedtls_x509_crt** candidates);

  // The error the last failed lookup kept (status Ok if none); the transport reports it.
  [[nodiscard]] const Error& error() const { return error_; }
  void clear_error() { error_ = Error(); }
  // Starts counting anew (the transport logs the counts of each handshake).
  void reset_stats() { stats_ = CaLookupStats(); }
  [[nodiscard]] const CaLookupStats& stats() const { return stats_; }

 private:
  // Adds the block at `der` to the chain, allocating the chain on the first match.
  [[nodiscard]] Outcome add_candidate(ConstByteSpan der, mbedtls_x509_crt*& chain);
  void note_skipped_blocks();

  Logger log_;
  PemCertificateSource* source_ = nullptr;
  std::string_view label_;
  Error error_;
  CaLookupStats stats_;
  bool warned_oversized_ = false;
  alignas(alignof(std::max_align_t)) uint8_t der_[kCaDerCapacity] = {};
};

}  // namespace lsedge::net
