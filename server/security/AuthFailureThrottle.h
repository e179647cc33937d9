#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "security/RateLimitDecision.h"
#include "security/RateLimiter.h"

namespace atalaya {

// Throttles failed authentication per source IP, checked before any token is parsed or any
// signature verified: a flood of bad tokens from one address costs one hash lookup each once
// its failure budget is spent. Only failures are counted, so a client with a good token is
// never slowed down by this.
//
// Each IP gets a bucket of `limit.burst` failures refilled at `limit.ratePerSecond`;
// allowAuthAttempt() only looks (and allocates nothing for an address that never failed),
// recordAuthFailure() takes. Check and record are separate calls, so attempts already in
// flight when the budget runs out still complete: at most one per concurrent connection.
//
// Thread-safe: called on every IO thread.
class AuthFailureThrottle {
public:
    struct Options {
        RateLimit limit{0.2, 10};  // 10 failures at once, then one every 5 s
        std::size_t maxAddresses = 10'000;
        RateLimiter::Clock clock = [] { return std::chrono::steady_clock::now(); };
    };

    AuthFailureThrottle();
    explicit AuthFailureThrottle(Options options);

    // Denied: reason "rate_limited", policy "auth", retryAfterSeconds until a failure is forgiven.
    RateLimitDecision allowAuthAttempt(std::string_view ip) const;
    void recordAuthFailure(std::string_view ip);

    std::size_t trackedAddresses() const { return m_failures.bucketCount(); }

private:
    RateLimit m_limit;
    RateLimiter m_failures;
};

}  // namespace atalaya
