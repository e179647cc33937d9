#include "TimeSeriesPoller.h"

#include <QDateTime>

#include "client/AdminClient.h"

namespace atalaya::ui {

TimeSeriesPoller::TimeSeriesPoller(client::AdminClient& client, std::chrono::milliseconds interval,
                                   std::chrono::seconds window, QObject* parent)
    : QObject(parent), m_client(client), m_window(window) {
    m_timer.setInterval(interval);
    connect(&m_timer, &QTimer::timeout, this, &TimeSeriesPoller::poll);
}

void TimeSeriesPoller::setActive(bool active) {
    if (active == m_timer.isActive()) {
        return;
    }
    if (active) {
        poll();
        m_timer.start();
    } else {
        m_timer.stop();
    }
}

void TimeSeriesPoller::setVersions(const client::ServerHealth& health) {
    QList<QPair<QString, qint64>> versions;
    for (const client::ModelVersionHealth& model : health.models) {
        // Versions that never served have no series; a draining one still has its history.
        if (model.state == client::ModelState::Ready ||
            model.state == client::ModelState::Draining) {
            versions.append({model.name, model.version});
        }
    }
    const bool added = versions.size() > m_versions.size();
    m_versions = versions;
    if (added && m_timer.isActive()) {
        poll();  // a new version's chart should not wait for the next tick
    }
}

void TimeSeriesPoller::poll() {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 from = now - static_cast<qint64>(m_window.count()) * 1000;
    for (const auto& [model, version] : std::as_const(m_versions)) {
        m_client.fetchTimeSeries(model, version, from, now, 60);
    }
}

}  // namespace atalaya::ui
