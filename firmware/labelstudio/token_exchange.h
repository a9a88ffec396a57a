// The PAT → access token exchange (POST {base}/api/token/refresh/), on its own. The TokenManager
// calls it back in the middle of a Client call, so it is a small object of its own rather than
// the Client: the Client is never re-entered while one of its calls is on the stack.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/auth/token_manager.h"
#include "firmware/core/arena.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "firmware/http/connection.h"

namespace lsedge::labelstudio {

// Thread-safety: one thread at a time (the one running the Client call that needed a refresh).
class TokenExchange final : public auth::RefreshExchanger {
 public:
  // The connection, base path and arena are the Client's: the exchange runs between two of its
  // requests, never during one.
  TokenExchange(http::Connection& connection, std::string_view base_path, Arena& arena,
                Logger logger);

  // POST {base}/api/token/refresh/ {"refresh": pat}. Label Studio's 400/401 (JSON) is
  // RefreshRejected (the server's detail kept); a 404 is NoApiAtUrl (nothing of Label Studio's
  // at this sub-path, or a server without Personal Access Tokens); other answers as
  // error_from_response. `server_now_out` is the answer's Date header, read before the response
  // buffer, the PAT's request body and the arena are wiped.
  [[nodiscard]] Outcome exchange(std::string_view pat,
                                 SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                                 std::optional<int64_t>& server_now_out,
                                 Deadline deadline) override;

 private:
  http::Connection& connection_;
  std::string_view base_path_;
  Arena& arena_;
  Logger log_;
};

}  // namespace lsedge::labelstudio
