#include "rollout/VersionScoreboard.h"

#include <bit>
#include <cmath>

namespace atalaya::rollout {
namespace {

constexpr double kZ = 1.959963984540054;

int bucketOf(std::chrono::microseconds took) {
    const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(1, took.count()));
    return std::min(63, static_cast<int>(std::bit_width(us)));  // bucket b: < 2^b us
}

double bucketUpperMs(int bucket) {
    return std::ldexp(1.0, bucket) / 1000.0;
}

double valueAtRank(const std::array<std::uint32_t, 64>& histogram, std::int64_t rank) {
    std::int64_t seen = 0;
    for (int b = 0; b < 64; ++b) {
        seen += histogram[b];
        if (seen >= rank)
            return bucketUpperMs(b);
    }
    return bucketUpperMs(63);
}

}  // namespace

void VersionTally::add(bool ok, std::chrono::microseconds took, std::string_view label) {
    ++requests;
    if (!ok) {
        ++errors;
        return;
    }
    ++latency[bucketOf(took)];
    if (!label.empty())
        ++labels[std::string(label)];
}

std::optional<double> VersionTally::quantileMs(double q) const {
    const std::int64_t n = requests - errors;
    if (n <= 0)
        return std::nullopt;
    return valueAtRank(latency,
                       std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(q * n))));
}

std::optional<double> VersionTally::quantileLowerBoundMs(double q) const {
    // The rank of the q-quantile is Binomial(n, q); its lower 95% bound gives the lower bound.
    const std::int64_t n = requests - errors;
    if (n <= 0)
        return std::nullopt;
    const double nn = static_cast<double>(n);
    const double rank = q * nn - kZ * std::sqrt(nn * q * (1 - q));
    if (rank < 1)
        return std::nullopt;  // too few samples to bound it
    return valueAtRank(latency, static_cast<std::int64_t>(std::floor(rank)));
}

void VersionScoreboard::record(Side side, bool shadow, bool ok, std::chrono::microseconds took,
                               std::string_view label, double score, std::string_view requestId) {
    std::lock_guard lock(m_mutex);
    (side == Side::Stable ? m_stable : m_candidate).add(ok, took, label);
    pair(shadow, ok, label, score, requestId);
}

void VersionScoreboard::pair(bool shadow, bool ok, std::string_view label, double score,
                             std::string_view requestId) {
    if (requestId.empty())
        return;
    const std::string key(requestId);
    if (auto it = m_pending.find(key); it != m_pending.end()) {
        if (it->second.shadow != shadow && it->second.ok && ok) {
            ++m_agreement.compared;
            if (it->second.label == label)
                ++m_agreement.agreed;
            m_agreement.sumAbsScoreDiff += std::abs(it->second.score - score);
        }
        m_pending.erase(it);
        return;
    }
    m_pending.emplace(key, Pending{ok, std::string(label), score, shadow});
    m_pendingOrder.push_back(key);
    while (m_pendingOrder.size() > kMaxPending) {
        m_pending.erase(m_pendingOrder.front());  // no-op when it was paired meanwhile
        m_pendingOrder.pop_front();
    }
}

VersionScoreboard::Snapshot VersionScoreboard::snapshot() const {
    std::lock_guard lock(m_mutex);
    return {m_stable, m_candidate, m_agreement};
}

void VersionScoreboard::reset() {
    std::lock_guard lock(m_mutex);
    m_stable = {};
    m_candidate = {};
    m_agreement = {};
    m_pending.clear();
    m_pendingOrder.clear();
}

}  // namespace atalaya::rollout
