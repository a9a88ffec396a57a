#include "firmware/http/connection.h"

#include <gtest/gtest.h>
#include <llhttp.h>

#include <cstdio>
#include <string>

#include "board_sizes.h"
#include "tests/unit/http/http_harness.h"

namespace lsedge::http {
namespace {

using test::body_text;
using test::Harness;
using test::Limits;

const std::string kContentLength =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "X-Custom:   padded value  \r\n"
    "Content-Length: 17\r\n"
    "\r\n"
    "{\"username\":\"ab\"}";

const std::string kChunked =
    "HTTP/1.1 200 OK\r\n"
    "content-type: text/plain\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "5;name=value\r\n"
    "hello\r\n"
    "1\r\n"
    " \r\n"
    "a;x;y=\"q\"\r\n"
    "0123456789\r\n"
    "0\r\n"
    "X-Trailer: t\r\n"
    "Another-Trailer: u\r\n"
    "\r\n";

const std::string kCloseDelimited =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "no length, ends at close";

std::string sent_on(Harness& h, size_t connection) {
  return h.socket.connection(connection).sent;
}

// ---- framing: every split point ------------------------------------------------------------

TEST(Connection, ContentLengthResponseSplitAtEveryByte) {
  for (size_t split = 1; split < kContentLength.size(); ++split) {
    Harness h;
    h.socket.add_connection()
        .then_data(kContentLength.substr(0, split))
        .then_data(kContentLength.substr(split));
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << "split " << split << ": " << status_name(r.status()) << " "
                        << r.error().detail.view();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(body_text(*r), "{\"username\":\"ab\"}") << split;
    EXPECT_EQ(r->content_type, "application/json; charset=utf-8") << split;
    EXPECT_EQ(r->header("x-custom").value_or(""), "padded value") << split;
    EXPECT_TRUE(r->keep_alive);
    EXPECT_TRUE(h.connection->is_open());
  }
}

TEST(Connection, ChunkedResponseWithExtensionsAndTrailersSplitAtEveryByte) {
  for (size_t split = 1; split < kChunked.size(); ++split) {
    Harness h;
    h.socket.add_connection()
        .then_data(kChunked.substr(0, split))
        .then_data(kChunked.substr(split));
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << "split " << split << ": " << status_name(r.status()) << " "
                        << r.error().detail.view();
    EXPECT_EQ(body_text(*r), "hello 0123456789") << split;
    EXPECT_EQ(r->content_type, "text/plain") << split;
    EXPECT_TRUE(r->keep_alive);
    // Trailers are checked by llhttp but not mixed into the response headers.
    EXPECT_FALSE(r->header("X-Trailer").has_value());
  }
}

TEST(Connection, CloseDelimitedResponseSplitAtEveryByte) {
  for (size_t split = 1; split < kCloseDelimited.size(); ++split) {
    Harness h;
    h.socket.add_connection()
        .then_data(kCloseDelimited.substr(0, split))
        .then_data(kCloseDelimited.substr(split))
        .then_close();
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << "split " << split << ": " << status_name(r.status());
    EXPECT_EQ(body_text(*r), "no length, ends at close") << split;
    EXPECT_FALSE(r->keep_alive);
    EXPECT_FALSE(h.connection->is_open());
  }
}

TEST(Connection, OneByteAtATimeFromTheSocket) {
  for (const std::string* response : {&kContentLength, &kChunked}) {
    Harness h;
    auto& c = h.socket.add_connection().then_data(*response);
    c.max_receive_chunk = 1;
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << status_name(r.status());
    EXPECT_FALSE(r->body.empty());
  }
}

TEST(Connection, OneByteReceiveChunkBuffer) {
  Limits limits;
  limits.receive_chunk = 1;
  Harness h(limits);
  h.socket.add_connection().then_data(kChunked);
  Result<Response> r = h.get();
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(body_text(*r), "hello 0123456789");
  EXPECT_EQ(r->content_type, "text/plain");
}

TEST(Connection, ExtractsAuthAndRetryHeadersCaseInsensitively) {
  Harness h;
  h.socket.add_connection().then_data(
      "HTTP/1.1 429 Too Many Requests\r\n"
      "www-authenticate: Bearer realm=\"api\"\r\n"
      "WWW-Authenticate: Token\r\n"
      "RETRY-AFTER: 30 \r\n"
      "Content-Length: 0\r\n"
      "\r\n");
  Result<Response> r = h.get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->www_authenticate, "Bearer realm=\"api\"");  // the first one
  EXPECT_EQ(r->retry_after, "30");
  EXPECT_TRUE(r->content_type.empty());
  EXPECT_TRUE(r->body.empty());
}

// ---- limits ----------------------------------------------------------------------------------

// Headers are kept as "Name: value\r\n"; this response needs exactly 32 + 19 = 51 bytes.
const std::string kTwoHeaders =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 2\r\n"
    "\r\n"
    "{}";

TEST(Connection, HeadersExactlyAtTheLimitFit) {
  Limits limits;
  limits.response_headers = 51;
  Harness h(limits);
  h.socket.add_connection().then_data(kTwoHeaders);
  Result<Response> r = h.get();
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(r->raw_headers.size(), 51u);
}

TEST(Connection, HeadersOneByteOverTheLimitFail) {
  for (size_t split = 1; split < kTwoHeaders.size(); split += 7) {
    Limits limits;
    limits.response_headers = 50;
    Harness h(limits);
    h.socket.add_connection()
        .then_data(kTwoHeaders.substr(0, split))
        .then_data(kTwoHeaders.substr(split));
    Result<Response> r = h.get();
    ASSERT_EQ(r.status(), Status::HttpHeadersTooLarge) << split;
    EXPECT_FALSE(h.connection->is_open());
  }
}

TEST(Connection, HugeHeaderIsRefusedWithoutOverflow) {
  Limits limits;
  limits.response_headers = 64;
  Harness h(limits);
  h.socket.add_connection().then_data("HTTP/1.1 200 OK\r\nX-Big: " + std::string(100000, 'a') +
                                      "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(h.get().status(), Status::HttpHeadersTooLarge);
}

TEST(Connection, BodyExactlyAtTheLimitFitsAndOneMoreIsTruncated) {
  for (const bool chunked : {false, true}) {
    const std::string body(32, 'b');
    const std::string over = body + "X";
    auto response = [&](const std::string& b) {
      if (chunked) {
        return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + b.substr(0, 16) +
               "\r\n" + (b.size() == 33 ? "11" : "10") + "\r\n" + b.substr(16) + "\r\n0\r\n\r\n";
      }
      return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(b.size()) + "\r\n\r\n" + b;
    };
    {
      Limits limits;
      limits.response_body = 32;
      Harness h(limits);
      h.socket.add_connection().then_data(response(body));
      Result<Response> r = h.get();
      ASSERT_TRUE(r.ok()) << chunked << " " << status_name(r.status());
      EXPECT_EQ(body_text(*r), body);
      EXPECT_FALSE(r->truncated);
    }
    {
      Limits limits;
      limits.response_body = 32;
      Harness h(limits);
      h.socket.add_connection().then_data(response(over));
      Result<Response> r = h.get();
      ASSERT_TRUE(r.ok()) << chunked << " " << status_name(r.status());
      EXPECT_TRUE(r->truncated);
      EXPECT_EQ(body_text(*r), body);  // the first 32 bytes; the 33rd was drained
      EXPECT_TRUE(r->keep_alive);
      EXPECT_TRUE(h.connection->is_open());
    }
  }
}

TEST(Connection, EmptyBodyBufferStillParsesBodilessResponses) {
  Limits limits;
  limits.response_body = 0;
  Harness h(limits);
  h.socket.add_connection()
      .then_data("HTTP/1.1 204 No Content\r\n\r\n")
      .then_data("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
  Result<Response> first = h.get();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->truncated);
  Result<Response> second = h.get();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 200);
  EXPECT_TRUE(second->truncated);
  EXPECT_EQ(second->body.size(), 0u);
}

// ---- bodies larger than the buffer: the status survives ---------------------------------------

// Label Studio's 400 for a refused import: `items` entries, each failing item echoed.
std::string refused_import_body(size_t items) {
  std::string body =
      R"({"id":"5a1c","status_code":400,"version":"1.20.0","detail":"Validation error",)"
      R"("exc_info":null,"validation_errors":{"non_field_errors":[)";
  for (size_t i = 0; i < items; ++i) {
    body += i == 0 ? "" : ",";
    body += "\"Error at item " + std::to_string(i) +
            ": \\\"image\\\" key is expected in task data [assume: item as is = task root with "
            "values]  :: {'text': '" +
            std::string(900, 'x') + "'}\"";
  }
  return body + "]}}";
}

std::string with_content_length(uint16_t status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " Bad Request\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chunked_in(const std::string& body, size_t piece) {
  std::string out = "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < body.size(); at += piece) {
    const std::string part = body.substr(at, piece);
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

// Scripts `bytes` as many reads (a big response in one event would be slow to hand out).
void script_data(testing::ScriptedSocket::Connection& c, const std::string& bytes) {
  for (size_t at = 0; at < bytes.size(); at += 65536) {
    c.then_data(bytes.substr(at, 65536));
  }
}

TEST(Connection, OversizedContentLengthBodyKeepsStatusHeadersAndPrefix) {
  Limits limits;
  limits.response_body = 1024;
  Harness h(limits);
  const std::string body = refused_import_body(100);  // ~100 KB
  ASSERT_GT(body.size(), 90000u);
  script_data(h.socket.add_connection(), with_content_length(400, body));
  Result<Response> r = h.get("/api/projects/1/import");
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(body_text(*r), body.substr(0, 1024));
  EXPECT_TRUE(r->keep_alive);
  EXPECT_TRUE(h.connection->is_open());
  const std::string logged = h.log.all_text();
  EXPECT_NE(logged.find("-> 400"), std::string::npos) << logged;
  EXPECT_NE(logged.find("body truncated: 1024 B kept, " + std::to_string(body.size() - 1024) +
                        " B discarded)"),
            std::string::npos)
      << logged;
}

TEST(Connection, OversizedChunkedBodyKeepsStatusAndPrefix) {
  for (const size_t piece : {size_t{1}, size_t{7}, size_t{1000}, size_t{40000}}) {
    Limits limits;
    limits.response_body = 1000;
    Harness h(limits);
    const std::string body = refused_import_body(piece == 1 ? 3 : 60);
    script_data(h.socket.add_connection(), chunked_in(body, piece));
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << piece << " " << status_name(r.status());
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(r->truncated);
    EXPECT_EQ(body_text(*r), body.substr(0, 1000)) << piece;
    EXPECT_TRUE(r->keep_alive);
  }
}

TEST(Connection, OversizedCloseDelimitedBodyEndsAtTheClose) {
  Limits limits;
  limits.response_body = 16;
  Harness h(limits);
  h.socket.add_connection()
      .then_data("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n")
      .then_data("<!DOCTYPE html><html>" + std::string(50000, 'p') + "</html>")
      .then_close();
  Result<Response> r = h.get();
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(body_text(*r), "<!DOCTYPE html><");
  EXPECT_FALSE(r->keep_alive);
  EXPECT_FALSE(h.connection->is_open());
  // A close that ends a close-delimited body is its normal end, not a drain cut short.
  EXPECT_EQ(h.log.all_text().find("while draining"), std::string::npos);
}

TEST(Connection, ASecondRequestOnTheKeptConnectionAfterADrainedOneWorks) {
  Limits limits;
  limits.response_body = 512;
  Harness h(limits);
  auto& c = h.socket.add_connection();
  script_data(c, with_content_length(400, refused_import_body(20)));
  c.then_data(chunked_in(refused_import_body(5), 333));
  c.then_data(kContentLength);
  Result<Response> first = h.get();
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->truncated);
  Result<Response> second = h.get();
  ASSERT_TRUE(second.ok()) << status_name(second.status());
  EXPECT_EQ(second->status, 400);
  EXPECT_TRUE(second->truncated);
  Result<Response> third = h.get();
  ASSERT_TRUE(third.ok()) << status_name(third.status());
  EXPECT_EQ(third->status, 200);
  EXPECT_FALSE(third->truncated);
  EXPECT_EQ(body_text(*third), "{\"username\":\"ab\"}");
  EXPECT_EQ(h.socket.connect_calls(), 1u);
  EXPECT_EQ(h.socket.connection(0).sent.find("GET"), 0u);
}

TEST(Connection, PastTheDrainLimitTheConnectionClosesAndTheNextRequestReconnects) {
  for (const bool chunked : {false, true}) {
    Limits limits;
    limits.response_body = 1024;
    Harness h(limits);
    h.connection->set_drain_limit(4096);
    const std::string body = refused_import_body(30);
    auto& c = h.socket.add_connection();
    script_data(c, chunked ? chunked_in(body, 500) : with_content_length(400, body));
    h.socket.add_connection().then_data(kContentLength);
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << status_name(r.status());
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(r->truncated);
    EXPECT_EQ(body_text(*r), body.substr(0, 1024));
    EXPECT_FALSE(r->keep_alive);
    EXPECT_FALSE(h.connection->is_open());
    // Reading stopped soon after the limit (one receive chunk), not at the end of the body.
    EXPECT_LT(h.probe.receives, 10u) << chunked;
    const std::string logged = h.log.all_text();
    EXPECT_NE(logged.find("LSEDGE_HTTP_DRAIN_LIMIT reached), closed"), std::string::npos) << logged;
    Result<Response> next = h.get();
    ASSERT_TRUE(next.ok()) << status_name(next.status());
    EXPECT_EQ(next->status, 200);
    EXPECT_EQ(h.socket.connect_calls(), 2u);
  }
}

TEST(Connection, ExactlyTheDrainLimitIsDrainedAndOneMoreByteIsNot) {
  for (const uint64_t extra : {uint64_t{0}, uint64_t{1}}) {
    Limits limits;
    limits.response_body = 100;
    Harness h(limits);
    h.connection->set_drain_limit(5000);
    h.socket.add_connection().then_data(
        with_content_length(400, std::string(static_cast<size_t>(100 + 5000 + extra), 'z')));
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->truncated);
    EXPECT_EQ(r->keep_alive, extra == 0) << extra;
    EXPECT_EQ(h.connection->is_open(), extra == 0) << extra;
  }
}

