// The CA lookup's subject extractor (net::pem_certificate_subject): any PEM block, or any bytes
// wrapped as the base64 of a block (so the fuzzer mutates DER directly), with a scratch of 1 byte
// to 4 KiB. Checked: no crash or sanitizer report; a subject found lies in the scratch and is a
// SEQUENCE; and the prefix decoding agrees with decoding the whole block and walking its DER
// (net::pem_certificate_der + net::der_certificate_subject): same bytes when both find one.
#include <string>
#include <string_view>
#include <vector>

#include "firmware/net/ca_lookup.h"
#include "firmware/net/tls_platform.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

std::string base64(std::string_view bytes, size_t line) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t on_line = 0;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
    const size_t n = bytes.size() - i < 3 ? bytes.size() - i : 3;
    if (n > 1) {
      v |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
    }
    if (n > 2) {
      v |= static_cast<uint8_t>(bytes[i + 2]);
    }
    for (size_t k = 0; k < 4; ++k) {
      out += k <= n ? kDigits[(v >> (18 - 6 * k)) & 63] : '=';
      if (++on_line == line) {
        out += '\n';
        on_line = 0;
      }
    }
  }
  return out;
}

void extract(FuzzedDataProvider& input) {
  const bool wrap = input.ConsumeBool();
  const size_t line = input.ConsumeIntegralInRange<size_t>(1, 80);
  const size_t scratch_size =
      input.ConsumeBool() ? net::kCaDerCapacity : input.ConsumeIntegralInRange<size_t>(1, 4096);
  const std::string rest = input.ConsumeRemainingBytesAsString();
  const std::string block =
      wrap ? "-----BEGIN CERTIFICATE-----\n" + base64(rest, line) + "\n-----END CERTIFICATE-----\n"
           : rest;
  std::vector<uint8_t> scratch(scratch_size);
  const ConstByteSpan subject =
      net::pem_certificate_subject(as_bytes(block), ByteSpan(scratch.data(), scratch.size()));
  if (!subject.empty()) {
    LSEDGE_FUZZ_CHECK(subject.data() >= scratch.data());
    LSEDGE_FUZZ_CHECK(subject.data() + subject.size() <= scratch.data() + scratch.size());
    LSEDGE_FUZZ_CHECK(subject[0] == 0x30);
  }
  const std::string found(as_text(subject));
  std::vector<uint8_t> whole(block.size());
  const ConstByteSpan der =
      net::pem_certificate_der(as_bytes(block), ByteSpan(whole.data(), whole.size()));
  if (der.empty()) {
    return;  // the whole block does not decode (the prefix may still have)
  }
  const ConstByteSpan full = net::der_certificate_subject(der);
  if (!subject.empty()) {
    LSEDGE_FUZZ_CHECK(as_text(full) == found);
  } else if (der.size() <= scratch.size()) {
    LSEDGE_FUZZ_CHECK(full.empty());  // the scratch was large enough: no reason to differ
  }
}

}  // namespace
}  // namespace lsedge::fuzz

// Mbed TLS's platform hooks (allocator, time, PSA's random source) live in net's tls_platform,
// which the extractor alone would not pull into the link.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  lsedge::net::tls_platform_init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  lsedge::fuzz::extract(input);
  return 0;
}
