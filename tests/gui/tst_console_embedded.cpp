// The console end to end: a real embedded atalaya::Server with real TorchScript models, the
// real admin client and main window, on the offscreen platform.
#include "MainWindow.h"
#include "client/HttpAdminClient.h"
#include "models/ModelTableModel.h"
#include "pages/DriftPage.h"
#include "support/HttpTestClient.h"
#include "widgets/DriftScoreChart.h"
#include "widgets/HistogramChart.h"
#include "widgets/LatencyChart.h"

#include <atalaya/Server.h>

#include <QBarSeries>
#include <QBarSet>
#include <QLineSeries>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

namespace fs = std::filesystem;
using atalaya::ui::ModelTableModel;

class TestConsoleEmbedded : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void windowShowsTheEmbeddedServersModelsAndLatency();
};

void TestConsoleEmbedded::windowShowsTheEmbeddedServersModelsAndLatency() {
    QTemporaryDir repo;
    QTemporaryDir data;
    const fs::path root = repo.path().toStdString();
    fs::copy(fs::path(ATALAYA_TEST_FIXTURES) / "fixture-echo", root / "fixture-echo",
             fs::copy_options::recursive);
    fs::copy(fs::path(ATALAYA_TEST_FIXTURES) / "fixture-corrupt", root / "fixture-corrupt",
             fs::copy_options::recursive);

    atalaya::ServerConfig config;
    config.http.port = 0;
    config.modelRepository = root;
    config.dataDir = data.path().toStdString();
    // The 210 requests below come faster than the default per-client rate (50/s, burst 100);
    // limits are not what this test is about.
    config.security.clientRate = {.ratePerSecond = 0, .burst = 0};
    atalaya::Server server(config);
    QVERIFY(server.start().isOk());

    atalaya::client::HttpAdminClient client(QUrl(QString::fromStdString(server.baseUrl())));
    // As app/console/main.cpp does: security stays on, the console uses an in-memory key.
    const auto local = server.issueLocalToken();
    QVERIFY(local.isOk() && !local->empty());
    client.setBearerToken(QString::fromStdString(*local));
    atalaya::ui::MainWindow window(client);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* table = window.findChild<QTableView*>(QStringLiteral("modelTable"));
    auto* chart = window.findChild<atalaya::ui::LatencyChart*>(QStringLiteral("latencyChart"));
    QVERIFY(table && chart);

    // Both versions appear with their real states: one READY, the corrupt one FAILED.
    auto stateOf = [&](const QString& model) {
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            if (table->model()->index(row, 0).data().toString().contains(model)) {
                return table->model()->index(row, ModelTableModel::StateColumn).data().toString();
            }
        }
        return QString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(QStringLiteral("fixture-echo")), QStringLiteral("READY"), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(QStringLiteral("fixture-corrupt")), QStringLiteral("FAILED"), 20000);

    // Traffic makes latency appear on the chart.
    atalaya::test::HttpTestClient http("127.0.0.1", server.port());
    // 210: the drift history keeps windows of at least min_samples (200) observations.
    for (int i = 0; i < 210; ++i) {
        const auto answer = http.request("POST", "/api/v1/ia/predict",
                                         R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})",
                                         {{"Content-Type", "application/json"},
                                          {"Authorization", "Bearer " + *local}});
        QCOMPARE(answer.status, 200);
    }
    auto pointsOnChart = [&] {
        qsizetype points = 0;
        for (QAbstractSeries* series : chart->chart()->series()) {
            if (auto* line = qobject_cast<QLineSeries*>(series)) points += line->count();
        }
        return points;
    };
    // The latency chart reads the rollups the inference log wrote (GET /api/v1/stats/timeseries).
    QTRY_VERIFY_WITH_TIMEOUT(pointsOnChart() > 0, 20000);

    // The drift page: fixture-echo v1's first full-enough window is in the drift history, one
    // line per feature (a, b, c), and the histogram overlay shows the live window.
    auto* scores = window.findChild<atalaya::ui::DriftScoreChart*>(QStringLiteral("driftScoreChart"));
    auto* histogram =
        window.findChild<atalaya::ui::HistogramChart*>(QStringLiteral("driftHistogramChart"));
    auto* drift = window.findChild<atalaya::ui::DriftPage*>();
    auto* tabs = window.findChild<QTabWidget*>();
    QVERIFY(scores && histogram && drift && tabs);
    tabs->setCurrentWidget(drift);  // a page behind another tab asks the server for nothing
    auto featuresWithPoints = [&] {
        int lines = 0;
        for (QAbstractSeries* series : scores->chart()->series()) {
            if (auto* line = qobject_cast<QLineSeries*>(series); line && line->count() > 0) ++lines;
        }
        return lines;
    };
    QTRY_COMPARE_WITH_TIMEOUT(featuresWithPoints(), 3, 20000);
    auto currentPercent = [&] {
        double sum = 0;
        for (QAbstractSeries* series : histogram->chart()->series()) {
            if (auto* bars = qobject_cast<QBarSeries*>(series); bars && bars->count() == 2) {
                for (int i = 0; i < bars->barSets().at(1)->count(); ++i) sum += bars->barSets().at(1)->at(i);
            }
        }
        return sum;
    };
    // The requests in the window: the current bars add up to 100 %.
    QTRY_VERIFY_WITH_TIMEOUT(std::abs(currentPercent() - 100.0) < 1e-6, 20000);

    window.close();
    server.stop(atalaya::Drain::Wait);
}

QTEST_MAIN(TestConsoleEmbedded)
#include "tst_console_embedded.moc"
