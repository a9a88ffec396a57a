// Streamed request bodies (Request::body_source): framing on the wire, sources that break their
// size() promise, and the rewind before a resend on a new connection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "firmware/http/connection.h"
#include "firmware/http/request_writer.h"
#include "tests/unit/http/http_harness.h"

namespace lsedge::http {
namespace {

using test::body_text;
using test::Harness;
using test::Limits;

const std::string kCreated =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

// A BodySource over a string, with knobs for every way a source can misbehave.
class StringSource final : public BodySource {
 public:
  explicit StringSource(std::string data) : announced(data.size()), data_(std::move(data)) {}

  size_t max_per_read = SIZE_MAX;  // hand out at most this much per read
  uint64_t announced = 0;          // what size() says (defaults to the real size)
  bool rewind_fails = false;       // rewind() answers FileError
  size_t fail_read_at = SIZE_MAX;  // read() fails once the position reaches this
  bool claim_too_many = false;     // read() reports more than it was offered
  size_t rewinds = 0;
  size_t reads = 0;
  size_t largest_offer = 0;  // the biggest `out` it was handed

  Result<size_t> read(ByteSpan out) override {
    ++reads;
    largest_offer = std::max(largest_offer, out.size());
    if (position_ >= fail_read_at) {
      return Error(Status::FileError, "reading batch.json");
    }
    if (claim_too_many) {
      return out.size() + 1;
    }
    size_t n = std::min({out.size(), data_.size() - position_, max_per_read});
    if (position_ < fail_read_at) {
      n = std::min(n, fail_read_at - position_);
    }
    std::memcpy(out.data(), data_.data() + position_, n);
    position_ += n;
    return n;
  }
  Outcome rewind() override {
    ++rewinds;
    if (rewind_fails) {
      return Error(Status::FileError, "cannot seek");
    }
    position_ = 0;
    return {};
  }
  uint64_t size() const override { return announced; }

 private:
  std::string data_;
  size_t position_ = 0;
};

Request streamed_post(StringSource& source, std::string_view path = "/api/projects/1/import") {
  Request request;
  request.method = Method::Post;
  request.path = path;
  request.content_type = "application/json";
  request.body_source = &source;
  return request;
}

std::string sent_on(Harness& h, size_t connection) {
  return h.socket.connection(connection).sent;
}

std::string body_of(const std::string& wire) {
  const size_t end = wire.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : wire.substr(end + 4);
}

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = static_cast<char>('a' + (i * 7) % 26);
  }
  return s;
}

// ---- request head ---------------------------------------------------------------------------

TEST(BodySourceHead, ContentLengthIsTheSourcesSize) {
  StringSource source(pattern(1048576));
  std::vector<uint8_t> out(4096);
  Result<size_t> n =
      write_request_head(streamed_post(source), {"ls.example", 80, 80}, ByteSpan(out.data(), 4096));
  ASSERT_TRUE(n.ok());
  const std::string head(reinterpret_cast<const char*>(out.data()), *n);
  EXPECT_EQ(head,
            "POST /api/projects/1/import HTTP/1.1\r\n"
            "Host: ls.example\r\n"
            "User-Agent: lsedge/" LSEDGE_VERSION
            "\r\n"
            "Accept: application/json\r\n"
            "Connection: keep-alive\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 1048576\r\n"
            "\r\n");
  EXPECT_EQ(source.reads, 0u);  // the head never touches the body
}

TEST(BodySourceHead, EmptySourceOnAGetStillSendsContentLengthZero) {
  StringSource source("");
  Request request;
  request.path = "/x";
  request.body_source = &source;
  std::vector<uint8_t> out(4096);
  Result<size_t> n = write_request_head(request, {"h", 80, 80}, ByteSpan(out.data(), 4096));
  ASSERT_TRUE(n.ok());
  EXPECT_NE(
      std::string(reinterpret_cast<const char*>(out.data()), *n).find("Content-Length: 0\r\n"),
      std::string::npos);
}

TEST(BodySourceHead, BodyAndBodySourceTogetherAreACallerBug) {
  StringSource source("abc");
  Request request = streamed_post(source);
  request.body = as_bytes("abc");
  std::vector<uint8_t> out(4096);
  Result<size_t> n = write_request_head(request, {"h", 80, 80}, ByteSpan(out.data(), 4096));
  EXPECT_EQ(n.status(), Status::InvalidArgument);

  Harness h;
  h.socket.add_connection().then_data(kCreated);
  EXPECT_EQ(h.execute(request).status(), Status::InvalidArgument);
  EXPECT_EQ(h.socket.connect_calls(), 0u);
  EXPECT_EQ(source.reads, 0u);
}

