#pragma once

#include <QColor>
#include <QString>
#include <Qt>

class QChart;
class QChartView;
class QLineSeries;

namespace atalaya::ui {

// The pieces every console chart shares, so they look alike. GUI thread.

// A line of `colour`, 2 px wide, solid or dashed. The caller adds it to a chart, which owns it.
QLineSeries* makeLineSeries(const QString& name, const QColor& colour,
                            Qt::PenStyle style = Qt::SolidLine);

// Hands `chart` to `view`, which owns it from then on: legend at `legend`, thin margins,
// antialiased, at least `minimumHeight` tall. Call it once the axes are set up: with Qt Charts
// 6.4 a date axis first laid out with its default range never draws its line, grid or labels.
void installChart(QChartView& view, QChart* chart, Qt::Alignment legend, int minimumHeight);

}  // namespace atalaya::ui
