#pragma once

#include <QChartView>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>
#include <chrono>
#include <optional>

#include "client/RolloutTypes.h"

class QDateTimeAxis;
class QValueAxis;

namespace atalaya::ui {

// p99 latency (solid, left axis) and error rate (dashed, right axis) of the versions of one
// route over a rolling window (5 minutes by default), one point per rollouts refresh. Points
// are kept for every route, so switching the shown route shows its history at once; a version
// keeps its colour and its line across a promotion (keyed by version, not by role).
// Thread affinity: GUI thread.
class RolloutTrendChart : public QChartView {
    Q_OBJECT

public:
    explicit RolloutTrendChart(QWidget* parent = nullptr);

    void setWindow(std::chrono::seconds window);
    // `at` is a parameter so tests and replays control the clock.
    void appendRoutes(const QDateTime& at, const QList<client::RolloutRoute>& routes);
    void showRoute(const QString& api, const QString& model);  // empty strings show nothing

private:
    struct Point {
        qint64 ms = 0;
        std::optional<double> p99Ms;
        std::optional<double> errorRate;
    };
    using History = QMap<qint64, QList<Point>>;  // version -> points in time order

    static QString keyOf(const QString& api, const QString& model);
    void trim(qint64 oldestMs);
    void redraw();

    QChart* m_chart;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_latencyAxis;
    QValueAxis* m_errorAxis;
    QMap<QString, History> m_history;  // "api/model" -> its versions' points
    QString m_shown;
    std::chrono::seconds m_window{std::chrono::minutes(5)};
    qint64 m_latestMs = QDateTime::currentMSecsSinceEpoch();
};

}  // namespace atalaya::ui
