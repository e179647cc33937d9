// The rollout page driven by its buttons against a fake admin API on loopback: the exact HTTP
// requests each button sends (docs/rollout.md) and what the page shows of the answers.

#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <chrono>
#include <memory>

#include "HealthPoller.h"
#include "MainWindow.h"
#include "client/HttpAdminClient.h"
#include "models/RolloutEventModel.h"
#include "models/RouteTableModel.h"
#include "pages/RolloutPage.h"
#include "support/FakeAdminServer.h"
#include "support/GuiTestMain.h"
#include "widgets/RolloutTrendChart.h"

using namespace std::chrono_literals;
using atalaya::client::AdminClient;
using atalaya::client::HttpAdminClient;
using atalaya::ui::HealthPoller;
using atalaya::ui::RolloutEventModel;
using atalaya::ui::RolloutPage;
using atalaya::ui::RouteTableModel;

namespace {

constexpr int kTimeoutMs = 5000;
const QByteArray kRoutePath = "/api/v1/admin/rollouts/v2/credit-risk";

QByteArray json(const QJsonObject& object) {
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject parsed(const QByteArray& body) {
    return QJsonDocument::fromJson(body).object();
}

QJsonObject versionObject(int version, const QString& state, const QString& reason = {}) {
    return {{"version", version},
            {"state", state},
            {"reason", reason},
            {"since_ms", qint64{1767225600000}},
            {"load_ms", 40.0},
            {"breaking", false},
            {"smoke", QJsonObject{{"passed", 4}, {"total", 4}}}};
}

QByteArray catalog(const QJsonArray& versions) {
    return json(
        {{"models", QJsonArray{QJsonObject{{"name", "credit-risk"}, {"versions", versions}}}}});
}

QJsonObject stats(int requests, double errorRate, double p99, double approve) {
    return {{"requests", requests},
            {"errors", static_cast<int>(requests * errorRate)},
            {"error_rate", errorRate},
            {"error_rate_ci", QJsonArray{0.0, errorRate + 0.02}},
            {"p50_ms", p99 / 4},
            {"p99_ms", p99},
            {"label_share", QJsonObject{{"approve", approve}, {"deny", 1.0 - approve}}}};
}

// The route v2/credit-risk as the server would answer in each phase of the rollout.
QJsonObject route(const QString& mode, int stable, std::optional<int> candidate, double weight) {
    QJsonObject routeStats{{"since_ms", qint64{1767225600000}},
                           {"stable", stats(300, 0.01, 1.9, 0.7)}};
    if (candidate) {
        routeStats.insert("candidate", stats(100, 0.0, 2.5, 0.65));
        routeStats.insert("shadow", QJsonObject{{"compared", 400},
                                                {"agreement", 0.97},
                                                {"agreement_ci", QJsonArray{0.95, 0.98}},
                                                {"mean_abs_score_diff", 0.012}});
    }
    return {{"api", "v2"},
            {"model", "credit-risk"},
            {"mode", mode},
            {"stable", stable},
            {"candidate", candidate ? QJsonValue(*candidate) : QJsonValue()},
            {"weight", weight},
            {"steps", QJsonArray{0.1, 0.5, 1.0}},
            {"step_interval_s", 0},
            {"next_step_at_ms", QJsonValue()},
            {"guard", QJsonObject{{"max_error_rate", 0.05}, {"min_requests", 50}}},
            {"deprecation", QJsonValue()},
            {"stats", routeStats},
            {"last_event", QJsonValue()}};
}

QByteArray routes(const QJsonObject& v2) {
    const QJsonObject v1{
        {"api", "v1"}, {"model", "credit-risk"}, {"mode", "pinned"}, {"stable", 1}};
    return json({{"routes", QJsonArray{v1, v2}}});
}

QJsonObject eventObject(qint64 timeMs, const QString& kind, int from, int to, double weight,
                        const QString& actor, const QJsonObject& detail = {}) {
    return {{"time_ms", timeMs}, {"api", "v2"},          {"model", "credit-risk"},
            {"kind", kind},      {"from_version", from}, {"to_version", to},
            {"weight", weight},  {"actor", actor},       {"address", "127.0.0.1"},
            {"detail", detail}};
}

QByteArray events(const QJsonArray& list) {
    return json({{"events", list}});
}

// What a freshly started server answers: v1 and v2 loaded, both routes pinned on v1.
void serveInitialState(FakeAdminServer& server) {
    server.setAnswer("GET", "/api/v1/admin/models",
                     catalog({versionObject(1, "READY"), versionObject(2, "READY")}));
    server.setAnswer("GET", "/api/v1/admin/rollouts", routes(route("pinned", 1, {}, 0.0)));
    server.setAnswer("GET", "/api/v1/admin/rollouts/events", events({}));
}

// After an action, the route's answer and the next refresh agree, as on the real server.
void serveRoute(FakeAdminServer& server, const QJsonObject& v2) {
    server.setAnswer("POST", kRoutePath, json(v2));
    server.setAnswer("GET", "/api/v1/admin/rollouts", routes(v2));
}

QString cell(const QTableView& table, int row, int column) {
    return table.model()->index(row, column).data().toString();
}

// The POST requests so far, in order.
QList<FakeAdminServer::Request> posts(const FakeAdminServer& server) {
    return server.requests("POST");
}

void click(QPushButton* button) {
    QVERIFY(button != nullptr);
    QVERIFY2(button->isEnabled(), qPrintable(button->objectName() + u" is disabled"));
    QTest::mouseClick(button, Qt::LeftButton);
}

}  // namespace

class TstRolloutPage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    // Every test starts from a fake server in its initial state and a client of it.
    void init() {
        m_server = std::make_unique<FakeAdminServer>();
        QVERIFY(m_server->listen());
        serveInitialState(*m_server);
        m_client = std::make_unique<HttpAdminClient>(m_server->url());
    }
    void cleanup() {
        m_client.reset();
        m_server.reset();
    }