TEST(Connection, TheDefaultDrainLimitIsTheBoards) {
  for (const uint64_t extra : {uint64_t{0}, uint64_t{1}}) {
    Limits limits;
    limits.response_body = 100;
    Harness h(limits);
    const std::string body(static_cast<size_t>(100 + LSEDGE_HTTP_DRAIN_LIMIT + extra), 'z');
    script_data(h.socket.add_connection(), with_content_length(400, body));
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->truncated);
    EXPECT_EQ(r->keep_alive, extra == 0) << extra;
  }
}

TEST(Connection, DeadlineWhileDrainingReturnsTheTruncatedResponse) {
  Limits limits;
  limits.response_body = 64;
  Harness h(limits);
  h.socket.add_connection()
      .then_data(with_content_length(400, refused_import_body(10)).substr(0, 3000))
      .then_timeout();  // the server stalls in the middle of the body
  h.socket.add_connection().then_data(kContentLength);
  const uint64_t start = h.clock.now_ms();
  Result<Response> r = h.execute(Request{Method::Get, "/api/x", {}, {}, {}, false, {}}, 5000);
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(h.clock.now_ms(), start + 5000);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(body_text(*r), refused_import_body(10).substr(0, 64));
  EXPECT_FALSE(r->keep_alive);
  EXPECT_FALSE(h.connection->is_open());
  EXPECT_NE(h.log.all_text().find("the deadline passed while draining), closed"), std::string::npos)
      << h.log.all_text();
  ASSERT_TRUE(h.get().ok());
  EXPECT_EQ(h.socket.connect_calls(), 2u);
}

