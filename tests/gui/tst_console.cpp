// The console against fixed documents: the parsers, the table model, the charts, and the whole
// window fed by HttpAdminClient from a fake admin API on loopback (health, and the statistics
// routes the latency chart and the drift page read).

#include <QApplication>
#include <QBarSeries>
#include <QBarSet>
#include <QColor>
#include <QComboBox>
#include <QDateTime>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineSeries>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTest>
#include <chrono>
#include <memory>

#include "MainWindow.h"
#include "TimeSeriesPoller.h"
#include "client/HttpAdminClient.h"
#include "client/ServerHealth.h"
#include "models/ModelTableModel.h"
#include "pages/DriftPage.h"
#include "support/FakeAdminServer.h"
#include "support/GuiTestMain.h"
#include "widgets/DriftScoreChart.h"
#include "widgets/HistogramChart.h"
#include "widgets/LatencyChart.h"

using namespace std::chrono_literals;
using atalaya::client::HttpAdminClient;
using atalaya::client::ModelState;
using atalaya::client::ModelVersionHealth;
using atalaya::client::ServerHealth;
using atalaya::client::ServerStatus;
using atalaya::ui::ModelTableModel;

namespace {

// The example of docs/api.md plus a FAILED version that has seen no traffic.
const QByteArray kHealth = R"({
  "status": "degraded",
  "uptime_s": 123.4,
  "server": {"version": "0.1.0", "address": "127.0.0.1:8080"},
  "runtime": {"device": "cpu", "blas": "openblas", "blas_library": "/usr/lib/libblas.so.3",
              "intra_op_threads": 2, "inference_workers": 1, "warnings": ["2 x 2 threads on 2 cores"]},
  "models": [
    {"name": "credit-risk", "version": 1, "state": "READY", "reason": "", "load_ms": 41.5,
     "queue_depth": 3, "in_flight": 1, "max_batch_size": 64,
     "last_minute": {"requests": 10, "errors": 0, "success_rate": 1.0, "throughput_rps": 0.17,
                     "latency_ms": {"p50": 0.41, "p95": 0.90, "p99": 1.20}, "mean_batch_size": 1.0}},
    {"name": "credit-risk", "version": 2, "state": "FAILED", "reason": "model.pt: not TorchScript",
     "load_ms": 3.0, "queue_depth": 0, "in_flight": 0, "max_batch_size": 64,
     "last_minute": {"requests": 0, "errors": 0, "success_rate": null, "throughput_rps": 0.0,
                     "latency_ms": {"p50": null, "p95": null, "p99": null}, "mean_batch_size": null}}
  ],
  "api_versions": {"v1": {"credit-risk": 1}, "v2": {"credit-risk": 2}}
})";

const QByteArray kMinimal = R"({"status": "ok", "models": []})";

// docs/api.md's statistics examples, for credit-risk v1 (the READY version of kHealth).
const QByteArray kTimeSeries = R"({"model": "credit-risk", "version": 1, "api_version": null,
  "from": 1780000000000, "to": 1780000180000, "step": 60, "points": [
   {"time": 1780000000000, "requests": 30, "errors": 0, "error_rate": 0.0, "throughput_rps": 0.5,
    "latency_ms": {"p50": 0.8, "p95": 1.6, "p99": 1.9}, "mean_batch_size": 1.5},
   {"time": 1780000060000, "requests": 0, "errors": 0, "error_rate": null, "throughput_rps": 0.0,
    "latency_ms": {"p50": null, "p95": null, "p99": null}, "mean_batch_size": null},
   {"time": 1780000120000, "requests": 60, "errors": 6, "error_rate": 0.1, "throughput_rps": 1.0,
    "latency_ms": {"p50": 1.2, "p95": 4.0, "p99": 4.8}, "mean_batch_size": 2.0}]})";