    void drivesCreditRiskFromVersionOneToTwo();
    void showsAutomaticRollbackWithItsReason();
    void refusesMalformedCanarySteps();
    void asksToConfirmBreakingChangeBeforeLoading();
    void refreshesOnlyWhileVisible();
    void mainWindowHasRolloutTab();
    void refusedActionLeavesServerConnected();
    void trendChartRedrawsOnlyForNewPointsOrRoute();
    void showsShadowComparisonFromTheLog();

private:
    std::unique_ptr<FakeAdminServer> m_server;
    std::unique_ptr<HttpAdminClient> m_client;
};

void TstRolloutPage::drivesCreditRiskFromVersionOneToTwo() {
    FakeAdminServer& server = *m_server;
    HttpAdminClient& client = *m_client;
    RolloutPage page(client, 100ms);
    page.resize(1400, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto* routeTable = page.findChild<QTableView*>(QStringLiteral("routeTable"));
    auto* candidate = page.findChild<QComboBox*>(QStringLiteral("candidateVersion"));
    auto* weight = page.findChild<QProgressBar*>(QStringLiteral("candidateWeight"));
    auto* agreement = page.findChild<QLabel*>(QStringLiteral("shadowAgreement"));
    auto* steps = page.findChild<QLineEdit*>(QStringLiteral("canarySteps"));
    auto* status = page.findChild<QLabel*>(QStringLiteral("rolloutStatus"));
    QVERIFY(routeTable && candidate && weight && agreement && steps && status);
    QTRY_COMPARE_WITH_TIMEOUT(routeTable->model()->rowCount(), 2, kTimeoutMs);

    // Select the v2 route by clicking it.
    QCOMPARE(cell(*routeTable, 1, RouteTableModel::ApiColumn), QStringLiteral("v2"));
    const QRect row = routeTable->visualRect(routeTable->model()->index(1, 0));
    QTest::mouseClick(routeTable->viewport(), Qt::LeftButton, {}, row.center());
    QTRY_COMPARE_WITH_TIMEOUT(candidate->count(), 1, kTimeoutMs);  // v2: READY, not stable
    QCOMPARE(candidate->currentData().toLongLong(), 2);
    QVERIFY(!page.findChild<QPushButton*>(QStringLiteral("stepButton"))->isEnabled());
    QVERIFY(!page.findChild<QPushButton*>(QStringLiteral("promoteButton"))->isEnabled());

    // Shadow.
    serveRoute(server, route("shadow", 1, 2, 0.0));
    click(page.findChild<QPushButton*>(QStringLiteral("shadowButton")));
    QTRY_COMPARE_WITH_TIMEOUT(posts(server).size(), 1, kTimeoutMs);
    QCOMPARE(posts(server).at(0).target, kRoutePath);
    QCOMPARE(posts(server).at(0).header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(parsed(posts(server).at(0).body),
             (QJsonObject{{"action", "shadow"}, {"candidate", 2}}));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, 1, RouteTableModel::ModeColumn),
                              QStringLiteral("shadow"), kTimeoutMs);
    QCOMPARE(cell(*routeTable, 1, RouteTableModel::CandidateColumn), QStringLiteral("v2"));
    QTRY_VERIFY_WITH_TIMEOUT(agreement->text().startsWith(u"97.0 % [95.0–98.0] of 400 compared"),
                             kTimeoutMs);
    QCOMPARE(page.findChild<QLabel*>(QStringLiteral("candidateP99"))->text(),
             QStringLiteral("2.50 ms"));
    QCOMPARE(page.findChild<QLabel*>(QStringLiteral("stableErrorRate"))->text(),
             QStringLiteral("1.0 % [0.0–3.0]"));

    // Start canary, with the operator's steps and the default guard.
    serveRoute(server, route("canary", 1, 2, 0.1));
    steps->setText(QStringLiteral("0.1, 0.5, 1"));
    click(page.findChild<QPushButton*>(QStringLiteral("canaryButton")));
    QTRY_COMPARE_WITH_TIMEOUT(posts(server).size(), 2, kTimeoutMs);
    const QJsonObject guard{{"max_error_rate", 0.05},
                            {"max_p99_ms", 250},
                            {"max_label_shift", 0.2},
                            {"min_requests", 50}};
    QCOMPARE(parsed(posts(server).at(1).body), (QJsonObject{{"action", "canary"},
                                                            {"candidate", 2},
                                                            {"steps", QJsonArray{0.1, 0.5, 1}},
                                                            {"step_interval_s", 0},
                                                            {"guard", guard}}));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, 1, RouteTableModel::WeightColumn),
                              QStringLiteral("10 %"), kTimeoutMs);
    QCOMPARE(weight->text(), QStringLiteral("10.0 %"));

    // Step.
    serveRoute(server, route("canary", 1, 2, 0.5));
    click(page.findChild<QPushButton*>(QStringLiteral("stepButton")));
    QTRY_COMPARE_WITH_TIMEOUT(posts(server).size(), 3, kTimeoutMs);
    QCOMPARE(parsed(posts(server).at(2).body), (QJsonObject{{"action", "step"}}));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, 1, RouteTableModel::WeightColumn),
                              QStringLiteral("50 %"), kTimeoutMs);

    // Promote: v2 is the stable version, pinned.
    serveRoute(server, route("pinned", 2, {}, 0.0));
    click(page.findChild<QPushButton*>(QStringLiteral("promoteButton")));
    QTRY_COMPARE_WITH_TIMEOUT(posts(server).size(), 4, kTimeoutMs);
    QCOMPARE(parsed(posts(server).at(3).body), (QJsonObject{{"action", "promote"}}));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, 1, RouteTableModel::StableColumn),
                              QStringLiteral("v2"), kTimeoutMs);
    QCOMPARE(cell(*routeTable, 1, RouteTableModel::ModeColumn), QStringLiteral("pinned"));
    QCOMPARE(cell(*routeTable, 1, RouteTableModel::CandidateColumn), QString());
    // The refresh may show the new state before the action's own answer arrives.
    QTRY_VERIFY2_WITH_TIMEOUT(status->text().contains(u"v2 credit-risk: pinned on v2"),
                              qPrintable(status->text()), kTimeoutMs);

    // Nothing else changed the server, and every action went to the one route.
    for (const FakeAdminServer::Request& post : posts(server)) {
        QCOMPARE(post.target, kRoutePath);
    }
    bool eventsFetched = false;
    for (const FakeAdminServer::Request& get : server.requests("GET")) {
        eventsFetched |= get.target == "/api/v1/admin/rollouts/events?limit=100";
    }
    QVERIFY(eventsFetched);
}

