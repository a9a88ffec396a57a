#include "firmware/core/ip_literal.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "firmware/core/hex.h"

namespace lsedge {
namespace {

std::vector<uint8_t> bytes_of(const IpAddress& address) {
  return std::vector<uint8_t>(address.bytes.begin(), address.bytes.begin() + address.size);
}

std::vector<uint8_t> v6(std::string_view text) {
  IpAddress address;
  EXPECT_TRUE(parse_ipv6(text, address)) << text;
  EXPECT_EQ(address.size, 16) << text;
  return bytes_of(address);
}

TEST(HexDigitValue, DigitsAndBothCases) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (const char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0', '\x80'}) {
    EXPECT_EQ(hex_digit_value(c), -1) << static_cast<int>(c);
  }
}

TEST(Ipv4, StrictDottedQuad) {
  IpAddress address;
  ASSERT_TRUE(parse_ipv4("192.0.2.255", address));
  EXPECT_EQ(bytes_of(address), (std::vector<uint8_t>{192, 0, 2, 255}));
  EXPECT_TRUE(parse_ipv4("0.0.0.0", address));
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.00", "1..2.3", "1.2.3.4.",
        ".1.2.3", "127.1", "1.2.3.4 ", "a.b.c.d", "1.2.3.-4", "1234.1.1.1", "0x7f.0.0.1"}) {
    EXPECT_FALSE(parse_ipv4(bad, address)) << bad;
  }
}

TEST(Ipv4, OutputIsWrittenOnlyOnSuccess) {
  IpAddress address;
  ASSERT_TRUE(parse_ipv4("10.0.0.7", address));
  EXPECT_FALSE(parse_ipv4("9.9.9.999", address));
  EXPECT_EQ(bytes_of(address), (std::vector<uint8_t>{10, 0, 0, 7}));
}

TEST(Ipv6, Rfc4291TextForms) {
  std::vector<uint8_t> loopback(16, 0);
  loopback[15] = 1;
  EXPECT_EQ(v6("::1"), loopback);
  EXPECT_EQ(v6("0:0:0:0:0:0:0:1"), loopback);
  EXPECT_EQ(v6("::0:1"), loopback);
  EXPECT_EQ(v6("::"), std::vector<uint8_t>(16, 0));
  EXPECT_EQ(v6("2001:DB8::1"),
            (std::vector<uint8_t>{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(v6("::ffff:192.0.2.1"),
            (std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}));
  EXPECT_EQ(v6("1:2:3:4:5:6:1.2.3.4"),
            (std::vector<uint8_t>{0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4}));
  for (const char* ok : {"1:2:3:4:5:6:7:8", "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
                         "fe80::abcd:ef01", "FD00:0::A:1"}) {
    IpAddress address;
    EXPECT_TRUE(parse_ipv6(ok, address)) << ok;
  }
}

TEST(Ipv6, MalformedTextIsRefused) {
  for (const char* bad : {"",
                          ":",
                          ":::",
                          "1:2:3:4:5:6:7:8:9",
                          "1::2::3",
                          "12345::",
                          ":1",
                          "1:",
                          "1::2:",
                          "1:2:3:4:5:6:7:8::",
                          "::1:2:3:4:5:6:7:8",
                          "::g",
                          "1:2:3:4:5:6:7:1.2.3.4",
                          "::1.2.3",
                          "127.0.0.1",
                          "1.2.3.4::",
                          "::1.2.3.4:5",
                          "::01.2.3.4",
                          "fe80::1%eth0",
                          "[::1]",
                          " ::1",
                          "1:::2",
                          "1:2:3:4:5:6:7",
                          "::1.2.3.4.5"}) {
    IpAddress address;
    EXPECT_FALSE(parse_ipv6(bad, address)) << bad;
  }
}

TEST(IpLiteral, IPv4OrIpv6WithOrWithoutBrackets) {
  const auto v4 = parse_ip_literal("127.0.0.1");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->size, 4);
  for (const char* name : {"::1", "[::1]", "0:0:0:0:0:0:0:1"}) {
    const auto address = parse_ip_literal(name);
    ASSERT_TRUE(address.has_value()) << name;
    EXPECT_EQ(address->size, 16) << name;
    EXPECT_TRUE(address->is_loopback()) << name;
  }
  for (const char* not_ip : {"localhost", "ls.example.com", "[1.2.3.4]", "[]", "[::1", "::1]",
                             "::1%lo", "127.1", "", "[[::1]]"}) {
    EXPECT_FALSE(parse_ip_literal(not_ip).has_value()) << not_ip;
  }
}

TEST(IpLiteral, LoopbackIs127Slash8AndOnlyColonColon1) {
  for (const char* loop : {"127.0.0.1", "127.255.255.254", "::1", "[::0:1]"}) {
    EXPECT_TRUE(parse_ip_literal(loop)->is_loopback()) << loop;
  }
  for (const char* other : {"128.0.0.1", "0.0.0.0", "::", "::2", "1::1", "::ffff:127.0.0.1"}) {
    EXPECT_FALSE(parse_ip_literal(other)->is_loopback()) << other;
  }
  EXPECT_FALSE(IpAddress().is_loopback());
}

}  // namespace
}  // namespace lsedge
