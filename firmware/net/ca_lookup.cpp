#include "firmware/net/ca_lookup.h"

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/error.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstring>

#include "firmware/net/mbedtls_errors.h"

namespace lsedge::net {
namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
constexpr int kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
constexpr int kVersionTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;
// Base64 digits decoded first: 576 bytes, past the subject of every root in Debian's bundle
// (the latest ends at byte 489). A longer prefix is decoded only when the walk needs it.
constexpr size_t kFirstPrefixDigits = 768;

// The base64 text of a PEM block: after the BEGIN line, up to the END marker, cut the way Mbed
// TLS's PEM reader cuts it (optional space and CR, then LF after the BEGIN marker).
bool pem_body(ConstByteSpan block, ConstByteSpan& body) {
  const std::string_view text = as_text(block);
  const size_t begin = text.find(kBegin);
  if (begin == std::string_view::npos) {
    return false;
  }
  size_t at = begin + kBegin.size();
  if (at < text.size() && text[at] == ' ') {
    ++at;
  }
  if (at < text.size() && text[at] == '\r') {
    ++at;
  }
  if (at >= text.size() || text[at] != '\n') {
    return false;
  }
  ++at;
  const size_t end = text.find(kEnd, at);
  if (end == std::string_view::npos) {
    return false;
  }
  body = block.subspan(at, end - at);
  return true;
}

// The length of the shortest prefix of `body` holding `digits` base64 digits (line breaks and
// spaces do not count); all of it if it holds fewer.
size_t prefix_length(ConstByteSpan body, size_t digits) {
  size_t seen = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    const uint8_t c = body[i];
    if (c != ' ' && c != '\r' && c != '\n' && ++seen == digits) {
      return i + 1;
    }
  }
  return body.size();
}

// Reads a tag and its length without requiring the contents to be there (a prefix may end
// inside them). 0, or the asn1 error: OUT_OF_DATA when [p, end) ends inside the header.
int read_header(unsigned char*& p, const unsigned char* end, unsigned char tag, size_t& length) {
  if (end - p < 2) {
    return MBEDTLS_ERR_ASN1_OUT_OF_DATA;
  }
  if (*p != tag) {
    return MBEDTLS_ERR_ASN1_UNEXPECTED_TAG;
  }
  ++p;
  const unsigned char first = *p++;
  if (first < 0x80) {
    length = first;
    return 0;
  }
  const size_t octets = first & 0x7Fu;
  if (octets == 0 || octets > 4) {
    return MBEDTLS_ERR_ASN1_INVALID_LENGTH;
  }
  if (static_cast<size_t>(end - p) < octets) {
    return MBEDTLS_ERR_ASN1_OUT_OF_DATA;
  }
  length = 0;
  for (size_t i = 0; i < octets; ++i) {
    length = (length << 8) | *p++;
  }
  return 0;
}

enum class Walk { Found, NeedMore, Bad };

// Walks Certificate -> TBSCertificate -> version, serialNumber, signature, issuer, validity to
// the subject in the decoded bytes [p, end). `complete`: these are all the certificate's bytes;
// otherwise a field cut off by `end` asks for more.
Walk walk_to_subject(unsigned char* p, unsigned char* end, bool complete, ConstByteSpan& subject) {
  size_t length = 0;
  int rc = read_header(p, end, kSequence, length);
  if (rc == 0) {
    rc = read_header(p, end, kSequence, length);
  }
  if (rc != 0) {
    return rc == MBEDTLS_ERR_ASN1_OUT_OF_DATA && !complete ? Walk::NeedMore : Walk::Bad;
  }
  const size_t available = static_cast<size_t>(end - p);
  const bool cut = !complete && length > available;  // the prefix ends inside TBSCertificate
  unsigned char* const limit = p + (length < available ? length : available);
  const auto step = [&](int tag, bool optional) {
    if (optional && (p == limit || *p != tag)) {
      return 0;
    }
    const int rc = mbedtls_asn1_get_tag(&p, limit, &length, tag);
    if (rc == 0) {
      p += length;
    }
    return rc;
  };
  const int tags[] = {MBEDTLS_ASN1_INTEGER, kSequence, kSequence, kSequence};
  rc = step(kVersionTag, true);
  for (size_t i = 0; rc == 0 && i < sizeof(tags) / sizeof(tags[0]); ++i) {
    rc = step(tags[i], false);
  }
  unsigned char* const start = p;
  if (rc == 0) {
    rc = step(kSequence, false);
  }
  if (rc == MBEDTLS_ERR_ASN1_OUT_OF_DATA && cut) {
    return Walk::NeedMore;
  }
  if (rc != 0) {
    return Walk::Bad;
  }
  subject = ConstByteSpan(start, static_cast<size_t>(p - start));
  return Walk::Found;
}

// Decodes the first `length` bytes of `body` into scratch; false if invalid or too large.
bool decode(ConstByteSpan body, size_t length, ByteSpan scratch, size_t& decoded) {
  return mbedtls_base64_decode(scratch.data(), scratch.size(), &decoded, body.data(), length) == 0;
}

}  // namespace

ConstByteSpan pem_certificate_subject(ConstByteSpan block, ByteSpan scratch) {
  ConstByteSpan body;
  if (!pem_body(block, body)) {
    return ConstByteSpan();
  }
  for (size_t digits = kFirstPrefixDigits;; digits *= 2) {
    const size_t length = prefix_length(body, digits);
    const bool complete = length == body.size();
    size_t decoded = 0;
    if (!decode(body, length, scratch, decoded)) {
      return ConstByteSpan();
    }
    ConstByteSpan subject;
    switch (walk_to_subject(scratch.data(), scratch.data() + decoded, complete, subject)) {
      case Walk::Found:
        return subject;
      case Walk::Bad:
        return ConstByteSpan();
      case Walk::NeedMore:
        break;  // complete is false here, so the next prefix is longer
    }
  }
}

