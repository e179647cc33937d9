#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace atalaya::rollout {

// Outcomes of one version on one route since the rollout's current stage began.
struct VersionTally {
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::map<std::string, std::int64_t> labels;  // first instance's label of each success
    std::array<std::uint32_t, 64> latency{};     // log2 buckets of microseconds

    void add(bool ok, std::chrono::microseconds took, std::string_view label);
    // The latency below which `q` of the requests fell, and a 95% interval of it from the
    // order statistics (bucket upper bounds, so an overestimate of at most 2x).
    std::optional<double> quantileMs(double q) const;
    std::optional<double> quantileLowerBoundMs(double q) const;
};

// What the shadow saw next to the client's answer on the same requests.
struct ShadowAgreement {
    std::int64_t compared = 0;
    std::int64_t agreed = 0;
    double sumAbsScoreDiff = 0;
};

// The statistics one route's guard rules and the console read: a tally for the stable side and
// one for the candidate (canary traffic or shadow copies), plus shadow agreement, pairing each
// shadow answer with the client's answer to the same request.
//
// Thread-safe: record() on IO threads (one short mutex), snapshot() from anywhere.
class VersionScoreboard {
public:
    enum class Side { Stable, Candidate };

    void record(Side side, bool shadow, bool ok, std::chrono::microseconds took,
                std::string_view label, double score, std::string_view requestId);

    struct Snapshot {
        VersionTally stable;
        VersionTally candidate;
        ShadowAgreement shadow;
    };
    Snapshot snapshot() const;
    void reset();

private:
    void pair(bool shadow, bool ok, std::string_view label, double score,
              std::string_view requestId);

    struct Pending {
        bool ok;
        std::string label;
        double score;
        bool shadow;
    };
    static constexpr std::size_t kMaxPending = 4096;  // unpaired answers kept, oldest dropped

    mutable std::mutex m_mutex;
    VersionTally m_stable;
    VersionTally m_candidate;
    ShadowAgreement m_agreement;
    std::unordered_map<std::string, Pending> m_pending;
    std::deque<std::string> m_pendingOrder;
};

}  // namespace atalaya::rollout