TEST(Connection, DeadlineOnASlowLinkWhileDrainingReturnsTheTruncatedResponse) {
  Limits limits;
  limits.response_body = 64;
  limits.receive_chunk = 256;
  Harness h(limits);
  h.probe.receive_takes_ms = 100;  // 256 bytes per 100 ms: the 30 KB body needs 12 s
  script_data(h.socket.add_connection(), with_content_length(400, refused_import_body(30)));
  Result<Response> r = h.execute(Request{Method::Get, "/api/x", {}, {}, {}, false, {}}, 2000);
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(r->truncated);
  EXPECT_FALSE(h.connection->is_open());
  EXPECT_LE(h.probe.receives, 21u);
}

TEST(Connection, TimeoutBeforeTheBodyOverflowsIsStillATimeout) {
  Limits limits;
  limits.response_body = 64;
  Harness h(limits);
  h.socket.add_connection().then_data("HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\n" +
                                      std::string(64, 'a'));
  EXPECT_EQ(h.get().status(), Status::Timeout);  // nothing was discarded yet: not draining
}

TEST(Connection, CloseOrResetWhileDrainingReturnsTheTruncatedResponse) {
  for (const bool reset : {false, true}) {
    Limits limits;
    limits.response_body = 64;
    Harness h(limits);
    auto& c = h.socket.add_connection().then_data(
        with_content_length(400, refused_import_body(10)).substr(0, 2000));
    if (reset) {
      c.then_reset();
    } else {
      c.then_close();
    }
    Result<Response> r = h.get();
    ASSERT_TRUE(r.ok()) << reset << " " << status_name(r.status());
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(r->truncated);
    EXPECT_FALSE(h.connection->is_open());
    const std::string logged = h.log.all_text();
    EXPECT_NE(logged.find(reset ? "the connection failed while draining"
                                : "the connection ended while draining"),
              std::string::npos)
        << logged;
  }
}

