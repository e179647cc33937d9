#include "MainWindow.h"

#include <QLabel>
#include <QStatusBar>
#include <QTabWidget>
#include <chrono>

#include "TimeSeriesPoller.h"
#include "client/AdminClient.h"
#include "pages/DriftPage.h"
#include "pages/RolloutPage.h"
#include "pages/ServingPage.h"

namespace atalaya::ui {

using namespace std::chrono_literals;

MainWindow::MainWindow(client::AdminClient& client, QWidget* parent)
    : QMainWindow(parent)
    , m_client(client)
    , m_poller(new HealthPoller(client, 1s, this))
    , m_servingPage(new ServingPage)
    , m_rolloutPage(new RolloutPage(client))
    , m_connectionLabel(new QLabel) {
    const QString address = m_client.baseUrl().toDisplayString();
    setWindowTitle(tr("Atalaya — %1").arg(address));
    resize(1100, 760);

    auto* pages = new QTabWidget;
    pages->setDocumentMode(true);
    pages->addTab(m_servingPage, tr("Serving"));
    pages->addTab(new DriftPage(client), tr("Drift"));
    pages->addTab(m_rolloutPage, tr("Rollout"));
    setCentralWidget(pages);

    auto* addressLabel = new QLabel(tr("Server: %1").arg(address));
    addressLabel->setObjectName(QStringLiteral("serverAddress"));
    m_connectionLabel->setObjectName(QStringLiteral("connectionState"));
    statusBar()->addWidget(addressLabel);
    statusBar()->addPermanentWidget(m_connectionLabel);

    connect(&m_client, &client::AdminClient::healthUpdated, m_servingPage,
            &ServingPage::showHealth);
    connect(m_poller, &HealthPoller::connectionChanged, this, &MainWindow::showConnection);
    // The latency chart's series come from the rollups, a few seconds apart; they are asked
    // for only while the chart is on screen.
    auto* series = new TimeSeriesPoller(client, 3s, m_servingPage->chartWindow(), this);
    connect(&m_client, &client::AdminClient::healthUpdated, series, &TimeSeriesPoller::setVersions);
    connect(pages, &QTabWidget::currentChanged, series,
            [this, pages, series] { series->setActive(pages->currentWidget() == m_servingPage); });
    series->setActive(pages->currentWidget() == m_servingPage);
    connect(&m_client, &client::AdminClient::timeSeriesUpdated, m_servingPage,
            &ServingPage::showTimeSeries);
    showConnection(m_poller->connection(), m_poller->detail());
    m_poller->start();
}

void MainWindow::showConnection(HealthPoller::Connection connection, const QString& detail) {
    QString text;
    QString colour;
    switch (connection) {
        case HealthPoller::Connection::Connecting:
            text = tr("Connecting…");
            colour = QStringLiteral("#7a4f01");
            break;
        case HealthPoller::Connection::Connected:
            text = tr("Connected");
            colour = QStringLiteral("#1b5e20");
            break;
        case HealthPoller::Connection::Unreachable:
            text = tr("Unreachable");
            colour = QStringLiteral("#a11212");
            break;
    }
    m_connectionLabel->setText(u"● " + text);
    m_connectionLabel->setStyleSheet(u"color: " + colour + u';');
    m_connectionLabel->setToolTip(detail);
    // The reason is what an operator needs first; it stays until the server answers again.
    if (detail.isEmpty()) {
        statusBar()->clearMessage();
    } else {
        statusBar()->showMessage(detail);
    }
}

}  // namespace atalaya::ui