const QByteArray kDriftSeries = R"({"model": "credit-risk", "version": 1, "from": 0,
  "to": 1780000180000, "truncated": false,
  "verdicts": [{"time": 1780000000000, "drift": false, "window_size": 300, "observations_seen": 300},
               {"time": 1780000060000, "drift": true, "window_size": 1000, "observations_seen": 1400}],
  "features": [
   {"name": "age", "points": [
     {"time": 1780000000000, "psi": 0.02, "ks_statistic": 0.05, "ks_p_value": 0.4,
      "jensen_shannon": 0.004, "wasserstein": 0.7, "wasserstein_normalized": 0.05, "drifted": false},
     {"time": 1780000060000, "psi": 0.45, "ks_statistic": 0.31, "ks_p_value": 0.0001,
      "jensen_shannon": 0.09, "wasserstein": 6.1, "wasserstein_normalized": 0.48, "drifted": true}]},
   {"name": "income", "points": [
     {"time": 1780000000000, "psi": 0.01, "ks_statistic": 0.03, "ks_p_value": 0.8,
      "jensen_shannon": 0.002, "wasserstein": 900, "wasserstein_normalized": 0.02, "drifted": false},
     {"time": 1780000060000, "psi": 0.03, "ks_statistic": 0.04, "ks_p_value": 0.6,
      "jensen_shannon": 0.003, "wasserstein": 1100, "wasserstein_normalized": null, "drifted": false}]}]})";

const QByteArray kHistogram = R"({"model": "credit-risk", "version": 1, "feature": "age",
  "edges": [18, 30, 50, 90], "reference": [0.2, 0.5, 0.3], "current": [1, 2, 7],
  "current_total": 10, "live": true})";

QByteArray withModel(const QByteArray& model) {
    return R"({"status": "ok", "models": [)" + model + "]}";
}

// The fake admin API answering GET /api/v1/health with `health`, listening on loopback.
std::unique_ptr<FakeAdminServer> serveHealth(const QByteArray& health, int httpStatus = 200) {
    auto server = std::make_unique<FakeAdminServer>();
    server->setAnswer("GET", "/api/v1/health", health, httpStatus);
    return server->listen() ? std::move(server) : nullptr;
}

// Request heads (request line and header fields) in arrival order.
QList<QByteArray> heads(const FakeAdminServer& server) {
    QList<QByteArray> heads;
    for (const FakeAdminServer::Request& request : server.requests()) {
        heads.append(request.head);
    }
    return heads;
}

// A loopback port with nothing listening on it (free a moment ago; nothing else binds it here).
quint16 closedPort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) {
        return 0;
    }
    const quint16 port = probe.serverPort();
    probe.close();
    return port;
}

QList<QLineSeries*> seriesWithPoints(const atalaya::ui::LatencyChart& chart) {
    QList<QLineSeries*> result;
    for (QAbstractSeries* series : chart.chart()->series()) {
        auto* line = qobject_cast<QLineSeries*>(series);
        if (line != nullptr && line->count() > 0) {
            result.append(line);
        }
    }
    return result;
}

}  // namespace

class TstConsole : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void parseHealth_data();
    void parseHealth();
    void parseFullDocument();
    void tableShowsVersionsAndStates();
    void tableUpdatesInPlaceWhenVersionsAreUnchanged();
    void parseStats_data();
    void parseStats();
    void chartShowsTimeSeriesAndDropsGoneVersions();
    void windowShowsHealthFromServer();
    void driftPageShowsScoresAndHistogramFromServer();
    void timeSeriesPollerAsksOnlyWhileActive();
    void clientReportsClosedPort();
    void clientReportsTimeout();
    void clientReportsHttpErrorBody();
    void clientCoalescesPendingHealthRequests();
    void windowShowsUnreachableServer();
};

