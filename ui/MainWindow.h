#pragma once

#include <QMainWindow>

#include "HealthPoller.h"

class QLabel;

namespace atalaya::client {
class AdminClient;
}

namespace atalaya::ui {

class RolloutPage;
class ServingPage;

// The console's frame: it composes the pages and wires them to the admin client. Features
// live in the pages, not here.
//
// Thread affinity: GUI thread. `client` must outlive the window.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(client::AdminClient& client, QWidget* parent = nullptr);

private:
    void showConnection(HealthPoller::Connection connection, const QString& detail);

    client::AdminClient& m_client;
    HealthPoller* m_poller;
    ServingPage* m_servingPage;
    RolloutPage* m_rolloutPage;
    QLabel* m_connectionLabel;
};

}  // namespace atalaya::ui
