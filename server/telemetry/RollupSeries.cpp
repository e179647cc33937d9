#include "telemetry/RollupSeries.h"

#include "core/UnixTime.h"

namespace atalaya {
std::optional<double> latencyQuantileMs(std::span<const std::int64_t, kLatencyBucketCount> buckets,
                                        double q) {
    std::int64_t total = 0;
    for (const std::int64_t n : buckets)
        total += n;
    if (total == 0)
        return std::nullopt;
    const double rank = q * static_cast<double>(total);
    std::int64_t below = 0;  // observations in the buckets before this one
    for (std::size_t b = 0; b < kLatencyBucketBoundsMs.size(); ++b) {
        const std::int64_t n = buckets[b];
        if (n > 0 && static_cast<double>(below + n) >= rank) {
            const auto lower = static_cast<double>(b == 0 ? 0 : kLatencyBucketBoundsMs[b - 1]);
            const auto upper = static_cast<double>(kLatencyBucketBoundsMs[b]);
            return lower +
                   (upper - lower) * (rank - static_cast<double>(below)) / static_cast<double>(n);
        }
        below += n;
    }
    return static_cast<double>(kLatencyBucketBoundsMs.back());
}

std::int64_t RollupSeries::bucketCount(std::int64_t fromMs, std::int64_t toMs,
                                       std::int64_t stepMs) {
    if (toMs <= fromMs || stepMs <= 0)
        return 0;
    return (toMs - fromMs + stepMs - 1) / stepMs;
}

RollupSeries::RollupSeries(std::int64_t fromMs, std::int64_t toMs, std::int64_t stepMs)
    : m_fromMs(fromMs)
    , m_toMs(toMs)
    , m_stepMs(stepMs)
    , m_buckets(static_cast<std::size_t>(bucketCount(fromMs, toMs, stepMs))) {}

void RollupSeries::add(const RollupMinute& row) {
    const std::int64_t startMs = row.minute * kMinuteMs;
    if (startMs < m_fromMs || startMs >= m_toMs)
        return;
    Bucket& bucket = m_buckets[static_cast<std::size_t>((startMs - m_fromMs) / m_stepMs)];
    bucket.requests += row.requests;
    bucket.errors += row.errors;
    bucket.batchSizeSum += row.batchSizeSum;
    for (std::size_t b = 0; b < kLatencyBucketCount; ++b)
        bucket.latency[b] += row.buckets[b];
}

std::vector<TimeSeriesPoint> RollupSeries::points() const {
    std::vector<TimeSeriesPoint> points;
    points.reserve(m_buckets.size());
    const double stepSeconds = static_cast<double>(m_stepMs) / 1000.0;
    for (std::size_t k = 0; k < m_buckets.size(); ++k) {
        const Bucket& bucket = m_buckets[k];
        TimeSeriesPoint point;
        point.startMs = m_fromMs + static_cast<std::int64_t>(k) * m_stepMs;
        point.requests = bucket.requests;
        point.errors = bucket.errors;
        point.throughputRps = static_cast<double>(bucket.requests) / stepSeconds;
        if (bucket.requests > 0) {
            const auto requests = static_cast<double>(bucket.requests);
            point.errorRate = static_cast<double>(bucket.errors) / requests;
            point.meanBatchSize = static_cast<double>(bucket.batchSizeSum) / requests;
        }
        point.p50Ms = latencyQuantileMs(bucket.latency, 0.50);
        point.p95Ms = latencyQuantileMs(bucket.latency, 0.95);
        point.p99Ms = latencyQuantileMs(bucket.latency, 0.99);
        points.push_back(point);
    }
    return points;
}

}  // namespace atalaya
