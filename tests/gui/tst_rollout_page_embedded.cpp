// The "done when", end to end: the real RolloutPage, the real HttpAdminClient and a real
// in-process atalaya::Server with the demo credit-risk versions, on the offscreen platform. The
// test clicks the page's own buttons to take route v1 from version 1 to version 2 (shadow,
// canary, step, promote), loads the broken version 3 from the page, starts its canary on route
// v2, sends real predict traffic with long loans over HTTP, and waits for the page to show the
// guard's automatic rollback and why. tst_rollout_page checks the exact requests against a fake.

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTest>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "ApiTestSupport.h"
#include "client/HttpAdminClient.h"
#include "models/RolloutEventModel.h"
#include "models/RouteTableModel.h"
#include "models/VersionTableModel.h"
#include "pages/RolloutPage.h"
#include "support/GuiTestMain.h"

using namespace std::chrono_literals;
using namespace atalaya::test;
using atalaya::client::HttpAdminClient;
using atalaya::ui::RolloutEventModel;
using atalaya::ui::RolloutPage;
using atalaya::ui::RouteTableModel;
using atalaya::ui::VersionTableModel;

namespace {

const std::filesystem::path kDemoModels = ATALAYA_DEMO_MODELS;
// Generous: two cores shared with compilers. A bound only turns a hang into a failure.
constexpr int kUiTimeoutMs = 20000;
constexpr int kShadowRequests = 20;
// The traffic thread's pace and its bound: a client at ~200 requests/s, for at most 25 s. The
// guard judges every 200 ms, so unpaced loopback traffic would only measure that interval.
constexpr auto kTrafficPause = 5ms;
constexpr int kMaxBrokenTraffic = 5000;

QString cell(const QTableView& table, int row, int column) {
    return table.model()->index(row, column).data().toString();
}

int rowWhere(const QTableView& table, int column, const QString& text) {
    for (int row = 0; row < table.model()->rowCount(); ++row) {
        if (cell(table, row, column) == text) {
            return row;
        }
    }
    return -1;
}

void clickRow(QTableView& table, int row) {
    QVERIFY(row >= 0);
    const QRect rect = table.visualRect(table.model()->index(row, 0));
    QTest::mouseClick(table.viewport(), Qt::LeftButton, {}, rect.center());
}

void click(QPushButton* button) {
    QVERIFY(button != nullptr);
    QVERIFY2(button->isEnabled(), qPrintable(button->objectName() + u" is disabled"));
    QTest::mouseClick(button, Qt::LeftButton);
}

void typeInto(QLineEdit* edit, const QString& text) {
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Backspace);
    QTest::keyClicks(edit, text);
}

// Loan applications as a client sends them: the smoke sets of versions 1 and 2, which hold
// loans of 60 to 120 months (the ones version 3 fails on) among others.
Json applications() {
    Json all = Json::array();
    for (const std::int64_t version : {1, 2}) {
        const auto meta = readModelJson(kDemoModels / "credit-risk", version);
        if (meta.isOk()) {
            for (const auto& example : (*meta)["smoke"]) {
                all.push_back(example["instance"]);
            }
        }
    }
    return all;
}

std::string predictBody(const Json& instance) {
    return Json{{"model", "credit-risk"}, {"instances", Json::array({instance})}}.dump();
}

bool isLongLoan(const Json& instance) {
    const double term = instance["loan_term_months"].get<double>();
    return term >= 60 && term <= 120;
}

// One client sending applications in turn to /api/v2 from a thread of its own, until stop()
// (also on destruction, so a failed check cannot leave the thread running).
class BrokenTraffic {
public:
    BrokenTraffic(std::uint16_t port, Json instances)
        : m_thread([this, port, instances = std::move(instances)] { run(port, instances); }) {}
    ~BrokenTraffic() { stop(); }
    void stop() {
        m_stop = true;
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }

