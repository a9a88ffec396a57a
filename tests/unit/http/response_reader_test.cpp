// ResponseReader on its own: bytes in, a Response (or a framing error) out.
#include "firmware/http/response_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace lsedge::http {
namespace {

class ReaderTest : public ::testing::Test {
 protected:
  // Small limits so the edge cases stay readable.
  static constexpr size_t kHeaders = 128;
  static constexpr size_t kBody = 32;

  uint8_t headers_[kHeaders] = {};
  uint8_t body_[kBody] = {};
  ResponseReader reader_{ByteSpan(headers_), ByteSpan(body_)};

  Outcome feed(std::string_view text) { return reader_.feed(as_bytes(text)); }
  // Feeds one byte at a time: framing must not depend on how the stream is split.
  Outcome feed_bytewise(std::string_view text) {
    for (const char c : text) {
      const Outcome fed = feed(std::string_view(&c, 1));
      if (!fed.ok()) {
        return fed;
      }
    }
    return {};
  }
  std::string body() const { return std::string(as_text(reader_.response().body)); }
};

TEST_F(ReaderTest, ContentLengthBodyAndStatusLine) {
  constexpr std::string_view kHead = "HTTP/1.1 201 Created\r\nContent-Length: 5\r\n\r\n";
  ASSERT_TRUE(feed(std::string(kHead) + "hel").ok());
  EXPECT_FALSE(reader_.complete());
  ASSERT_TRUE(feed("lo").ok());
  ASSERT_TRUE(reader_.complete());
  const Response r = reader_.response();
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(body(), "hello");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(reader_.bytes_received(), kHead.size() + 5);
  EXPECT_FALSE(reader_.has_extra_bytes());
}

TEST_F(ReaderTest, SameResultWhenFedByteByByte) {
  ASSERT_TRUE(feed_bytewise("HTTP/1.1 200 OK\r\nContent-Type:  text/plain \r\n"
                            "Content-Length: 2\r\n\r\nok")
                  .ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(reader_.response().content_type, "text/plain");
  EXPECT_EQ(body(), "ok");
}

TEST_F(ReaderTest, KnownHeadersFirstOccurrenceTrimmedAndRawHeadersInOrder) {
  ASSERT_TRUE(feed("HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer realm=\"api\"\r\n"
                   "Retry-After: 7\t\r\nRetry-After: 9\r\nX-Other: a\r\nContent-Length: 0\r\n\r\n")
                  .ok());
  ASSERT_TRUE(reader_.complete());
  const Response r = reader_.response();
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.www_authenticate, "Bearer realm=\"api\"");
  EXPECT_EQ(r.retry_after, "7");
  EXPECT_EQ(r.content_type, "");
  EXPECT_EQ(r.raw_headers,
            "www-authenticate: Bearer realm=\"api\"\r\nRetry-After: 7\r\nRetry-After: 9\r\n"
            "X-Other: a\r\nContent-Length: 0\r\n");
  EXPECT_EQ(r.header("x-other").value_or("missing"), "a");
  EXPECT_FALSE(r.header("X-Absent").has_value());
}

TEST_F(ReaderTest, ChunkedBodyIsDechunkedAndTrailersAreNotHeaders) {
  ASSERT_TRUE(feed_bytewise("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: t\r\n\r\n")
                  .ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(body(), "abc0123456789abcdef");
  EXPECT_EQ(reader_.response().raw_headers, "Transfer-Encoding: chunked\r\n");
  EXPECT_TRUE(reader_.response().keep_alive);
}

TEST_F(ReaderTest, CloseDelimitedBodyEndsAtFinish) {
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end").ok());
  EXPECT_FALSE(reader_.complete());
  ASSERT_TRUE(reader_.finish().ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(body(), "until the end");
  EXPECT_FALSE(reader_.response().keep_alive);
}

TEST_F(ReaderTest, InterimResponsesAreSkipped) {
  ASSERT_TRUE(
      feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n").ok());
  EXPECT_FALSE(reader_.complete());
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(reader_.response().status, 200);
  EXPECT_EQ(body(), "x");
  EXPECT_EQ(reader_.response().raw_headers, "Content-Length: 1\r\n");
}

TEST_F(ReaderTest, OnlyInterimResponsesThenCloseIsTruncated) {
  ASSERT_TRUE(feed("HTTP/1.1 100 Continue\r\n\r\n").ok());
  const Outcome finished = reader_.finish();
  EXPECT_EQ(finished.status(), Status::HttpTruncatedResponse);
}

TEST_F(ReaderTest, BodilessStatusesAndHeadIgnoreContentLength) {
  ASSERT_TRUE(feed("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(reader_.response().body.size(), 0u);

  reader_.begin(false);
  ASSERT_TRUE(feed("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").ok());
  ASSERT_TRUE(reader_.complete());

  reader_.begin(true);
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(reader_.response().body.size(), 0u);
}

TEST_F(ReaderTest, TruncatedBodyAtFinish) {
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort").ok());
  EXPECT_EQ(reader_.finish().status(), Status::HttpTruncatedResponse);
  // Failed until begin().
  EXPECT_EQ(feed("more").status(), Status::HttpMalformedResponse);
  EXPECT_EQ(reader_.finish().status(), Status::HttpMalformedResponse);
}

TEST_F(ReaderTest, TruncatedHeadersAtFinish) {
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Le").ok());
  EXPECT_EQ(reader_.finish().status(), Status::HttpTruncatedResponse);
}

TEST_F(ReaderTest, NothingReceivedIsPeerClosed) {
  EXPECT_FALSE(reader_.received_any());
  EXPECT_EQ(reader_.finish().status(), Status::PeerClosed);
  ASSERT_TRUE(feed("").ok());
  EXPECT_FALSE(reader_.received_any());
}

TEST_F(ReaderTest, HeadersAtTheLimitFitAndOneMoreByteDoesNot) {
  // raw_headers holds "Name: value\r\n": fill the 128-byte buffer exactly.
  // A 123-byte header line alone fits; with Content-Length after it the headers do not.
  const std::string value(kHeaders - std::string_view("X: \r\n").size(), 'v');
  EXPECT_EQ(feed("HTTP/1.1 200 OK\r\nX: " + value + "\r\nContent-Length: 0\r\n\r\n").status(),
            Status::HttpHeadersTooLarge);
  reader_.begin(false);
  const std::string fits(kHeaders - std::string_view("X: \r\n").size() -
                             std::string_view("Content-Length: 0\r\n").size(),
                         'v');
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nX: " + fits + "\r\nContent-Length: 0\r\n\r\n").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(reader_.response().raw_headers.size(), kHeaders);

  reader_.begin(false);
  const Outcome over = feed("HTTP/1.1 200 OK\r\nX: " + fits + "v\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(over.status(), Status::HttpHeadersTooLarge);
}

TEST_F(ReaderTest, BodyAtTheLimitFitsAndOneMoreByteIsTruncated) {
  const std::string full(kBody, 'b');
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n" + full).ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(body(), full);
  EXPECT_FALSE(reader_.truncated());
  EXPECT_FALSE(reader_.response().truncated);

  reader_.begin(false);
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 33\r\n\r\n" + full + "X").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(body(), full);
  EXPECT_TRUE(reader_.response().truncated);
  EXPECT_EQ(reader_.discarded_bytes(), 1u);
  EXPECT_TRUE(reader_.response().keep_alive);  // drained whole: the stream is in step

  reader_.begin(false);
  ASSERT_TRUE(feed_bytewise("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + full +
                            "\r\n1\r\nX\r\n0\r\n\r\n")
                  .ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_EQ(body(), full);
  EXPECT_TRUE(reader_.response().truncated);
  EXPECT_EQ(reader_.discarded_bytes(), 1u);
  EXPECT_FALSE(reader_.has_extra_bytes());

  reader_.begin(false);
  EXPECT_FALSE(reader_.truncated());
  EXPECT_EQ(reader_.discarded_bytes(), 0u);
}

TEST_F(ReaderTest, DrainLimitEndsTheResponseWithoutExtraBytes) {
  reader_.set_drain_limit(10);
  const std::string head = "HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\n";
  ASSERT_TRUE(feed(head + std::string(32 + 10, 'a')).ok());
  EXPECT_FALSE(reader_.complete());
  EXPECT_TRUE(reader_.draining());
  ASSERT_TRUE(feed("b").ok());  // the 11th discarded byte
  ASSERT_TRUE(reader_.complete());
  EXPECT_TRUE(reader_.drain_capped());
  EXPECT_FALSE(reader_.draining());
  EXPECT_FALSE(reader_.has_extra_bytes());
  const Response r = reader_.response();
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(body(), std::string(32, 'a'));
}

TEST_F(ReaderTest, EndDrainingOnlyWhileDraining) {
  EXPECT_FALSE(reader_.end_draining());  // nothing yet
  ASSERT_TRUE(
      feed("HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\n" + std::string(32, 'a')).ok());
  EXPECT_FALSE(reader_.draining());  // full but nothing discarded: a slow body, not a drain
  EXPECT_FALSE(reader_.end_draining());
  ASSERT_TRUE(feed("a").ok());
  EXPECT_TRUE(reader_.draining());
  EXPECT_TRUE(reader_.end_draining());
  EXPECT_TRUE(reader_.ended_draining());
  EXPECT_TRUE(reader_.complete());
  EXPECT_FALSE(reader_.response().keep_alive);
  EXPECT_TRUE(reader_.response().truncated);
  EXPECT_FALSE(reader_.end_draining());  // once
}

TEST_F(ReaderTest, FinishWhileDrainingEndsTheResponse) {
  ASSERT_TRUE(
      feed("HTTP/1.1 400 Bad Request\r\nContent-Length: 100\r\n\r\n" + std::string(40, 'a')).ok());
  ASSERT_TRUE(reader_.finish().ok());
  EXPECT_TRUE(reader_.complete());
  EXPECT_TRUE(reader_.ended_draining());
  EXPECT_EQ(reader_.response().status, 400);
}

TEST_F(ReaderTest, MalformedResponsesCarryTheLlhttpCode) {
  const char* const kBad[] = {
      "HTTX/1.1 200 OK\r\n\r\n",
      "HTTP/1.1 2 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
  };
  for (const char* bad : kBad) {
    reader_.begin(false);
    const Outcome fed = feed(bad);
    EXPECT_EQ(fed.status(), Status::HttpMalformedResponse) << bad;
    EXPECT_FALSE(reader_.complete()) << bad;
  }
  reader_.begin(false);
  EXPECT_NE(feed("HTTX/1.1 200 OK\r\n\r\n").error().code, 0);
}

TEST_F(ReaderTest, BytesAfterTheResponseAreExtraAndEndKeepAlive) {
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_TRUE(reader_.has_extra_bytes());
  EXPECT_FALSE(reader_.response().keep_alive);
  EXPECT_EQ(body(), "x");

  reader_.begin(false);
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx").ok());
  EXPECT_FALSE(reader_.has_extra_bytes());
  ASSERT_TRUE(feed("late").ok());  // a later read after completion
  EXPECT_TRUE(reader_.has_extra_bytes());
  EXPECT_FALSE(reader_.response().keep_alive);
}

TEST_F(ReaderTest, Http10AndConnectionCloseAreNotKeptAlive) {
  ASSERT_TRUE(feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_FALSE(reader_.response().keep_alive);

  reader_.begin(false);
  ASSERT_TRUE(feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").ok());
  ASSERT_TRUE(reader_.complete());
  EXPECT_FALSE(reader_.response().keep_alive);
}

TEST_F(ReaderTest, BeginForgetsThePreviousResponse) {
  ASSERT_TRUE(feed("HTTP/1.1 500 Oops\r\nContent-Type: a/b\r\nContent-Length: 1\r\n\r\nx").ok());
  reader_.begin(false);
  EXPECT_FALSE(reader_.complete());
  EXPECT_EQ(reader_.bytes_received(), 0u);
  const Response r = reader_.response();
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.body.size(), 0u);
  EXPECT_EQ(r.content_type, "");
  EXPECT_EQ(r.raw_headers, "");
}

}  // namespace
}  // namespace lsedge::http
