#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atalaya {
class SqliteDatabase;
}

namespace atalaya::stats {

// Which shadow traffic to compare: the inference log's rows of route "shadow" of `model` with
// `fromMs <= time_ms < toMs`, optionally of one API version and one shadow (candidate) version.
struct ShadowComparisonQuery {
    std::string model;
    std::optional<std::string> apiVersion;
    std::optional<std::int64_t> candidate;
    std::int64_t fromMs = 0;
    std::int64_t toMs = 0;
};

// Latency of one side of the pairs, in ms: socket-to-answer for the client's version, queue
// plus forward pass for the shadow (nobody waits for its answer).
struct LatencySummary {
    std::optional<double> meanMs;  // empty without pairs
    std::optional<double> p50Ms;
    std::optional<double> p99Ms;
};

// One (client's version, shadow version) pair of an API version: how the shadow's answers
// compare with the answers the clients got to the same requests (joined by request id).
struct ShadowPairStats {
    std::string apiVersion;
    std::int64_t stableVersion = 0;     // the version that answered the client
    std::int64_t candidateVersion = 0;  // the shadow
    std::int64_t compared = 0;          // both answered 200
    std::int64_t agreed = 0;            // same label (the first instance's)
    double sumAbsScoreDiff = 0;
    std::int64_t candidateErrors = 0;  // the client got 200, the shadow failed
    LatencySummary stable;
    LatencySummary candidate;
};

struct ShadowComparison {
    ShadowComparisonQuery query;
    std::vector<ShadowPairStats> pairs;  // by API version, then versions
    bool truncated = false;              // more rows than kMaxShadowRows: the newest were left out
};

inline constexpr std::int64_t kMaxShadowRows = 200'000;

// Runs on the stats query thread's read-only connection (docs/telemetry.md): the shadow rows
// of the range joined with their clients' rows by request id, aggregated here. Only sampled
// requests have rows; sampling keeps or skips a request id's rows together.
Result<ShadowComparison> queryShadowComparison(SqliteDatabase& db,
                                               const ShadowComparisonQuery& query);
// The body of GET /api/v1/stats/shadow (docs/rollout.md). Pure; any thread.
std::string shadowComparisonJson(const ShadowComparison& comparison);

}  // namespace atalaya::stats