void TstRolloutPage::showsAutomaticRollbackWithItsReason() {
    FakeAdminServer& server = *m_server;
    // v3 was put on canary and its errors tripped the guard; newest first.
    const QJsonObject reason{
        {"rule", "max_error_rate"}, {"value", 0.31}, {"limit", 0.05}, {"requests", 64}};
    server.setAnswer(
        "GET", "/api/v1/admin/rollouts/events",
        events({eventObject(1767225720000, "auto_rolled_back", 3, 2, 0.0, "guard", reason),
                eventObject(1767225660000, "canary_started", 2, 3, 0.05, "ops")}));
    server.setAnswer("GET", "/api/v1/admin/rollouts", routes(route("pinned", 2, {}, 0.0)));
    HttpAdminClient& client = *m_client;
    RolloutPage page(client, 100ms);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto* eventTable = page.findChild<QTableView*>(QStringLiteral("eventTable"));
    QVERIFY(eventTable);
    QTRY_COMPARE_WITH_TIMEOUT(eventTable->model()->rowCount(), 2, kTimeoutMs);
    QCOMPARE(cell(*eventTable, 0, RolloutEventModel::KindColumn),
             QStringLiteral("auto_rolled_back"));
    QCOMPARE(cell(*eventTable, 0, RolloutEventModel::VersionsColumn), QStringLiteral("v3 → v2"));
    QCOMPARE(cell(*eventTable, 0, RolloutEventModel::ActorColumn),
             QStringLiteral("guard (127.0.0.1)"));
    QCOMPARE(cell(*eventTable, 0, RolloutEventModel::DetailColumn),
             QStringLiteral("limit=0.05 requests=64 rule=max_error_rate value=0.31"));
    const QModelIndex rollback = eventTable->model()->index(0, RolloutEventModel::KindColumn);
    const QModelIndex started = eventTable->model()->index(1, RolloutEventModel::KindColumn);
    QVERIFY(rollback.data(Qt::BackgroundRole).isValid());  // highlighted
    QVERIFY(!started.data(Qt::BackgroundRole).isValid());
    QCOMPARE(cell(*eventTable, 1, RolloutEventModel::WeightColumn), QStringLiteral("5 %"));
}

