#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace atalaya {

// A token-bucket policy: `burst` requests at once, refilled at `ratePerSecond`.
// burst <= 0 means "no limit".
struct RateLimit {
    double ratePerSecond = 0;
    double burst = 0;

    bool isUnlimited() const { return burst <= 0; }
};

// One bucket. Not thread-safe: RateLimiter guards each with its stripe's mutex.
//
// Tokens are kept as a double and refilled lazily from the elapsed time, so a bucket costs
// nothing while idle, and a bucket that has refilled to `burst` is indistinguishable from a
// new one: that is what makes evicting full buckets lossless.
class TokenBucket {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    TokenBucket(const RateLimit& limit, TimePoint now) : m_tokens(limit.burst), m_updated(now) {}

    // Refills up to `now`, then takes one token if a whole one is there.
    bool tryTake(const RateLimit& limit, TimePoint now) {
        refill(limit, now);
        if (m_tokens < 1.0)
            return false;
        m_tokens -= 1.0;
        return true;
    }
    void refill(const RateLimit& limit, TimePoint now) {
        m_tokens = tokensAt(limit, now);
        // Threads read the clock before taking the lock, so `now` may be slightly older than
        // the last update: never move time backwards (that would mint tokens twice).
        m_updated = std::max(m_updated, now);
    }
    double tokensAt(const RateLimit& limit, TimePoint now) const {
        const double elapsed = std::chrono::duration<double>(now - m_updated).count();
        const double refilled =
            m_tokens + std::max(0.0, elapsed) * std::max(0.0, limit.ratePerSecond);
        return std::min(limit.burst, refilled);  // a lowered burst takes effect at once
    }
    bool isFullAt(const RateLimit& limit, TimePoint now) const {
        return tokensAt(limit, now) >= limit.burst;
    }
    double tokens() const { return m_tokens; }

private:
    double m_tokens;
    TimePoint m_updated;
};

}  // namespace atalaya
