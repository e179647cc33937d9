#include "inference/LiveStats.h"

#include <algorithm>
#include <cmath>

namespace atalaya {
namespace {

// Bucket b holds latencies up to kFirstUs * kGrowth^b: 10 us .. ~110 s in 320 buckets, each
// about 5% wide.
constexpr double kFirstUs = 10.0;
constexpr double kGrowth = 1.052;

std::int64_t secondOf(LiveStats::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

int LiveStats::bucketFor(std::chrono::microseconds latency) {
    const double us = std::max<double>(static_cast<double>(latency.count()), 1.0);
    if (us <= kFirstUs) return 0;
    const int bucket = static_cast<int>(std::ceil(std::log(us / kFirstUs) / std::log(kGrowth)));
    return std::clamp(bucket, 0, kBuckets - 1);
}

double LiveStats::bucketUpperMs(int bucket) {
    return kFirstUs * std::pow(kGrowth, bucket) / 1000.0;
}

LiveStats::Slot& LiveStats::slotFor(Clock::time_point now) {
    const std::int64_t second = secondOf(now);
    Slot& slot = m_slots[static_cast<std::size_t>(second % kWindowSeconds)];
    if (slot.second != second) slot = Slot{.second = second};
    return slot;
}

void LiveStats::recordRequest(std::chrono::microseconds latency, bool ok, Clock::time_point now) {
    const int bucket = bucketFor(latency);
    std::lock_guard lock(m_mutex);
    Slot& slot = slotFor(now);
    ++slot.requests;
    if (!ok) ++slot.errors;
    ++slot.histogram[static_cast<std::size_t>(bucket)];
}

void LiveStats::recordBatch(int size, Clock::time_point now) {
    std::lock_guard lock(m_mutex);
    Slot& slot = slotFor(now);
    ++slot.batches;
    slot.batchRows += size;
}

LiveStatsSnapshot LiveStats::snapshot(Clock::time_point now) const {
    const std::int64_t newest = secondOf(now);
    LiveStatsSnapshot out;
    std::array<std::uint64_t, kBuckets> histogram{};
    std::int64_t batchRows = 0;
    {
        std::lock_guard lock(m_mutex);
        for (const Slot& slot : m_slots) {
            if (slot.second < 0 || slot.second <= newest - kWindowSeconds || slot.second > newest) {
                continue;
            }
            out.requests += slot.requests;
            out.errors += slot.errors;
            out.batches += slot.batches;
            batchRows += slot.batchRows;
            for (int b = 0; b < kBuckets; ++b) histogram[b] += slot.histogram[b];
        }
    }
    const auto requests = static_cast<double>(out.requests);
    out.throughputRps = requests / kWindowSeconds;
    if (out.batches > 0) {
        out.meanBatchSize = static_cast<double>(batchRows) / static_cast<double>(out.batches);
    }
    if (out.requests == 0) return out;

    out.successRate = static_cast<double>(out.requests - out.errors) / requests;
    auto percentile = [&](double q) {
        const auto rank = static_cast<std::uint64_t>(std::ceil(q * requests));
        std::uint64_t seen = 0;
        for (int b = 0; b < kBuckets; ++b) {
            seen += histogram[b];
            if (seen >= rank) return bucketUpperMs(b);
        }
        return bucketUpperMs(kBuckets - 1);
    };
    out.p50Ms = percentile(0.50);
    out.p95Ms = percentile(0.95);
    out.p99Ms = percentile(0.99);
    return out;
}

}  // namespace atalaya