// ---- streaming on the wire ------------------------------------------------------------------

TEST(BodySourceStreaming, BodyArrivesWholeWithExactContentLengthUnderPartialSends) {
  const std::string data = pattern(10000);
  for (const size_t send_limit : {size_t{1}, size_t{7}, size_t{4096}, SIZE_MAX}) {
    for (const size_t per_read : {size_t{1}, size_t{3}, size_t{1000}, SIZE_MAX}) {
      if (send_limit == 1 && per_read == 1) {
        continue;  // 10000 one-byte sends add nothing over the 1-byte send case below
      }
      Harness h;
      auto& c = h.socket.add_connection().then_data(kCreated);
      c.max_send_chunk = send_limit;
      StringSource source(data);
      source.max_per_read = per_read;
      Result<Response> r = h.execute(streamed_post(source));
      ASSERT_TRUE(r.ok()) << send_limit << "/" << per_read << ": " << status_name(r.status()) << " "
                          << r.error().detail.view();
      EXPECT_EQ(r->status, 201);
      const std::string wire = sent_on(h, 0);
      EXPECT_NE(wire.find("\r\nContent-Length: 10000\r\n"), std::string::npos);
      EXPECT_EQ(body_of(wire), data) << send_limit << "/" << per_read;
      EXPECT_EQ(source.rewinds, 0u);
    }
  }
}

// A TLS transport takes a little less than 16 KiB per record (Mbed TLS: 16,383 bytes of a
// 16,384-byte offer). What it leaves is sent with the next chunk's bytes, not alone: every body
// send but the last is offered the whole chunk (before, each full record was followed by a
// 1-byte one).
TEST(BodySourceStreaming, WhatASendLeavesGoesWithTheNextChunkNotAlone) {
  Limits limits;
  limits.send_chunk = 512;
  for (const size_t per_read : {size_t{1}, size_t{100}, SIZE_MAX}) {
    Harness h(limits);
    auto& c = h.socket.add_connection().then_data(kCreated);
    c.max_send_chunk = 511;
    StringSource source(pattern(20000));
    source.max_per_read = per_read;
    ASSERT_TRUE(h.execute(streamed_post(source)).ok());
    EXPECT_EQ(body_of(sent_on(h, 0)), pattern(20000));
    const std::vector<size_t>& offered = c.offered;
    size_t head_sends = 0;  // the head goes first, in its own sends
    while (head_sends < offered.size() && offered[head_sends] != 512) {
      ++head_sends;
    }
    ASSERT_LT(head_sends, offered.size());
    size_t body_sends = offered.size() - head_sends;
    EXPECT_EQ(body_sends, (20000 + 510) / 511) << "a full 511-byte send each time";
    for (size_t i = head_sends; i + 2 < offered.size(); ++i) {
      EXPECT_EQ(offered[i], 512u) << i;
    }
  }
}

TEST(BodySourceStreaming, OneByteSendsOfASmallBody) {
  Harness h;
  auto& c = h.socket.add_connection().then_data(kCreated);
  c.max_send_chunk = 1;
  StringSource source("[{\"text\":\"a\"},{\"text\":\"b\"}]");
  ASSERT_TRUE(h.execute(streamed_post(source)).ok());
  EXPECT_EQ(body_of(sent_on(h, 0)), "[{\"text\":\"a\"},{\"text\":\"b\"}]");
}

TEST(BodySourceStreaming, TheSendChunkIsUsedWhenGivenElseTheReceiveChunk) {
  {
    Limits limits;
    limits.receive_chunk = 64;
    limits.send_chunk = 512;
    Harness h(limits);
    h.socket.add_connection().then_data(kCreated);
    StringSource source(pattern(5000));
    ASSERT_TRUE(h.execute(streamed_post(source)).ok());
    EXPECT_EQ(source.largest_offer, 512u);
    EXPECT_EQ(body_of(sent_on(h, 0)), pattern(5000));
  }
  {
    Limits limits;
    limits.receive_chunk = 64;
    Harness h(limits);
    h.socket.add_connection().then_data(kCreated);
    StringSource source(pattern(5000));
    Result<Response> r = h.execute(streamed_post(source));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(source.largest_offer, 64u);
    EXPECT_EQ(body_of(sent_on(h, 0)), pattern(5000));
    EXPECT_EQ(body_text(*r), "{}");  // the response was read through the same chunk afterwards
  }
}

