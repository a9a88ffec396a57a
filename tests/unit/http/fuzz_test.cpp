// Hostile input: deterministic pseudo-random responses must never crash or overflow (run this
// under ASan/UBSan too), and every outcome is a success or a framing/network error.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/unit/http/http_harness.h"

namespace lsedge::http {
namespace {

using test::Harness;
using test::Limits;

const char* const kSeeds[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"id\":1234}",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;a=b\r\nabcd\r\n0\r\nT: v\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"
    "Content-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nclose delimited body",
    "HTTP/1.1 204 No Content\r\nRetry-After: 3\r\n\r\n",
};

const char kAlphabet[] =
    "HTTP/1.0 23456789:;\r\n\t\0abcdefxyzCONTENT-LENGTHtransfer-encodingchunked";

std::string mutate(std::mt19937& rng, std::string text) {
  std::uniform_int_distribution<int> op_count(1, 6);
  const int ops = op_count(rng);
  for (int i = 0; i < ops && !text.empty(); ++i) {
    std::uniform_int_distribution<size_t> at(0, text.size() - 1);
    const size_t pos = at(rng);
    switch (rng() % 6) {
      case 0:
        text[pos] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:
        text.insert(pos, 1, kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
        break;
      case 2:
        text.erase(pos, 1 + rng() % 8);
        break;
      case 3:
        text.insert(pos, std::string(rng() % 600, static_cast<char>('A' + rng() % 26)));
        break;
      case 4:
        text.insert(pos, "\r\n");
        break;
      default:
        text.insert(pos, std::to_string(rng()));
        break;
    }
  }
  return text;
}

std::string random_response(std::mt19937& rng) {
  if (rng() % 4 == 0) {
    std::string garbage(rng() % 512, '\0');
    for (char& c : garbage) {
      c = static_cast<char>(rng() & 0xFF);
    }
    return garbage;
  }
  const std::string seed = kSeeds[rng() % (sizeof(kSeeds) / sizeof(kSeeds[0]))];
  return rng() % 5 == 0 ? seed : mutate(rng, seed);
}

bool expected_failure(Status s) {
  return s == Status::HttpMalformedResponse || s == Status::HttpHeadersTooLarge ||
         s == Status::HttpTruncatedResponse || s == Status::Timeout || s == Status::PeerClosed;
}

TEST(HttpFuzz, TwoThousandHostileResponsesNeverCrash) {
  std::mt19937 rng(20240607u);
  size_t successes = 0;
  size_t failures = 0;
  size_t truncated = 0;
  for (int i = 0; i < 2000; ++i) {
    Limits limits;
    limits.response_headers = 48 + rng() % 200;
    limits.response_body = rng() % 64;
    limits.receive_chunk = 1 + rng() % 64;
    Harness h(limits);
    const std::string response = random_response(rng);
    auto& c = h.socket.add_connection();
    // Deliver in random pieces (never empty), then end the stream one way or another.
    size_t pos = 0;
    while (pos < response.size()) {
      const size_t n = 1 + rng() % 40;
      c.then_data(response.substr(pos, n));
      pos += n;
    }
    if (rng() % 3 != 0) {
      c.then_close();
    }
    Request request;
    request.method = rng() % 8 == 0 ? Method::Head : Method::Get;
    request.path = "/fuzz";
    Result<Response> r = h.execute(request, 10000);
    if (r.ok()) {
      ++successes;
      ASSERT_LE(r->body.size(), limits.response_body) << i;
      ASSERT_LE(r->raw_headers.size(), limits.response_headers) << i;
      ASSERT_GE(r->status, 200) << i;
      ASSERT_LE(r->status, 999) << i;
      if (r->body.size() != 0) {
        ASSERT_EQ(r->body.data(), h.body.data()) << i;
      }
      // Only a full buffer is ever truncated, and a closed connection is never reported open.
      if (r->truncated) {
        ++truncated;
        ASSERT_EQ(r->body.size(), limits.response_body) << i;
      }
      if (!r->keep_alive) {
        ASSERT_FALSE(h.connection->is_open()) << i;
      }
    } else {
      ++failures;
      ASSERT_TRUE(expected_failure(r.status()))
          << i << ": " << status_name(r.status()) << " " << r.error().detail.view();
      ASSERT_FALSE(h.connection->is_open()) << i;
    }
  }
  // The corpus must exercise both sides, or it tests nothing.
  EXPECT_GT(successes, 50u);
  EXPECT_GT(failures, 500u);
  EXPECT_GT(truncated, 20u);
}

TEST(HttpFuzz, ReaderSurvivesArbitraryFeedsAfterFailureOrCompletion) {
  std::mt19937 rng(7u);
  std::vector<uint8_t> headers(64), body(16);
  ResponseReader reader(ByteSpan(headers.data(), headers.size()),
                        ByteSpan(body.data(), body.size()));
  for (int i = 0; i < 300; ++i) {
    reader.begin(rng() % 2 == 0);
    for (int k = 0; k < 10; ++k) {
      std::string bytes = random_response(rng).substr(0, 1 + rng() % 100);
      (void)reader.feed(as_bytes(bytes));
    }
    (void)reader.finish();
    if (reader.complete()) {
      const Response response = reader.response();
      ASSERT_LE(response.body.size(), body.size());
      ASSERT_LE(response.raw_headers.size(), headers.size());
    }
  }
}

}  // namespace
}  // namespace lsedge::http
