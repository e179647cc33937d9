#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/DriftHistory.h"
#include "telemetry/RollupSeries.h"

namespace atalaya {

class SqliteDatabase;

// The read side of the inference log for charts (GET /api/v1/stats/..., docs/telemetry.md):
// typed queries over the per-minute rollups and drift_history. They only read, so they run on
// any connection to the file, read-only ones included; under WAL they never block the writer.
//
// Thread affinity: that of the connection passed in (StatsQueryThread runs them on its own).

inline constexpr std::int64_t kMaxSeriesPoints = 2000;

struct TimeSeriesQuery {
    std::string model;
    std::optional<std::int64_t> version;  // nullopt: all versions summed
    std::string apiVersion;               // empty: all API versions (and OIP) summed
    std::int64_t fromMs = 0;              // a whole minute
    std::int64_t toMs = 0;                // > fromMs
    std::int64_t stepMs = 60'000;         // a whole number of minutes
};

struct TimeSeries {
    TimeSeriesQuery query;
    std::vector<TimeSeriesPoint> points;  // every step bucket of [fromMs, toMs)
};

// Checks a query's range and resolution (InvalidArgument "bad_range", "bad_step",
// "too_many_points"): what the route answers 400 for.
Status checkTimeSeriesQuery(const TimeSeriesQuery& query);

Result<TimeSeries> queryTimeSeries(SqliteDatabase& db, const TimeSeriesQuery& query);

struct DriftSeriesQuery {
    std::string model;
    std::int64_t version = 0;
    std::int64_t fromMs = 0;
    std::int64_t toMs = 0;
};

struct DriftVerdictPoint {
    std::int64_t timeMs = 0;
    bool drift = false;
    std::int64_t windowSize = 0;
    std::int64_t observationsSeen = 0;
};

struct DriftScorePoint {
    std::int64_t timeMs = 0;
    DriftScores scores;
};

struct DriftFeatureSeries {
    std::string name;
    std::vector<DriftScorePoint> points;  // oldest first
};

struct DriftSeries {
    DriftSeriesQuery query;
    std::vector<DriftVerdictPoint> verdicts;   // one per snapshot, oldest first
    std::vector<DriftFeatureSeries> features;  // by name
    // More than kMaxSeriesPoints snapshots fell in the range: only the latest are returned.
    bool truncated = false;
};

// The drift_history snapshots of one version with fromMs <= time_ms < toMs.
Result<DriftSeries> queryDriftSeries(SqliteDatabase& db, const DriftSeriesQuery& query);

}  // namespace atalaya
