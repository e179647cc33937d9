#pragma once

#include <QTimer>
#include <QWidget>
#include <optional>

class QComboBox;
class QLabel;

namespace atalaya::client {
class AdminClient;
struct DriftSeries;
struct FeatureHistogram;
struct ServerHealth;
}  // namespace atalaya::client

namespace atalaya::ui {

class DriftScoreChart;
class HistogramChart;

// Data drift of one model version: its features' scores over time (the server's drift history)
// and, for a selected feature, the reference histogram next to the live window. Asks the server
// itself through the admin client, every few seconds while it is visible and not at all while
// hidden (another tab), for the version, range and feature chosen here; the versions to choose
// from come from the health the client reports.
//
// Thread affinity: GUI thread. `client` must outlive the page.
class DriftPage : public QWidget {
    Q_OBJECT

public:
    explicit DriftPage(client::AdminClient& client, QWidget* parent = nullptr);

    void refresh();  // asks for the selected version's series and histogram now, if visible

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    struct Selection {
        QString model;
        qint64 version = 0;
    };

    QWidget* createControls();
    void showVersions(const client::ServerHealth& health);
    void showSeries(const client::DriftSeries& series);
    void showHistogram(const client::FeatureHistogram& histogram);
    void selectionChanged();
    std::optional<Selection> selection() const;
    qint64 rangeMs() const;

    client::AdminClient& m_client;
    QComboBox* m_versionBox = nullptr;
    QComboBox* m_featureBox = nullptr;
    QComboBox* m_statisticBox = nullptr;
    QComboBox* m_rangeBox = nullptr;
    QLabel* m_verdict = nullptr;
    DriftScoreChart* m_scores = nullptr;
    HistogramChart* m_histogram = nullptr;
    QTimer m_timer;
    qint64 m_requestedToMs = 0;  // right edge of the last drift request
};

}  // namespace atalaya::ui