    std::atomic<int> sent{0};
    std::atomic<int> longLoans{0};  // of those sent
    std::atomic<int> failed{0};     // 500: version 3's model error
    std::atomic<int> unexpected{0};

private:
    void run(std::uint16_t port, const Json& instances) {
        HttpTestClient http(std::string(kLoopback), port);
        for (int i = 0; !m_stop.load() && i < kMaxBrokenTraffic; ++i) {
            const Json& instance = instances[static_cast<std::size_t>(i) % instances.size()];
            longLoans += isLongLoan(instance) ? 1 : 0;
            const auto answer = postJson(http, "/api/v2/ia/predict", predictBody(instance));
            ++sent;
            failed += answer.status == 500 ? 1 : 0;
            unexpected += answer.status != 500 && answer.status != 200 ? 1 : 0;
            std::this_thread::sleep_for(kTrafficPause);
        }
    }

    std::atomic<bool> m_stop{false};
    std::thread m_thread;  // last: started once the counters exist
};

}  // namespace

class TstRolloutPageEmbedded : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void operatorRollsOutVersionTwoAndGuardRollsBackVersionThree();

private:
    Json adminGet(std::string_view target);
    Json route(std::string_view api);

    std::unique_ptr<TestServer> m_server;
};

Json TstRolloutPageEmbedded::adminGet(std::string_view target) {
    HttpTestClient http(std::string(kLoopback), m_server->port());
    return bodyOf(http.request("GET", target, {}, {}, kRequestTimeout));
}

Json TstRolloutPageEmbedded::route(std::string_view api) {
    for (const auto& r : adminGet("/api/v1/admin/rollouts").value("routes", Json::array())) {
        if (r["api"] == api && r["model"] == "credit-risk") {
            return r;
        }
    }
    return {};
}