void TstConsole::parseHealth_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("errorMentions");

    QTest::newRow("full document") << kHealth << true << QString();
    QTest::newRow("minimal document") << kMinimal << true << QString();
    QTest::newRow("optional model fields absent")
        << withModel(R"({"name": "m", "version": 1, "state": "LOADING"})") << true << QString();
    QTest::newRow("unknown state kept as unknown")
        << withModel(R"({"name": "m", "version": 1, "state": "WARMING"})") << true << QString();
    QTest::newRow("unknown fields ignored")
        << QByteArray(R"({"status": "ok", "models": [], "gpu": {"count": 0}})") << true
        << QString();

    QTest::newRow("missing status") << QByteArray(R"({"models": []})") << false << "status";
    QTest::newRow("missing models") << QByteArray(R"({"status": "ok"})") << false << "models";
    QTest::newRow("model without name")
        << withModel(R"({"version": 1, "state": "READY"})") << false << "models[0].name";
    QTest::newRow("model without state")
        << withModel(R"({"name": "m", "version": 1})") << false << "models[0].state";
    QTest::newRow("version is a string")
        << withModel(R"({"name": "m", "version": "1", "state": "READY"})") << false
        << "models[0].version";
    QTest::newRow("version is fractional")
        << withModel(R"({"name": "m", "version": 1.5, "state": "READY"})") << false
        << "models[0].version";
    QTest::newRow("queue depth is a string")
        << withModel(R"({"name": "m", "version": 1, "state": "READY", "queue_depth": "3"})")
        << false << "models[0].queue_depth";
    QTest::newRow("latency is a string")
        << withModel(R"({"name": "m", "version": 1, "state": "READY",
                         "last_minute": {"latency_ms": {"p99": "fast"}}})")
        << false << "models[0].last_minute.latency_ms.p99";
    QTest::newRow("models is an object")
        << QByteArray(R"({"status": "ok", "models": {}})") << false << "models";
    QTest::newRow("model is a number") << withModel("7") << false << "models[0]";
    QTest::newRow("runtime is a string")
        << QByteArray(R"({"status": "ok", "runtime": "cpu", "models": []})") << false << "runtime";
    QTest::newRow("warning is a number")
        << QByteArray(R"({"status": "ok", "runtime": {"warnings": [1]}, "models": []})") << false
        << "runtime.warnings[0]";
    QTest::newRow("not JSON") << QByteArray("<html>502 Bad Gateway</html>") << false << "not JSON";
    QTest::newRow("truncated JSON") << kHealth.left(40) << false << "not JSON";
    QTest::newRow("empty body") << QByteArray() << false << "not JSON";
    QTest::newRow("array root") << QByteArray("[]") << false << "not a JSON object";
}

void TstConsole::parseHealth() {
    QFETCH(QByteArray, json);
    QFETCH(bool, ok);
    QFETCH(QString, errorMentions);

    const atalaya::Result<ServerHealth> health = atalaya::client::parseServerHealth(json);
    QCOMPARE(health.isOk(), ok);
    if (!ok) {
        QCOMPARE(health.status().code(), atalaya::StatusCode::InvalidArgument);
        const QString message = QString::fromStdString(health.status().message());
        QVERIFY2(message.contains(errorMentions), qPrintable(message));
    }
}

void TstConsole::parseFullDocument() {
    const atalaya::Result<ServerHealth> parsed = atalaya::client::parseServerHealth(kHealth);
    QVERIFY(parsed.isOk());
    const ServerHealth& health = *parsed;
    QCOMPARE(health.status, ServerStatus::Degraded);
    QCOMPARE(health.uptimeSeconds, 123.4);
    QCOMPARE(health.address, QStringLiteral("127.0.0.1:8080"));
    QCOMPARE(health.serverVersion, QStringLiteral("0.1.0"));
    QCOMPARE(health.runtime.blas, QStringLiteral("openblas"));
    QCOMPARE(health.runtime.blasLibrary, QStringLiteral("/usr/lib/libblas.so.3"));
    QCOMPARE(health.runtime.intraOpThreads, 2);
    QCOMPARE(health.runtime.inferenceWorkers, 1);
    QCOMPARE(health.runtime.warnings.size(), 1);
    QCOMPARE(health.models.size(), 2);

    const ModelVersionHealth& ready = health.models.at(0);
    QCOMPARE(ready.name, QStringLiteral("credit-risk"));
    QCOMPARE(ready.version, 1);
    QCOMPARE(ready.state, ModelState::Ready);
    QCOMPARE(ready.queueDepth, 3);
    QCOMPARE(ready.inFlight, 1);
    QCOMPARE(ready.maxBatchSize, 64);
    QCOMPARE(ready.lastMinute.requests, 10);
    QCOMPARE(ready.lastMinute.successRate, std::optional<double>(1.0));
    QCOMPARE(ready.lastMinute.p50Ms, std::optional<double>(0.41));
    QCOMPARE(ready.lastMinute.p95Ms, std::optional<double>(0.90));
    QCOMPARE(ready.lastMinute.p99Ms, std::optional<double>(1.20));

    const ModelVersionHealth& failed = health.models.at(1);
    QCOMPARE(failed.state, ModelState::Failed);
    QCOMPARE(failed.reason, QStringLiteral("model.pt: not TorchScript"));
    QVERIFY(!failed.lastMinute.successRate);  // null: no requests, not 0 %
    QVERIFY(!failed.lastMinute.p50Ms);
    QVERIFY(!failed.lastMinute.p99Ms);
}

