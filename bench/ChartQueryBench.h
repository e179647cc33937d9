#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <filesystem>
#include <vector>

namespace atalaya::bench {

struct ChartFigures {
    std::uint64_t requests = 0;  // synthetic raw rows (and requests counted in the rollups)
    std::uint64_t rollupRows = 0;
    double generateSeconds = 0;
    std::uint64_t fileBytes = 0;
    std::uint64_t answeredRequests = 0;  // the query's sum of requests, checked against the above
    std::size_t points = 0;
    std::vector<double> queryMs;  // each run, in order
};

// Builds a SYNTHETIC inference log in `dir`: `requests` raw rows spread evenly over the 24 hours
// before now (two versions of one model, two API versions), inserted directly with one prepared
// statement in one transaction, and the per-minute rollups that describe exactly those rows.
// Then times `runs` 24-hour timeseries queries (60 s step) on a read-only connection, the way
// the stats route runs them.
Result<ChartFigures> measureChartQuery(const std::filesystem::path& dir, std::uint64_t requests,
                                       int runs);

}  // namespace atalaya::bench