void TstRolloutPage::refusesMalformedCanarySteps() {
    FakeAdminServer& server = *m_server;
    HttpAdminClient& client = *m_client;
    RolloutPage page(client, 100ms);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto* routeTable = page.findChild<QTableView*>(QStringLiteral("routeTable"));
    auto* candidate = page.findChild<QComboBox*>(QStringLiteral("candidateVersion"));
    QTRY_COMPARE_WITH_TIMEOUT(routeTable->model()->rowCount(), 2, kTimeoutMs);
    routeTable->selectRow(1);
    QTRY_COMPARE_WITH_TIMEOUT(candidate->count(), 1, kTimeoutMs);

    page.findChild<QLineEdit*>(QStringLiteral("canarySteps"))->setText(QStringLiteral("0.5, 0.2"));
    click(page.findChild<QPushButton*>(QStringLiteral("canaryButton")));
    auto* status = page.findChild<QLabel*>(QStringLiteral("rolloutStatus"));
    QVERIFY2(status->text().contains(u"increasing"), qPrintable(status->text()));
    QTest::qWait(200);
    QCOMPARE(posts(server).size(), 0);
}

void TstRolloutPage::asksToConfirmBreakingChangeBeforeLoading() {
    FakeAdminServer& server = *m_server;
    const QByteArray loadPath = "/api/v1/admin/models/credit-risk/versions/3/load";
    server.setAnswer("POST", loadPath,
                     R"({"error": {"code": "breaking_change",
                                   "message": "outputs: 2 labels, the served version has 3"}})",
                     400);
    HttpAdminClient& client = *m_client;
    RolloutPage page(client, 100ms);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto* model = page.findChild<QComboBox*>(QStringLiteral("loadModel"));
    auto* version = page.findChild<QSpinBox*>(QStringLiteral("loadVersionNumber"));
    auto* status = page.findChild<QLabel*>(QStringLiteral("rolloutStatus"));
    QTRY_COMPARE_WITH_TIMEOUT(model->currentText(), QStringLiteral("credit-risk"), kTimeoutMs);
    version->setValue(3);
    click(page.findChild<QPushButton*>(QStringLiteral("loadButton")));

    QMessageBox* confirm = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(
        (confirm = page.findChild<QMessageBox*>(QStringLiteral("confirmBreakingChange"))),
        kTimeoutMs);
    QVERIFY(confirm->text().contains(u"outputs: 2 labels"));
    QVERIFY2(status->text().contains(u"breaking_change: outputs: 2 labels"),
             qPrintable(status->text()));
    QCOMPARE(posts(server).size(), 1);
    QCOMPARE(posts(server).at(0).target, loadPath);
    QCOMPARE(parsed(posts(server).at(0).body), (QJsonObject{{"confirm_breaking", false}}));

    server.setAnswer("POST", loadPath, json(versionObject(3, "READY")));
    QTest::mouseClick(confirm->button(QMessageBox::Yes), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(posts(server).size(), 2, kTimeoutMs);
    QCOMPARE(parsed(posts(server).at(1).body), (QJsonObject{{"confirm_breaking", true}}));
    QTRY_VERIFY_WITH_TIMEOUT(status->text().endsWith(u"credit-risk v3: READY"), kTimeoutMs);
}

