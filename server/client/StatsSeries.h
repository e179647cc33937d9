#pragma once

#include <atalaya/Result.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>
#include <utility>

namespace atalaya::client {

// The GET /api/v1/stats/... documents (docs/api.md, "Statistics") as the console sees them.
// Plain values: copy them freely across threads. Times are Unix ms.

struct TimeSeriesPoint {
    qint64 timeMs = 0;  // start of the step bucket
    qint64 requests = 0;
    qint64 errors = 0;
    std::optional<double> errorRate;
    double throughputRps = 0;
    std::optional<double> p50Ms;  // empty for a bucket without requests
    std::optional<double> p95Ms;
    std::optional<double> p99Ms;
    std::optional<double> meanBatchSize;
};

struct TimeSeries {
    QString model;
    std::optional<qint64> version;  // empty: every version summed
    qint64 fromMs = 0;
    qint64 toMs = 0;
    qint64 stepSeconds = 60;
    QList<TimeSeriesPoint> points;
};

struct DriftScorePoint {
    qint64 timeMs = 0;
    double psi = 0;
    double ksStatistic = 0;
    double ksPValue = 1;
    double jensenShannon = 0;
    std::optional<double> wassersteinNormalized;
    bool drifted = false;
};

struct DriftFeatureSeries {
    QString name;
    QList<DriftScorePoint> points;
};

struct DriftVerdictPoint {
    qint64 timeMs = 0;
    bool drift = false;
    qint64 windowSize = 0;
};

struct DriftSeries {
    QString model;
    qint64 version = 0;
    QList<DriftVerdictPoint> verdicts;
    QList<DriftFeatureSeries> features;
};

struct FeatureHistogram {
    QString model;
    qint64 version = 0;
    QString feature;
    QList<double> edges;               // bins + 1
    QList<double> referenceFractions;  // per bin
    QList<qint64> currentCounts;       // per bin, the live window
    bool live = false;                 // false: the server has no window yet (counts are 0)
};

// GET /api/v1/stats/shadow: a shadow version's answers against the clients' answers to the
// same requests, from the inference log (docs/rollout.md).
struct ShadowLatency {
    std::optional<double> meanMs;
    std::optional<double> p50Ms;
    std::optional<double> p99Ms;
};

struct ShadowPair {
    QString api;
    qint64 stableVersion = 0;
    qint64 candidateVersion = 0;
    qint64 compared = 0;
    std::optional<double> agreement;
    std::optional<std::pair<double, double>> agreementCi;
    std::optional<double> meanAbsScoreDiff;
    qint64 candidateErrors = 0;
    ShadowLatency stableLatency;
    ShadowLatency candidateLatency;
};

struct ShadowComparison {
    QString model;
    qint64 fromMs = 0;
    qint64 toMs = 0;
    QList<ShadowPair> pairs;
};

// Parsers in the spirit of parseServerHealth: required fields missing or of the wrong type are
// InvalidArgument naming the path (e.g. "points[3].requests"); unknown fields are ignored. These
// mirror the server's answers (server/telemetry/StatsQueries.h) for a client that links no
// server library and reads them from JSON.
Result<TimeSeries> parseTimeSeries(const QByteArray& json);
Result<DriftSeries> parseDriftSeries(const QByteArray& json);
Result<FeatureHistogram> parseFeatureHistogram(const QByteArray& json);
Result<ShadowComparison> parseShadowComparison(const QByteArray& json);

}  // namespace atalaya::client
