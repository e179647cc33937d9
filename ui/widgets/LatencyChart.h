#pragma once

#include <QChartView>
#include <QColor>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QPair>
#include <chrono>

#include "client/ServerHealth.h"
#include "client/StatsSeries.h"

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace atalaya::ui {

// p50 and p99 latency of every model version over a rolling window (30 minutes by default), one
// point per minute, from the server's time series (GET /api/v1/stats/timeseries, which reads the
// inference log's rollups). p99 is drawn dashed in the colour of its version's p50. A version's
// series disappear once its time series holds no latency or it leaves the server.
class LatencyChart : public QChartView {
    Q_OBJECT

public:
    explicit LatencyChart(QWidget* parent = nullptr);

    void setWindow(std::chrono::seconds window);

    std::chrono::seconds window() const { return m_window; }

    // Replaces the lines of the series' version (series.version must be set; summed series are
    // ignored) and moves the right edge of the time axis to series.toMs. Minutes without
    // requests have no latency and get no point.
    void showTimeSeries(const client::TimeSeries& series);
    // Drops the lines of versions not in `models`.
    void retainVersions(const QList<client::ModelVersionHealth>& models);

private:
    struct VersionSeries {
        QLineSeries* p50 = nullptr;
        QLineSeries* p99 = nullptr;
    };
    using VersionKey = QPair<QString, qint64>;

    VersionSeries& seriesFor(const QString& model, qint64 version);
    void removeSeries(const VersionKey& key);
    void rescale(qint64 nowMs);

    QChart* m_chart;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_latencyAxis;
    QMap<VersionKey, VersionSeries> m_series;
    std::chrono::seconds m_window{std::chrono::minutes(30)};
    qint64 m_latestMs = QDateTime::currentMSecsSinceEpoch();  // right edge of the time axis
    QMap<VersionKey, QColor> m_colours;
};

}  // namespace atalaya::ui
