#include "telemetry/DriftHistory.h"

#include "telemetry/SqliteDatabase.h"

namespace atalaya {

DriftSnapshot driftSnapshotOf(const DriftReport& report, std::int64_t timeUnixMs) {
    DriftSnapshot snapshot;
    snapshot.timeUnixMs = timeUnixMs;
    snapshot.model = report.model;
    snapshot.version = report.version;
    snapshot.drift = report.drift;
    snapshot.windowSize = static_cast<std::int64_t>(report.windowSize);
    snapshot.observationsSeen = report.observationsSeen;
    for (const FeatureDrift& feature : report.features) {
        snapshot.features.push_back(
            {.name = feature.name,
             .scores = {.psi = feature.psi,
                        .ksStatistic = feature.ksStatistic,
                        .ksPValue = feature.ksPValue,
                        .jensenShannon = feature.jensenShannon,
                        .wasserstein = feature.wasserstein,
                        .wassersteinNormalized = feature.wassersteinNormalized,
                        .drifted = feature.drifted}});
    }
    return snapshot;
}

Status bindDriftScores(SqliteStatement& statement, int first, const DriftScores& scores) {
    ATALAYA_RETURN_IF_ERROR(statement.bindDouble(first, scores.psi));
    ATALAYA_RETURN_IF_ERROR(statement.bindDouble(first + 1, scores.ksStatistic));
    ATALAYA_RETURN_IF_ERROR(statement.bindDouble(first + 2, scores.ksPValue));
    ATALAYA_RETURN_IF_ERROR(statement.bindDouble(first + 3, scores.jensenShannon));
    ATALAYA_RETURN_IF_ERROR(statement.bindDouble(first + 4, scores.wasserstein));
    ATALAYA_RETURN_IF_ERROR(scores.wassersteinNormalized
                                ? statement.bindDouble(first + 5, *scores.wassersteinNormalized)
                                : statement.bindNull(first + 5));
    return statement.bindInt(first + 6, scores.drifted ? 1 : 0);
}

DriftScores driftScoresAt(const SqliteStatement& row, int first) {
    return {.psi = row.columnDouble(first),
            .ksStatistic = row.columnDouble(first + 1),
            .ksPValue = row.columnDouble(first + 2),
            .jensenShannon = row.columnDouble(first + 3),
            .wasserstein = row.columnDouble(first + 4),
            .wassersteinNormalized =
                row.isNull(first + 5) ? std::nullopt : std::optional(row.columnDouble(first + 5)),
            .drifted = row.columnInt(first + 6) != 0};
}

Status ensureDriftHistorySchema(SqliteDatabase& db) {
    // Keyed for the chart query (one version, a time range); the time index is for retention.
    return db.execute(R"(
CREATE TABLE IF NOT EXISTS drift_history (
    model                  TEXT NOT NULL,
    version                INTEGER NOT NULL,
    time_ms                INTEGER NOT NULL,
    feature                TEXT NOT NULL,
    psi                    REAL NOT NULL,
    ks_statistic           REAL NOT NULL,
    ks_p_value             REAL NOT NULL,
    jensen_shannon         REAL NOT NULL,
    wasserstein            REAL NOT NULL,
    wasserstein_normalized REAL,
    feature_drifted        INTEGER NOT NULL,
    drift                  INTEGER NOT NULL,
    window_size            INTEGER NOT NULL,
    observations_seen      INTEGER NOT NULL,
    PRIMARY KEY (model, version, time_ms, feature)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS drift_history_time ON drift_history (time_ms);
)");
}

}  // namespace atalaya
