#include "LatencySummary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace atalaya::bench {
namespace {

double nearestRank(std::vector<double>& samples, double quantile) {
    const auto rank =
        static_cast<std::size_t>(std::ceil(quantile * static_cast<double>(samples.size())));
    const auto index = std::clamp<std::size_t>(rank, 1, samples.size()) - 1;
    std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                     samples.end());
    return samples[index];
}

}  // namespace

LatencySummary summarize(std::vector<double> samplesMs) {
    LatencySummary summary;
    summary.count = samplesMs.size();
    if (samplesMs.empty())
        return summary;
    summary.meanMs = std::accumulate(samplesMs.begin(), samplesMs.end(), 0.0) /
                     static_cast<double>(samplesMs.size());
    summary.p50Ms = nearestRank(samplesMs, 0.50);
    summary.p99Ms = nearestRank(samplesMs, 0.99);
    return summary;
}

}  // namespace atalaya::bench
