#pragma once

#include <QChartView>
#include <optional>

#include "client/RolloutTypes.h"

class QBarCategoryAxis;
class QBarSeries;
class QValueAxis;

namespace atalaya::ui {

// The prediction distribution of a route's stable and candidate versions: for each label, the
// share of each version's answers, as bars side by side. A candidate whose bars differ from the
// stable one's predicts differently, whatever its error rate says. Thread affinity: GUI thread.
class LabelShareChart : public QChartView {
    Q_OBJECT

public:
    explicit LabelShareChart(QWidget* parent = nullptr);

    void setRoute(const std::optional<client::RolloutRoute>& route);  // none clears

    QBarSeries* series() const { return m_series; }

private:
    QChart* m_chart;
    QBarSeries* m_series;
    QBarCategoryAxis* m_labelAxis;
    QValueAxis* m_shareAxis;
};

}  // namespace atalaya::ui
