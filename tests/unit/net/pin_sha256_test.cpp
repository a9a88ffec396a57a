// The pin's text form (firmware/net/pin_sha256.h); the handshakes that check a pin are in
// tests/unit/net/tls/tls_transport_test.cpp.
#include "firmware/net/pin_sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace lsedge {
namespace {

TEST(ParsePinSha256, AcceptsPaddedAndUnpaddedBase64Of32Bytes) {
  // base64 of bytes 0..31.
  const std::string padded = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  Result<net::PinSha256> a = net::parse_pin_sha256(padded);
  ASSERT_TRUE(a.ok());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i], i);
  }
  Result<net::PinSha256> b = net::parse_pin_sha256(padded.substr(0, 43));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(ParsePinSha256, RefusesAnythingElseWithoutQuotingIt) {
  for (std::string_view text :
       {"", "not base64!", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh",  // 42 chars
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8==",                  // 45 chars
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",                   // 44, no '='
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=",                   // bad character
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",                   // spare bits set
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8 "}) {
    Result<net::PinSha256> pin = net::parse_pin_sha256(text);
    EXPECT_EQ(pin.status(), Status::ConfigInvalid) << text;
    EXPECT_NE(pin.error().detail.view().find("LABEL_STUDIO_PIN_SHA256"), std::string_view::npos);
    if (text.size() > 4) {
      EXPECT_EQ(pin.error().detail.view().find(text), std::string_view::npos);
    }
  }
}

}  // namespace
}  // namespace lsedge
