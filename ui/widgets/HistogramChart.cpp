#include "widgets/HistogramChart.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QValueAxis>
#include <algorithm>
#include <numeric>

#include "widgets/ChartParts.h"

namespace atalaya::ui {

namespace {

QString edgeText(double edge) {
    return QString::number(edge, 'g', 4);
}

}  // namespace

HistogramChart::HistogramChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_binAxis(new QBarCategoryAxis)
    , m_percentAxis(new QValueAxis) {
    m_percentAxis->setTitleText(tr("% of observations"));
    m_percentAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_chart->addAxis(m_binAxis, Qt::AlignBottom);
    m_chart->addAxis(m_percentAxis, Qt::AlignLeft);
    installChart(*this, m_chart, Qt::AlignBottom, 200);
    clear();
}

void HistogramChart::clear() {
    m_chart->removeAllSeries();
    m_binAxis->clear();
    m_percentAxis->setRange(0.0, 100.0);
    m_chart->setTitle(tr("Reference vs current"));
}

void HistogramChart::showHistogram(const client::FeatureHistogram& histogram) {
    clear();
    const qint64 total =
        std::accumulate(histogram.currentCounts.begin(), histogram.currentCounts.end(), qint64{0});
    auto* reference = new QBarSet(tr("Reference (training)"));
    reference->setColor(QColor(0x999999));
    auto* current = new QBarSet(total > 0 ? tr("Current window (%1)").arg(total)
                                          : tr("Current window (no traffic yet)"));
    current->setColor(QColor(0x0072b2));
    QStringList bins;
    double highest = 0.0;
    for (qsizetype i = 0; i < histogram.referenceFractions.size(); ++i) {
        const double expected = histogram.referenceFractions.at(i) * 100.0;
        const double observed = total > 0 ? static_cast<double>(histogram.currentCounts.value(i)) *
                                                100.0 / static_cast<double>(total)
                                          : 0.0;
        reference->append(expected);
        current->append(observed);
        highest = std::max({highest, expected, observed});
        bins.append(edgeText(histogram.edges.value(i)) + u"–" +
                    edgeText(histogram.edges.value(i + 1)));
    }
    auto* series = new QBarSeries;
    series->append(reference);
    series->append(current);
    m_chart->addSeries(series);
    m_binAxis->append(bins);
    series->attachAxis(m_binAxis);
    series->attachAxis(m_percentAxis);
    m_percentAxis->setRange(0.0, std::max(10.0, highest * 1.15));
    m_chart->setTitle(tr("%1: reference vs current (%2 v%3)")
                          .arg(histogram.feature, histogram.model)
                          .arg(histogram.version));
}

}  // namespace atalaya::ui
