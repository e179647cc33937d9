#pragma once

#include <string>

#include "telemetry/DriftMonitor.h"
#include "telemetry/StatsQueries.h"

namespace atalaya::stats {

// The bodies of GET /api/v1/stats/... (docs/api.md, "Statistics"). Times are Unix ms, steps
// seconds; a statistic that does not exist for a bucket (latency without requests) is null.
// Pure; any thread.
std::string timeSeriesJson(const TimeSeries& series);
std::string driftSeriesJson(const DriftSeries& series);
// `live`: the current counts are the drift monitor's window; false: the version has no window
// yet (no traffic since start, or the monitor is off) and they are zeros.
std::string histogramJson(const std::string& model, std::int64_t version,
                          const FeatureHistogram& histogram, bool live);

}  // namespace atalaya::stats
