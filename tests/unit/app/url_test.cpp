#include "firmware/app/url.h"

#include <gtest/gtest.h>

#include <random>

#include <string>
#include <vector>

namespace lsedge::app {
namespace {

BaseUrl parsed(std::string_view text) {
  BaseUrl url;
  const Outcome outcome = parse_base_url(text, url);
  EXPECT_TRUE(outcome.ok()) << text << ": " << outcome.error().detail.view();
  return url;
}

Error failure(std::string_view text) {
  BaseUrl url;
  const Outcome outcome = parse_base_url(text, url);
  EXPECT_FALSE(outcome.ok()) << text << " was accepted";
  return outcome.error();
}

TEST(BaseUrl, HttpsWithDefaultPort) {
  const BaseUrl url = parsed("https://ls.example.com");
  EXPECT_EQ(url.scheme, Scheme::Https);
  EXPECT_EQ(url.host.view(), "ls.example.com");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.base_path.view(), "");
  EXPECT_FALSE(url.host_is_loopback);
  EXPECT_FALSE(url.host_is_ipv6);
}

TEST(BaseUrl, HttpWithPortAndLoopbackName) {
  const BaseUrl url = parsed("http://localhost:8080");
  EXPECT_EQ(url.scheme, Scheme::Http);
  EXPECT_EQ(url.host.view(), "localhost");
  EXPECT_EQ(url.port, 8080);
  EXPECT_TRUE(url.host_is_loopback);
  EXPECT_EQ(parsed("http://example.com").port, 80);
}

TEST(BaseUrl, SchemeAndHostAreCaseInsensitive) {
  const BaseUrl url = parsed("HTTP://LocalHost:8080/");
  EXPECT_EQ(url.scheme, Scheme::Http);
  EXPECT_EQ(url.host.view(), "localhost");
  EXPECT_TRUE(url.host_is_loopback);
  EXPECT_EQ(parsed("hTTpS://LS.Example.COM").host.view(), "ls.example.com");
}

TEST(BaseUrl, SurroundingWhitespaceIsIgnored) {
  const BaseUrl url = parsed("  https://ls.example.com/ls \r\n");
  EXPECT_EQ(url.host.view(), "ls.example.com");
  EXPECT_EQ(url.base_path.view(), "/ls");
}

TEST(BaseUrl, SubPathIsKeptWithoutTrailingSlashes) {
  EXPECT_EQ(parsed("https://host/ls").base_path.view(), "/ls");
  EXPECT_EQ(parsed("https://host/ls/").base_path.view(), "/ls");
  EXPECT_EQ(parsed("https://host/tools/label-studio///").base_path.view(), "/tools/label-studio");
  EXPECT_EQ(parsed("https://host/").base_path.view(), "");
  EXPECT_EQ(parsed("https://host:8443/ls").port, 8443);
  EXPECT_EQ(parsed("https://host/l%20s/a:b@c").base_path.view(), "/l%20s/a:b@c");
}

TEST(BaseUrl, Ipv4Hosts) {
  const BaseUrl loop = parsed("http://127.0.0.1:8080");
  EXPECT_EQ(loop.host.view(), "127.0.0.1");
  EXPECT_TRUE(loop.host_is_loopback);
  EXPECT_TRUE(parsed("http://127.255.255.254").host_is_loopback);  // all of 127.0.0.0/8
  EXPECT_FALSE(parsed("http://128.0.0.1").host_is_loopback);
  EXPECT_FALSE(parsed("http://10.0.0.7").host_is_loopback);
  EXPECT_FALSE(parsed("http://0.0.0.0").host_is_loopback);
  EXPECT_FALSE(parsed("https://192.168.1.20:8443/ls").host_is_ipv6);
}

TEST(BaseUrl, Ipv6HostsInBrackets) {
  const BaseUrl url = parsed("http://[::1]:8080");
  EXPECT_EQ(url.host.view(), "::1");  // without brackets: what connect() takes
  EXPECT_EQ(url.port, 8080);
  EXPECT_TRUE(url.host_is_ipv6);
  EXPECT_TRUE(url.host_is_loopback);
  EXPECT_TRUE(parsed("http://[0:0:0:0:0:0:0:1]").host_is_loopback);
  EXPECT_TRUE(parsed("http://[::0:1]/ls").host_is_loopback);
  EXPECT_FALSE(parsed("http://[::]").host_is_loopback);
  EXPECT_FALSE(parsed("http://[::2]").host_is_loopback);
  EXPECT_FALSE(parsed("http://[1::1]").host_is_loopback);
  EXPECT_FALSE(parsed("http://[::ffff:127.0.0.1]").host_is_loopback);  // only ::1 counts
  const BaseUrl doc = parsed("https://[2001:DB8::1]/ls/");
  EXPECT_EQ(doc.host.view(), "2001:db8::1");
  EXPECT_EQ(doc.port, 443);
  EXPECT_EQ(doc.base_path.view(), "/ls");
  for (const char* ok : {"http://[1:2:3:4:5:6:7:8]", "http://[1::]", "http://[1:2:3:4:5:6:7::]",
                         "http://[::2:3:4:5:6:7:8]", "http://[::ffff:192.0.2.1]",
                         "http://[1:2:3:4:5:6:1.2.3.4]", "http://[fe80::abcd:ef01]"}) {
    SCOPED_TRACE(ok);
    EXPECT_TRUE(parsed(ok).host_is_ipv6);
  }
}

TEST(BaseUrl, BadIpv6IsRefused) {
  for (const char* bad :
       {"http://[::1", "http://[]", "http://[1:2:3:4:5:6:7:8:9]", "http://[1::2::3]",
        "http://[12345::]", "http://[::1]x", "http://[:1]", "http://[1:]",
        "http://[1:2:3:4:5:6:7:8::]", "http://[::g]", "http://[1:2:3:4:5:6:7:1.2.3.4]",
        "http://[::1.2.3]", "http://[127.0.0.1]", "http://::1:8080", "http://[fe80::1%25eth0]"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(failure(bad).status, Status::ConfigInvalid);
  }
  EXPECT_NE(failure("http://::1").detail.view().find("brackets"), std::string_view::npos);
  EXPECT_NE(failure("http://[fe80::1%25eth0]").detail.view().find("zone"), std::string_view::npos);
}

TEST(BaseUrl, PortRange) {
  EXPECT_EQ(parsed("http://localhost:1").port, 1);
  EXPECT_EQ(parsed("http://localhost:65535").port, 65535);
  EXPECT_EQ(parsed("http://localhost:08080").port, 8080);
  for (const char* bad : {"http://localhost:0", "http://localhost:65536", "http://localhost:99999",
                          "http://localhost:123456", "http://localhost:-1", "http://localhost:80a",
                          "http://localhost:abc", "http://localhost:", "http://[::1]:",
                          "http://[::1]:70000", "http://localhost:+80"}) {
    SCOPED_TRACE(bad);
    const Error error = failure(bad);
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_NE(error.detail.view().find("port"), std::string_view::npos) << error.detail.view();
  }
}

TEST(BaseUrl, SchemeIsRequired) {
  for (const char* bad : {"ls.example.com", "localhost:8080", "ls.example.com/ls", "//host/ls",
                          "http:/host", "http:host"}) {
    SCOPED_TRACE(bad);
    const Error error = failure(bad);
    EXPECT_EQ(error.status, Status::ConfigInvalid);
    EXPECT_NE(error.detail.view().find("https://"), std::string_view::npos) << error.detail.view();
  }
  const Error ftp = failure("ftp://host");
  EXPECT_EQ(ftp.detail.view(), "LABEL_STUDIO_URL: the scheme must be https:// or http://");
  EXPECT_EQ(failure("httpx://host").status, Status::ConfigInvalid);
}

TEST(BaseUrl, UserinfoIsRefusedWithoutEchoingIt) {
  const Error error = failure("https://admin:hunter2@ls.example.com/ls");
  EXPECT_EQ(error.status, Status::ConfigInvalid);
  EXPECT_NE(error.detail.view().find("LABEL_STUDIO_URL"), std::string_view::npos);
  EXPECT_NE(error.detail.view().find("user:password@"), std::string_view::npos);
  EXPECT_EQ(error.detail.view().find("hunter2"), std::string_view::npos);
  EXPECT_EQ(error.detail.view().find("admin"), std::string_view::npos);
  EXPECT_EQ(failure("https://token@host").status, Status::ConfigInvalid);
}

TEST(BaseUrl, QueryAndFragmentAreRefused) {
  EXPECT_NE(failure("https://host/ls?x=1").detail.view().find("query"), std::string_view::npos);
  EXPECT_NE(failure("https://host?x").detail.view().find("query"), std::string_view::npos);
  EXPECT_NE(failure("https://host/#top").detail.view().find("fragment"), std::string_view::npos);
}

TEST(BaseUrl, BadHostsAreRefused) {
  const std::string long_label(64, 'a');
  const std::string ok_label(63, 'a');
  EXPECT_EQ(parsed("https://" + ok_label + ".com").host.view(), ok_label + ".com");
  EXPECT_EQ(parsed("http://label_studio:8080").host.view(), "label_studio");  // docker names
  EXPECT_EQ(parsed("https://example.com./ls").host.view(), "example.com");    // FQDN dot dropped
  std::string too_long;
  for (int i = 0; i < 4; ++i) {
    too_long += ok_label + ".";
  }
  too_long += "com";  // 259 bytes
  for (const std::string& bad : std::vector<std::string>{"https://",
                                                         "https://:8080",
                                                         "https:///ls",
                                                         "https://-bad.com",
                                                         "https://bad-.com",
                                                         "https://a..b",
                                                         "https://.com",
                                                         "https://" + long_label + ".com",
                                                         "https://" + too_long,
                                                         "https://1.2.3",
                                                         "https://256.1.1.1",
                                                         "https://01.2.3.4",
                                                         "https://1.2.3.4.5",
                                                         "https://123",
                                                         "https://a.b.7",
                                                         "https://b\xC3\xBC"
                                                         "cher.de",
                                                         "https://ho st",
                                                         "https://ho\tst",
                                                         "https://host\\ls",
                                                         "https://ex!ample.com"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(failure(bad).status, Status::ConfigInvalid);
  }
}

TEST(BaseUrl, BadPathsAreRefused) {
  for (const char* bad : {"https://host/a/../b", "https://host/./ls", "https://host/ls/..",
                          "https://host/a//b", "https://host/l s", "https://host/bad%2",
                          "https://host/bad%zz", "https://host/a\"b", "https://host/a<b>"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(failure(bad).status, Status::ConfigInvalid);
  }
}

TEST(BaseUrl, PathLongerThanTheBoardLimitIsRefused) {
  const std::string path(LSEDGE_PATH_CAPACITY + 1, 'p');
  EXPECT_EQ(failure("https://host/" + path).status, Status::ConfigInvalid);
  const std::string fits(LSEDGE_PATH_CAPACITY - 1, 'p');
  EXPECT_EQ(parsed("https://host/" + fits).base_path.size(), LSEDGE_PATH_CAPACITY);
}

TEST(BaseUrl, ErrorNamesTheGivenSource) {
  BaseUrl url;
  const Outcome outcome = parse_base_url("localhost", url, "--url");
  EXPECT_EQ(outcome.error().detail.view(), "--url: must start with https:// or http://");
  EXPECT_EQ(failure("").detail.view().substr(0, 26), "LABEL_STUDIO_URL: is empty");
}

TEST(BaseUrl, OutputIsWrittenOnlyOnSuccess) {
  BaseUrl url = parsed("https://keep.example.com:444/keep");
  EXPECT_FALSE(parse_base_url("https://other.example.com:0/x", url).ok());
  EXPECT_EQ(url.host.view(), "keep.example.com");
  EXPECT_EQ(url.port, 444);
  EXPECT_EQ(url.base_path.view(), "/keep");
}

TEST(JoinPath, BasePathPlusEndpoint) {
  FixedString<128> out;
  ASSERT_TRUE(join_path(parsed("https://h/ls/"), "/api/current-user/whoami", out).ok());
  EXPECT_EQ(out.view(), "/ls/api/current-user/whoami");
  ASSERT_TRUE(join_path(parsed("https://h"), "/api/projects/?page=2", out).ok());
  EXPECT_EQ(out.view(), "/api/projects/?page=2");
}

TEST(JoinPath, EndpointMustBeAbsolute) {
  FixedString<64> out;
  EXPECT_EQ(join_path(parsed("https://h/ls"), "api/x", out).status(), Status::InvalidArgument);
  EXPECT_EQ(join_path(parsed("https://h/ls"), "", out).status(), Status::InvalidArgument);
}

TEST(JoinPath, AllOrNothing) {
  const BaseUrl url = parsed("https://h/ls");
  FixedString<11> exact;  // "/ls/api/abc" is 11 bytes
  ASSERT_TRUE(join_path(url, "/api/abc", exact).ok());
  EXPECT_EQ(exact.view(), "/ls/api/abc");
  FixedString<10> small;
  ASSERT_EQ(small.assign("previous"), Status::Ok);
  EXPECT_EQ(join_path(url, "/api/abc", small).status(), Status::BufferTooSmall);
  EXPECT_EQ(small.view(), "previous");
  FixedString<4> tiny;
  EXPECT_EQ(join_path(url, "/api/abcdefgh", tiny).status(), Status::BufferTooSmall);
}

TEST(BaseUrl, RandomTextNeverBreaksIt) {
  const std::vector<std::string> pieces = {
      "http",     "s",   "://", "[",        "]",
      ":",        "::",  "/",   "@",        "?",
      "#",        ".",   "..",  "%",        "2f",
      "1",        "127", "0",   "65535",    "a",
      "-",        "_",   " ",   "\xC3\xA9", std::string(1, '\0'),
      "localhost"};
  std::mt19937 random(3);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 16);
  const std::vector<std::string> prefixes = {"http://", "https://", "HTTP://", ""};
  std::uniform_int_distribution<size_t> pick_prefix(0, prefixes.size() - 1);
  size_t accepted = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string text = prefixes[pick_prefix(random)];  // mostly a valid scheme, to get further
    const size_t n = length(random);
    for (size_t i = 0; i < n; ++i) {
      text += pieces[pick(random)];
    }
    BaseUrl url;
    const Outcome outcome = parse_base_url(text, url);
    if (!outcome.ok()) {
      EXPECT_EQ(outcome.status(), Status::ConfigInvalid);
      EXPECT_EQ(outcome.error().detail.view().substr(0, 18), "LABEL_STUDIO_URL: ");
      continue;
    }
    ++accepted;
    EXPECT_FALSE(url.host.empty());
    EXPECT_NE(url.port, 0);
    EXPECT_TRUE(url.base_path.empty() ||
                (url.base_path.view().front() == '/' && url.base_path.view().back() != '/'));
  }
  EXPECT_GT(accepted, 100u);  // the generator does reach the host, port and path checks
}

}  // namespace
}  // namespace lsedge::app