void TstConsole::tableShowsVersionsAndStates() {
    ModelTableModel table;
    table.setModels(atalaya::client::parseServerHealth(kHealth)->models);

    QCOMPARE(table.rowCount(), 2);
    auto text = [&table](int row, int column) {
        return table.index(row, column).data(Qt::DisplayRole).toString();
    };
    QCOMPARE(text(0, ModelTableModel::NameColumn), QStringLiteral("credit-risk"));
    QCOMPARE(text(0, ModelTableModel::VersionColumn), QStringLiteral("1"));
    QCOMPARE(text(0, ModelTableModel::StateColumn), QStringLiteral("READY"));
    QCOMPARE(text(0, ModelTableModel::QueueColumn), QStringLiteral("3"));
    QCOMPARE(text(0, ModelTableModel::InFlightColumn), QStringLiteral("1"));
    QCOMPARE(text(0, ModelTableModel::P50Column), QStringLiteral("0.41"));
    QCOMPARE(text(0, ModelTableModel::P99Column), QStringLiteral("1.20"));
    QCOMPARE(text(0, ModelTableModel::SuccessRateColumn), QStringLiteral("100.0 %"));
    QCOMPARE(text(1, ModelTableModel::StateColumn), QStringLiteral("FAILED"));
    QCOMPARE(text(1, ModelTableModel::ReasonColumn), QStringLiteral("model.pt: not TorchScript"));
    QCOMPARE(text(1, ModelTableModel::P50Column), QStringLiteral("–"));
    QCOMPARE(text(1, ModelTableModel::SuccessRateColumn), QStringLiteral("–"));

    const auto colour = [&table](int row) {
        return table.index(row, ModelTableModel::StateColumn).data(Qt::BackgroundRole);
    };
    QVERIFY(colour(0).canConvert<QColor>());
    QVERIFY(colour(1).canConvert<QColor>());
    QVERIFY(colour(0).value<QColor>() != colour(1).value<QColor>());
    QVERIFY(!table.index(0, ModelTableModel::NameColumn).data(Qt::BackgroundRole).isValid());
}

void TstConsole::tableUpdatesInPlaceWhenVersionsAreUnchanged() {
    ModelTableModel table;
    QList<ModelVersionHealth> models = atalaya::client::parseServerHealth(kHealth)->models;
    table.setModels(models);
    QSignalSpy resets(&table, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&table, &QAbstractItemModel::dataChanged);

    models[0].queueDepth = 9;
    table.setModels(models);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(table.index(0, ModelTableModel::QueueColumn).data().toString(), QStringLiteral("9"));

    models.removeLast();
    table.setModels(models);
    QCOMPARE(resets.count(), 1);
    QCOMPARE(table.rowCount(), 1);
}

void TstConsole::parseStats_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("errorMentions");  // empty: parses

    QTest::newRow("timeseries") << "timeseries" << kTimeSeries << QString();
    QTest::newRow("drift") << "drift" << kDriftSeries << QString();
    QTest::newRow("histogram") << "histogram" << kHistogram << QString();
    QByteArray noRequests = kTimeSeries;
    noRequests.replace(R"("requests": 0, )", "");
    QTest::newRow("point without requests") << "timeseries" << noRequests << "points[1].requests";
    QByteArray stringScore = kDriftSeries;
    stringScore.replace(R"("psi": 0.45)", R"("psi": "high")");
    QTest::newRow("score is a string") << "drift" << stringScore << "features[0].points[1].psi";
    QByteArray shortCurrent = kHistogram;
    shortCurrent.replace("[1, 2, 7]", "[1, 2]");
    QTest::newRow("histogram sizes disagree") << "histogram" << shortCurrent << "size";
    QTest::newRow("not JSON") << "drift" << QByteArray("<html>") << "not JSON";
}

