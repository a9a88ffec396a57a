// The Authorization header for every request: a legacy key as is, or a PAT exchanged for
// short-lived access tokens that are refreshed on the monotonic clock, once for all threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "board_sizes.h"
#include "firmware/auth/credential.h"
#include "firmware/auth/jwt.h"
#include "firmware/auth/refresh_flight.h"
#include "firmware/core/deadline.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/log.h"
#include "firmware/core/result.h"
#include "hal/clock.h"
#include "hal/sync.h"

namespace lsedge::auth {

// "Bearer " or "Token " followed by a token of up to LSEDGE_TOKEN_CAPACITY.
inline constexpr size_t kAuthHeaderCapacity = LSEDGE_TOKEN_CAPACITY + 7;

// Exchanges the PAT for an access token: POST {base}/api/token/refresh/ {"refresh": pat}.
// Implemented by labelstudio::TokenExchange on the Client's connection. `server_now_out`: the
// server's clock when it answered (its Date header, seconds since 1970), nullopt when the answer
// had none that parses. On failure returns the Error to hand to every waiting thread
// (RefreshRejected with the server's detail, Timeout, ...).
// Thread-safety: each thread passes its own exchanger; a call runs on the calling thread.
class RefreshExchanger {
 public:
  [[nodiscard]] virtual Outcome exchange(std::string_view pat,
                                         SecretString<LSEDGE_TOKEN_CAPACITY>& access_out,
                                         std::optional<int64_t>& server_now_out,
                                         Deadline deadline) = 0;

 protected:
  // Not virtual: nothing is destroyed through this interface (no heap), so an
  // implementation's vtable carries no deleting destructor.
  ~RefreshExchanger() = default;
};

// Where an access token's lifetime came from. Thread-safety: plain value.
enum class LifetimeSource : uint8_t {
  ServerDate,  // exp minus the refresh answer's Date (the server's clock)
  IssuedAt,    // exp minus iat: no usable Date, and the difference is plausible
  Assumed,     // kDefaultAccessLifetimeS: neither is usable
};

// When an access token must be refreshed. Thread-safety: a value type.
struct AccessExpiry {
  uint64_t lifetime_ms;  // see LifetimeSource
  // min(30 s, lifetime / 5), at least 1 s (the claims and Date are rounded down to whole
  // seconds) and at most the lifetime: refresh early, the server allows no leeway.
  uint64_t margin_ms;
  uint64_t deadline_ms;  // t_sent + lifetime - margin on the monotonic clock (saturating)
  LifetimeSource source;
  bool lifetime_assumed;  // source == Assumed
};

inline constexpr uint64_t kDefaultAccessLifetimeS = 300;  // simplejwt's default
inline constexpr uint64_t kMaxRefreshMarginMs = 30000;
inline constexpr uint64_t kMinRefreshMarginMs = 1000;
// exp - iat above this is not trusted: Label Studio up to 1.20 (simplejwt < 5.5.1) copies the
// PAT's iat into access tokens, so exp - iat is the PAT's age plus the lifetime.
inline constexpr int64_t kMaxPlausibleIssuedLifetimeS = 24 * 3600;

// The expiry of an access token requested at monotonic time `t_sent_ms`, from the server's
// clock only (never the device's wall clock); 64-bit, saturating. In order:
//   exp and server_now (the answer's Date) with exp > server_now: exp - server_now;
//   exp and iat with 0 < exp - iat <= kMaxPlausibleIssuedLifetimeS: exp - iat;
//   else kDefaultAccessLifetimeS.
// Thread-safety: pure function.
[[nodiscard]] AccessExpiry access_token_expiry(uint64_t t_sent_ms, std::optional<int64_t> exp,
                                               std::optional<int64_t> iat,
                                               std::optional<int64_t> server_now);

// Holds the credential and the current access token (both SecretStrings, wiped when replaced or
// destroyed). Thread-safety: thread-safe; every member may be called from any thread. At most
// one refresh runs at a time, on the thread that found the token due, outside the lock; other
// threads wait for it (each until its own Deadline) and take its result, success or failure.
class TokenManager {
 public:
  TokenManager(const hal::MonotonicClock& clock, hal::Mutex& mutex,
               hal::ConditionVariable& condition, Logger log);
  TokenManager(const TokenManager&) = delete;
  TokenManager& operator=(const TokenManager&) = delete;

