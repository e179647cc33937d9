#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace atalaya {

// A Prometheus histogram over integer observations (microseconds, rows) with fixed upper bounds.
// Integers make the bucket edges exact (an observation equal to a bound lands in it: `le` is
// inclusive) and the sum exact, and let observe() be two relaxed atomic adds, no lock.
//
// Thread-safe: observe() from any number of threads, snapshot() from any thread. A snapshot
// taken during observations may see a bucket count and the sum from slightly different moments;
// the total count is the sum of the buckets, so the +Inf bucket always equals _count.
class MetricsHistogram {
public:
    using Bounds =
        std::shared_ptr<const std::vector<std::int64_t>>;  // ascending, shared by a family

    explicit MetricsHistogram(Bounds upperBounds);

    void observe(std::int64_t value);  // negative values count as 0

    struct Snapshot {
        std::vector<std::uint64_t> counts;  // per bucket, not cumulative; last is above every bound
        std::int64_t sum = 0;
    };
    Snapshot snapshot() const;

private:
    const Bounds m_bounds;
    const std::unique_ptr<std::atomic<std::uint64_t>[]> m_counts;  // m_bounds->size() + 1
    std::atomic<std::int64_t> m_sum{0};
};

}  // namespace atalaya
