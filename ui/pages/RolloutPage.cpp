#include "pages/RolloutPage.h"

#include <QComboBox>
#include <QDateTime>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "models/RolloutEventModel.h"
#include "models/RolloutText.h"
#include "models/RouteTableModel.h"
#include "models/VersionTableModel.h"
#include "widgets/LabelShareChart.h"
#include "widgets/RolloutControls.h"
#include "widgets/RolloutTrendChart.h"
#include "widgets/VersionComparison.h"

namespace atalaya::ui {

using client::AdminClient;

namespace {

QTableView* makeTable(QAbstractItemModel* model, const QString& objectName) {
    auto* table = new QTableView;
    table->setObjectName(objectName);
    table->setModel(model);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setAlternatingRowColors(true);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

// The calls this page makes: the other pages' failures are not its to show.
bool isRolloutCall(AdminClient::Call call) {
    switch (call) {
        case AdminClient::Call::Models:
        case AdminClient::Call::Rollouts:
        case AdminClient::Call::RolloutEvents:
        case AdminClient::Call::LoadVersion:
        case AdminClient::Call::UnloadVersion:
        case AdminClient::Call::RolloutAction:
            return true;
        case AdminClient::Call::Health:
        case AdminClient::Call::Stats:
            break;
    }
    return false;
}

QGroupBox* box(const QString& title, QWidget* content) {
    auto* group = new QGroupBox(title);
    auto* layout = new QVBoxLayout(group);
    layout->addWidget(content);
    return group;
}

}  // namespace

RolloutPage::RolloutPage(AdminClient& client, std::chrono::milliseconds interval, QWidget* parent)
    : QWidget(parent)
    , m_client(client)
    , m_versions(new VersionTableModel(this))
    , m_routes(new RouteTableModel(this))
    , m_events(new RolloutEventModel(this)) {
    m_timer.setInterval(interval);
    connect(&m_timer, &QTimer::timeout, this, &RolloutPage::refresh);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("rolloutStatus"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* top = new QSplitter(Qt::Horizontal);
    top->addWidget(createVersionsBox());
    top->addWidget(createRoutesBox());
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(top);
    split->addWidget(createSelectedRouteBox());
    split->addWidget(createEventsBox());
    split->setStretchFactor(1, 1);  // on resize, the selected route's charts take the change
    split->setChildrenCollapsible(false);
    split->setSizes({200, 460, 180});  // proportions: the charts need the height most

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(&m_client, &AdminClient::modelsUpdated, this, &RolloutPage::showCatalog);
    connect(&m_client, &AdminClient::rolloutsUpdated, this, &RolloutPage::showRollouts);
    connect(&m_client, &AdminClient::rolloutEventsUpdated, m_events, &RolloutEventModel::setEvents);
    connect(&m_client, &AdminClient::rolloutActionDone, this, &RolloutPage::showActionResult);
    connect(&m_client, &AdminClient::shadowComparisonUpdated, this,
            &RolloutPage::showShadowComparison);
    connect(&m_client, &AdminClient::versionChanged, this,
            [this](const QString& model, const client::CatalogVersion& version) {
                showStatus(tr("%1 v%2: %3")
                               .arg(model)
                               .arg(version.version)
                               .arg(client::modelStateName(version.state)),
                           false);
                m_client.refreshModels();
                m_client.refreshRolloutEvents(kEventLimit);
            });
    connect(
        &m_client, &AdminClient::versionLoadRefused, this,
        [this](const QString& model, qint64 version, const QString& code, const QString& message) {
            if (code == u"breaking_change") {
                confirmBreakingLoad(model, version, message);
            }
        });
    connect(&m_client, &AdminClient::requestFailed, this,
            [this](const QString& message, AdminClient::Call call) {
                if (isRolloutCall(call)) {
                    showStatus(message, true);
                }
            });
}

QWidget* RolloutPage::createVersionsBox() {
    m_versionTable = makeTable(m_versions, QStringLiteral("versionTable"));
    connect(m_versionTable->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RolloutPage::selectVersionRow);

    m_loadModel = new QComboBox;
    m_loadModel->setObjectName(QStringLiteral("loadModel"));
    m_loadVersion = new QSpinBox;
    m_loadVersion->setObjectName(QStringLiteral("loadVersionNumber"));
    m_loadVersion->setRange(1, 1'000'000);
    m_loadVersion->setPrefix(QStringLiteral("v"));
    m_loadButton = new QPushButton(tr("Load"));
    m_loadButton->setObjectName(QStringLiteral("loadButton"));
    m_loadButton->setToolTip(
        tr("Load (or reload) the version from disk; it takes traffic only once validated"));
    m_unloadButton = new QPushButton(tr("Unload"));
    m_unloadButton->setObjectName(QStringLiteral("unloadButton"));
    connect(m_loadButton, &QPushButton::clicked, this,
            [this] { loadSelectedVersion(AdminClient::BreakingChange::Refuse); });
    connect(m_unloadButton, &QPushButton::clicked, this, &RolloutPage::unloadSelectedVersion);

    auto* actions = new QHBoxLayout;
    actions->addWidget(m_loadModel, 1);
    actions->addWidget(m_loadVersion);
    actions->addWidget(m_loadButton);
    actions->addWidget(m_unloadButton);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_versionTable);
    layout->addLayout(actions);
    return box(tr("Model versions"), content);
}

QWidget* RolloutPage::createRoutesBox() {
    m_routeTable = makeTable(m_routes, QStringLiteral("routeTable"));
    connect(m_routeTable->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        const std::optional<client::RolloutRoute> route = selectedRoute();
        if (route) {
            m_selectedApi = route->api;
            m_selectedModel = route->model;
        }
        showSelectedRoute();
    });
    return box(tr("Routes"), m_routeTable);
}

QWidget* RolloutPage::createSelectedRouteBox() {
    m_controls = new RolloutControls;
    m_comparison = new VersionComparison;
    m_comparison->setObjectName(QStringLiteral("versionComparison"));
    m_trend = new RolloutTrendChart;
    m_trend->setObjectName(QStringLiteral("rolloutTrendChart"));
    m_labels = new LabelShareChart;
    m_labels->setObjectName(QStringLiteral("labelShareChart"));
    connect(m_controls, &RolloutControls::actionRequested, this, &RolloutPage::sendAction);
    connect(m_controls, &RolloutControls::inputRejected, this,
            [this](const QString& message) { showStatus(message, true); });

    auto* charts = new QSplitter(Qt::Horizontal);
    charts->addWidget(m_trend);
    charts->addWidget(m_labels);
    charts->setStretchFactor(0, 1);
    charts->setStretchFactor(1, 1);

    auto* content = new QWidget;
    auto* layout = new QHBoxLayout(content);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_controls);
    layout->addWidget(m_comparison);
    layout->addWidget(charts, 1);
    return box(tr("Selected route"), content);
}