TEST(Connection, BrokenFramingWhileDrainingIsStillMalformed) {
  Limits limits;
  limits.response_body = 8;
  Harness h(limits);
  h.socket.add_connection().then_data(
      "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n"
      "zz\r\n");
  EXPECT_EQ(h.get().status(), Status::HttpMalformedResponse);
  EXPECT_FALSE(h.connection->is_open());
}

TEST(Connection, HeadAnswerWithABigContentLengthIsNotTruncated) {
  Limits limits;
  limits.response_body = 8;
  Harness h(limits);
  h.socket.add_connection().then_data("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
  Request request;
  request.method = Method::Head;
  request.path = "/x";
  Result<Response> r = h.execute(request);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->truncated);
  EXPECT_TRUE(h.connection->is_open());
}

// ---- truncation, malformed, timeouts ----------------------------------------------------------

TEST(Connection, TruncatedContentLengthBody) {
  Harness h;
  h.socket.add_connection()
      .then_data("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345")
      .then_close();
  Result<Response> r = h.get();
  EXPECT_EQ(r.status(), Status::HttpTruncatedResponse);
  EXPECT_EQ(r.error().code, HPE_INVALID_EOF_STATE);
  EXPECT_FALSE(h.connection->is_open());
}

TEST(Connection, TruncatedChunkedBodyAtEveryPoint) {
  // Cut anywhere after the status line has started: never a success, always "truncated".
  for (size_t cut = 1; cut < kChunked.size(); ++cut) {
    Harness h;
    h.socket.add_connection().then_data(kChunked.substr(0, cut)).then_close();
    Result<Response> r = h.get();
    EXPECT_EQ(r.status(), Status::HttpTruncatedResponse) << "cut at " << cut;
  }
}

