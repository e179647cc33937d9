#include "widgets/RolloutTrendChart.h"

#include <QChart>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>
#include <algorithm>

#include "widgets/ChartParts.h"
#include "widgets/VersionColours.h"

namespace atalaya::ui {

namespace {

void fitAxis(QValueAxis* axis, double highest, double floor) {
    axis->setRange(0.0, std::max(highest * 1.1, floor));
    axis->applyNiceNumbers();
}

}  // namespace

RolloutTrendChart::RolloutTrendChart(QWidget* parent)
    : QChartView(parent)
    , m_chart(new QChart)
    , m_timeAxis(new QDateTimeAxis)
    , m_latencyAxis(new QValueAxis)
    , m_errorAxis(new QValueAxis) {
    m_chart->setTitle(tr("p99 (solid) and error rate (dashed)"));
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(3);
    m_latencyAxis->setTitleText(tr("p99 ms"));
    m_latencyAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_errorAxis->setTitleText(tr("errors %"));
    m_errorAxis->setLabelFormat(QStringLiteral("%.3g"));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_latencyAxis, Qt::AlignLeft);
    m_chart->addAxis(m_errorAxis, Qt::AlignRight);
    setWindow(m_window);  // the time axis's range, before installChart()
    installChart(*this, m_chart, Qt::AlignBottom, 200);
}

void RolloutTrendChart::setWindow(std::chrono::seconds window) {
    m_window = window;
    trim(m_latestMs - m_window.count() * 1000);
    redraw();
}

QString RolloutTrendChart::keyOf(const QString& api, const QString& model) {
    return api + u'/' + model;
}

void RolloutTrendChart::appendRoutes(const QDateTime& at,
                                     const QList<client::RolloutRoute>& routes) {
    m_latestMs = at.toMSecsSinceEpoch();
    for (const client::RolloutRoute& route : routes) {
        History& history = m_history[keyOf(route.api, route.model)];
        const auto record = [&](qint64 version, const std::optional<client::VersionStats>& stats) {
            if (stats && (stats->p99Ms || stats->errorRate)) {
                history[version].append({m_latestMs, stats->p99Ms, stats->errorRate});
            }
        };
        record(route.stable, route.stats.stable);
        if (route.candidate) {
            record(*route.candidate, route.stats.candidate);
        }
    }
    trim(m_latestMs - m_window.count() * 1000);
    redraw();
}

void RolloutTrendChart::showRoute(const QString& api, const QString& model) {
    const QString shown = api.isEmpty() ? QString() : keyOf(api, model);
    if (shown == m_shown) {
        return;  // drawn already: appendRoutes() and setWindow() redraw what they change
    }
    m_shown = shown;
    redraw();
}

void RolloutTrendChart::trim(qint64 oldestMs) {
    for (auto route = m_history.begin(); route != m_history.end();) {
        for (auto version = route->begin(); version != route->end();) {
            QList<Point>& points = *version;
            // Points arrive in time order, so the stale ones are a prefix.
            const auto firstKept =
                std::find_if(points.begin(), points.end(),
                             [oldestMs](const Point& p) { return p.ms >= oldestMs; });
            points.erase(points.begin(), firstKept);
            version = points.isEmpty() ? route->erase(version) : std::next(version);
        }
        route = route->isEmpty() ? m_history.erase(route) : std::next(route);
    }
}

void RolloutTrendChart::redraw() {
    m_chart->removeAllSeries();  // deletes them; a few dozen points each, cheaper than diffing
    double highestLatency = 0.0;
    double highestErrors = 0.0;
    const History history = m_history.value(m_shown);
    for (auto it = history.begin(); it != history.end(); ++it) {
        const QColor colour = versionColour(it.key());
        const QString version = u'v' + QString::number(it.key());
        QLineSeries* latency = makeLineSeries(version + tr(" p99"), colour, Qt::SolidLine);
        QLineSeries* errors = makeLineSeries(version + tr(" errors"), colour, Qt::DashLine);
        for (const Point& point : it.value()) {
            if (point.p99Ms) {
                latency->append(static_cast<qreal>(point.ms), *point.p99Ms);
                highestLatency = std::max(highestLatency, *point.p99Ms);
            }
            if (point.errorRate) {
                errors->append(static_cast<qreal>(point.ms), *point.errorRate * 100.0);
                highestErrors = std::max(highestErrors, *point.errorRate * 100.0);
            }
        }
        m_chart->addSeries(latency);
        latency->attachAxis(m_timeAxis);
        latency->attachAxis(m_latencyAxis);
        m_chart->addSeries(errors);
        errors->attachAxis(m_timeAxis);
        errors->attachAxis(m_errorAxis);
    }
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(m_latestMs - m_window.count() * 1000),
                         QDateTime::fromMSecsSinceEpoch(m_latestMs));
    fitAxis(m_latencyAxis, highestLatency, 1.0);
    fitAxis(m_errorAxis, highestErrors, 1.0);
}

}  // namespace atalaya::ui
