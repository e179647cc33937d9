#pragma once

#include <QTimer>
#include <QWidget>
#include <chrono>
#include <optional>

#include "client/AdminClient.h"
#include "client/RolloutTypes.h"

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace atalaya::ui {

class LabelShareChart;
class RolloutControls;
class RolloutEventModel;
class RolloutTrendChart;
class RouteTableModel;
class VersionComparison;
class VersionTableModel;

// Takes a model from one version to the next (docs/rollout.md): the versions of each model with
// Load / Unload, the routes and their traffic policy, the actions on the selected route, its
// versions side by side (numbers, trend, prediction distribution, shadow agreement live and from
// the inference log) and the event history. Every action is an AdminClient call, so it works the
// same against a remote server and the server audits it; failures go to the page's status line.
//
// It refreshes every `interval` while it is visible and not at all while hidden (another tab).
// Thread affinity: GUI thread. `client` must outlive the page.
class RolloutPage : public QWidget {
    Q_OBJECT

public:
    explicit RolloutPage(client::AdminClient& client,
                         std::chrono::milliseconds interval = std::chrono::seconds(1),
                         QWidget* parent = nullptr);

    static constexpr int kEventLimit = 100;  // events fetched per refresh, newest first

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    QWidget* createVersionsBox();
    QWidget* createRoutesBox();
    QWidget* createSelectedRouteBox();
    QWidget* createEventsBox();

    void refresh();
    void showCatalog(const client::ModelCatalog& catalog);
    void showRollouts(const client::RolloutState& rollouts);
    void showActionResult(const client::RolloutRoute& route);
    void showSelectedRoute();
    void showShadowComparison(const client::ShadowComparison& comparison);
    // The actions' form alone: what the catalog changes (the candidates to choose from).
    void showControls(const std::optional<client::RolloutRoute>& route);
    void selectVersionRow();
    void loadSelectedVersion(client::AdminClient::BreakingChange breaking);
    void unloadSelectedVersion();
    void confirmBreakingLoad(const QString& model, qint64 version, const QString& message);
    void sendAction(const client::RolloutAction& action);
    std::optional<client::RolloutRoute> selectedRoute() const;
    void reselectRoute();
    void showStatus(const QString& text, bool error);

    client::AdminClient& m_client;
    QTimer m_timer;
    client::ModelCatalog m_catalog;
    QString m_selectedApi;  // the selected route, kept across a table reset
    QString m_selectedModel;

    VersionTableModel* m_versions;
    RouteTableModel* m_routes;
    RolloutEventModel* m_events;
    QTableView* m_versionTable = nullptr;
    QTableView* m_routeTable = nullptr;
    QComboBox* m_loadModel = nullptr;
    QSpinBox* m_loadVersion = nullptr;
    QPushButton* m_loadButton = nullptr;
    QPushButton* m_unloadButton = nullptr;
    RolloutControls* m_controls = nullptr;
    VersionComparison* m_comparison = nullptr;
    RolloutTrendChart* m_trend = nullptr;
    LabelShareChart* m_labels = nullptr;
    QLabel* m_status = nullptr;
};

}  // namespace atalaya::ui
