#include "security/TrafficGate.h"

namespace atalaya {
namespace {

RateLimit toLimit(const RateLimitConfig& config) {
    return {.ratePerSecond = config.ratePerSecond, .burst = config.burst};
}

}  // namespace

Result<std::unique_ptr<TrafficGate>> TrafficGate::open(const SecurityConfig& config,
                                                       const std::filesystem::path& dataDir) {
    ATALAYA_ASSIGN_OR_RETURN(auto proxies, TrustedProxies::parse(config.trustedProxies));
    std::error_code ec;
    std::filesystem::create_directories(dataDir, ec);
    ATALAYA_ASSIGN_OR_RETURN(auto quotas,
                             QuotaStore::open({.file = dataDir / "quota.sqlite",
                                               .defaults = {.perDay = config.requestsPerDay,
                                                            .perMonth = config.requestsPerMonth}}));
    return std::unique_ptr<TrafficGate>(
        new TrafficGate(config, std::move(proxies), std::move(quotas)));
}

TrafficGate::TrafficGate(const SecurityConfig& config, TrustedProxies proxies,
                         std::unique_ptr<QuotaStore> quotas)
    : m_proxies(std::move(proxies))
    , m_ipDefault(toLimit(config.ipRate))
    , m_clientDefault(toLimit(config.clientRate))
    , m_authFailureLimit(toLimit(config.authFailures))
    , m_ipLimiter({.policy = "ip"})
    , m_clientLimiter({.policy = "client"})
    , m_authFailures({.limit = m_authFailureLimit})
    , m_quotas(std::move(quotas)) {}

TrafficGate::~TrafficGate() {
    stop();
}

std::string TrafficGate::clientAddress(std::string_view peer, std::string_view forwardedFor) const {
    return m_proxies.clientAddress(peer, forwardedFor);
}

RateLimitDecision TrafficGate::admitAddress(const std::string& address) {
    if (m_ipDefault.isUnlimited())
        return {};
    return m_ipLimiter.tryAcquire("ip:" + address, m_ipDefault);
}

RateLimitDecision TrafficGate::admitAuthAttempt(const std::string& address) const {
    if (m_authFailureLimit.isUnlimited())
        return {};
    return m_authFailures.allowAuthAttempt(address);
}

void TrafficGate::recordAuthFailure(const std::string& address) {
    if (!m_authFailureLimit.isUnlimited())
        m_authFailures.recordAuthFailure(address);
}

std::vector<RateLimitDecision> TrafficGate::admitClient(const std::string& clientId,
                                                        const ClientLimits& limits) {
    std::vector<RateLimitDecision> decisions;
    const RateLimit rate = RateLimiter::resolve(limits, m_clientDefault);
    if (!rate.isUnlimited()) {
        decisions.push_back(m_clientLimiter.tryAcquire(clientId, rate));
        if (!decisions.back().allowed)
            return decisions;  // a refused request spends no quota
    }
    decisions.push_back(m_quotas->consume(clientId, limits));
    return decisions;
}

TrafficGate::ClientUsage TrafficGate::usage(const std::string& clientId,
                                            const ClientLimits& limits) const {
    return {.rate = RateLimiter::resolve(limits, m_clientDefault),
            .quota = m_quotas->effectiveLimits(limits),
            .used = m_quotas->usage(clientId, std::chrono::system_clock::now())};
}

void TrafficGate::stop() {
    if (m_quotas)
        (void)m_quotas->stop();
}

}  // namespace atalaya
