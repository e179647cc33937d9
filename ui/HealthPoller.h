#pragma once

#include <QObject>
#include <QString>
#include <QTimer>
#include <chrono>

namespace atalaya::client {
class AdminClient;
}

namespace atalaya::ui {

// Asks the server for its health at a fixed interval and tracks whether it answers. The health
// itself reaches views through AdminClient::healthUpdated; this only drives the requests and
// turns their outcome into a connection state for the status bar.
//
// Thread affinity: GUI thread, like the client it polls. `client` must outlive the poller.
class HealthPoller : public QObject {
    Q_OBJECT

public:
    enum class Connection { Connecting, Connected, Unreachable };
    Q_ENUM(Connection)

    HealthPoller(client::AdminClient& client, std::chrono::milliseconds interval,
                 QObject* parent = nullptr);

    void start();  // polls at once, then every interval
    void stop();

    Connection connection() const { return m_connection; }
    QString detail() const { return m_detail; }

Q_SIGNALS:
    // `detail` says why the server is unreachable; empty otherwise.
    void connectionChanged(atalaya::ui::HealthPoller::Connection connection, const QString& detail);

private:
    void setConnection(Connection connection, const QString& detail);

    client::AdminClient& m_client;
    QTimer m_timer;
    Connection m_connection = Connection::Connecting;
    QString m_detail;
};

}  // namespace atalaya::ui