TEST(Connection, TruncatedInsideHeaders) {
  Harness h;
  h.socket.add_connection().then_data("HTTP/1.1 200 OK\r\nContent-Ty").then_close();
  EXPECT_EQ(h.get().status(), Status::HttpTruncatedResponse);
}

TEST(Connection, ResetMidResponseIsReportedAndNotRetried) {
  Harness h;
  h.socket.add_connection()
      .then_data("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12")
      .then_reset();
  h.socket.add_connection().then_data(kContentLength);
  EXPECT_EQ(h.get().status(), Status::ConnectionReset);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
}

TEST(Connection, MalformedStatusLineCarriesTheLlhttpCode) {
  Harness h;
  h.socket.add_connection().then_data("HTTX/1.1 200 OK\r\n\r\n");
  Result<Response> r = h.get();
  ASSERT_EQ(r.status(), Status::HttpMalformedResponse);
  EXPECT_EQ(r.error().code, HPE_INVALID_CONSTANT);
  EXPECT_NE(std::string(r.error().detail.view()).find("HPE_INVALID_CONSTANT"), std::string::npos);
  EXPECT_FALSE(h.connection->is_open());
}

TEST(Connection, NonNumericStatusIsMalformed) {
  Harness h;
  h.socket.add_connection().then_data("HTTP/1.1 2x0 OK\r\n\r\n");
  Result<Response> r = h.get();
  EXPECT_EQ(r.status(), Status::HttpMalformedResponse);
  EXPECT_EQ(r.error().code, HPE_INVALID_STATUS);
}

TEST(Connection, StatusCodesBelow100AreMalformed) {
  for (const char* line :
       {"HTTP/1.1 2 OK\r\n\r\n", "HTTP/1.1 002 OK\r\n\r\n", "HTTP/1.1 99 OK\r\n\r\n"}) {
    Harness h;
    h.socket.add_connection().then_data(line);
    Result<Response> r = h.get();
    EXPECT_EQ(r.status(), Status::HttpMalformedResponse) << line;
    EXPECT_EQ(r.error().code, HPE_INVALID_STATUS) << line;
  }
}

TEST(Connection, TransferEncodingWithContentLengthIsRejected) {
  Harness h;
  h.socket.add_connection().then_data(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n"
      "\r\n");
  Result<Response> r = h.get();
  EXPECT_EQ(r.status(), Status::HttpMalformedResponse);
  EXPECT_EQ(r.error().code, HPE_UNEXPECTED_CONTENT_LENGTH);
}

TEST(Connection, DuplicateConflictingContentLengthIsRejected) {
  Harness h;
  h.socket.add_connection().then_data(
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd");
  EXPECT_EQ(h.get().status(), Status::HttpMalformedResponse);
}

TEST(Connection, SwitchingProtocolsIsRefused) {
  Harness h;
  h.socket.add_connection().then_data(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
  EXPECT_EQ(h.get().status(), Status::HttpMalformedResponse);
}

TEST(Connection, TimeoutMidResponse) {
  Harness h;
  h.socket.add_connection().then_data("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n123");
  const uint64_t start = h.clock.now_ms();
  Result<Response> r = h.execute(Request{Method::Get, "/slow", {}, {}, {}, false, {}}, 5000);
  EXPECT_EQ(r.status(), Status::Timeout);
  EXPECT_EQ(h.clock.now_ms(), start + 5000);
  EXPECT_FALSE(h.connection->is_open());
}

TEST(Connection, TimeoutBeforeAnyByteIsNotRetriedEvenWhenReused) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength);  // then silence
  h.socket.add_connection().then_data(kContentLength);
  ASSERT_TRUE(h.get().ok());
  EXPECT_EQ(h.get().status(), Status::Timeout);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
}

TEST(Connection, ExpiredDeadlineDoesNotConnect) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength);
  Request request;
  request.path = "/";
  EXPECT_EQ(h.connection->execute(request, Deadline::at(h.clock.now_ms())).status(),
            Status::Timeout);
  EXPECT_EQ(h.socket.connect_calls(), 0u);
}

TEST(Connection, ConnectDeadlineIsCappedByTheConnectTimeoutAndTheRequestDeadline) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength).then_close();
  h.socket.add_connection().then_data(kContentLength);
  Request request;
  request.path = "/";
  ASSERT_TRUE(h.connection->execute(request, Deadline::never()).ok());
  ASSERT_EQ(h.probe.connect_deadlines.size(), 1u);
  EXPECT_EQ(h.probe.connect_deadlines[0].at_ms(), 1000u + LSEDGE_CONNECT_TIMEOUT_MS);
  // Next request reconnects (peer closed); a short request deadline wins over the cap.
  ASSERT_TRUE(h.connection->execute(request, Deadline::at(1500)).ok());
  ASSERT_EQ(h.probe.connect_deadlines.size(), 2u);
  EXPECT_EQ(h.probe.connect_deadlines[1].at_ms(), 1500u);
}

