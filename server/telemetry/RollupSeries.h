#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "telemetry/InferenceLogSchema.h"

namespace atalaya {

using LatencyBuckets = std::array<std::int64_t, kLatencyBucketCount>;

// The q-quantile (0 < q < 1) of the latencies counted in `buckets` (the rollup histogram: bucket
// i holds latencies in (bound[i-1], bound[i]], the first from 0), in milliseconds, by linear
// interpolation inside the bucket that holds rank q * total - Prometheus' histogram_quantile
// rule. A quantile in the unbounded bucket is reported as the last finite bound (5000 ms): the
// histogram only knows it is at least that. nullopt when the buckets are empty.
std::optional<double> latencyQuantileMs(std::span<const std::int64_t, kLatencyBucketCount> buckets,
                                        double q);

// One minute of one rollup row (inference_rollup_minute), the counters a chart needs.
struct RollupMinute {
    std::int64_t minute = 0;  // Unix minutes
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::int64_t batchSizeSum = 0;
    LatencyBuckets buckets{};
};

struct TimeSeriesPoint {
    std::int64_t startMs = 0;  // the bucket is [startMs, startMs + step)
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::optional<double> errorRate;  // errors / requests; nullopt without requests
    double throughputRps = 0;         // requests / step seconds
    std::optional<double> p50Ms;
    std::optional<double> p95Ms;
    std::optional<double> p99Ms;
    std::optional<double> meanBatchSize;  // mean over requests of the batch each rode in
};

// Sums minute rollups into step buckets: bucket k covers [fromMs + k * step, fromMs + (k+1) *
// step). fromMs must be a whole minute and step a whole number of minutes, so a minute never
// straddles two buckets and the sums equal what the raw rows would give. Minutes outside
// [fromMs, toMs) are ignored; rows of the same minute (several versions or API versions) add up.
// Every bucket is returned, empty ones too, so a chart's time axis has no holes.
// Thread affinity: none (a value).
class RollupSeries {
public:
    RollupSeries(std::int64_t fromMs, std::int64_t toMs, std::int64_t stepMs);

    void add(const RollupMinute& row);
    std::vector<TimeSeriesPoint> points() const;
    std::size_t size() const { return m_buckets.size(); }

    // ceil((toMs - fromMs) / stepMs): the buckets a range needs.
    static std::int64_t bucketCount(std::int64_t fromMs, std::int64_t toMs, std::int64_t stepMs);

private:
    struct Bucket {
        std::int64_t requests = 0;
        std::int64_t errors = 0;
        std::int64_t batchSizeSum = 0;
        LatencyBuckets latency{};
    };

    std::int64_t m_fromMs;
    std::int64_t m_toMs;
    std::int64_t m_stepMs;
    std::vector<Bucket> m_buckets;
};

}  // namespace atalaya
