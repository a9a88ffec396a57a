#include "firmware/auth/token_manager.h"

#include <cinttypes>

namespace lsedge::auth {
namespace {

uint64_t saturating_mul(uint64_t a, uint64_t b) {
  return b != 0 && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}
uint64_t saturating_add(uint64_t a, uint64_t b) {
  return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

}  // namespace

// A mutex hold that can be dropped around the exchange and taken back; released on every return.
class TokenManager::Lock {
 public:
  explicit Lock(hal::Mutex& mutex) : mutex_(mutex) { mutex_.lock(); }
  ~Lock() {
    if (held_) {
      mutex_.unlock();
    }
  }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  void unlock() {
    mutex_.unlock();
    held_ = false;
  }
  void lock() {
    mutex_.lock();
    held_ = true;
  }

 private:
  hal::Mutex& mutex_;
  bool held_ = true;
};

AccessExpiry access_token_expiry(uint64_t t_sent_ms, std::optional<int64_t> exp,
                                 std::optional<int64_t> iat, std::optional<int64_t> server_now) {
  AccessExpiry expiry{};
  uint64_t lifetime_s = kDefaultAccessLifetimeS;
  expiry.source = LifetimeSource::Assumed;
  // Differences as uint64: exact for any int64 pair whose first is larger.
  if (exp && server_now && *exp > *server_now) {
    lifetime_s = static_cast<uint64_t>(*exp) - static_cast<uint64_t>(*server_now);
    expiry.source = LifetimeSource::ServerDate;
  } else if (exp && iat && *exp > *iat &&
             static_cast<uint64_t>(*exp) - static_cast<uint64_t>(*iat) <=
                 static_cast<uint64_t>(kMaxPlausibleIssuedLifetimeS)) {
    lifetime_s = static_cast<uint64_t>(*exp) - static_cast<uint64_t>(*iat);
    expiry.source = LifetimeSource::IssuedAt;
  }
  expiry.lifetime_assumed = expiry.source == LifetimeSource::Assumed;
  expiry.lifetime_ms = saturating_mul(lifetime_s, 1000);
  const uint64_t fifth = expiry.lifetime_ms / 5;
  expiry.margin_ms = fifth < kMaxRefreshMarginMs ? fifth : kMaxRefreshMarginMs;
  // exp, iat and Date are whole seconds (rounded down): the token may end up to 1 s before
  // they say.
  if (expiry.margin_ms < kMinRefreshMarginMs) {
    expiry.margin_ms =
        expiry.lifetime_ms < kMinRefreshMarginMs ? expiry.lifetime_ms : kMinRefreshMarginMs;
  }
  expiry.deadline_ms = saturating_add(t_sent_ms, expiry.lifetime_ms - expiry.margin_ms);
  return expiry;
}

TokenManager::TokenManager(const hal::MonotonicClock& clock, hal::Mutex& mutex,
                           hal::ConditionVariable& condition, Logger log)
    : clock_(clock), mutex_(mutex), log_(log), flight_(mutex, condition, clock) {}

Outcome TokenManager::set_credential(std::string_view raw) {
  const std::string_view token = trim_token(raw);
  LSEDGE_TRY_ASSIGN(const CredentialKind kind, classify_credential(token));
  Lock lock(mutex_);
  LSEDGE_TRY(credential_.assign(token));
  kind_ = kind;
  has_credential_ = true;
  ++credential_epoch_;
  access_.wipe();
  has_access_ = false;
  stale_ = false;
  log_.info("credential set: %s", kind == CredentialKind::PersonalAccessToken
                                      ? "Personal Access Token (Bearer, refreshed)"
                                      : "legacy API key (Token)");
  return {};
}

std::optional<CredentialKind> TokenManager::kind() const {
  Lock lock(mutex_);
  if (!has_credential_) {
    return std::nullopt;
  }
  return kind_;
}

std::optional<uint64_t> TokenManager::access_deadline_ms() const {
  Lock lock(mutex_);
  if (!has_access_ || stale_) {
    return std::nullopt;
  }
  return access_deadline_ms_;
}

void TokenManager::invalidate(uint64_t generation) {
  Lock lock(mutex_);
  if (generation != 0 && has_access_ && generation == generation_ && !stale_) {
    stale_ = true;
    log_.debug("access token %" PRIu64 " invalidated", generation);
  }
}

Outcome TokenManager::write_header(std::string_view scheme,
                                   const SecretString<LSEDGE_TOKEN_CAPACITY>& token,
                                   SecretString<kAuthHeaderCapacity>& out) const {
  if (out.assign(scheme) != Status::Ok || out.append(token.expose()) != Status::Ok) {
    out.wipe();
    return Status::BufferTooSmall;
  }
  return {};
}

Result<AccessExpiry> TokenManager::accept_access_token(
    const SecretString<LSEDGE_TOKEN_CAPACITY>& access, uint64_t t_sent_ms,
    std::optional<int64_t> server_now) const {
  const Result<JwtClaims> claims = decode_jwt_claims(access.expose());
  if (!claims.ok()) {
    // The server's token, not the user's PAT, is at fault: not MalformedToken (exit 3).
    Error error(Status::ServerTokenMalformed, "the server's access token is unusable: ");
    error.detail.append_truncated(claims.error().detail.view());
    return error;
  }
  if (claims->token_type.view() != "access") {
    return Error(Status::ServerTokenMalformed,
                 "the server's refresh answer is not an access token (token_type)");
  }
  const AccessExpiry expiry = access_token_expiry(t_sent_ms, claims->exp, claims->iat, server_now);
  if (expiry.source == LifetimeSource::IssuedAt) {
    log_.warn(
        "the refresh answer has no usable Date header; access token lifetime from exp - iat "
        "(%" PRIu64 " s)",
        expiry.lifetime_ms / 1000);
  } else if (expiry.lifetime_assumed) {
    log_.warn(
        "neither the refresh answer's Date header nor the access token's exp/iat give a "
        "plausible lifetime; assuming %" PRIu64 " s",
        kDefaultAccessLifetimeS);
  }
  return expiry;
}

bool TokenManager::access_usable(uint64_t now_ms) const {
  return has_access_ && !stale_ && now_ms < access_deadline_ms_;
}

Outcome TokenManager::write_access(SecretString<kAuthHeaderCapacity>& out,
                                   uint64_t& generation_out) const {
  generation_out = generation_;
  return write_header("Bearer ", access_, out);
}

Outcome TokenManager::authorization_header(RefreshExchanger& exchanger,
                                           SecretString<kAuthHeaderCapacity>& out,
                                           uint64_t& generation_out, Deadline deadline) {
  out.wipe();
  generation_out = 0;
  Lock lock(mutex_);
  if (!has_credential_) {
    return Error(Status::InvalidArgument, "no API token set (TokenManager::set_credential)");
  }
  for (;;) {
    if (kind_ == CredentialKind::LegacyKey) {
      return write_header("Token ", credential_, out);
    }
    const uint64_t now = clock_.now_ms();
    if (access_usable(now)) {
      return write_access(out, generation_out);
    }
    const Step step = flight_.in_flight()
                          ? await_refresh(out, generation_out, deadline)
                          : refresh(lock, exchanger, out, generation_out, deadline, now);
    if (step) {
      return *step;
    }
  }
}

TokenManager::Step TokenManager::await_refresh(SecretString<kAuthHeaderCapacity>& out,
                                               uint64_t& generation_out, Deadline deadline) {
  LSEDGE_TRY(flight_.wait_for_landing(deadline));
  if (flight_.landed_epoch() != credential_epoch_) {
    return std::nullopt;  // the credential was replaced meanwhile: start over with the new one
  }
  if (!flight_.landed_result().ok()) {
    return flight_.landed_result();
  }
  if (has_access_ && !stale_) {
    return write_access(out, generation_out);  // just minted: taken even past the margin
  }
  return std::nullopt;  // invalidated already: refresh again
}

TokenManager::Step TokenManager::refresh(Lock& lock, RefreshExchanger& exchanger,
                                         SecretString<kAuthHeaderCapacity>& out,
                                         uint64_t& generation_out, Deadline deadline,
                                         uint64_t now_ms) {
  if (deadline.expired(now_ms)) {
    return Outcome(Error(Status::Timeout, "no time left to refresh the access token"));
  }
  // Outside the lock, with this thread's own copy of the PAT (set_credential may replace the
  // original meanwhile).
  const uint64_t epoch = credential_epoch_;
  flight_.take_off(epoch);
  SecretString<LSEDGE_TOKEN_CAPACITY> pat;
  (void)pat.assign(credential_.expose());  // same capacity: always fits
  lock.unlock();
  SecretString<LSEDGE_TOKEN_CAPACITY> fresh;
  const Result<AccessExpiry> expiry = exchange(exchanger, pat.expose(), fresh, deadline);
  pat.wipe();
  lock.lock();
  return install(epoch, fresh, expiry, out, generation_out);
}

Result<AccessExpiry> TokenManager::exchange(RefreshExchanger& exchanger, std::string_view pat,
                                            SecretString<LSEDGE_TOKEN_CAPACITY>& fresh,
                                            Deadline deadline) const {
  log_.debug("refreshing the access token");
  const uint64_t t_sent = clock_.now_ms();
  std::optional<int64_t> server_now;
  LSEDGE_TRY(exchanger.exchange(pat, fresh, server_now, deadline));
  return accept_access_token(fresh, t_sent, server_now);
}

TokenManager::Step TokenManager::install(uint64_t epoch,
                                         const SecretString<LSEDGE_TOKEN_CAPACITY>& fresh,
                                         const Result<AccessExpiry>& expiry,
                                         SecretString<kAuthHeaderCapacity>& out,
                                         uint64_t& generation_out) {
  if (epoch != credential_epoch_) {
    flight_.land(Error(Status::Cancelled, "the credential was replaced during the refresh"));
    return std::nullopt;  // the answer is for a credential no longer configured
  }
  if (!expiry.ok()) {
    const Error& failure = expiry.error();
    flight_.land(failure);
    log_.warn("access token refresh failed: %s%s%s", status_name(failure.status),
              failure.detail.empty() ? "" : ": ", failure.detail.c_str());
    return Outcome(failure);
  }
  if (access_.assign(fresh.expose()) != Status::Ok) {  // same capacity: cannot happen
    flight_.land(Status::BufferTooSmall);
    return Outcome(Status::BufferTooSmall);
  }
  has_access_ = true;
  stale_ = false;
  ++generation_;
  access_deadline_ms_ = expiry->deadline_ms;
  flight_.land({});
  log_.info("access token refreshed: lifetime %" PRIu64 " s, refresh due in %" PRIu64 " s",
            expiry->lifetime_ms / 1000, (expiry->lifetime_ms - expiry->margin_ms) / 1000);
  return write_access(out, generation_out);
}

}  // namespace lsedge::auth
