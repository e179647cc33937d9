#include "widgets/ChartParts.h"

#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLineSeries>
#include <QPen>

namespace atalaya::ui {

QLineSeries* makeLineSeries(const QString& name, const QColor& colour, Qt::PenStyle style) {
    auto* series = new QLineSeries;
    series->setName(name);
    QPen pen(colour);
    pen.setWidthF(2.0);
    pen.setStyle(style);
    series->setPen(pen);
    return series;
}

void installChart(QChartView& view, QChart* chart, Qt::Alignment legend, int minimumHeight) {
    chart->legend()->setAlignment(legend);
    chart->setMargins(QMargins(4, 4, 4, 4));
    view.setChart(chart);
    view.setRenderHint(QPainter::Antialiasing);
    view.setMinimumHeight(minimumHeight);
}

}  // namespace atalaya::ui
