// The PAT → access token exchange (POST {base}/api/token/refresh/), on its own. The TokenManager
// calls it back in the middle of a Client call, so it is a small object of its own rather than
// the Client: the Client is never re-entered while one of its calls is on the stack.
#pragma once

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

  // POST {base}/api/token/refresh/ {"refresh": pat}. A 400/401 answer is RefreshRejected (the
  // server's detail kept); the PAT's request body, the response buffer and the arena are wiped.
  [[nodiscard]] Outcome exchange(std::string_view pat,
                                 SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                                 Deadline deadline) override;

 private:
  http::Connection& connection_;
  std::string_view base_path_;
  Arena& arena_;
  Logger log_;
};

}  // namespace lsedge::labelstudio