  // Trims and classifies `raw` (classify_credential's errors), then replaces the credential and
  // drops the access token. On failure the previous credential stays.
  [[nodiscard]] Outcome set_credential(std::string_view raw);
  // nullopt until a credential is set.
  [[nodiscard]] std::optional<CredentialKind> kind() const;

  // Writes "Bearer <access>" (PAT; refreshed first when due or invalidated) or "Token <key>"
  // (legacy key) into `out`. `generation_out` names the access token used, for invalidate();
  // 0 for a legacy key. A PAT itself is never returned. Errors: the refresh's Error (shared by
  // all threads that waited for it), Timeout when `deadline` passes while waiting,
  // MalformedToken when the server's access token is not an access JWT, InvalidArgument before
  // set_credential. On failure `out` is empty.
  [[nodiscard]] Outcome authorization_header(RefreshExchanger& exchanger,
                                             SecretString<kAuthHeaderCapacity>& out,
                                             uint64_t& generation_out, Deadline deadline);

  // After a 401 to a Bearer request: the access token of `generation` is stale. Ignored when a
  // newer token is current already, so many threads failing with one token cause one refresh.
  void invalidate(uint64_t generation);

  // Monotonic time at which the current access token is due for refresh; nullopt when there is
  // none (legacy key, never refreshed, invalidated). For diagnostics and tests.
  [[nodiscard]] std::optional<uint64_t> access_deadline_ms() const;

 private:
  class Lock;
  // What one step of authorization_header() decided: a final answer, or nullopt to look again
  // (the token changed hands meanwhile).
  using Step = std::optional<Outcome>;

  [[nodiscard]] bool access_usable(uint64_t now_ms) const;
  // "Bearer <access>" with the current access token's generation.
  [[nodiscard]] Outcome write_access(SecretString<kAuthHeaderCapacity>& out,
                                     uint64_t& generation_out) const;
  // Another thread is refreshing: wait for it and take its result.
  [[nodiscard]] Step await_refresh(SecretString<kAuthHeaderCapacity>& out, uint64_t& generation_out,
                                   Deadline deadline);
  // This thread refreshes: drops `lock` around the exchange, then publishes the result.
  [[nodiscard]] Step refresh(Lock& lock, RefreshExchanger& exchanger,
                             SecretString<kAuthHeaderCapacity>& out, uint64_t& generation_out,
                             Deadline deadline, uint64_t now_ms);
  // Exchanges `pat` and checks the answer; runs outside the lock.
  [[nodiscard]] Result<AccessExpiry> exchange(RefreshExchanger& exchanger, std::string_view pat,
                                              SecretString<LSEDGE_TOKEN_CAPACITY>& fresh,
                                              Deadline deadline) const;
  // Installs the refresh's answer (lock held) unless the credential changed meanwhile.
  [[nodiscard]] Step install(uint64_t epoch, const SecretString<LSEDGE_TOKEN_CAPACITY>& fresh,
                             const Result<AccessExpiry>& expiry,
                             SecretString<kAuthHeaderCapacity>& out, uint64_t& generation_out);

  [[nodiscard]] Outcome write_header(std::string_view scheme,
                                     const SecretString<LSEDGE_TOKEN_CAPACITY>& token,
                                     SecretString<kAuthHeaderCapacity>& out) const;
  // Checks the server's answer and computes its expiry; runs outside the lock.
  [[nodiscard]] Result<AccessExpiry> accept_access_token(
      const SecretString<LSEDGE_TOKEN_CAPACITY>& access, uint64_t t_sent_ms,
      std::optional<int64_t> server_now) const;

  const hal::MonotonicClock& clock_;
  hal::Mutex& mutex_;
  Logger log_;

  // Guarded by mutex_.
  bool has_credential_ = false;
  CredentialKind kind_ = CredentialKind::LegacyKey;
  uint64_t credential_epoch_ = 0;  // bumped by set_credential: a refresh in flight is moot
  SecretString<LSEDGE_TOKEN_CAPACITY> credential_;
  SecretString<LSEDGE_TOKEN_CAPACITY> access_;
  bool has_access_ = false;
  bool stale_ = false;
  uint64_t access_deadline_ms_ = 0;
  uint64_t generation_ = 0;  // of access_; 0 means none yet
  RefreshFlight flight_;     // the one refresh in flight and the last one's result
};

}  // namespace lsedge::auth
