#include "firmware/http/request_writer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lsedge::http {
namespace {

std::string write(const Request& request, const Endpoint& endpoint, size_t capacity = 4096) {
  std::vector<uint8_t> out(capacity);
  Result<size_t> n = write_request_head(request, endpoint, ByteSpan(out.data(), out.size()));
  EXPECT_TRUE(n.ok()) << status_name(n.status()) << " " << n.error().detail.view();
  if (!n.ok()) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(out.data()), *n);
}

const Endpoint kEndpoint{"ls.example", 8080, 80};

TEST(RequestWriter, GoldenGetWithAuthorizationAndExtraHeaders) {
  const Header extras[] = {{"X-Request-Id", "42"}, {"Accept-Language", "en"}};
  Request request;
  request.path = "/api/current-user/whoami?x=1";
  request.authorization = "Bearer abc.def";
  request.extra_headers = Span<const Header>(extras);
  EXPECT_EQ(write(request, kEndpoint),
            "GET /api/current-user/whoami?x=1 HTTP/1.1\r\n"
            "Host: ls.example:8080\r\n"
            "User-Agent: lsedge/" LSEDGE_VERSION
            "\r\n"
            "Accept: application/json\r\n"
            "Connection: keep-alive\r\n"
            "Authorization: Bearer abc.def\r\n"
            "X-Request-Id: 42\r\n"
            "Accept-Language: en\r\n"
            "\r\n");
}

TEST(RequestWriter, GoldenPostWithJsonBodyLeavesTheBodyOut) {
  const std::string json = "{\"refresh\":\"t\"}";
  Request request;
  request.method = Method::Post;
  request.path = "/api/token/refresh/";
  request.content_type = "application/json";
  request.body = as_bytes(json);
  EXPECT_EQ(write(request, {"ls.example", 443, 443}),
            "POST /api/token/refresh/ HTTP/1.1\r\n"
            "Host: ls.example\r\n"
            "User-Agent: lsedge/" LSEDGE_VERSION
            "\r\n"
            "Accept: application/json\r\n"
            "Connection: keep-alive\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 15\r\n"
            "\r\n");
}

TEST(RequestWriter, BodyMethodsWithoutBodySendContentLengthZero) {
  for (Method method : {Method::Post, Method::Put, Method::Patch}) {
    Request request;
    request.method = method;
    request.path = "/a";
    const std::string head = write(request, kEndpoint);
    EXPECT_NE(head.find("\r\nContent-Length: 0\r\n"), std::string::npos) << method_name(method);
    EXPECT_EQ(head.rfind(std::string(method_name(method)) + " /a HTTP/1.1\r\n", 0), 0u);
  }
}

TEST(RequestWriter, BodilessMethodsWithoutBodyHaveNoContentLength) {
  for (Method method : {Method::Get, Method::Head, Method::Delete}) {
    Request request;
    request.method = method;
    request.path = "/a";
    EXPECT_EQ(write(request, kEndpoint).find("Content-Length"), std::string::npos)
        << method_name(method);
  }
}

TEST(RequestWriter, DeleteWithBodyGetsContentLength) {
  Request request;
  request.method = Method::Delete;
  request.path = "/a";
  request.body = as_bytes("1234567890");
  EXPECT_NE(write(request, kEndpoint).find("\r\nContent-Length: 10\r\n"), std::string::npos);
}

TEST(RequestWriter, HostHeaderPortRules) {
  Request request;
  request.path = "/";
  EXPECT_NE(write(request, {"h", 80, 80}).find("\r\nHost: h\r\n"), std::string::npos);
  EXPECT_NE(write(request, {"h", 443, 443}).find("\r\nHost: h\r\n"), std::string::npos);
  // https default port on plain http is not a default: it must be named.
  EXPECT_NE(write(request, {"h", 443, 80}).find("\r\nHost: h:443\r\n"), std::string::npos);
  EXPECT_NE(write(request, {"h", 80, 443}).find("\r\nHost: h:80\r\n"), std::string::npos);
  EXPECT_NE(write(request, {"h", 65535, 80}).find("\r\nHost: h:65535\r\n"), std::string::npos);
  EXPECT_NE(write(request, {"::1", 8080, 80}).find("\r\nHost: [::1]:8080\r\n"), std::string::npos);
}