QWidget* RolloutPage::createEventsBox() {
    auto* table = makeTable(m_events, QStringLiteral("eventTable"));
    table->setSelectionMode(QAbstractItemView::NoSelection);
    return box(tr("Events (newest first)"), table);
}

void RolloutPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    m_timer.start();
}

void RolloutPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_timer.stop();
}

void RolloutPage::refresh() {
    m_client.refreshRollouts();
    m_client.refreshModels();
    m_client.refreshRolloutEvents(kEventLimit);
    const std::optional<client::RolloutRoute> route = selectedRoute();
    if (route && route->mode == client::RouteMode::Shadow && route->candidate) {
        m_client.fetchShadowComparison(route->model, route->api, *route->candidate,
                                       route->stats.sinceMs.value_or(0));
    }
}

void RolloutPage::showCatalog(const client::ModelCatalog& catalog) {
    m_catalog = catalog;
    m_versions->setCatalog(catalog);
    QStringList names;
    for (const client::CatalogModel& model : catalog.models) {
        names.append(model.name);
    }
    QStringList shown;
    for (int i = 0; i < m_loadModel->count(); ++i) {
        shown.append(m_loadModel->itemText(i));
    }
    if (shown != names) {
        const QString current = m_loadModel->currentText();
        m_loadModel->clear();
        m_loadModel->addItems(names);
        m_loadModel->setCurrentIndex(std::max(0, static_cast<int>(names.indexOf(current))));
    }
    showControls(selectedRoute());  // the candidates are the catalog's READY versions
}

void RolloutPage::showRollouts(const client::RolloutState& rollouts) {
    m_routes->setRoutes(rollouts.routes);
    m_trend->appendRoutes(QDateTime::currentDateTime(), rollouts.routes);
    reselectRoute();
    showSelectedRoute();
}

void RolloutPage::showActionResult(const client::RolloutRoute& route) {
    m_routes->updateRoute(route);
    showSelectedRoute();
    QString text = tr("%1 %2: %3 on v%4")
                       .arg(route.api, route.model, client::routeModeName(route.mode))
                       .arg(route.stable);
    if (route.candidate) {
        text += route.mode == client::RouteMode::Canary
                    ? tr(", %1 on v%2")
                          .arg(rollout_text::percent(route.weight, 0))
                          .arg(*route.candidate)
                    : tr(", candidate v%1").arg(*route.candidate);
    }
    showStatus(text, false);
    m_client.refreshRolloutEvents(kEventLimit);
}

// A table reset (routes added or removed) drops the view's selection; the operator's choice
// should not go with it.
void RolloutPage::reselectRoute() {
    if (m_routeTable->selectionModel()->hasSelection() || m_selectedApi.isEmpty()) {
        return;
    }
    const int row = m_routes->rowOf(m_selectedApi, m_selectedModel);
    if (row >= 0) {
        m_routeTable->selectRow(row);
    }
}