TEST(Connection, ConnectFailureNamesTheHost) {
  Harness h;
  h.socket.add_connection().connect_result = Status::ConnectionRefused;
  Result<Response> r = h.get();
  EXPECT_EQ(r.status(), Status::ConnectionRefused);
  EXPECT_EQ(r.error().detail.view(), "connecting to ls.example:8080");
}

// ---- sending
// -------------------------------------------------------------------------------------

TEST(Connection, PartialSendsDeliverHeadAndBodyWhole) {
  Harness h;
  auto& c = h.socket.add_connection().then_data(kContentLength);
  c.max_send_chunk = 1;
  const std::string json = "{\"title\":\"x\"}";
  Request request;
  request.method = Method::Patch;
  request.path = "/api/projects/1/";
  request.content_type = "application/json";
  request.body = as_bytes(json);
  ASSERT_TRUE(h.execute(request).ok());
  const std::string sent = sent_on(h, 0);
  EXPECT_EQ(sent.rfind("PATCH /api/projects/1/ HTTP/1.1\r\nHost: ls.example:8080\r\n", 0), 0u);
  EXPECT_NE(sent.find("\r\nContent-Length: 13\r\n"), std::string::npos);
  EXPECT_EQ(sent.substr(sent.size() - json.size()), json);
  EXPECT_EQ(sent.find("\r\n\r\n") + 4 + json.size(), sent.size());
}

TEST(Connection, SendTimeoutIsReported) {
  Harness h;
  auto& c = h.socket.add_connection();
  c.send_failure = Status::Timeout;
  c.fail_send_after_bytes = 10;
  EXPECT_EQ(h.get().status(), Status::Timeout);
  EXPECT_EQ(sent_on(h, 0).size(), 10u);
  EXPECT_FALSE(h.connection->is_open());
}

// The uploader tells "the server cannot have seen it" from "it may have" with sent_any().
TEST(Connection, SentAnySaysWhetherAnyRequestByteLeft) {
  {
    Harness h;
    h.socket.add_connection().connect_result = Status::ConnectionRefused;
    EXPECT_EQ(h.get().status(), Status::ConnectionRefused);
    EXPECT_FALSE(h.connection->sent_any());
  }
  {
    Harness h;
    auto& c = h.socket.add_connection();
    c.send_failure = Status::ConnectionReset;
    c.fail_send_after_bytes = 0;
    EXPECT_EQ(h.get().status(), Status::ConnectionReset);
    EXPECT_FALSE(h.connection->sent_any());
  }
  {
    Harness h;
    auto& c = h.socket.add_connection();
    c.send_failure = Status::ConnectionReset;
    c.fail_send_after_bytes = 1;
    EXPECT_EQ(h.get().status(), Status::ConnectionReset);
    EXPECT_TRUE(h.connection->sent_any());
  }
  {
    Harness h;
    h.socket.add_connection().then_reset();
    h.socket.add_connection().connect_result = Status::ConnectionRefused;
    EXPECT_EQ(h.get().status(), Status::ConnectionReset);
    EXPECT_TRUE(h.connection->sent_any());
    // The next request never leaves: sent_any() is per request.
    EXPECT_EQ(h.get().status(), Status::ConnectionRefused);
    EXPECT_FALSE(h.connection->sent_any());
  }
}

TEST(Connection, RequestWriterErrorsSurfaceWithoutTouchingTheNetwork) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength);
  Request request;
  request.path = "/a\r\nX: y";
  EXPECT_EQ(h.execute(request).status(), Status::InvalidArgument);
  Limits tiny;
  tiny.request_head = 16;
  Harness small(tiny);
  small.socket.add_connection();
  EXPECT_EQ(small.get().status(), Status::BufferTooSmall);
  EXPECT_EQ(h.socket.connect_calls() + small.socket.connect_calls(), 0u);
}

TEST(Connection, EmptyBuffersAreACallerBug) {
  Limits limits;
  limits.receive_chunk = 0;
  Harness h(limits);
  h.socket.add_connection();
  EXPECT_EQ(h.get().status(), Status::InvalidArgument);
}

// ---- keep-alive and resend
// -------------------------------------------------------------------------

TEST(Connection, KeepAliveReusesOneConnection) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength).then_data(kChunked);
  Result<Response> first = h.get("/one");
  ASSERT_TRUE(first.ok());
  Result<Response> second = h.get("/two");
  ASSERT_TRUE(second.ok()) << status_name(second.status());
  EXPECT_EQ(body_text(*second), "hello 0123456789");
  EXPECT_EQ(h.socket.connect_calls(), 1u);
  const std::string sent = sent_on(h, 0);
  EXPECT_NE(sent.find("GET /one "), std::string::npos);
  EXPECT_NE(sent.find("GET /two "), std::string::npos);
}

