#include "HealthPoller.h"

#include "client/AdminClient.h"

namespace atalaya::ui {

HealthPoller::HealthPoller(client::AdminClient& client, std::chrono::milliseconds interval,
                           QObject* parent)
    : QObject(parent), m_client(client) {
    m_timer.setInterval(interval);
    connect(&m_timer, &QTimer::timeout, &m_client, &client::AdminClient::refreshHealth);
    connect(&m_client, &client::AdminClient::healthUpdated, this,
            [this] { setConnection(Connection::Connected, {}); });
    // Only its own requests say whether the server answers: a refused rollout action or a
    // statistics route without an inference log come from a server that is there.
    connect(&m_client, &client::AdminClient::requestFailed, this,
            [this](const QString& message, client::AdminClient::Call call) {
                if (call == client::AdminClient::Call::Health) {
                    setConnection(Connection::Unreachable, message);
                }
            });
}

void HealthPoller::start() {
    m_client.refreshHealth();
    m_timer.start();
}

void HealthPoller::stop() {
    m_timer.stop();
}

void HealthPoller::setConnection(Connection connection, const QString& detail) {
    if (connection == m_connection && detail == m_detail) {
        return;
    }
    m_connection = connection;
    m_detail = detail;
    Q_EMIT connectionChanged(m_connection, m_detail);
}

}  // namespace atalaya::ui
