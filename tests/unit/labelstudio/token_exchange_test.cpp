// TokenExchange on its own: right after a refresh, before any other request could overwrite them,
// the access token is in none of the connection's buffers nor in the JSON arena.
#include "firmware/labelstudio/token_exchange.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/fakes/test_tokens.h"
#include "tests/unit/labelstudio/api_rig.h"

namespace lsedge::labelstudio {
namespace {

using test::http_response;
using test::Rig;

// Where a secret may linger: the rig's buffers and the arena the exchange parsed into.
struct Residue {
  static bool in(const uint8_t* data, size_t size, const std::string& secret) {
    return std::string(reinterpret_cast<const char*>(data), size).find(secret) != std::string::npos;
  }
};

class TokenExchangeWipe : public ::testing::Test {
 protected:
  Rig rig;
  alignas(max_align_t) uint8_t arena_memory[65536] = {};
  Arena arena{ByteSpan(arena_memory, sizeof(arena_memory))};
  TokenExchange exchange{*rig.connection, "", arena, Logger(&rig.log, "exchange")};

  // Each place the token (its signature, the part only a refresh answer holds) is still found.
  std::vector<std::string> places_holding(const std::string& token) {
    const std::string tail = token.substr(token.rfind('.'));
    std::vector<std::string> places;
    if (Residue::in(rig.body.data(), rig.body.size(), tail))
      places.push_back("response body");
    if (Residue::in(rig.headers, sizeof(rig.headers), tail))
      places.push_back("response headers");
    if (Residue::in(rig.chunk, sizeof(rig.chunk), tail))
      places.push_back("receive chunk");
    if (Residue::in(arena_memory, sizeof(arena_memory), tail))
      places.push_back("JSON arena");
    return places;
  }
};

TEST_F(TokenExchangeWipe, NoCopyOfTheAccessTokenRightAfterTheRefresh) {
  const std::string access = testing::make_access_token(1000, 1300, "only-in-the-answer");
  // Small receive pieces: the token crosses the chunk buffer too.
  auto& connection = rig.socket.add_connection();
  connection.max_receive_chunk = 100;
  connection.then_data(http_response(200, R"({"access":")" + access + R"(","extra":[1,2,3]})"));
  SecretString<LSEDGE_TOKEN_CAPACITY> out;
  std::optional<int64_t> server_now;
  ASSERT_TRUE(exchange.exchange(testing::make_pat(), out, server_now, rig.deadline()).ok());
  ASSERT_EQ(out.expose(), access);  // copied out whole ...
  // ... and nowhere else.
  EXPECT_EQ(places_holding(access), std::vector<std::string>{});
  EXPECT_EQ(arena.used(), 0u);
}

TEST_F(TokenExchangeWipe, NoCopyWhenTheAnswerIsRefusedAfterParsing) {
  // A 200 whose token does not fit: the answer was parsed into the arena, nothing is copied out,
  // and the bytes are wiped all the same.
  const std::string huge(LSEDGE_TOKEN_CAPACITY + 8, 'x');
  const std::string access = testing::make_access_token(1000, 1300) + "." + huge;
  rig.socket.add_connection().then_data(http_response(200, R"({"access":")" + access + R"("})"));
  SecretString<LSEDGE_TOKEN_CAPACITY> out;
  std::optional<int64_t> server_now;
  const Outcome r = exchange.exchange(testing::make_pat(), out, server_now, rig.deadline());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(places_holding(testing::make_access_token(1000, 1300) + "." + huge.substr(0, 64)),
            std::vector<std::string>{});
}

TEST_F(TokenExchangeWipe, NoCopyWhenTheAnswerIsCutMidBody) {
  // The connection drops after half of the answer: the request fails, and the half of the token
  // that did arrive is not left behind in the buffers either.
  const std::string access = testing::make_access_token(1000, 1300, "cut-in-the-middle");
  const std::string full = http_response(200, R"({"access":")" + access + R"("})");
  const size_t cut = full.find(access) + access.size() - 20;  // most of the token, not all
  rig.socket.add_connection().then_data(full.substr(0, cut)).then_close();
  SecretString<LSEDGE_TOKEN_CAPACITY> out;
  std::optional<int64_t> server_now;
  ASSERT_FALSE(exchange.exchange(testing::make_pat(), out, server_now, rig.deadline()).ok());
  const std::string arrived = access.substr(0, access.size() - 20);
  const std::string middle = arrived.substr(arrived.size() - 40);  // part of the signature
  std::vector<std::string> places;
  if (Residue::in(rig.body.data(), rig.body.size(), middle))
    places.push_back("response body");
  if (Residue::in(rig.headers, sizeof(rig.headers), middle))
    places.push_back("response headers");
  if (Residue::in(rig.chunk, sizeof(rig.chunk), middle))
    places.push_back("receive chunk");
  EXPECT_EQ(places, std::vector<std::string>{});
}

}  // namespace
}  // namespace lsedge::labelstudio
