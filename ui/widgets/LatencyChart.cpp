#include "widgets/LatencyChart.h"

#include <QChart>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace atalaya::ui {

namespace {

// Distinct, colour-blind-friendly hues (Okabe–Ito); the theme's own palette gives p50 and p99
// of one version unrelated colours.
constexpr std::array<QRgb, 7> kPalette = {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7,
                                          0xe69f00, 0x56b4e9, 0x000000};

QLineSeries* makeSeries(const QString& name, QColor colour, Qt::PenStyle style) {
    auto* series = new QLineSeries;
    series->setName(name);
    QPen pen(colour);
    pen.setWidthF(2.0);
    pen.setStyle(style);
    series->setPen(pen);
    return series;
}

// A 1-2-5 top for the latency axis with headroom above `value`, so it does not jump with every
// new maximum, and ticks at round values (5 intervals, or 4 for a top of 2, 20, ...).
std::pair<double, double> niceScale(double value) {
    if (value <= 0.0) {
        return {1.0, 0.2};
    }
    const double magnitude = std::pow(10.0, std::floor(std::log10(value * 1.1)));
    for (double leading : {1.0, 2.0, 5.0, 10.0}) {
        if (value * 1.1 <= leading * magnitude) {
            return {leading * magnitude, leading * magnitude / (leading == 2.0 ? 4.0 : 5.0)};
        }
    }
    return {10.0 * magnitude, 2.0 * magnitude};
}

}  // namespace

LatencyChart::LatencyChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_timeAxis(new QDateTimeAxis)
    , m_latencyAxis(new QValueAxis) {
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(6);
    m_latencyAxis->setTitleText(tr("ms"));
    m_latencyAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_latencyAxis->setTickType(QValueAxis::TicksDynamic);
    m_latencyAxis->setTickAnchor(0.0);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_latencyAxis, Qt::AlignLeft);
    // The range must be set before the chart reaches the view: with Qt Charts 6.4, a date axis
    // first laid out with its default range never draws its line, grid or labels.
    setWindow(m_window);
    setChart(m_chart);  // the view owns the chart, the chart its axes and series
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);
}

void LatencyChart::setWindow(std::chrono::seconds window) {
    m_window = window;
    const qint64 seconds = window.count();
    m_chart->setTitle(seconds % 60 == 0
                          ? tr("Latency (p50 solid, p99 dashed), last %1 min").arg(seconds / 60)
                          : tr("Latency (p50 solid, p99 dashed), last %1 s").arg(seconds));
    trimBefore(static_cast<qreal>(m_latestMs - seconds * 1000));
    rescale(m_latestMs);
}

void LatencyChart::appendHealth(const QDateTime& at,
                                const QList<client::ModelVersionHealth>& models) {
    const qint64 nowMs = at.toMSecsSinceEpoch();
    m_latestMs = nowMs;
    for (const client::ModelVersionHealth& model : models) {
        const auto& stats = model.lastMinute;
        if (!stats.p50Ms && !stats.p99Ms) {
            continue;
        }
        VersionSeries& series = seriesFor(model);
        if (stats.p50Ms) {
            series.p50->append(static_cast<qreal>(nowMs), *stats.p50Ms);
        }
        if (stats.p99Ms) {
            series.p99->append(static_cast<qreal>(nowMs), *stats.p99Ms);
        }
    }
    trimBefore(static_cast<qreal>(nowMs - m_window.count() * 1000));
    rescale(nowMs);
}

LatencyChart::VersionSeries& LatencyChart::seriesFor(const client::ModelVersionHealth& model) {
    const VersionKey key(model.name, model.version);
    auto found = m_series.find(key);
    if (found != m_series.end()) {
        return *found;
    }
    // A version keeps its colour when its lines leave the chart and come back.
    auto colour = m_colours.find(key);
    if (colour == m_colours.end()) {
        const auto index = static_cast<std::size_t>(m_colours.size()) % kPalette.size();
        colour = m_colours.insert(key, QColor(kPalette.at(index)));
    }
    const QString label = model.name + u" v" + QString::number(model.version);
    VersionSeries series{makeSeries(label + u" p50", *colour, Qt::SolidLine),
                         makeSeries(label + u" p99", *colour, Qt::DashLine)};
    for (QLineSeries* line : {series.p50, series.p99}) {
        m_chart->addSeries(line);
        line->attachAxis(m_timeAxis);
        line->attachAxis(m_latencyAxis);
    }
    return *m_series.insert(key, series);
}

void LatencyChart::trimBefore(qreal oldestMs) {
    for (auto it = m_series.begin(); it != m_series.end();) {
        for (QLineSeries* line : {it->p50, it->p99}) {
            // Points arrive in time order, so the stale ones are a prefix.
            const QList<QPointF> points = line->points();
            const auto firstKept =
                std::find_if(points.begin(), points.end(),
                             [oldestMs](const QPointF& point) { return point.x() >= oldestMs; });
            const auto stale = static_cast<int>(firstKept - points.begin());
            if (stale > 0) {
                line->removePoints(0, stale);
            }
        }
        if (it->p50->count() == 0 && it->p99->count() == 0) {
            m_chart->removeSeries(it->p50);
            m_chart->removeSeries(it->p99);
            delete it->p50;
            delete it->p99;
            it = m_series.erase(it);
        } else {
            ++it;
        }
    }
}

void LatencyChart::rescale(qint64 nowMs) {
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(nowMs - m_window.count() * 1000),
                         QDateTime::fromMSecsSinceEpoch(nowMs));
    double highest = 0.0;
    for (const VersionSeries& series : std::as_const(m_series)) {
        for (QLineSeries* line : {series.p50, series.p99}) {
            for (const QPointF& point : line->points()) {
                highest = std::max(highest, point.y());
            }
        }
    }
    const auto [top, tick] = niceScale(highest);
    m_latencyAxis->setRange(0.0, top);
    m_latencyAxis->setTickInterval(tick);
}

}  // namespace atalaya::ui