void TstConsole::parseStats() {
    QFETCH(QString, kind);
    QFETCH(QByteArray, json);
    QFETCH(QString, errorMentions);
    const atalaya::Status status =
        kind == u"timeseries" ? atalaya::client::parseTimeSeries(json).status()
        : kind == u"drift"    ? atalaya::client::parseDriftSeries(json).status()
                              : atalaya::client::parseFeatureHistogram(json).status();
    QCOMPARE(status.isOk(), errorMentions.isEmpty());
    if (!errorMentions.isEmpty()) {
        const QString message = QString::fromStdString(status.message());
        QVERIFY2(message.contains(errorMentions), qPrintable(message));
    }
}

void TstConsole::chartShowsTimeSeriesAndDropsGoneVersions() {
    atalaya::ui::LatencyChart chart;
    const auto series = atalaya::client::parseTimeSeries(kTimeSeries);
    QVERIFY(series.isOk());
    chart.showTimeSeries(*series);
    // p50 and p99 of credit-risk v1; the minute without requests has no point.
    const QList<QLineSeries*> lines = seriesWithPoints(chart);
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0)->name(), QStringLiteral("credit-risk v1 p50"));
    QCOMPARE(lines.at(0)->points(),
             (QList<QPointF>{{1780000000000.0, 0.8}, {1780000120000.0, 1.2}}));
    QCOMPARE(lines.at(1)->points(),
             (QList<QPointF>{{1780000000000.0, 1.9}, {1780000120000.0, 4.8}}));

    // A refresh replaces the points rather than adding to them.
    chart.showTimeSeries(*series);
    QCOMPARE(seriesWithPoints(chart).at(0)->count(), 2);

    // A version the server no longer lists leaves the chart.
    chart.retainVersions(atalaya::client::parseServerHealth(kHealth)->models);
    QCOMPARE(chart.chart()->series().size(), 2);
    chart.retainVersions({});
    QCOMPARE(chart.chart()->series().size(), 0);
}

