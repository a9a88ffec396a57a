#include "firmware/auth/jwt.h"

#include "board_sizes.h"
#include "firmware/auth/base64url.h"
#include "firmware/core/arena.h"
#include "firmware/core/secure_wipe.h"
#include "firmware/json/json.h"

namespace lsedge::auth {
namespace {

constexpr size_t kDecodedCapacity = base64url_decoded_capacity(LSEDGE_TOKEN_CAPACITY);

// Decoded segments and their parse trees hold token contents (header.payload alone is enough
// to revoke a PAT on the server): wiped when the decoder returns.
struct WipedBuffer {
  uint8_t bytes[kDecodedCapacity];
  ~WipedBuffer() { secure_wipe(bytes, sizeof(bytes)); }
};
struct WipedArena {
  alignas(max_align_t) uint8_t memory[LSEDGE_JWT_ARENA_BYTES];
  Arena arena{ByteSpan(memory)};
  ~WipedArena() { secure_wipe(memory, arena.high_water()); }
};

Error segment_error(const char* segment, const Error& cause) {
  if (cause.status == Status::BufferTooSmall) {
    Error error(Status::BufferTooSmall, "JWT ");
    (void)error.detail.append(segment);
    (void)error.detail.append(" needs more than LSEDGE_JWT_ARENA_BYTES to parse");
    return error;
  }
  Error error(Status::MalformedToken, "JWT ");
  (void)error.detail.append(segment);
  (void)error.detail.append(cause.status == Status::MalformedToken ? " is not valid base64url"
                                                                   : " is not valid JSON");
  return error;
}

// Decodes one segment and parses it as a JSON object in `arena`.
Result<json::Value> decode_object(std::string_view segment, const char* name, WipedBuffer& buffer,
                                  Arena& arena) {
  const Result<size_t> size = base64url_decode(segment, ByteSpan(buffer.bytes));
  if (!size.ok()) {
    return segment_error(name, size.error());
  }
  const Result<json::Value> value = json::parse(as_text(ConstByteSpan(buffer.bytes, *size)), arena);
  if (!value.ok()) {
    return segment_error(name, value.error());
  }
  if (!value->is_object()) {
    Error error(Status::MalformedToken, "JWT ");
    (void)error.detail.append(name);
    (void)error.detail.append(" is not a JSON object");
    return error;
  }
  return *value;
}

}  // namespace

bool looks_like_jwt(std::string_view text) {
  return text.substr(0, 3) == "eyJ" && text.find('.') != std::string_view::npos;
}

Result<JwtClaims> decode_jwt_claims(std::string_view jwt) {
  if (jwt.size() > LSEDGE_TOKEN_CAPACITY) {
    return Error(Status::BufferTooSmall, "token longer than LSEDGE_TOKEN_CAPACITY");
  }
  const size_t first_dot = jwt.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : jwt.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || jwt.find('.', second_dot + 1) != jwt.npos) {
    size_t parts = 1;
    for (const char c : jwt) {
      parts += c == '.' ? 1 : 0;
    }
    Error error(Status::MalformedToken, "a JWT has 3 dot-separated parts, this token has ");
    (void)error.detail.append_uint(parts);
    (void)error.detail.append("; copy the whole token");
    return error;
  }
  const std::string_view header = jwt.substr(0, first_dot);
  const std::string_view payload = jwt.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature = jwt.substr(second_dot + 1);
  if (header.empty() || payload.empty() || signature.empty()) {
    return Error(Status::MalformedToken, "a JWT part is empty; copy the whole token");
  }

  WipedBuffer buffer;
  WipedArena scratch;
  Arena& arena = scratch.arena;
  // The signature is not checked, only that it is base64url.
  if (const Result<size_t> s = base64url_decode(signature, ByteSpan(buffer.bytes)); !s.ok()) {
    return segment_error("signature", s.error());
  }
  if (const Result<json::Value> h = decode_object(header, "header", buffer, arena); !h.ok()) {
    return h.error();
  }
  arena.reset();
  LSEDGE_TRY_ASSIGN(const json::Value claims, decode_object(payload, "payload", buffer, arena));

  JwtClaims result;
  if (const std::optional<std::string_view> type = claims.get("token_type").as_string()) {
    if (result.token_type.assign(*type) != Status::Ok) {
      return Error(Status::MalformedToken, "JWT token_type claim is too long");
    }
  }
  result.exp = claims.get("exp").as_int64();
  result.iat = claims.get("iat").as_int64();
  return result;
}

}  // namespace lsedge::auth
