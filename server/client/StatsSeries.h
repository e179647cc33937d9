#pragma once

#include <atalaya/Result.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <optional>

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

// Parsers in the spirit of parseServerHealth: required fields missing or of the wrong type are
// InvalidArgument naming the path (e.g. "points[3].requests"); unknown fields are ignored. These
// mirror the server's answers (server/telemetry/StatsQueries.h) for a client that links no
// server library and reads them from JSON.
Result<TimeSeries> parseTimeSeries(const QByteArray& json);
Result<DriftSeries> parseDriftSeries(const QByteArray& json);
Result<FeatureHistogram> parseFeatureHistogram(const QByteArray& json);

}  // namespace atalaya::client
