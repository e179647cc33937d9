#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "security/AuthFailureThrottle.h"
#include "security/QuotaStore.h"
#include "security/RateLimiter.h"
#include "security/TrustedProxies.h"

namespace atalaya {

// Every limit a request passes before it may cost the server anything, in the order the routes
// apply them: per source address (all routes), failed-authentication throttle (before any token
// is verified), per client rate, per client quota. Owns the limiters; the routes hold a pointer.
//
// Thread-safe: called on IO threads.
class TrafficGate {
public:
    static Result<std::unique_ptr<TrafficGate>> open(const SecurityConfig& config,
                                                     const std::filesystem::path& dataDir);
    ~TrafficGate();

    // The client address: the TCP peer, or X-Forwarded-For when the peer is a trusted proxy.
    std::string clientAddress(std::string_view peer, std::string_view forwardedFor) const;

    RateLimitDecision admitAddress(const std::string& address);
    RateLimitDecision admitAuthAttempt(const std::string& address) const;
    void recordAuthFailure(const std::string& address);
    // Rate then quota for an authenticated client; both decisions, for the RateLimit headers.
    std::vector<RateLimitDecision> admitClient(const std::string& clientId,
                                               const ClientLimits& limits);

    // What the admin API shows of a client: the rate and quotas that apply to it (its own
    // limits where set, else the defaults) and its requests today and this month (UTC).
    struct ClientUsage {
        RateLimit rate;
        QuotaStore::Limits quota;
        QuotaStore::Usage used;
    };
    ClientUsage usage(const std::string& clientId, const ClientLimits& limits) const;

    void stop();  // persists quota counts

private:
    TrafficGate(const SecurityConfig& config, TrustedProxies proxies,
                std::unique_ptr<QuotaStore> quotas);

    TrustedProxies m_proxies;
    RateLimit m_ipDefault;
    RateLimit m_clientDefault;
    RateLimit m_authFailureLimit;
    RateLimiter m_ipLimiter;
    RateLimiter m_clientLimiter;
    AuthFailureThrottle m_authFailures;
    std::unique_ptr<QuotaStore> m_quotas;
};

}  // namespace atalaya