void TstConsole::windowShowsHealthFromServer() {
    const auto server = serveHealth(kHealth);
    QVERIFY(server);
    server->setAnswer("GET", "/api/v1/stats/timeseries", kTimeSeries);
    HttpAdminClient client(server->url());
    client.setBearerToken(QStringLiteral("s3cret"));
    QSignalSpy updated(&client, &HttpAdminClient::healthUpdated);

    atalaya::ui::MainWindow window(client);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto* table = window.findChild<QTableView*>(QStringLiteral("modelTable"));
    auto* chart = window.findChild<atalaya::ui::LatencyChart*>(QStringLiteral("latencyChart"));
    auto* connection = window.findChild<QLabel*>(QStringLiteral("connectionState"));
    QVERIFY(table && chart && connection);

    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 2, 5000);
    QCOMPARE(table->model()->index(1, ModelTableModel::StateColumn).data().toString(),
             QStringLiteral("FAILED"));
    QVERIFY(connection->text().contains(u"Connected"));
    // p50 and p99 of the READY version, from its time series.
    QTRY_COMPARE_WITH_TIMEOUT(seriesWithPoints(*chart).size(), 2, 5000);
    QCOMPARE(seriesWithPoints(*chart).constFirst()->count(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(updated.count() >= 2, 5000);  // the 1 s health poller
    const QList<QByteArray> requests = heads(*server);
    const auto asked = std::find_if(requests.begin(), requests.end(),
                                    [](const QByteArray& r) { return r.contains("timeseries"); });
    QVERIFY(asked != requests.end());
    QVERIFY2(asked->startsWith("GET /api/v1/stats/timeseries?model=credit-risk&version=1&from="),
             asked->constData());
    QVERIFY2(asked->contains("&step=60 HTTP/1.1"), asked->constData());

    const QByteArray request = requests.constFirst();
    QVERIFY2(request.startsWith("GET /api/v1/health HTTP/1.1\r\n"), request.constData());
    QVERIFY2(request.contains("\r\nAuthorization: Bearer s3cret"), request.constData());
}

void TstConsole::driftPageShowsScoresAndHistogramFromServer() {
    const auto server = serveHealth(kHealth);
    QVERIFY(server);
    server->setAnswer("GET", "/api/v1/stats/timeseries", kTimeSeries);
    server->setAnswer("GET", "/api/v1/stats/drift", kDriftSeries);
    server->setAnswer("GET", "/api/v1/stats/histogram", kHistogram);
    HttpAdminClient client(server->url());
    atalaya::ui::MainWindow window(client);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto* scores =
        window.findChild<atalaya::ui::DriftScoreChart*>(QStringLiteral("driftScoreChart"));
    auto* histogram =
        window.findChild<atalaya::ui::HistogramChart*>(QStringLiteral("driftHistogramChart"));
    auto* versions = window.findChild<QComboBox*>(QStringLiteral("driftVersionBox"));
    auto* features = window.findChild<QComboBox*>(QStringLiteral("driftFeatureBox"));
    auto* verdict = window.findChild<QLabel*>(QStringLiteral("driftVerdict"));
    auto* page = window.findChild<atalaya::ui::DriftPage*>();
    auto* tabs = window.findChild<QTabWidget*>();
    QVERIFY(scores && histogram && versions && features && verdict && page && tabs);

    // Only the READY version is offered; its features come from the drift history.
    QTRY_COMPARE_WITH_TIMEOUT(versions->count(), 1, 5000);
    QCOMPARE(versions->currentText(), QStringLiteral("credit-risk v1"));
    // Behind another tab the page asks for nothing; shown, it asks at once.
    QTest::qWait(200);
    for (const QByteArray& request : heads(*server)) {
        QVERIFY2(!request.contains("/api/v1/stats/drift") && !request.contains("histogram"),
                 request.constData());
    }
    tabs->setCurrentWidget(page);
    QTRY_COMPARE_WITH_TIMEOUT(features->count(), 2, 5000);
    QCOMPARE(features->currentText(), QStringLiteral("age"));

    // One line per feature, the PSI by default.
    QTRY_COMPARE_WITH_TIMEOUT(scores->chart()->series().size(), 2, 5000);
    auto* age = qobject_cast<QLineSeries*>(scores->chart()->series().at(0));
    QVERIFY(age);
    QCOMPARE(age->name(), QStringLiteral("age"));
    QCOMPARE(age->points(), (QList<QPointF>{{1780000000000.0, 0.02}, {1780000060000.0, 0.45}}));
    QVERIFY(verdict->text().contains(u"Drift detected"));

    // The overlay: reference and current window as percentages per bin.
    QTRY_COMPARE_WITH_TIMEOUT(histogram->chart()->series().size(), 1, 5000);
    auto* bars = qobject_cast<QBarSeries*>(histogram->chart()->series().at(0));
    QVERIFY(bars && bars->count() == 2);
    const QBarSet* reference = bars->barSets().at(0);
    const QBarSet* current = bars->barSets().at(1);
    QCOMPARE(reference->count(), 3);
    QCOMPARE(reference->at(1), 50.0);
    QCOMPARE(current->at(0), 10.0);
    QCOMPARE(current->at(2), 70.0);

    const auto askedFor = [&server](const char* route) {
        for (const QByteArray& request : heads(*server)) {
            if (request.startsWith(QByteArray(QByteArray("GET /api/v1/stats/") + route))) {
                return request.left(request.indexOf(" HTTP/1.1"));
            }
        }
        return QByteArray();
    };
    QVERIFY2(askedFor("drift?model=credit-risk&version=1&from=").size() > 0,
             askedFor("drift").constData());
    QCOMPARE(askedFor("histogram"),
             QByteArray("GET /api/v1/stats/histogram?model=credit-risk&version=1&feature=age"));
}

void TstConsole::timeSeriesPollerAsksOnlyWhileActive() {
    FakeAdminServer server;
    server.setAnswer("GET", "/api/v1/stats/timeseries", kTimeSeries);
    QVERIFY(server.listen());
    HttpAdminClient client(server.url());
    atalaya::ui::TimeSeriesPoller poller(client, 50ms, 30min);
    poller.setVersions(*atalaya::client::parseServerHealth(kHealth));
    QTest::qWait(200);
    QCOMPARE(server.requests().size(), 0);  // inactive: the chart is not on screen

    poller.setActive(true);  // asks at once for the READY version, then every interval
    QTRY_VERIFY_WITH_TIMEOUT(server.requests().size() >= 3, 5000);
    QVERIFY2(server.requests().constFirst().head.startsWith(
                 "GET /api/v1/stats/timeseries?model=credit-risk&version=1&"),
             server.requests().constFirst().head.constData());

    poller.setActive(false);
    QTest::qWait(100);  // a request already sent may still arrive
    const qsizetype afterStop = server.requests().size();
    QTest::qWait(300);
    QCOMPARE(server.requests().size(), afterStop);
}

void TstConsole::clientReportsClosedPort() {
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    HttpAdminClient client(QUrl(u"http://127.0.0.1:" + QString::number(port)));
    client.setTimeout(2s);
    QSignalSpy failed(&client, &HttpAdminClient::requestFailed);
    QSignalSpy updated(&client, &HttpAdminClient::healthUpdated);

    client.refreshHealth();
    QVERIFY(failed.wait(5000));
    QCOMPARE(updated.count(), 0);
    QVERIFY(!failed.at(0).at(0).toString().isEmpty());
}

void TstConsole::clientReportsTimeout() {
    const auto server = serveHealth(kHealth);
    QVERIFY(server);
    server->setSilent(true);
    HttpAdminClient client(server->url());
    client.setTimeout(300ms);
    QSignalSpy failed(&client, &HttpAdminClient::requestFailed);

    QElapsedTimer elapsed;
    elapsed.start();
    client.refreshHealth();
    QVERIFY(failed.wait(5000));
    QVERIFY(elapsed.elapsed() < 3000);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(u"no answer within 300 ms"), qPrintable(message));
}