TEST(Connection, ConnectionCloseMakesTheNextRequestReconnect) {
  Harness h;
  h.socket.add_connection().then_data(
      "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
  h.socket.add_connection().then_data(kContentLength);
  Result<Response> first = h.get();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->keep_alive);
  EXPECT_FALSE(h.connection->is_open());
  ASSERT_TRUE(h.get().ok());
  EXPECT_EQ(h.socket.connect_calls(), 2u);
}

TEST(Connection, Http10WithoutKeepAliveCloses) {
  Harness h;
  h.socket.add_connection().then_data("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
  Result<Response> r = h.get();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->keep_alive);
  EXPECT_FALSE(h.connection->is_open());
}

TEST(Connection, ExtraBytesAfterTheResponseCloseTheConnection) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength + "HTTP/1.1 200 OK\r\n");
  h.socket.add_connection().then_data(kChunked);
  Result<Response> first = h.get();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(body_text(*first), "{\"username\":\"ab\"}");
  EXPECT_FALSE(first->keep_alive);
  EXPECT_FALSE(h.connection->is_open());
  Result<Response> second = h.get();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(body_text(*second), "hello 0123456789");
  EXPECT_EQ(h.socket.connect_calls(), 2u);
}

TEST(Connection, BrokenIdleConnectionIsReplacedBeforeSending) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength).then_close();  // idle check sees the close
  h.socket.add_connection().then_data(kChunked);
  ASSERT_TRUE(h.get("/one").ok());
  Request post;
  post.method = Method::Post;  // not replayable, yet safe: nothing was sent on the dead socket
  post.path = "/two";
  ASSERT_TRUE(h.execute(post).ok());
  EXPECT_EQ(sent_on(h, 0).find("/two"), std::string::npos);
  EXPECT_NE(sent_on(h, 1).find("POST /two "), std::string::npos);
}

// The server closes a kept connection just after our idle check: the race the resend is for.
struct LostKeptConnection : ::testing::Test {
  void SetUp() override {
    h.probe.hide_idle_breakage = true;
    h.socket.add_connection().then_data(kContentLength).then_close();
    h.socket.add_connection().then_data(kChunked);
    ASSERT_TRUE(h.get("/first").ok());
  }
  Harness h;
};

TEST_F(LostKeptConnection, GetIsResentOnANewConnection) {
  Result<Response> r = h.get("/again");
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(body_text(*r), "hello 0123456789");
  EXPECT_EQ(h.socket.connect_calls(), 2u);
  EXPECT_NE(sent_on(h, 0).find("GET /again "), std::string::npos);
  EXPECT_NE(sent_on(h, 1).find("GET /again "), std::string::npos);
}

TEST_F(LostKeptConnection, NonReplayablePostIsNotResent) {
  const std::string json = "{\"a\":1}";
  Request post;
  post.method = Method::Post;
  post.path = "/api/tasks/";
  post.body = as_bytes(json);
  Result<Response> r = h.execute(post);
  EXPECT_EQ(r.status(), Status::PeerClosed);
  EXPECT_NE(std::string(r.error().detail.view()).find("not resent"), std::string::npos);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
  EXPECT_TRUE(sent_on(h, 1).empty());
}

TEST_F(LostKeptConnection, ReplayablePostIsResent) {
  const std::string json = "{\"refresh\":\"x\"}";
  Request post;
  post.method = Method::Post;
  post.path = "/api/token/refresh/";
  post.body = as_bytes(json);
  post.replayable = true;
  Result<Response> r = h.execute(post);
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(h.socket.connect_calls(), 2u);
  EXPECT_EQ(sent_on(h, 1).substr(sent_on(h, 1).size() - json.size()), json);
}

TEST_F(LostKeptConnection, PutAndDeleteAreResentWithoutOptIn) {
  Request put;
  put.method = Method::Put;
  put.path = "/x";
  ASSERT_TRUE(h.execute(put).ok());
  EXPECT_EQ(h.socket.connect_calls(), 2u);
}

TEST_F(LostKeptConnection, PatchIsNotResentWithoutOptIn) {
  Request patch;
  patch.method = Method::Patch;
  patch.path = "/x";
  EXPECT_EQ(h.execute(patch).status(), Status::PeerClosed);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
}

TEST(Connection, SendFailureOnAKeptConnectionResendsAGet) {
  Harness h;
  auto& c = h.socket.add_connection().then_data(kContentLength);
  h.socket.add_connection().then_data(kChunked);
  ASSERT_TRUE(h.get("/one").ok());
  c.send_failure = Status::ConnectionReset;
  c.fail_send_after_bytes = c.sent.size() + 5;  // dies 5 bytes into the second request
  Result<Response> r = h.get("/two");
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(sent_on(h, 1).rfind("GET /two ", 0), 0u);
}

