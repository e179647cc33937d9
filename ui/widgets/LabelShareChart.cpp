#include "widgets/LabelShareChart.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QStringList>
#include <QValueAxis>
#include <algorithm>

#include "widgets/ChartParts.h"
#include "widgets/VersionColours.h"

namespace atalaya::ui {

namespace {

QBarSet* makeSet(const QString& name, QColor colour, const QStringList& labels,
                 const QMap<QString, double>& share) {
    auto* set = new QBarSet(name);
    set->setColor(colour);
    set->setBorderColor(colour);
    for (const QString& label : labels) {
        set->append(share.value(label, 0.0) * 100.0);
    }
    return set;
}

}  // namespace

LabelShareChart::LabelShareChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_series(new QBarSeries)
    , m_labelAxis(new QBarCategoryAxis)
    , m_shareAxis(new QValueAxis) {
    m_chart->setTitle(tr("Prediction distribution"));
    m_shareAxis->setRange(0.0, 100.0);
    m_shareAxis->setTitleText(tr("% of answers"));
    m_shareAxis->setLabelFormat(QStringLiteral("%d"));
    m_chart->addSeries(m_series);
    m_chart->addAxis(m_labelAxis, Qt::AlignBottom);
    m_chart->addAxis(m_shareAxis, Qt::AlignLeft);
    m_series->attachAxis(m_labelAxis);
    m_series->attachAxis(m_shareAxis);
    installChart(*this, m_chart, Qt::AlignBottom, 200);
}

void LabelShareChart::setRoute(const std::optional<client::RolloutRoute>& route) {
    m_series->clear();
    m_labelAxis->clear();
    if (!route) {
        return;
    }
    const auto& stable = route->stats.stable;
    const auto& candidate = route->stats.candidate;
    QStringList labels;
    for (const auto* stats : {&stable, &candidate}) {
        if (*stats) {
            labels += (*stats)->labelShare.keys();
        }
    }
    labels.removeDuplicates();
    std::sort(labels.begin(), labels.end());
    if (labels.isEmpty()) {
        return;
    }
    m_labelAxis->append(labels);
    if (stable) {
        m_series->append(makeSet(tr("v%1 (stable)").arg(route->stable),
                                 versionColour(route->stable), labels, stable->labelShare));
    }
    if (candidate && route->candidate) {
        m_series->append(makeSet(tr("v%1 (candidate)").arg(*route->candidate),
                                 versionColour(*route->candidate), labels, candidate->labelShare));
    }
}

}  // namespace atalaya::ui