void TstRolloutPageEmbedded::operatorRollsOutVersionTwoAndGuardRollsBackVersionThree() {
    const auto started = std::chrono::steady_clock::now();
    TestModelRepository repository;
    QVERIFY(repository.link(kDemoModels, "credit-risk").isOk());
    atalaya::ServerConfig config = testServerConfig(repository.root());
    config.security.ipRate = {};  // one loopback address sends all the traffic
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().message().c_str());
    m_server = std::move(server).value();

    HttpAdminClient client(QUrl(QString::fromStdString(m_server->baseUrl())));
    RolloutPage page(client, 200ms);
    page.resize(1500, 1000);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));

    auto* versionTable = page.findChild<QTableView*>(QStringLiteral("versionTable"));
    auto* routeTable = page.findChild<QTableView*>(QStringLiteral("routeTable"));
    auto* eventTable = page.findChild<QTableView*>(QStringLiteral("eventTable"));
    auto* candidate = page.findChild<QComboBox*>(QStringLiteral("candidateVersion"));
    auto* steps = page.findChild<QLineEdit*>(QStringLiteral("canarySteps"));
    auto* weight = page.findChild<QProgressBar*>(QStringLiteral("candidateWeight"));
    auto* agreement = page.findChild<QLabel*>(QStringLiteral("shadowAgreement"));
    auto* loadVersion = page.findChild<QSpinBox*>(QStringLiteral("loadVersionNumber"));
    auto* status = page.findChild<QLabel*>(QStringLiteral("rolloutStatus"));
    auto button = [&page](const char* name) {
        return page.findChild<QPushButton*>(QString::fromLatin1(name));
    };
    QVERIFY(versionTable && routeTable && eventTable && candidate && steps && weight && agreement &&
            loadVersion && status);

    // The server's initial state: v1 pinned on version 1, v2 on version 2, version 3 on disk.
    QTRY_COMPARE_WITH_TIMEOUT(routeTable->model()->rowCount(), 2, kUiTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(versionTable->model()->rowCount(), 3, kUiTimeoutMs);
    const int v1 = rowWhere(*routeTable, RouteTableModel::ApiColumn, QStringLiteral("v1"));
    const int v2 = rowWhere(*routeTable, RouteTableModel::ApiColumn, QStringLiteral("v2"));
    QCOMPARE(cell(*routeTable, v1, RouteTableModel::StableColumn), QStringLiteral("v1"));
    QCOMPARE(cell(*versionTable,
                  rowWhere(*versionTable, VersionTableModel::VersionColumn, QStringLiteral("3")),
                  VersionTableModel::StateColumn),
             QStringLiteral("UNLOADED"));

    // --- Route v1, version 1 -> 2: shadow. ---
    clickRow(*routeTable, v1);
    QTRY_COMPARE_WITH_TIMEOUT(candidate->currentData().toLongLong(), 2, kUiTimeoutMs);
    click(button("shadowButton"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, v1, RouteTableModel::ModeColumn),
                              QStringLiteral("shadow"), kUiTimeoutMs);
    QCOMPARE(cell(*routeTable, v1, RouteTableModel::CandidateColumn), QStringLiteral("v2"));
    const Json traffic = applications();
    QVERIFY(traffic.size() >= 4);
    {
        HttpTestClient http(std::string(kLoopback), m_server->port());
        for (int i = 0; i < kShadowRequests; ++i) {
            const auto answer =
                postJson(http, "/api/v1/ia/predict", predictBody(traffic[i % traffic.size()]));
            QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
            QCOMPARE(bodyOf(answer)["version"].get<int>(), 1);  // clients keep version 1
        }
    }
    const QString compared = QStringLiteral("of %1 compared").arg(kShadowRequests);
    QTRY_VERIFY2_WITH_TIMEOUT(agreement->text().contains(compared), qPrintable(agreement->text()),
                              kUiTimeoutMs);
    // The same comparison from the inference log, with both versions' latency.
    auto* fromLog = page.findChild<QLabel*>(QStringLiteral("shadowFromLog"));
    QVERIFY(fromLog);
    QTRY_VERIFY2_WITH_TIMEOUT(fromLog->text().contains(compared), qPrintable(fromLog->text()),
                              kUiTimeoutMs);
    QVERIFY2(fromLog->text().contains(u"p50 v1 ") && fromLog->text().contains(u"v2 "),
             qPrintable(fromLog->text()));

    // Canary with the operator's steps, one step, promote.
    typeInto(steps, QStringLiteral("0.25, 0.5, 1"));
    click(button("canaryButton"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, v1, RouteTableModel::WeightColumn),
                              QStringLiteral("25 %"), kUiTimeoutMs);
    QCOMPARE(cell(*routeTable, v1, RouteTableModel::ModeColumn), QStringLiteral("canary"));
    QTRY_VERIFY_WITH_TIMEOUT(button("stepButton")->isEnabled(), kUiTimeoutMs);
    click(button("stepButton"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, v1, RouteTableModel::WeightColumn),
                              QStringLiteral("50 %"), kUiTimeoutMs);
    QCOMPARE(weight->text(), QStringLiteral("50.0 %"));
    click(button("promoteButton"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, v1, RouteTableModel::StableColumn),
                              QStringLiteral("v2"), kUiTimeoutMs);
    QCOMPARE(cell(*routeTable, v1, RouteTableModel::ModeColumn), QStringLiteral("pinned"));
    Json v1Route = route("v1");
    QCOMPARE(stringAt(v1Route, "mode"), QStringLiteral("pinned"));
    QCOMPARE(v1Route["stable"].get<int>(), 2);
    QCOMPARE(stringAt(v1Route["last_event"], "kind"), QStringLiteral("promoted"));

    // --- Version 3: load it from the page (its row, then Load). ---
    const int v3Row =
        rowWhere(*versionTable, VersionTableModel::VersionColumn, QStringLiteral("3"));
    clickRow(*versionTable, v3Row);
    QCOMPARE(loadVersion->value(), 3);
    click(button("loadButton"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*versionTable, v3Row, VersionTableModel::StateColumn),
                              QStringLiteral("READY"), kUiTimeoutMs);
    QTRY_VERIFY2_WITH_TIMEOUT(status->text().endsWith(u"credit-risk v3: READY"),
                              qPrintable(status->text()), kUiTimeoutMs);

    // Its canary on route v2, all of its clients at once: the one test client is one address,
    // so any smaller share would put it wholly on one side.
    clickRow(*routeTable, v2);
    QTRY_VERIFY_WITH_TIMEOUT(candidate->findData(3) >= 0, kUiTimeoutMs);
    candidate->setCurrentIndex(candidate->findData(3));
    typeInto(steps, QStringLiteral("1"));
    click(button("canaryButton"));
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, v2, RouteTableModel::CandidateColumn),
                              QStringLiteral("v3"), kUiTimeoutMs);
    QCOMPARE(cell(*routeTable, v2, RouteTableModel::WeightColumn), QStringLiteral("100 %"));
    const Json guard = route("v2")["guard"];
    QCOMPARE(guard["max_error_rate"].get<double>(), 0.05);  // the form's defaults
    QCOMPARE(guard["min_requests"].get<int>(), 50);

    // Real traffic until the page shows the rollback (or the bound runs out).
    BrokenTraffic broken(m_server->port(), traffic);
    const int kind = RolloutEventModel::KindColumn;
    QTRY_COMPARE_WITH_TIMEOUT(cell(*eventTable, 0, kind), QStringLiteral("auto_rolled_back"),
                              kUiTimeoutMs * 2);
    broken.stop();

    // What the page shows: back to pinned on version 2, the rollback on top of the history with
    // the guard as its actor and the rule and numbers that tripped it.
    QTRY_COMPARE_WITH_TIMEOUT(cell(*routeTable, v2, RouteTableModel::ModeColumn),
                              QStringLiteral("pinned"), kUiTimeoutMs);
    QCOMPARE(cell(*routeTable, v2, RouteTableModel::StableColumn), QStringLiteral("v2"));
    QCOMPARE(cell(*routeTable, v2, RouteTableModel::CandidateColumn), QString());
    QCOMPARE(cell(*eventTable, 0, RolloutEventModel::VersionsColumn), QStringLiteral("v3 → v2"));
    QVERIFY(cell(*eventTable, 0, RolloutEventModel::ActorColumn).startsWith(u"guard"));
    const QString why = cell(*eventTable, 0, RolloutEventModel::DetailColumn);
    QVERIFY2(why.contains(u"rule=error_rate") && why.contains(u"error_rate=") &&
                 why.contains(u"requests="),
             qPrintable(why));
    QVERIFY(eventTable->model()->index(0, kind).data(Qt::BackgroundRole).isValid());
    QStringList kinds;
    for (int row = eventTable->model()->rowCount() - 1; row >= 0; --row) {
        kinds.append(cell(*eventTable, row, kind));
    }
    QCOMPARE(kinds, (QStringList{"shadow_started", "canary_started", "weight_changed", "promoted",
                                 "loaded", "canary_started", "auto_rolled_back"}));

    // What the server says, and that the rollback came within a bounded number of requests.
    const Json v2Route = route("v2");
    QCOMPARE(stringAt(v2Route, "mode"), QStringLiteral("pinned"));
    QCOMPARE(v2Route["stable"].get<int>(), 2);
    QVERIFY(v2Route["candidate"].is_null());
    const Json& detail = v2Route["last_event"]["detail"];
    QCOMPARE(stringAt(v2Route["last_event"], "kind"), QStringLiteral("auto_rolled_back"));
    QCOMPARE(stringAt(detail, "rule"), QStringLiteral("error_rate"));
    QVERIFY(detail["requests"].get<int>() >= 50);
    QVERIFY2(detail["ci"][0].get<double>() > 0.05, detail.dump().c_str());
    QCOMPARE(broken.unexpected.load(), 0);
    QVERIFY2(broken.sent.load() < kMaxBrokenTraffic, "the guard never acted");
    // Only long loans fail on version 3, and every failure the guard counted was one of them.
    QVERIFY(broken.failed.load() >= detail["errors"].get<int>());
    QVERIFY(broken.failed.load() <= broken.longLoans.load());
    {
        HttpTestClient http(std::string(kLoopback), m_server->port());
        const auto after = postJson(http, "/api/v2/ia/predict", predictBody(traffic[0]));
        QCOMPARE(after.status, 200);
        QCOMPARE(bodyOf(after)["version"].get<int>(), 2);
    }

    // For a person to look at, not a pass condition.
    const QString shot =
        QDir::current().absoluteFilePath(QStringLiteral("tst_rollout_page_embedded.png"));
    if (page.grab().save(shot)) {
        qInfo("screenshot of the page: %s", qPrintable(shot));
    }
    qInfo("version 3 rolled back after %d requests (%d failed): %s; whole test %lld ms",
          broken.sent.load(), broken.failed.load(), detail.dump().c_str(),
          static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - started)
                                     .count()));
    page.hide();
    m_server.reset();
}

ATALAYA_GUI_TEST_MAIN(TstRolloutPageEmbedded)

#include "tst_rollout_page_embedded.moc"
