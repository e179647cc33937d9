#pragma once

#include <QChartView>
#include <QMap>
#include <QString>

#include "client/StatsSeries.h"

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace atalaya::ui {

// Drift scores over time, one line per feature, for one model version (the drift history the
// server keeps, GET /api/v1/stats/drift). Shows one statistic at a time.
class DriftScoreChart : public QChartView {
    Q_OBJECT

public:
    enum class Statistic { Psi, KsStatistic, JensenShannon, WassersteinNormalized };

    explicit DriftScoreChart(QWidget* parent = nullptr);

    // Replaces every line. The time axis spans [fromMs, toMs].
    void showSeries(const client::DriftSeries& series, qint64 fromMs, qint64 toMs);
    void setStatistic(Statistic statistic);
    void clear();

    static QString statisticName(Statistic statistic);

private:
    void redraw();

    QChart* m_chart;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_scoreAxis;
    Statistic m_statistic = Statistic::Psi;
    client::DriftSeries m_series;
};

}  // namespace atalaya::ui
