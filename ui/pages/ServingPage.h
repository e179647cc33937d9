#pragma once

#include <QWidget>
#include <chrono>

class QGroupBox;
class QLabel;
class QSplitter;
class QTableView;

namespace atalaya::client {
struct ServerHealth;
struct TimeSeries;
}  // namespace atalaya::client

namespace atalaya::ui {

class LatencyChart;
class ModelTableModel;

// What the server is serving right now: its address and runtime, a table of model versions,
// and their live latency. It only displays what it is given; MainWindow feeds it.
class ServingPage : public QWidget {
    Q_OBJECT

public:
    explicit ServingPage(QWidget* parent = nullptr);

    void showHealth(const client::ServerHealth& health);
    // A version's latency over the chart's window (TimeSeriesPoller asks for it).
    void showTimeSeries(const client::TimeSeries& series);
    std::chrono::seconds chartWindow() const;

private:
    QWidget* createServerBox();
    void fitTableToRows();

    QLabel* m_address = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_uptime = nullptr;
    QLabel* m_device = nullptr;
    QLabel* m_blas = nullptr;
    QLabel* m_threads = nullptr;
    QLabel* m_warnings = nullptr;
    ModelTableModel* m_models = nullptr;
    QTableView* m_table = nullptr;
    QGroupBox* m_modelsBox = nullptr;
    LatencyChart* m_chart = nullptr;
    QSplitter* m_splitter = nullptr;
    bool m_userSizedSplit = false;
};

}  // namespace atalaya::ui
