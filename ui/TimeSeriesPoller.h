#pragma once

#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>
#include <chrono>

namespace atalaya::client {
class AdminClient;
struct ServerHealth;
}  // namespace atalaya::client

namespace atalaya::ui {

// Asks the server for the latency time series of every serving version over the last `window`
// at one-minute resolution, every `interval` while it is active (its chart is on screen). The
// answers reach views through AdminClient::timeSeriesUpdated; this only drives the requests.
// Which versions to ask about comes from the health the client last reported.
//
// Thread affinity: GUI thread, like the client. `client` must outlive the poller.
class TimeSeriesPoller : public QObject {
    Q_OBJECT

public:
    TimeSeriesPoller(client::AdminClient& client, std::chrono::milliseconds interval,
                     std::chrono::seconds window, QObject* parent = nullptr);

    // Inactive (the default) it asks nothing; activating it polls at once, then every interval.
    void setActive(bool active);
    void setVersions(const client::ServerHealth& health);

private:
    void poll();

    client::AdminClient& m_client;
    QTimer m_timer;
    std::chrono::seconds m_window;
    QList<QPair<QString, qint64>> m_versions;
};

}  // namespace atalaya::ui
