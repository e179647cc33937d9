#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "security/Principal.h"
#include "security/RateLimitDecision.h"
#include "security/TokenBucket.h"

namespace atalaya {

// Token-bucket rate limits keyed by a string: a client id, or "ip:<address>" for callers that
// have none yet. Check-and-take is atomic per key: of N simultaneous requests on a bucket
// holding k tokens, exactly min(N, k) pass.
//
// Memory is bounded: at most `maxBuckets` keys are tracked. Buckets that have refilled to
// their burst are dropped as they are met at the cold end of each stripe's LRU list (losslessly:
// a full bucket is a new bucket); past the cap, the least recently used key is dropped even if
// not full, which can only hand that key a fresh burst early.
//
// Thread-safe: called on every IO thread. Keys hash onto `stripes` independent mutexes, so
// requests from different clients rarely wait on each other.
class RateLimiter {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    using Clock = std::function<TimePoint()>;

    struct Options {
        std::size_t maxBuckets = 100'000;
        std::size_t stripes = 16;
        Clock clock = [] { return std::chrono::steady_clock::now(); };  // seam for tests
        std::string_view policy = "rate";  // name in the RateLimit fields
    };

    RateLimiter();
    explicit RateLimiter(Options options);
    ~RateLimiter();
    RateLimiter(const RateLimiter&) = delete;
    RateLimiter& operator=(const RateLimiter&) = delete;

    // A client's limit: its own rate / burst where set (non-zero), else the tier default.
    static RateLimit resolve(const ClientLimits& limits, const RateLimit& tierDefault);

    // Takes one token from `key`'s bucket if there is one. Unlimited policies always pass and
    // keep no state. A denied decision has reason "rate_limited" and retryAfterSeconds >= 1.
    RateLimitDecision tryAcquire(std::string_view key, const RateLimit& limit);
    RateLimitDecision tryAcquire(std::string_view key, const RateLimit& limit, TimePoint now);

    // The decision tryAcquire would make, without taking a token or creating a bucket.
    RateLimitDecision peek(std::string_view key, const RateLimit& limit, TimePoint now) const;

    TimePoint now() const { return m_clock(); }
    std::size_t bucketCount() const;

private:
    class Stripe;
    Stripe& stripeFor(std::size_t keyHash) const;
    RateLimitDecision decide(bool allowed, double tokens, const RateLimit& limit) const;

    Clock m_clock;
    std::string_view m_policy;
    std::size_t m_perStripeCap;
    std::unique_ptr<Stripe[]> m_stripes;
    std::size_t m_stripeCount;
};

}  // namespace atalaya
