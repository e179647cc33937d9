#include "widgets/DriftScoreChart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>
#include <array>
#include <cmath>

#include "widgets/ChartParts.h"

namespace atalaya::ui {

namespace {

// Okabe–Ito, as the latency chart: distinguishable for colour-blind readers.
constexpr std::array<QRgb, 8> kPalette = {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7,
                                          0xe69f00, 0x56b4e9, 0xf0e442, 0x000000};

std::optional<double> valueOf(const client::DriftScorePoint& point,
                              DriftScoreChart::Statistic statistic) {
    switch (statistic) {
        case DriftScoreChart::Statistic::Psi:
            return point.psi;
        case DriftScoreChart::Statistic::KsStatistic:
            return point.ksStatistic;
        case DriftScoreChart::Statistic::JensenShannon:
            return point.jensenShannon;
        case DriftScoreChart::Statistic::WassersteinNormalized:
            return point.wassersteinNormalized;
    }
    return std::nullopt;
}

}  // namespace

DriftScoreChart::DriftScoreChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_timeAxis(new QDateTimeAxis)
    , m_scoreAxis(new QValueAxis) {
    m_timeAxis->setFormat(QStringLiteral("dd MMM HH:mm"));
    m_timeAxis->setTickCount(6);
    m_scoreAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_scoreAxis, Qt::AlignLeft);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();  // a range before installChart()
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(now - 3'600'000),
                         QDateTime::fromMSecsSinceEpoch(now));
    installChart(*this, m_chart, Qt::AlignRight, 220);
    redraw();
}

QString DriftScoreChart::statisticName(Statistic statistic) {
    switch (statistic) {
        case Statistic::Psi:
            return tr("PSI");
        case Statistic::KsStatistic:
            return tr("KS statistic");
        case Statistic::JensenShannon:
            return tr("Jensen–Shannon (bits)");
        case Statistic::WassersteinNormalized:
            return tr("Wasserstein / reference std");
    }
    return {};
}

void DriftScoreChart::showSeries(const client::DriftSeries& series, qint64 fromMs, qint64 toMs) {
    m_series = series;
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(fromMs),
                         QDateTime::fromMSecsSinceEpoch(toMs));
    redraw();
}

void DriftScoreChart::setStatistic(Statistic statistic) {
    m_statistic = statistic;
    redraw();
}

void DriftScoreChart::clear() {
    m_series = {};
    redraw();
}

void DriftScoreChart::redraw() {
    m_chart->removeAllSeries();
    double highest = 0.0;
    for (qsizetype f = 0; f < m_series.features.size(); ++f) {
        const client::DriftFeatureSeries& feature = m_series.features.at(f);
        QLineSeries* line = makeLineSeries(
            feature.name, QColor(kPalette.at(static_cast<std::size_t>(f) % kPalette.size())));
        for (const client::DriftScorePoint& point : feature.points) {
            if (const auto value = valueOf(point, m_statistic)) {
                line->append(static_cast<qreal>(point.timeMs), *value);
                highest = std::max(highest, *value);
            }
        }
        m_chart->addSeries(line);
        line->attachAxis(m_timeAxis);
        line->attachAxis(m_scoreAxis);
    }
    m_scoreAxis->setRange(0.0, highest > 0.0 ? highest * 1.1 : 1.0);
    m_scoreAxis->setTitleText(statisticName(m_statistic));
    m_chart->setTitle(
        m_series.model.isEmpty()
            ? tr("Drift scores per feature")
            : tr("Drift scores per feature, %1 v%2").arg(m_series.model).arg(m_series.version));
}

}  // namespace atalaya::ui
