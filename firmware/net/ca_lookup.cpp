#include "firmware/net/ca_lookup.h"

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/platform.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstring>

#include "firmware/core/base64.h"
#include "firmware/net/mbedtls_errors.h"

namespace lsedge::net {
namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
constexpr int kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
constexpr int kVersionTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;
// Bytes decoded first: past the subject of every root in Debian's bundle (the latest ends at
// byte 489). More is decoded only when the walk needs it.
constexpr size_t kFirstPrefixBytes = 512;

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

// Base64 digit values (core's base64_sextet); besides them, line breaks and spaces (skipped), the
// padding, and kBase64NotADigit for bytes that are no base64 at all.
constexpr uint8_t kSkip = 64;
constexpr uint8_t kPad = 65;
struct DigitTable {
  uint8_t value[256];
  constexpr DigitTable() : value() {
    for (unsigned c = 0; c < 256; ++c) {
      value[c] = base64_sextet(static_cast<char>(c), Base64Alphabet::Standard);
    }
    value[static_cast<uint8_t>(' ')] = kSkip;
    value[static_cast<uint8_t>('\t')] = kSkip;
    value[static_cast<uint8_t>('\r')] = kSkip;
    value[static_cast<uint8_t>('\n')] = kSkip;
    value[static_cast<uint8_t>('=')] = kPad;
  }
};
constexpr DigitTable kDigitTable;

// Decodes a PEM body into `out` a piece at a time, so a walk that needs only the first few
// hundred bytes decodes only those. A table lookup per digit: CA certificates are public, so
// Mbed TLS's constant-time decoder (~200 instructions a digit, 30 M per bundle scan) buys nothing.
class Base64Decoder {
 public:
  Base64Decoder(ConstByteSpan body, ByteSpan out) : body_(body), out_(out) {}

  // Decodes on until `want` bytes are out or the body ends. False for bytes that are not base64,
  // digits after the padding, a lone digit at the end, or more bytes than `out` holds.
  bool decode_until(size_t want) {
    while (length_ < want && at_ < body_.size()) {
      const uint8_t v = kDigitTable.value[body_[at_++]];
      if (v < 64 && !padded_) {
        group_ = (group_ << 6) | v;
        if (++digits_ == 4 && !emit_group()) {
          return false;
        }
      } else if (v == kPad && (padded_ || digits_ >= 2)) {
        if (!padded_ && !emit(digits_ - 1)) {
          return false;
        }
        padded_ = true;
      } else if (v != kSkip) {
        return false;
      }
    }
    // An unpadded last group of 2 or 3 digits still holds 1 or 2 bytes.
    return !ended() || padded_ || digits_ == 0 || (digits_ >= 2 && emit(digits_ - 1));
  }
  [[nodiscard]] bool ended() const { return at_ == body_.size(); }
  [[nodiscard]] size_t length() const { return length_; }

 private:
  // Writes the 3 bytes of a full group of 4 digits (the common case, kept short).
  bool emit_group() {
    if (out_.size() - length_ < 3) {
      return false;
    }
    out_[length_] = static_cast<uint8_t>(group_ >> 16);
    out_[length_ + 1] = static_cast<uint8_t>(group_ >> 8);
    out_[length_ + 2] = static_cast<uint8_t>(group_);
    length_ += 3;
    group_ = 0;
    digits_ = 0;
    return true;
  }
  // Writes the top `count` bytes of a last group of `digits_` digits.
  bool emit(unsigned count) {
    if (out_.size() - length_ < count) {
      return false;
    }
    const uint32_t bits = group_ << (6 * (4 - digits_));
    for (unsigned i = 0; i < count; ++i) {
      out_[length_++] = static_cast<uint8_t>(bits >> (16 - 8 * i));
    }
    group_ = 0;
    digits_ = 0;
    return true;
  }

  ConstByteSpan body_;
  ByteSpan out_;
  size_t at_ = 0;
  size_t length_ = 0;
  uint32_t group_ = 0;
  unsigned digits_ = 0;
  bool padded_ = false;
};

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

}  // namespace

ConstByteSpan pem_certificate_subject(ConstByteSpan block, ByteSpan scratch) {
  ConstByteSpan body;
  if (!pem_body(block, body)) {
    return ConstByteSpan();
  }
  Base64Decoder decoder(body, scratch);
  for (size_t want = kFirstPrefixBytes;; want *= 2) {
    if (!decoder.decode_until(want)) {
      return ConstByteSpan();
    }
    ConstByteSpan subject;
    const Walk walk = walk_to_subject(scratch.data(), scratch.data() + decoder.length(),
                                      decoder.ended(), subject);
    if (walk != Walk::NeedMore) {
      return walk == Walk::Found ? subject : ConstByteSpan();
    }
  }
}

ConstByteSpan pem_certificate_der(ConstByteSpan block, ByteSpan scratch) {
  ConstByteSpan body;
  if (!pem_body(block, body)) {
    return ConstByteSpan();
  }
  Base64Decoder decoder(body, scratch);
  if (!decoder.decode_until(SIZE_MAX)) {
    return ConstByteSpan();
  }
  return ConstByteSpan(scratch.data(), decoder.length());
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