TEST(BodySourceStreaming, EmptySourceSendsOnlyTheHead) {
  Harness h;
  h.socket.add_connection().then_data(kCreated);
  StringSource source("");
  ASSERT_TRUE(h.execute(streamed_post(source)).ok());
  const std::string wire = sent_on(h, 0);
  EXPECT_NE(wire.find("\r\nContent-Length: 0\r\n"), std::string::npos);
  EXPECT_EQ(wire.size(), wire.find("\r\n\r\n") + 4);
}

TEST(BodySourceStreaming, KeptAliveConnectionServesTheNextRequestAfterAStreamedOne) {
  Harness h;
  h.socket.add_connection().then_data(kCreated).then_data(kCreated);
  StringSource first(pattern(3000));
  StringSource second("{}");
  ASSERT_TRUE(h.execute(streamed_post(first)).ok());
  ASSERT_TRUE(h.execute(streamed_post(second)).ok());
  EXPECT_EQ(h.socket.connect_calls(), 1u);
  const std::string wire = sent_on(h, 0);
  EXPECT_NE(wire.find(pattern(3000) + "POST /api/projects/1/import HTTP/1.1\r\n"),
            std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 2), "{}");
}

// ---- sources that break their promise --------------------------------------------------------

TEST(BodySourceStreaming, ShortSourceIsRefusedAndTheConnectionClosed) {
  Harness h;
  h.socket.add_connection().then_data(kCreated);
  h.socket.add_connection().then_data(kCreated);
  StringSource source(pattern(100));
  source.announced = 150;
  Result<Response> r = h.execute(streamed_post(source));
  ASSERT_EQ(r.status(), Status::InvalidArgument);
  EXPECT_EQ(r.error().detail.view(), "body source ended after 100 of the 150 bytes it announced");
  EXPECT_FALSE(h.connection->is_open());
  EXPECT_EQ(h.socket.connect_calls(), 1u);  // never resent
  EXPECT_EQ(body_of(sent_on(h, 0)), pattern(100));
}

TEST(BodySourceStreaming, LongSourceIsRefusedBeforeAnyExtraByteIsSent) {
  for (const size_t per_read : {size_t{1}, size_t{30}, SIZE_MAX}) {
    Harness h;
    h.socket.add_connection().then_data(kCreated);
    StringSource source(pattern(100));
    source.announced = 60;
    source.max_per_read = per_read;
    Result<Response> r = h.execute(streamed_post(source));
    ASSERT_EQ(r.status(), Status::InvalidArgument) << per_read;
    EXPECT_EQ(r.error().detail.view(), "body source produced more than the 60 bytes it announced");
    EXPECT_FALSE(h.connection->is_open());
    const std::string body = body_of(sent_on(h, 0));
    EXPECT_LE(body.size(), 60u) << per_read;  // never more than Content-Length on the wire
    EXPECT_EQ(body, pattern(100).substr(0, body.size()));
  }
}

TEST(BodySourceStreaming, SourceClaimingMoreThanItWasOfferedIsRefused) {
  Harness h;
  h.socket.add_connection().then_data(kCreated);
  StringSource source(pattern(10));
  source.claim_too_many = true;
  Result<Response> r = h.execute(streamed_post(source));
  EXPECT_EQ(r.status(), Status::InvalidArgument);
  EXPECT_FALSE(h.connection->is_open());
  EXPECT_EQ(body_of(sent_on(h, 0)), "");
}

TEST(BodySourceStreaming, SourceReadErrorsSurfaceAsTheyAreAndAreNeverResent) {
  Harness h;
  h.probe.hide_idle_breakage = true;
  h.socket.add_connection().then_data(kCreated);
  h.socket.add_connection().then_data(kCreated);
  StringSource source(pattern(100));
  source.fail_read_at = 40;
  Request request = streamed_post(source);
  request.replayable = true;
  Result<Response> r = h.execute(request);
  ASSERT_EQ(r.status(), Status::FileError);
  EXPECT_EQ(r.error().detail.view(), "reading batch.json");
  EXPECT_FALSE(h.connection->is_open());
  EXPECT_EQ(h.socket.connect_calls(), 1u);
  EXPECT_EQ(source.rewinds, 0u);
}