void TstConsole::clientReportsHttpErrorBody() {
    const auto server = serveHealth(
        R"({"error": {"code": "unauthenticated", "message": "missing bearer token"}})", 401);
    QVERIFY(server);
    HttpAdminClient client(server->url());
    QSignalSpy failed(&client, &HttpAdminClient::requestFailed);

    client.refreshHealth();
    QVERIFY(failed.wait(5000));
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(u"HTTP 401: unauthenticated: missing bearer token"),
             qPrintable(message));
    QVERIFY(!server->requests().constFirst().head.contains("Authorization"));
}

void TstConsole::clientCoalescesPendingHealthRequests() {
    const auto server = serveHealth(kHealth);
    QVERIFY(server);
    server->setSilent(true);
    HttpAdminClient client(server->url());
    client.setTimeout(2s);

    client.refreshHealth();
    client.refreshHealth();
    client.refreshHealth();
    QTRY_COMPARE_WITH_TIMEOUT(server->requests().size(), 1, 5000);
    QTest::qWait(200);
    QCOMPARE(server->requests().size(), 1);
}

void TstConsole::windowShowsUnreachableServer() {
    const quint16 port = closedPort();
    QVERIFY(port != 0);
    HttpAdminClient client(QUrl(u"http://127.0.0.1:" + QString::number(port)));
    atalaya::ui::MainWindow window(client);
    window.show();

    auto* connection = window.findChild<QLabel*>(QStringLiteral("connectionState"));
    QVERIFY(connection);
    QTRY_VERIFY_WITH_TIMEOUT(connection->text().contains(u"Unreachable"), 5000);
    QVERIFY(!connection->toolTip().isEmpty());  // the reason
}

ATALAYA_GUI_TEST_MAIN(TstConsole)

#include "tst_console.moc"
