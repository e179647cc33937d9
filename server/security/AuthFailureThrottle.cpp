#include "security/AuthFailureThrottle.h"

namespace atalaya {
namespace {

RateLimiter::Options limiterOptions(AuthFailureThrottle::Options& options) {
    RateLimiter::Options limiter;
    limiter.maxBuckets = options.maxAddresses;
    limiter.clock = std::move(options.clock);
    limiter.policy = "auth";
    return limiter;
}

}  // namespace

AuthFailureThrottle::AuthFailureThrottle() : AuthFailureThrottle(Options{}) {}

AuthFailureThrottle::AuthFailureThrottle(Options options)
    : m_limit(options.limit), m_failures(limiterOptions(options)) {}

RateLimitDecision AuthFailureThrottle::allowAuthAttempt(std::string_view ip) const {
    return m_failures.peek(ip, m_limit, m_failures.now());
}

void AuthFailureThrottle::recordAuthFailure(std::string_view ip) {
    (void)m_failures.tryAcquire(ip, m_limit);
}

}  // namespace atalaya
