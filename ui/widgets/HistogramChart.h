#pragma once

#include <QChartView>

#include "client/StatsSeries.h"

class QBarCategoryAxis;
class QBarSeries;
class QValueAxis;

namespace atalaya::ui {

// One feature's distribution on its reference bins: the training reference next to the live
// window (GET /api/v1/stats/histogram), both as percentages so they compare at any window size.
class HistogramChart : public QChartView {
    Q_OBJECT

public:
    explicit HistogramChart(QWidget* parent = nullptr);

    void showHistogram(const client::FeatureHistogram& histogram);
    void clear();

private:
    QChart* m_chart;
    QBarCategoryAxis* m_binAxis;
    QValueAxis* m_percentAxis;
};

}  // namespace atalaya::ui