TEST(RequestWriter, RefusesCrLfNulEverywhere) {
  const std::vector<std::string> bad = {"a\rb", "a\nb", std::string("a\0b", 3), "a\r\nX-Evil: 1"};
  for (const std::string& text : bad) {
    const std::string path = "/p" + text;
    {
      Request r;
      r.path = path;
      std::vector<uint8_t> out(4096, 0xAA);
      EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
                Status::InvalidArgument);
      EXPECT_EQ(out[0], 0xAA) << "nothing written on refusal";
    }
    {
      Request r;
      r.path = "/";
      r.content_type = text;
      std::vector<uint8_t> out(4096);
      EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
                Status::InvalidArgument);
    }
    {
      Request r;
      r.path = "/";
      r.authorization = text;
      std::vector<uint8_t> out(4096);
      EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
                Status::InvalidArgument);
    }
    {
      const Header extra[] = {{"X-A", text}};
      Request r;
      r.path = "/";
      r.extra_headers = Span<const Header>(extra);
      std::vector<uint8_t> out(4096);
      const auto result = write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size()));
      EXPECT_EQ(result.status(), Status::InvalidArgument);
      EXPECT_NE(std::string(result.error().detail.view()).find("X-A"), std::string::npos);
    }
    {
      const Header extra[] = {{text, "v"}};
      Request r;
      r.path = "/";
      r.extra_headers = Span<const Header>(extra);
      std::vector<uint8_t> out(4096);
      EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
                Status::InvalidArgument);
    }
    {
      Request r;
      r.path = "/";
      const std::string host = "h" + text;
      std::vector<uint8_t> out(4096);
      EXPECT_EQ(write_request_head(r, {host, 80, 80}, ByteSpan(out.data(), out.size())).status(),
                Status::InvalidArgument);
    }
  }
}

TEST(RequestWriter, RefusedAuthorizationIsNotEchoedInTheError) {
  Request r;
  r.path = "/";
  r.authorization = "Bearer SECRET-TOKEN\r\nX: y";
  std::vector<uint8_t> out(4096);
  const auto result = write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size()));
  ASSERT_EQ(result.status(), Status::InvalidArgument);
  EXPECT_EQ(std::string(result.error().detail.view()).find("SECRET"), std::string::npos);
  EXPECT_NE(std::string(result.error().detail.view()).find("Authorization"), std::string::npos);
}

TEST(RequestWriter, RefusesBadPaths) {
  for (const char* path : {"", "api/x", "/a b", "/a\tb", "/a\x7f", "http://h/a"}) {
    Request r;
    r.path = path;
    std::vector<uint8_t> out(4096);
    EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
              Status::InvalidArgument)
        << path;
  }
}

TEST(RequestWriter, RefusesNonTokenHeaderNamesAndManagedHeaders) {
  for (const char* name :
       {"", "X A", "X:A", "X(A)", "Content-Length", "host", "CONNECTION", "Transfer-Encoding"}) {
    const Header extra[] = {{name, "v"}};
    Request r;
    r.path = "/";
    r.extra_headers = Span<const Header>(extra);
    std::vector<uint8_t> out(4096);
    EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
              Status::InvalidArgument)
        << name;
  }
}

TEST(RequestWriter, RefusesAMethodOutsideTheEnum) {
  Request r;
  r.method = static_cast<Method>(99);
  r.path = "/";
  std::vector<uint8_t> out(4096);
  EXPECT_EQ(write_request_head(r, kEndpoint, ByteSpan(out.data(), out.size())).status(),
            Status::InvalidArgument);
}

TEST(RequestWriter, TooSmallBufferWritesNothingAtEverySize) {
  Request request;
  request.method = Method::Post;
  request.path = "/api/projects/1/";
  request.authorization = "Token 0123456789";
  request.content_type = "application/json";
  request.body = as_bytes("{}");
  const std::string full = write(request, kEndpoint);
  ASSERT_FALSE(full.empty());
  for (size_t size = 0; size < full.size(); ++size) {
    std::vector<uint8_t> out(size + 1, 0xAA);
    const auto result = write_request_head(request, kEndpoint, ByteSpan(out.data(), size));
    ASSERT_EQ(result.status(), Status::BufferTooSmall) << size;
    for (uint8_t byte : out) {
      ASSERT_EQ(byte, 0xAA) << "byte written with capacity " << size;
    }
  }
  std::vector<uint8_t> exact(full.size());
  const auto result = write_request_head(request, kEndpoint, ByteSpan(exact.data(), exact.size()));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, full.size());
}

TEST(Http, MethodNamesAndIdempotence) {
  EXPECT_STREQ(method_name(Method::Patch), "PATCH");
  EXPECT_EQ(method_name(static_cast<Method>(77)), nullptr);
  EXPECT_TRUE(is_idempotent(Method::Get));
  EXPECT_TRUE(is_idempotent(Method::Head));
  EXPECT_TRUE(is_idempotent(Method::Put));
  EXPECT_TRUE(is_idempotent(Method::Delete));
  EXPECT_FALSE(is_idempotent(Method::Post));
  EXPECT_FALSE(is_idempotent(Method::Patch));
}

TEST(Http, ResponseHeaderLookupIsCaseInsensitive) {
  Response response;
  response.raw_headers = "Content-Type: application/json\r\nX-Total: 7\r\nx-total: 8\r\n";
  EXPECT_EQ(response.header("x-TOTAL").value_or("none"), "7");
  EXPECT_EQ(response.header("content-type").value_or("none"), "application/json");
  EXPECT_FALSE(response.header("X-Tot").has_value());
  EXPECT_FALSE(response.header("Missing").has_value());
}

}  // namespace
}  // namespace lsedge::http