void TstRolloutPage::refreshesOnlyWhileVisible() {
    FakeAdminServer& server = *m_server;
    HttpAdminClient& client = *m_client;
    RolloutPage page(client, 50ms);

    QTest::qWait(300);
    QCOMPARE(server.requests().size(), 0);  // never shown

    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTRY_VERIFY_WITH_TIMEOUT(server.requests().size() >= 9, kTimeoutMs);  // 3 refreshes of 3

    page.hide();
    QTest::qWait(100);  // answers to requests already sent may still arrive
    const qsizetype afterHide = server.requests().size();
    QTest::qWait(300);
    QCOMPARE(server.requests().size(), afterHide);
}

void TstRolloutPage::mainWindowHasRolloutTab() {
    FakeAdminServer& server = *m_server;
    HttpAdminClient& client = *m_client;
    atalaya::ui::MainWindow window(client);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto* page = window.findChild<RolloutPage*>();
    auto* tabs = window.findChild<QTabWidget*>();
    QVERIFY(page && tabs);
    QTest::qWait(200);
    for (const FakeAdminServer::Request& request : server.requests()) {
        QVERIFY2(!request.path().startsWith("/api/v1/admin/"), request.target.constData());
    }
    tabs->setCurrentWidget(page);
    auto* routeTable = page->findChild<QTableView*>(QStringLiteral("routeTable"));
    QTRY_COMPARE_WITH_TIMEOUT(routeTable->model()->rowCount(), 2, kTimeoutMs);
}

// A 400 to a rollout action is the server answering: the status bar stays "Connected" and the
// refusal goes to the page's status line (it used to flash "Unreachable").
void TstRolloutPage::refusedActionLeavesServerConnected() {
    FakeAdminServer& server = *m_server;
    server.setAnswer("GET", "/api/v1/health", R"({"status": "ok", "models": []})");
    server.setAnswer("POST", kRoutePath,
                     R"({"error": {"code": "invalid_argument", "message": "no canary to step"}})",
                     400);
    HttpAdminClient& client = *m_client;
    QSignalSpy failed(&client, &AdminClient::requestFailed);
    atalaya::ui::MainWindow window(client);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto* poller = window.findChild<HealthPoller*>();
    auto* connection = window.findChild<QLabel*>(QStringLiteral("connectionState"));
    auto* page = window.findChild<RolloutPage*>();
    auto* tabs = window.findChild<QTabWidget*>();
    QVERIFY(poller && connection && page && tabs);
    QTRY_COMPARE_WITH_TIMEOUT(poller->connection(), HealthPoller::Connection::Connected,
                              kTimeoutMs);
    QSignalSpy connectionChanges(poller, &HealthPoller::connectionChanged);

    tabs->setCurrentWidget(page);
    auto* routeTable = page->findChild<QTableView*>(QStringLiteral("routeTable"));
    auto* candidate = page->findChild<QComboBox*>(QStringLiteral("candidateVersion"));
    auto* status = page->findChild<QLabel*>(QStringLiteral("rolloutStatus"));
    QTRY_COMPARE_WITH_TIMEOUT(routeTable->model()->rowCount(), 2, kTimeoutMs);
    routeTable->selectRow(1);
    QTRY_COMPARE_WITH_TIMEOUT(candidate->count(), 1, kTimeoutMs);
    click(page->findChild<QPushButton*>(QStringLiteral("shadowButton")));

    QTRY_VERIFY2_WITH_TIMEOUT(status->text().contains(u"invalid_argument: no canary to step"),
                              qPrintable(status->text()), kTimeoutMs);
    QCOMPARE(failed.constLast().at(1).value<AdminClient::Call>(), AdminClient::Call::RolloutAction);
    QCOMPARE(connectionChanges.count(), 0);
    QVERIFY2(connection->text().contains(u"Connected"), qPrintable(connection->text()));
}