TEST(BodySourceStreaming, SendFailureMidBodyOnAFreshConnectionIsReported) {
  Harness h;
  auto& c = h.socket.add_connection();
  StringSource source(pattern(5000));
  Request request = streamed_post(source);
  c.send_failure = Status::ConnectionReset;
  c.fail_send_after_bytes = 300;  // inside the body
  request.replayable = true;
  EXPECT_EQ(h.execute(request).status(), Status::ConnectionReset);
  EXPECT_EQ(h.socket.connect_calls(), 1u);  // a fresh connection is never resent
  EXPECT_EQ(source.rewinds, 0u);
}

// ---- resend after a dead kept-alive connection ----------------------------------------------

struct LostKeptConnectionStreaming : ::testing::Test {
  void SetUp() override {
    h.probe.hide_idle_breakage = true;
    h.socket.add_connection().then_data(kCreated).then_close();
    h.socket.add_connection().then_data(kCreated);
    ASSERT_TRUE(h.get("/first").ok());
  }
  Harness h;
};

TEST_F(LostKeptConnectionStreaming, ReplayableSourceIsRewoundAndResentWhole) {
  auto& dead = h.socket.connection(0);
  dead.receive_events.clear();
  dead.send_failure = Status::ConnectionReset;
  dead.fail_send_after_bytes = dead.sent.size() + 400;  // dies inside the body
  StringSource source(pattern(3000));
  source.max_per_read = 128;
  Request request = streamed_post(source);
  request.replayable = true;
  Result<Response> r = h.execute(request);
  ASSERT_TRUE(r.ok()) << status_name(r.status()) << " " << r.error().detail.view();
  EXPECT_EQ(source.rewinds, 1u);
  EXPECT_EQ(h.socket.connect_calls(), 2u);
  const std::string resent = sent_on(h, 1);
  EXPECT_EQ(resent.rfind("POST /api/projects/1/import HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(resent.find("\r\nContent-Length: 3000\r\n"), std::string::npos);
  EXPECT_EQ(body_of(resent), pattern(3000));
}

TEST_F(LostKeptConnectionStreaming, PeerCloseBeforeTheResponseRewindsForAPut) {
  StringSource source(pattern(700));
  Request request = streamed_post(source);
  request.method = Method::Put;  // idempotent: resent without opting in
  Result<Response> r = h.execute(request);
  ASSERT_TRUE(r.ok()) << status_name(r.status());
  EXPECT_EQ(source.rewinds, 1u);
  EXPECT_EQ(body_of(sent_on(h, 1)), pattern(700));
}

TEST_F(LostKeptConnectionStreaming, FailedRewindMeansNoResend) {
  StringSource source(pattern(700));
  source.rewind_fails = true;
  Request request = streamed_post(source);
  request.replayable = true;
  Result<Response> r = h.execute(request);
  ASSERT_EQ(r.status(), Status::PeerClosed);
  EXPECT_NE(std::string(r.error().detail.view()).find("could not be rewound"), std::string::npos);
  EXPECT_EQ(source.rewinds, 1u);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
  EXPECT_TRUE(sent_on(h, 1).empty());
}

TEST_F(LostKeptConnectionStreaming, NonReplayablePostIsNeitherRewoundNorResent) {
  StringSource source(pattern(700));
  Result<Response> r = h.execute(streamed_post(source));
  ASSERT_EQ(r.status(), Status::PeerClosed);
  EXPECT_NE(std::string(r.error().detail.view()).find("not resent"), std::string::npos);
  EXPECT_EQ(source.rewinds, 0u);
  EXPECT_EQ(h.socket.connect_calls(), 1u);
}

TEST(BodySourceLogging, LogLineCountsTheStreamedBodyButNeverItsBytes) {
  Harness h;
  h.socket.add_connection().then_data(kCreated);
  StringSource source("{\"text\":\"BODY-CONTENT\"}");
  ASSERT_TRUE(h.execute(streamed_post(source)).ok());
  const std::string logged = h.log.all_text();
  EXPECT_EQ(logged.find("BODY-CONTENT"), std::string::npos);
  const size_t head_size = sent_on(h, 0).find("\r\n\r\n") + 4;
  EXPECT_NE(logged.find("-> 201 (sent " + std::to_string(head_size + 23) + " B"), std::string::npos)
      << logged;
}

}  // namespace
}  // namespace lsedge::http
