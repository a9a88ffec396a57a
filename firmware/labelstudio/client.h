// The Label Studio API client: authenticated requests over one HTTP connection.
#pragma once

#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/auth/token_manager.h"
#include "firmware/core/arena.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "firmware/http/connection.h"
#include "firmware/json/json.h"
#include "firmware/labelstudio/token_exchange.h"

namespace lsedge::labelstudio {

// GET /api/current-user/whoami, the fields the CLI shows.
struct User {
  int64_t id = 0;
  FixedString<254> email;
  FixedString<150> username;
  FixedString<150> first_name;
  FixedString<150> last_name;
};

// One API client per connection. Thread-safety: one thread at a time; many Clients on many
// threads may share one TokenManager.
class Client {
 public:
  // base_path: the URL's sub-path ("" or "/ls"), prefixed to every endpoint.
  // arena: parses JSON responses; reset by the client before each request.
  Client(http::Connection& connection, auth::TokenManager& tokens, std::string_view base_path,
         Arena& arena, Logger logger);

  // Sends an authenticated request. A 401 to a Bearer request refreshes the access token once
  // and resends once (a 401 means the server did not act, and the body is in memory); any other
  // non-2xx answer becomes an Error, and so does a 2xx HTML page (NoApiAtUrl: a web app or a
  // proxy page at this URL, not the API). `safe_to_resend`: the request may be sent again when a
  // kept-alive connection turns out dead (idempotent, or duplicates are harmless).
  // The response's views stay valid until the next call.
  [[nodiscard]] Result<http::Response> call(http::Method method, std::string_view endpoint,
                                            std::string_view content_type, ConstByteSpan body,
                                            bool safe_to_resend, Deadline deadline);
  // The same with a streamed body (a task batch, a multipart file). The resend after a 401
  // rewinds `body` first; if it cannot rewind, the 401 is returned as the error.
  [[nodiscard]] Result<http::Response> call(http::Method method, std::string_view endpoint,
                                            std::string_view content_type, http::BodySource& body,
                                            bool safe_to_resend, Deadline deadline);

  [[nodiscard]] Result<User> whoami(Deadline deadline);

  // The last response of call(), whatever its status (a refused call's body too, e.g. a 400's
  // item list); empty before the first. Views valid until the next call.
  [[nodiscard]] const http::Response& last_response() const { return last_; }
  // The arena the last response was parsed with (for callers that read more fields).
  [[nodiscard]] Arena& arena() { return arena_; }

 private:
  [[nodiscard]] Outcome build_path(std::string_view endpoint);
  // What both call()s were asked: exactly one of `body` / `source` carries the body.
  struct Call {
    http::Method method;
    std::string_view endpoint;
    std::string_view content_type;
    ConstByteSpan body;
    http::BodySource* source;
    bool safe_to_resend;
    Deadline deadline;
  };
  [[nodiscard]] Result<http::Response> call_with(const Call& call);
  // One authenticated send; `generation` names the access token used.
  [[nodiscard]] Result<http::Response> send_once(const Call& call, uint64_t& generation);
  // A 401 to a Bearer request: invalidates that token; true when the request can be resent.
  [[nodiscard]] bool retry_after_401(const Call& call, uint64_t generation, bool& rewind_failed);
  // The Error for a non-2xx answer that is not resent.
  [[nodiscard]] Error refused(const http::Response& response, std::string_view endpoint,
                              bool bearer, bool rewind_failed);

  http::Connection& connection_;
  auth::TokenManager& tokens_;
  TokenExchange exchange_;  // the refresh, on this connection between two requests
  std::string_view base_path_;
  Arena& arena_;
  Logger log_;
  FixedString<LSEDGE_PATH_CAPACITY> path_;
  http::Response last_;
};

}  // namespace lsedge::labelstudio