// The page shows the selected route after each of its refreshes (rollouts, catalog); showing the
// route already shown must not rebuild the chart's series a second and third time per tick.
void TstRolloutPage::trendChartRedrawsOnlyForNewPointsOrRoute() {
    const auto state = atalaya::client::parseRolloutState(routes(route("canary", 1, 2, 0.1)));
    QVERIFY(state.isOk());
    atalaya::ui::RolloutTrendChart chart;
    chart.appendRoutes(QDateTime::currentDateTime(), state->routes);
    chart.showRoute(QStringLiteral("v2"), QStringLiteral("credit-risk"));
    QCOMPARE(chart.chart()->series().size(), 4);  // p99 and errors of v1 and v2
    const QPointer<QAbstractSeries> drawn = chart.chart()->series().constFirst();

    chart.showRoute(QStringLiteral("v2"), QStringLiteral("credit-risk"));
    QVERIFY(!drawn.isNull());

    chart.appendRoutes(QDateTime::currentDateTime(), state->routes);  // a new point
    QVERIFY(drawn.isNull());
    QCOMPARE(chart.chart()->series().size(), 4);
}

// A shadowing route asks GET /api/v1/stats/shadow for its candidate since the stage began, and
// shows the pair of its API version and versions (not the other route's).
void TstRolloutPage::showsShadowComparisonFromTheLog() {
    FakeAdminServer& server = *m_server;
    server.setAnswer("GET", "/api/v1/admin/rollouts", routes(route("shadow", 1, 2, 0.0)));
    const auto pair = [](const QString& api, double agreement, int compared) {
        return QJsonObject{
            {"api_version", api},
            {"stable_version", 1},
            {"candidate_version", 2},
            {"compared", compared},
            {"agreement", agreement},
            {"agreement_ci", QJsonArray{agreement - 0.05, agreement + 0.01}},
            {"mean_abs_score_diff", 0.0125},
            {"candidate_errors", 3},
            {"stable_latency", QJsonObject{{"mean_ms", 2.0}, {"p50_ms", 1.5}, {"p99_ms", 9.0}}},
            {"candidate_latency",
             QJsonObject{{"mean_ms", 3.0}, {"p50_ms", 2.5}, {"p99_ms", 12.0}}}};
    };
    server.setAnswer("GET", "/api/v1/stats/shadow",
                     json({{"model", "credit-risk"},
                           {"from_ms", qint64{1767225600000}},
                           {"to_ms", qint64{1767229200000}},
                           {"pairs", QJsonArray{pair("v1", 0.5, 10), pair("v2", 0.9, 240)}}}));
    HttpAdminClient& client = *m_client;
    RolloutPage page(client, 100ms);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto* routeTable = page.findChild<QTableView*>(QStringLiteral("routeTable"));
    auto* fromLog = page.findChild<QLabel*>(QStringLiteral("shadowFromLog"));
    QVERIFY(routeTable && fromLog);
    QTRY_COMPARE_WITH_TIMEOUT(routeTable->model()->rowCount(), 2, kTimeoutMs);
    QCOMPARE(fromLog->text(), QStringLiteral("–"));
    routeTable->selectRow(1);
    QTRY_COMPARE_WITH_TIMEOUT(
        fromLog->text(),
        QStringLiteral("90.0 % [85.0–91.0] of 240 compared · mean |Δ score| 0.0125 · 3 shadow "
                       "errors\np50 v1 1.50 ms, v2 2.50 ms · p99 v1 9.00 ms, v2 12.0 ms"),
        kTimeoutMs);
    QByteArray asked;
    for (const FakeAdminServer::Request& get : server.requests("GET")) {
        if (get.path() == "/api/v1/stats/shadow") {
            asked = get.target;
        }
    }
    QCOMPARE(asked, QByteArray("/api/v1/stats/shadow?model=credit-risk&api_version=v2&version=2&"
                               "from=1767225600000"));

    routeTable->selectRow(0);  // the pinned v1 route: nothing from the log
    QCOMPARE(fromLog->text(), QStringLiteral("–"));
}

ATALAYA_GUI_TEST_MAIN(TstRolloutPage)

#include "tst_rollout_page.moc"
