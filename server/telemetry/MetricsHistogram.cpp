#include "telemetry/MetricsHistogram.h"

#include <algorithm>

namespace atalaya {

MetricsHistogram::MetricsHistogram(Bounds upperBounds)
    : m_bounds(std::move(upperBounds))
    , m_counts(std::make_unique<std::atomic<std::uint64_t>[]>(m_bounds->size() + 1)) {}

void MetricsHistogram::observe(std::int64_t value) {
    value = std::max<std::int64_t>(value, 0);
    // First bound >= value: `le` is inclusive. A dozen bounds fit in a cache line or two.
    const auto bound = std::lower_bound(m_bounds->begin(), m_bounds->end(), value);
    const auto bucket = static_cast<std::size_t>(bound - m_bounds->begin());
    m_counts[bucket].fetch_add(1, std::memory_order_relaxed);
    m_sum.fetch_add(value, std::memory_order_relaxed);
}

MetricsHistogram::Snapshot MetricsHistogram::snapshot() const {
    Snapshot out;
    out.counts.resize(m_bounds->size() + 1);
    for (std::size_t i = 0; i < out.counts.size(); ++i) {
        out.counts[i] = m_counts[i].load(std::memory_order_relaxed);
    }
    out.sum = m_sum.load(std::memory_order_relaxed);
    return out;
}

}  // namespace atalaya
