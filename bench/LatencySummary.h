#pragma once

#include <cstddef>
#include <vector>

namespace atalaya::bench {

// Order statistics of one measurement's samples, in milliseconds.
struct LatencySummary {
    std::size_t count = 0;
    double meanMs = 0;
    double p50Ms = 0;
    double p99Ms = 0;
};

// Nearest-rank percentiles; takes the samples by value because it reorders them.
LatencySummary summarize(std::vector<double> samplesMs);

}  // namespace atalaya::bench
