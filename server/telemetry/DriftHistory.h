#pragma once

#include <atalaya/Status.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/DriftReport.h"

namespace atalaya {

class SqliteDatabase;
class SqliteStatement;

// One feature's scores at one moment (a FeatureDrift without its count): what a drift_history
// row keeps, written by the log's writer and read back for the drift chart.
struct DriftScores {
    double psi = 0;
    double ksStatistic = 0;
    double ksPValue = 1;
    double jensenShannon = 0;
    double wasserstein = 0;
    std::optional<double> wassersteinNormalized;
    bool drifted = false;
};

// A version's drift report reduced to what a chart of scores over time needs, as the table
// drift_history of the inference-log database keeps it: one row per feature per snapshot, the
// dataset verdict and window size repeated on each (a verdict without features is never kept:
// a version that is not monitored has no history).
struct DriftSnapshot {
    struct Feature {
        std::string name;
        DriftScores scores;
    };

    std::int64_t timeUnixMs = 0;
    std::string model;
    std::int64_t version = 0;
    bool drift = false;
    std::int64_t windowSize = 0;
    std::uint64_t observationsSeen = 0;
    std::vector<Feature> features;
};

DriftSnapshot driftSnapshotOf(const DriftReport& report, std::int64_t timeUnixMs);

// The drift_history columns of DriftScores, in the order the two functions below use.
inline constexpr std::string_view kDriftScoreColumns =
    "psi, ks_statistic, ks_p_value, jensen_shannon, wasserstein, wasserstein_normalized, "
    "feature_drifted";
// Binds `scores` to the parameters first, first + 1, ... (kDriftScoreColumns' order).
Status bindDriftScores(SqliteStatement& statement, int first, const DriftScores& scores);
// Reads them from the result columns first, first + 1, ... of the current row.
DriftScores driftScoresAt(const SqliteStatement& row, int first);

// Creates drift_history when missing. A table added beside the schema-1 tables, not a schema
// version of its own: an older server ignores it, so the file stays readable by both.
// On the writer connection at open.
Status ensureDriftHistorySchema(SqliteDatabase& db);

}  // namespace atalaya