TEST(Connection, ResendHappensOnlyOnce) {
  Harness h;
  h.probe.hide_idle_breakage = true;
  h.socket.add_connection().then_data(kContentLength).then_close();
  h.socket.add_connection().then_close();
  h.socket.add_connection().then_data(kContentLength);
  ASSERT_TRUE(h.get().ok());
  EXPECT_EQ(h.get().status(), Status::PeerClosed);
  EXPECT_EQ(h.socket.connect_calls(), 2u);
}

TEST(Connection, FreshConnectionClosedBeforeResponseIsNotResent) {
  Harness h;
  h.socket.add_connection().then_close();
  h.socket.add_connection().then_data(kContentLength);
  Result<Response> r = h.get();
  EXPECT_EQ(r.status(), Status::PeerClosed);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
}

// ---- bodiless responses
// ----------------------------------------------------------------------------

TEST(Connection, InterimContinueResponsesAreSkipped) {
  Harness h;
  h.socket.add_connection()
      .then_data("HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n")
      .then_data("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\n")
      .then_data("Content-Length: 2\r\n\r\nok");
  Result<Response> r = h.get();
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(body_text(*r), "ok");
  EXPECT_EQ(r->raw_headers, "Content-Length: 2\r\n");
  EXPECT_TRUE(h.connection->is_open());
}

TEST(Connection, OnlyInterimThenCloseIsTruncated) {
  Harness h;
  h.socket.add_connection().then_data("HTTP/1.1 100 Continue\r\n\r\n").then_close();
  EXPECT_EQ(h.get().status(), Status::HttpTruncatedResponse);
}

TEST(Connection, NoContentAndNotModifiedHaveNoBody) {
  Harness h;
  h.socket.add_connection()
      .then_data("HTTP/1.1 204 No Content\r\n\r\n")
      .then_data("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n")
      .then_data("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")
      .then_data(kContentLength);
  Result<Response> a = h.get();
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, 204);
  EXPECT_TRUE(a->body.empty());
  Result<Response> b = h.get();
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->status, 304);
  EXPECT_TRUE(b->body.empty());
  Result<Response> b2 = h.get();
  ASSERT_TRUE(b2.ok());
  EXPECT_TRUE(b2->body.empty());
  Result<Response> c = h.get();  // the stream stayed in step: no bytes were taken as a body
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, 200);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
}

TEST(Connection, HeadResponseHasNoBodyDespiteContentLength) {
  Harness h;
  h.socket.add_connection()
      .then_data("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n")
      .then_data(kContentLength);
  Request head;
  head.method = Method::Head;
  head.path = "/";
  Result<Response> r = h.execute(head);
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(r->header("Content-Length").value_or(""), "1234");
  Result<Response> next = h.get();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(body_text(*next), "{\"username\":\"ab\"}");
}

// ---- secrets and logs
// -------------------------------------------------------------------------------

TEST(Connection, LogsMethodPathStatusButNoHeaderValuesOrBodies) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength);
  const std::string json = "{\"refresh\":\"BODY-SECRET\"}";
  Request request;
  request.method = Method::Post;
  request.path = "/api/token/refresh/";
  request.authorization = "Bearer HEADER-SECRET";
  request.body = as_bytes(json);
  ASSERT_TRUE(h.execute(request).ok());
  const std::string logged = h.log.all_text();
  EXPECT_NE(logged.find("POST /api/token/refresh/ -> 200"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("HEADER-SECRET"), std::string::npos);
  EXPECT_EQ(logged.find("BODY-SECRET"), std::string::npos);
  EXPECT_EQ(logged.find("username"), std::string::npos);  // response body
  EXPECT_EQ(logged.find("charset"), std::string::npos);   // response header value
}

TEST(Connection, RequestHeadBufferIsWipedAfterTheRequest) {
  for (const bool succeed : {true, false}) {
    Harness h;
    auto& c = h.socket.add_connection();
    if (succeed) {
      c.then_data(kContentLength);
    } else {
      c.then_reset();
    }
    Request request;
    request.path = "/";
    request.authorization = "Token LEGACY-SECRET";
    (void)h.execute(request);
    EXPECT_NE(sent_on(h, 0).find("LEGACY-SECRET"), std::string::npos);
    const std::string buffer(h.head.begin(), h.head.end());
    EXPECT_EQ(buffer.find("LEGACY"), std::string::npos) << succeed;
  }
}

TEST(Connection, CloseDropsTheKeptConnection) {
  Harness h;
  h.socket.add_connection().then_data(kContentLength);
  h.socket.add_connection().then_data(kContentLength);
  ASSERT_TRUE(h.get().ok());
  h.connection->close();
  EXPECT_FALSE(h.connection->is_open());
  ASSERT_TRUE(h.get().ok());
  EXPECT_EQ(h.socket.connect_calls(), 2u);
}

}  // namespace
}  // namespace lsedge::http
