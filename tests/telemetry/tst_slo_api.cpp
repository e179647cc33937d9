// SLOs on the real server with real models: a latency threshold no request can meet burns
// fixture-echo's latency budget, a model error burns fixture-throws' success budget. The alerts
// fire in /api/v1/health and /metrics (which promtool accepts, with a bucket at the threshold),
// the events are in <dataDir>/slo.sqlite, and a restart on the same data directory refills the
// success window from the inference log and resolves what it cannot refill.
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "ApiTestSupport.h"
#include "telemetry/SloEventStore.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
constexpr std::string_view kPredict = "/api/v1/ia/predict";
constexpr int kEvaluationWaitMs = 15'000;  // the tracker evaluates every second

std::string predictBody(const std::string& model, double a) {
    return Json{{"model", model}, {"instances", Json::array({Json{{"a", a}, {"b", 2}, {"c", 3}}})}}
        .dump();
}

// The "slo" section's entry of `objective` of `model`, or null.
Json objectiveOf(const Json& health, const std::string& model, const std::string& objective) {
    for (const Json& entry : health.at("slo").at("models")) {
        if (entry.at("model") == model)
            return entry.at("objectives").at(objective);
    }
    return nullptr;
}

bool firingIn(const Json& health, const std::string& model, const std::string& objective,
              const std::string& severity) {
    for (const Json& alert : health.at("slo").at("firing")) {
        if (alert.at("model") == model && alert.at("objective") == objective &&
            alert.at("severity") == severity)
            return true;
    }
    return false;
}

