// Drift on the real server: traffic far from fixture-echo's reference raises an alert that
// /api/v1/health lists with its features' scores; the alert is kept in the inference log and
// listed again after a restart on the same data directory. The drift monitor's counters are in
// the health section and in /metrics.
#include <QTemporaryDir>
#include <QTest>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
constexpr int kRequests = 250;  // past the monitor's min_samples (200)
constexpr int kWaitMs = 30'000;

}  // namespace

class TestDriftApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void alertOutlivesARestart();
};

void TestDriftApi::alertOutlivesARestart() {
    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    QTemporaryDir dataDir;
    auto config = testServerConfig(repository.root());
    config.dataDir = dataDir.path().toStdString();

    Json alert;
    {
        TestServer server(config);
        QVERIFY(server.start().isOk());
        QVERIFY(server.waitUntilReady().isOk());
        HttpTestClient client(std::string(kLoopback), server.port());
        // Every feature at 9: the reference spreads them over [-10, 10].
        const Json body = {{"model", "fixture-echo"},
                           {"instances", {{{"a", 9}, {"b", 9}, {"c", 9}}}}};
        for (int i = 0; i < kRequests; ++i)
            QCOMPARE(postJson(client, "/api/v1/ia/predict", body).status, 200);
        Json health;
        QTRY_VERIFY_WITH_TIMEOUT(
            (health = fetchHealth(server.port()).value(),
             !health.at("drift").at("alerts").empty() &&
                 health.at("drift").at("counters").at("records_applied") == kRequests),
            kWaitMs);
        alert = health.at("drift").at("alerts").front();
        QVERIFY(alert.at("model") == "fixture-echo");
        QVERIFY(alert.at("version") == 1);
        QVERIFY(alert.at("window_size").get<int>() >= 200);
        QVERIFY(!alert.at("features").empty());
        QVERIFY(alert.at("features")[0].at("ks_statistic").get<double>() > 0.5);
        const Json& counters = health.at("drift").at("counters");
        QVERIFY(counters.at("records_dropped") == 0);
        QVERIFY(counters.at("records_skipped") == 0);

        const auto scrape = get(client, "/metrics");
        QCOMPARE(scrape.status, 200);
        QCOMPARE(sampleValue(scrape.body, "atalaya_drift_records_applied_total"),
                 double(kRequests));
        QCOMPARE(sampleValue(scrape.body, "atalaya_drift_records_dropped_total"), 0.0);
        QCOMPARE(sampleValue(scrape.body, "atalaya_drift_snapshots_dropped_total"), 0.0);
        server.stop(Drain::Wait);
    }

    // Same data directory: the alert is listed before any new traffic.
    TestServer restarted(config);
    QVERIFY(restarted.start().isOk());
    QVERIFY(restarted.waitUntilReady().isOk());
    const Json health = fetchHealth(restarted.port()).value();
    const Json& alerts = health.at("drift").at("alerts");
    QCOMPARE(alerts.size(), std::size_t{1});
    QCOMPARE(alerts[0].at("time_ms").get<std::int64_t>(), alert.at("time_ms").get<std::int64_t>());
    QVERIFY(alerts[0].at("top_features") == alert.at("top_features"));
    QVERIFY(alerts[0].at("features") == alert.at("features"));
    QVERIFY(health.at("drift").at("counters").at("records_applied") == 0);
    restarted.stop(Drain::Wait);
}

QTEST_GUILESS_MAIN(TestDriftApi)
#include "tst_drift_api.moc"
