#include "security/RateLimiter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "security/StringHash.h"

namespace atalaya {
namespace {

// What a zero-rate bucket advertises as its reset: it never refills by itself.
constexpr std::int64_t kNoRefillSeconds = 86'400;

// Seconds from a fractional count, rounded up: a client told "1" must find a token after 1 s.
// The epsilon absorbs floating-point dust (2.0000000001 is 2, not 3).
std::int64_t ceilSeconds(double seconds) {
    return static_cast<std::int64_t>(std::ceil(std::max(0.0, seconds) - 1e-9));
}

}  // namespace

class RateLimiter::Stripe {
public:
    struct Entry {
        TokenBucket bucket;
        RateLimit limit;  // the policy it was last used with, to tell when it has refilled
        std::list<const std::string*>::iterator lruPosition;
    };

    std::mutex mutex;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> buckets;
    std::list<const std::string*> lru;  // front: most recently used; points at map keys

    Entry& findOrInsert(std::string_view key, const RateLimit& limit, TimePoint now,
                        std::size_t cap) {
        if (auto it = buckets.find(key); it != buckets.end()) {
            lru.splice(lru.begin(), lru, it->second.lruPosition);
            it->second.limit = limit;
            return it->second;
        }
        dropColdBuckets(now, cap);
        auto [it, inserted] =
            buckets.emplace(std::string(key), Entry{TokenBucket(limit, now), limit, {}});
        lru.push_front(&it->first);  // element addresses survive rehashing
        it->second.lruPosition = lru.begin();
        return it->second;
    }

    // Full buckets at the cold end go for free; then, at the cap, the coldest goes regardless.
    void dropColdBuckets(TimePoint now, std::size_t cap) {
        while (!lru.empty()) {
            auto it = buckets.find(*lru.back());
            const bool atCap = buckets.size() >= cap;
            if (!atCap && !it->second.bucket.isFullAt(it->second.limit, now))
                break;
            lru.pop_back();
            buckets.erase(it);
        }
    }
};

RateLimiter::RateLimiter() : RateLimiter(Options{}) {}

RateLimiter::RateLimiter(Options options)
    : m_clock(std::move(options.clock))
    , m_policy(options.policy)
    , m_stripeCount(std::max<std::size_t>(1, options.stripes)) {
    m_perStripeCap =
        std::max<std::size_t>(1, (options.maxBuckets + m_stripeCount - 1) / m_stripeCount);
    m_stripes = std::make_unique<Stripe[]>(m_stripeCount);
}

RateLimiter::~RateLimiter() = default;

RateLimit RateLimiter::resolve(const ClientLimits& limits, const RateLimit& tierDefault) {
    RateLimit limit = tierDefault;
    if (limits.ratePerSecond > 0)
        limit.ratePerSecond = limits.ratePerSecond;
    if (limits.burst > 0)
        limit.burst = limits.burst;
    return limit;
}

RateLimiter::Stripe& RateLimiter::stripeFor(std::size_t hash) const {
    return m_stripes[hash % m_stripeCount];
}

RateLimitDecision RateLimiter::tryAcquire(std::string_view key, const RateLimit& limit) {
    return tryAcquire(key, limit, m_clock());
}

RateLimitDecision RateLimiter::tryAcquire(std::string_view key, const RateLimit& limit,
                                          TimePoint now) {
    if (limit.isUnlimited())
        return {};
    Stripe& stripe = stripeFor(StringHash{}(key));
    std::lock_guard lock(stripe.mutex);
    Stripe::Entry& entry = stripe.findOrInsert(key, limit, now, m_perStripeCap);
    const bool taken = entry.bucket.tryTake(limit, now);
    return decide(taken, entry.bucket.tokens(), limit);
}

RateLimitDecision RateLimiter::peek(std::string_view key, const RateLimit& limit,
                                    TimePoint now) const {
    if (limit.isUnlimited())
        return {};
    Stripe& stripe = stripeFor(StringHash{}(key));
    std::lock_guard lock(stripe.mutex);
    const auto it = stripe.buckets.find(key);
    const double tokens =
        it == stripe.buckets.end() ? limit.burst : it->second.bucket.tokensAt(limit, now);
    return decide(tokens >= 1.0, tokens, limit);
}

RateLimitDecision RateLimiter::decide(bool allowed, double tokens, const RateLimit& limit) const {
    RateLimitDecision d;
    d.allowed = allowed;
    d.policy = m_policy;
    d.limit = static_cast<std::int64_t>(std::floor(limit.burst));
    d.remaining = static_cast<std::int64_t>(std::floor(std::max(0.0, tokens)));
    const double rate = limit.ratePerSecond;
    // w: the time the bucket takes to refill from empty, the token bucket's equivalent window.
    d.windowSeconds =
        rate > 0 ? std::max<std::int64_t>(1, ceilSeconds(limit.burst / rate)) : kNoRefillSeconds;
    // t: when the bucket is full again.
    if (tokens >= limit.burst) {
        d.resetSeconds = 0;
    } else {
        d.resetSeconds = rate > 0 ? ceilSeconds((limit.burst - tokens) / rate) : kNoRefillSeconds;
    }
    if (!allowed) {
        d.reason = "rate_limited";
        d.retryAfterSeconds = rate > 0
                                  ? std::max<std::int64_t>(1, ceilSeconds((1.0 - tokens) / rate))
                                  : kNoRefillSeconds;
    }
    return d;
}

std::size_t RateLimiter::bucketCount() const {
    std::size_t count = 0;
    for (std::size_t i = 0; i < m_stripeCount; ++i) {
        std::lock_guard lock(m_stripes[i].mutex);
        count += m_stripes[i].buckets.size();
    }
    return count;
}

}  // namespace atalaya
