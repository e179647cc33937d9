#include "widgets/LatencyChart.h"

#include <QChart>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <utility>

#include "widgets/ChartParts.h"
#include "widgets/VersionColours.h"

namespace atalaya::ui {

namespace {

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
    m_timeAxis->setFormat(QStringLiteral("HH:mm"));
    m_timeAxis->setTickCount(6);
    m_latencyAxis->setTitleText(tr("ms"));
    m_latencyAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_latencyAxis->setTickType(QValueAxis::TicksDynamic);
    m_latencyAxis->setTickAnchor(0.0);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_latencyAxis, Qt::AlignLeft);
    setWindow(m_window);  // the time axis's range, before installChart()
    installChart(*this, m_chart, Qt::AlignBottom, 220);
}

void LatencyChart::setWindow(std::chrono::seconds window) {
    m_window = window;
    const qint64 seconds = window.count();
    m_chart->setTitle(
        seconds % 60 == 0
            ? tr("Latency per minute (p50 solid, p99 dashed), last %1 min").arg(seconds / 60)
            : tr("Latency per minute (p50 solid, p99 dashed), last %1 s").arg(seconds));
    rescale(m_latestMs);
}

void LatencyChart::showTimeSeries(const client::TimeSeries& series) {
    if (!series.version) {
        return;
    }
    QList<QPointF> p50;
    QList<QPointF> p99;
    for (const client::TimeSeriesPoint& point : series.points) {
        const auto x = static_cast<qreal>(point.timeMs);
        if (point.p50Ms) {
            p50.append({x, *point.p50Ms});
        }
        if (point.p99Ms) {
            p99.append({x, *point.p99Ms});
        }
    }
    const VersionKey key(series.model, *series.version);
    if (p50.isEmpty() && p99.isEmpty()) {
        removeSeries(key);
    } else {
        VersionSeries& lines = seriesFor(series.model, *series.version);
        lines.p50->replace(p50);
        lines.p99->replace(p99);
    }
    m_latestMs = std::max(m_latestMs, series.toMs);
    rescale(m_latestMs);
}

void LatencyChart::retainVersions(const QList<client::ModelVersionHealth>& models) {
    const QList<VersionKey> keys = m_series.keys();
    for (const VersionKey& key : keys) {
        const bool present = std::any_of(models.begin(), models.end(), [&key](const auto& model) {
            return model.name == key.first && model.version == key.second;
        });
        if (!present) {
            removeSeries(key);
        }
    }
}

LatencyChart::VersionSeries& LatencyChart::seriesFor(const QString& model, qint64 version) {
    const VersionKey key(model, version);
    auto found = m_series.find(key);
    if (found != m_series.end()) {
        return *found;
    }
    // A version keeps its colour when its lines leave the chart and come back.
    auto colour = m_colours.find(key);
    if (colour == m_colours.end()) {
        colour = m_colours.insert(key, paletteColour(static_cast<std::size_t>(m_colours.size())));
    }
    const QString label = model + u" v" + QString::number(version);
    VersionSeries series{makeLineSeries(label + u" p50", *colour, Qt::SolidLine),
                         makeLineSeries(label + u" p99", *colour, Qt::DashLine)};
    for (QLineSeries* line : {series.p50, series.p99}) {
        m_chart->addSeries(line);
        line->attachAxis(m_timeAxis);
        line->attachAxis(m_latencyAxis);
    }
    return *m_series.insert(key, series);
}

void LatencyChart::removeSeries(const VersionKey& key) {
    const auto it = m_series.find(key);
    if (it == m_series.end()) {
        return;
    }
    m_chart->removeSeries(it->p50);
    m_chart->removeSeries(it->p99);
    delete it->p50;
    delete it->p99;
    m_series.erase(it);
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
