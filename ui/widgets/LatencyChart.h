#pragma once

#include <QChartView>
#include <QColor>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QPair>
#include <chrono>

#include "client/ServerHealth.h"

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace atalaya::ui {

// p50 and p99 latency of every model version over a rolling window (5 minutes by default),
// one point per health update. p99 is drawn dashed in the colour of its version's p50.
// A version's series disappear once the window holds no point of theirs.
class LatencyChart : public QChartView {
    Q_OBJECT

public:
    explicit LatencyChart(QWidget* parent = nullptr);

    void setWindow(std::chrono::seconds window);

    // Versions with no requests in the last minute have no latency and get no point: the line
    // resumes when traffic does. `at` is a parameter so tests and replays control the clock.
    void appendHealth(const QDateTime& at, const QList<client::ModelVersionHealth>& models);

private:
    struct VersionSeries {
        QLineSeries* p50 = nullptr;
        QLineSeries* p99 = nullptr;
    };
    using VersionKey = QPair<QString, qint64>;

    VersionSeries& seriesFor(const client::ModelVersionHealth& model);
    void trimBefore(qreal oldestMs);
    void rescale(qint64 nowMs);

    QChart* m_chart;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_latencyAxis;
    QMap<VersionKey, VersionSeries> m_series;
    std::chrono::seconds m_window{std::chrono::minutes(5)};
    qint64 m_latestMs = QDateTime::currentMSecsSinceEpoch();  // right edge of the time axis
    QMap<VersionKey, QColor> m_colours;
};

}  // namespace atalaya::ui