QString promtoolComplaints(const std::string& exposition) {
    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        return QStringLiteral("promtool not found: scripts/install-deps.sh --test installs it");
    QProcess process;
    process.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    if (!process.waitForStarted(10'000))
        return QStringLiteral("promtool did not start");
    process.write(exposition.data(), qint64(exposition.size()));
    process.closeWriteChannel();
    if (!process.waitForFinished(30'000))
        return QStringLiteral("promtool did not finish");
    const QByteArray out = process.readAllStandardOutput() + process.readAllStandardError();
    if (process.exitCode() != 0 || !out.trimmed().isEmpty())
        return QString::fromUtf8(out);
    return {};
}

}  // namespace

class TestSloApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void burningBudgetsFireAlertsThatSurviveARestart();
};

void TestSloApi::burningBudgetsFireAlertsThatSurviveARestart() {
    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    // 13.0 reaches fixture-throws and fails it (500).
    QVERIFY(repository.linkFixtureThrowsWithoutRanges(kFixtures).isOk());
    QTemporaryDir dataDir;
    auto config = testServerConfig(repository.root());
    config.dataDir = dataDir.path().toStdString();
    // 10 µs: every real request is slower, so every answer is bad for the latency objective.
    config.slo.models["fixture-echo"] = {.latencyThresholdMs = 0.01, .minRequests = 1};
    // A handful of requests: below the default min_requests (20) nothing would fire.
    config.slo.models["fixture-throws"] = {.minRequests = 1};

    {
        TestServer server(config);
        QVERIFY(server.start().isOk());
        QVERIFY(server.waitUntilReady().isOk());
        HttpTestClient client(std::string(kLoopback), server.port());
        for (int i = 0; i < 5; ++i)
            QCOMPARE(postJson(client, kPredict, predictBody("fixture-echo", 1)).status, 200);
        QCOMPARE(postJson(client, kPredict, predictBody("fixture-throws", 1)).status, 200);
        QCOMPARE(postJson(client, kPredict, predictBody("fixture-throws", 13)).status, 500);
        // A client error is not the server's failure: it must not move any budget.
        QCOMPARE(postJson(client, kPredict,
                          std::string_view(R"({"model":"fixture-throws","instances":[{"a":1}]})"))
                     .status,
                 400);

        Json health;
        QTRY_VERIFY_WITH_TIMEOUT(
            (health = fetchHealth(server.port()).value(),
             health.contains("slo") && firingIn(health, "fixture-echo", "latency", "page")),
            kEvaluationWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT((health = fetchHealth(server.port()).value(),
                                  firingIn(health, "fixture-throws", "success", "page")),
                                 kEvaluationWaitMs);

        const Json echoLatency = objectiveOf(health, "fixture-echo", "latency");
        QCOMPARE(echoLatency.at("total").get<int>(), 5);
        QCOMPARE(echoLatency.at("good").get<int>(), 0);
        // Every request bad against a 1 % allowance: burning at 100x, budget 1 - 100.
        QVERIFY(std::abs(echoLatency.at("burn_rates").at("5m").get<double>() - 100.0) < 1e-6);
        QVERIFY(std::abs(echoLatency.at("error_budget_remaining").get<double>() + 99.0) < 1e-6);
        const Json echoSuccess = objectiveOf(health, "fixture-echo", "success");
        QCOMPARE(echoSuccess.at("compliance").get<double>(), 1.0);
        QVERIFY(echoSuccess.at("alerts").at("page") == false);
        const Json throwsSuccess = objectiveOf(health, "fixture-throws", "success");
        QCOMPARE(throwsSuccess.at("total").get<int>(), 2);  // the 400 is not counted
        QCOMPARE(throwsSuccess.at("good").get<int>(), 1);
        QVERIFY(std::abs(throwsSuccess.at("burn_rates").at("1h").get<double>() - 500.0) < 1e-6);
        bool sawEchoPageEvent = false;
        for (const Json& event : health.at("slo").at("events")) {
            sawEchoPageEvent =
                sawEchoPageEvent ||
                (event.at("model") == "fixture-echo" && event.at("objective") == "latency" &&
                 event.at("severity") == "page" && event.at("state") == "firing");
        }
        QVERIFY(sawEchoPageEvent);

        const auto scrape = get(client, "/metrics");
        QCOMPARE(scrape.status, 200);
        const std::string& text = scrape.body;
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_slo_alert_firing{model="fixture-echo",objective="latency",severity="page"})"),
            1.0);
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_slo_alert_firing{model="fixture-echo",objective="success",severity="page"})"),
            0.0);
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_slo_alert_firing{model="fixture-throws",objective="success",severity="ticket"})"),
            1.0);
        QCOMPARE(
            sampleValue(text, R"(atalaya_slo_objective{model="fixture-echo",objective="latency"})"),
            0.99);
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_slo_error_budget_remaining{model="fixture-echo",objective="latency"})"),
            -99.0);
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_slo_burn_rate{model="fixture-throws",objective="success",window="3d"})"),
            500.0);
        QCOMPARE(
            sampleValue(text, R"(atalaya_slo_latency_threshold_seconds{model="fixture-echo"})"),
            1e-05);
        // The threshold is a bucket bound: the share of requests under it is exact in PromQL.
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_request_duration_seconds_bucket{model="fixture-echo",version="1",phase="total",le="1e-05"})"),
            0.0);
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_request_duration_seconds_bucket{model="fixture-echo",version="1",phase="total",le="0.05"})"),
            5.0);
        // The inference log's size and retention families (promtool checks them below too).
        QCOMPARE(sampleValue(text, "atalaya_inference_log_max_size_bytes"), 2048.0 * 1024 * 1024);
        QVERIFY(sampleValue(text, "atalaya_inference_log_used_bytes") > 0);
        QVERIFY(sampleValue(text, R"(atalaya_inference_log_size_bytes{file="database"})") > 0);
        QCOMPARE(
            sampleValue(
                text,
                R"(atalaya_inference_log_retention_deleted_rows_total{table="inference_log",reason="size"})"),
            0.0);
        const Json& storage = health.at("inference_log");
        QVERIFY(storage.at("used_bytes").get<std::int64_t>() > 0);
        QCOMPARE(storage.at("max_size_bytes").get<std::int64_t>(), std::int64_t{2048} << 20);
        QCOMPARE(storage.at("retention").at("deleted").at("size").at("rows").get<int>(), 0);
        const QString complaints = promtoolComplaints(text);
        if (complaints.startsWith(QStringLiteral("promtool not found")))
            QSKIP(qPrintable(complaints));
        QVERIFY2(complaints.isEmpty(), qPrintable(complaints));
        server.stop(Drain::Wait);
    }

    // The events are in the server's own SQLite file.
    const std::filesystem::path eventsFile = config.dataDir / "slo.sqlite";
    {
        auto store = SloEventStore::open(eventsFile);
        QVERIFY(store.isOk());
        auto open = (*store)->openAlerts();
        QVERIFY(open.isOk());
        int echoLatency = 0;
        int throwsSuccess = 0;
        for (const SloAlertEvent& event : *open) {
            echoLatency +=
                event.model == "fixture-echo" && event.objective == SloObjective::Latency;
            throwsSuccess +=
                event.model == "fixture-throws" && event.objective == SloObjective::Success;
        }
        QCOMPARE(echoLatency, 4);    // all four rules: 100x beats every factor
        QCOMPARE(throwsSuccess, 4);  // 500x
    }

    // Restart on the same data directory. Success windows come back from the inference log's
    // rollups, so fixture-throws' alerts are still firing, without a second "firing" event. A
    // 10 µs threshold is no rollup bucket bound: the latency window starts empty, and the
    // echo's latency alerts resolve.
    TestServer restarted(config);
    QVERIFY(restarted.start().isOk());
    QVERIFY(restarted.waitUntilReady().isOk());
    const Json health = fetchHealth(restarted.port()).value();
    const Json throwsSuccess = objectiveOf(health, "fixture-throws", "success");
    QCOMPARE(throwsSuccess.at("total").get<int>(), 2);
    QCOMPARE(throwsSuccess.at("good").get<int>(), 1);
    QVERIFY(firingIn(health, "fixture-throws", "success", "page"));
    QVERIFY(!firingIn(health, "fixture-echo", "latency", "page"));
    QCOMPARE(objectiveOf(health, "fixture-echo", "latency").at("total").get<int>(), 0);
    int throwsFiring = 0;
    int echoResolved = 0;
    for (const Json& event : health.at("slo").at("events")) {
        throwsFiring += event.at("model") == "fixture-throws" && event.at("state") == "firing";
        echoResolved += event.at("model") == "fixture-echo" && event.at("state") == "resolved";
    }
    QCOMPARE(throwsFiring, 8);  // 4 success rules, 4 latency ones (a failure is slow too)
    QCOMPARE(echoResolved, 4);
    restarted.stop(Drain::Wait);
}

QTEST_GUILESS_MAIN(TestSloApi)
#include "tst_slo_api.moc"