ConstByteSpan pem_certificate_der(ConstByteSpan block, ByteSpan scratch) {
  ConstByteSpan body;
  size_t decoded = 0;
  if (!pem_body(block, body) || !decode(body, body.size(), scratch, decoded)) {
    return ConstByteSpan();
  }
  return ConstByteSpan(scratch.data(), decoded);
}

ConstByteSpan der_certificate_subject(ConstByteSpan der) {
  // The walk does not write; mbedtls_asn1_get_tag merely takes non-const pointers.
  unsigned char* const p = const_cast<unsigned char*>(der.data());
  ConstByteSpan subject;
  return walk_to_subject(p, p + der.size(), true, subject) == Walk::Found ? subject
                                                                          : ConstByteSpan();
}

Result<ConstByteSpan> PemBufferSource::next() {
  const std::string_view text = as_text(pem_);
  const size_t begin = text.find(kBegin, position_);
  if (begin == std::string_view::npos) {
    position_ = text.size();
    return ConstByteSpan();
  }
  const size_t end = text.find(kEnd, begin + kBegin.size());
  if (end == std::string_view::npos) {
    position_ = text.size();
    return ConstByteSpan();
  }
  position_ = end + kEnd.size();
  return pem_.subspan(begin, position_ - begin);
}

Outcome PemBufferSource::rewind() {
  position_ = 0;
  return {};
}

void CaLookup::use(PemCertificateSource* source, std::string_view label) {
  source_ = source;
  label_ = label;
  error_ = Error();
  stats_ = CaLookupStats();
  warned_oversized_ = false;
}

Outcome CaLookup::check_source() {
  if (source_ == nullptr) {
    return Error(Status::InvalidArgument, "no CA certificate source to look roots up in");
  }
  LSEDGE_TRY(source_->rewind());
  for (;;) {
    LSEDGE_TRY_ASSIGN(const ConstByteSpan block, source_->next());
    if (block.empty()) {
      return ca_bundle_error(MBEDTLS_ERR_X509_INVALID_FORMAT, label_);
    }
    if (!pem_certificate_subject(block, ByteSpan(der_)).empty()) {
      return {};
    }
  }
}

Outcome CaLookup::add_candidate(ConstByteSpan der, mbedtls_x509_crt*& chain) {
  if (chain == nullptr) {
    chain = static_cast<mbedtls_x509_crt*>(mbedtls_calloc(1, sizeof(mbedtls_x509_crt)));
    if (chain == nullptr) {
      return Error(Status::BufferTooSmall, "Mbed TLS ran out of memory for a trusted root")
          .with_code(MBEDTLS_ERR_X509_ALLOC_FAILED);
    }
    mbedtls_x509_crt_init(chain);
  }
  const int rc = mbedtls_x509_crt_parse_der(chain, der.data(), der.size());
  if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED) {
    return Error(Status::BufferTooSmall, "Mbed TLS ran out of memory for a trusted root")
        .with_code(rc);
  }
  if (rc == 0) {
    ++stats_.parsed;
  } else {
    ++stats_.unparsable;  // e.g. a key type this build leaves out: the other matches still count
  }
  return {};
}

void CaLookup::note_skipped_blocks() {
  const size_t oversized = source_->oversized();
  if (oversized > 0 && !warned_oversized_) {
    warned_oversized_ = true;
    log_.warn("%zu certificate(s) in %.*s are larger than LSEDGE_CA_PEM_BLOCK_LIMIT; skipped",
              oversized, static_cast<int>(label_.size()), label_.data());
  }
}

Result<size_t> CaLookup::find(ConstByteSpan issuer, mbedtls_x509_crt** candidates) {
  *candidates = nullptr;
  if (source_ == nullptr) {
    return Error(Status::InvalidArgument, "no CA certificate source to look roots up in");
  }
  ++stats_.lookups;
  mbedtls_x509_crt* chain = nullptr;
  const size_t parsed_before = stats_.parsed;
  Outcome outcome = source_->rewind();
  while (outcome.ok()) {
    Result<ConstByteSpan> block = source_->next();
    if (!block.ok() || block->empty()) {
      outcome = block.ok() ? Outcome() : Outcome(block.error());
      break;
    }
    ++stats_.blocks;
    const ConstByteSpan subject = pem_certificate_subject(*block, ByteSpan(der_));
    if (subject.empty()) {
      ++stats_.unreadable;
    } else if (subject.size() == issuer.size() &&
               std::memcmp(subject.data(), issuer.data(), issuer.size()) == 0) {
      outcome = add_candidate(pem_certificate_der(*block, ByteSpan(der_)), chain);
    }
  }
  const bool found = chain != nullptr && stats_.parsed > parsed_before;
  if (!outcome.ok() || !found) {
    if (chain != nullptr) {
      mbedtls_x509_crt_free(chain);
      mbedtls_free(chain);
    }
    if (!outcome.ok()) {
      error_ = outcome.error();
      return outcome.error();
    }
  } else {
    *candidates = chain;
  }
  note_skipped_blocks();
  return stats_.parsed - parsed_before;
}

int CaLookup::callback(void* context, const mbedtls_x509_crt* child,
                       mbedtls_x509_crt** candidates) {
  CaLookup& lookup = *static_cast<CaLookup*>(context);
  const ConstByteSpan issuer(child->issuer_raw.p, child->issuer_raw.len);
  return lookup.find(issuer, candidates).ok() ? 0 : -1;
}

}  // namespace lsedge::net