std::optional<client::RolloutRoute> RolloutPage::selectedRoute() const {
    const QModelIndexList rows = m_routeTable->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.constFirst().row() >= m_routes->rowCount()) {
        return std::nullopt;
    }
    return m_routes->rows().at(rows.constFirst().row());
}

void RolloutPage::showSelectedRoute() {
    const std::optional<client::RolloutRoute> route = selectedRoute();
    showControls(route);
    m_comparison->setRoute(route);
    if (!route || route->mode != client::RouteMode::Shadow) {
        m_comparison->setShadowFromLog(std::nullopt);  // a shadow's answer replaces it in place
    }
    m_labels->setRoute(route);
    m_trend->showRoute(route ? route->api : QString(), route ? route->model : QString());
}

// An answer for the route still selected and still shadowing the same candidate; a late answer
// for another one is dropped.
void RolloutPage::showShadowComparison(const client::ShadowComparison& comparison) {
    const std::optional<client::RolloutRoute> route = selectedRoute();
    if (!route || route->mode != client::RouteMode::Shadow || !route->candidate ||
        comparison.model != route->model) {
        return;
    }
    client::ShadowPair shown;  // nothing logged yet for this pair
    shown.api = route->api;
    shown.stableVersion = route->stable;
    shown.candidateVersion = *route->candidate;
    for (const client::ShadowPair& pair : comparison.pairs) {
        if (pair.api == route->api && pair.stableVersion == route->stable &&
            pair.candidateVersion == *route->candidate) {
            shown = pair;
        }
    }
    m_comparison->setShadowFromLog(shown);
}

void RolloutPage::showControls(const std::optional<client::RolloutRoute>& route) {
    QList<client::CatalogVersion> versions;
    if (route) {
        for (const client::CatalogModel& model : std::as_const(m_catalog.models)) {
            if (model.name == route->model) {
                versions = model.versions;
            }
        }
    }
    m_controls->setRoute(route, versions);
}

void RolloutPage::selectVersionRow() {
    const QModelIndexList rows = m_versionTable->selectionModel()->selectedRows();
    if (rows.isEmpty() || rows.constFirst().row() >= m_versions->rowCount()) {
        return;
    }
    const VersionTableModel::Row& row = m_versions->rows().at(rows.constFirst().row());
    m_loadModel->setCurrentText(row.model);
    m_loadVersion->setValue(static_cast<int>(row.version.version));
}

void RolloutPage::loadSelectedVersion(AdminClient::BreakingChange breaking) {
    const QString model = m_loadModel->currentText();
    if (model.isEmpty()) {
        showStatus(tr("No model to load a version of"), true);
        return;
    }
    const qint64 version = m_loadVersion->value();
    showStatus(tr("Loading %1 v%2: validating, warming up, running its smoke set…")
                   .arg(model)
                   .arg(version),
               false);
    m_client.loadVersion(model, version, breaking);
}

void RolloutPage::unloadSelectedVersion() {
    const QString model = m_loadModel->currentText();
    if (model.isEmpty()) {
        return;
    }
    showStatus(tr("Unloading %1 v%2…").arg(model).arg(m_loadVersion->value()), false);
    m_client.unloadVersion(model, m_loadVersion->value());
}

// Non-blocking (open(), not exec()): the page keeps refreshing while the operator reads.
void RolloutPage::confirmBreakingLoad(const QString& model, qint64 version,
                                      const QString& message) {
    auto* dialog = new QMessageBox(
        QMessageBox::Warning, tr("Breaking change"),
        tr("%1 v%2 is not compatible with the version served now:\n\n%3\n\nLoad it anyway? "
           "It will only be reachable on an API version of its own, never by a canary on an "
           "existing one.")
            .arg(model)
            .arg(version)
            .arg(message),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    dialog->setObjectName(QStringLiteral("confirmBreakingChange"));
    dialog->setDefaultButton(QMessageBox::Cancel);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QMessageBox::finished, this, [this, model, version](int result) {
        if (result == QMessageBox::Yes) {
            showStatus(tr("Loading %1 v%2 as a confirmed breaking change…").arg(model).arg(version),
                       false);
            m_client.loadVersion(model, version, AdminClient::BreakingChange::Confirm);
        }
    });
    dialog->open();
}

void RolloutPage::sendAction(const client::RolloutAction& action) {
    const std::optional<client::RolloutRoute> route = selectedRoute();
    if (!route) {
        return;
    }
    showStatus(
        tr("%1 %2: %3…").arg(route->api, route->model, client::rolloutActionName(action.kind)),
        false);
    m_client.applyRolloutAction(route->api, route->model, action);
}

void RolloutPage::showStatus(const QString& text, bool error) {
    m_status->setText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss ")) + text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #a11212;") : QString());
}

}  // namespace atalaya::ui
