// GET /metrics on the real server: what the request path recorded shows up with the right
// labels, and Debian's promtool accepts the exposition as a whole.
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;

}  // namespace

class TestMetricsApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void exposesWhatTheRequestPathRecorded();
};

void TestMetricsApi::exposesWhatTheRequestPathRecorded() {
    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    QVERIFY(repository.link(kFixtures, "fixture-corrupt").isOk());
    auto config = testServerConfig(repository.root());
    TestServer server(config);
    QVERIFY(server.start().isOk());
    QVERIFY(server.waitUntilLoaded().isOk());
    HttpTestClient client("127.0.0.1", server.port());

    for (int i = 0; i < 5; ++i) {
        QCOMPARE(postJson(client, "/api/v1/ia/predict",
                          std::string_view(
                              R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})"))
                     .status,
                 200);
    }
    QCOMPARE(postJson(client, "/api/v1/ia/predict",
                      std::string_view(R"({"model":"fixture-echo","instances":[{"a":1}]})"))
                 .status,
             400);

    const auto scrape = get(client, "/metrics");
    QCOMPARE(scrape.status, 200);
    QVERIFY(scrape.header("Content-Type").starts_with("text/plain; version=0.0.4"));
    const std::string& text = scrape.body;
    QCOMPARE(
        sampleValue(
            text,
            R"(atalaya_requests_total{route="/api/{api}/ia/predict",api_version="v1",model="fixture-echo",version="1",code="200"})"),
        5.0);
    // The 400 came before a model was resolved: no model label, so clients cannot mint series.
    QCOMPARE(
        sampleValue(
            text,
            R"(atalaya_requests_total{route="/api/{api}/ia/predict",api_version="v1",model="",version="",code="400"})"),
        1.0);
    QCOMPARE(sampleValue(text, R"(atalaya_rejections_total{reason="missing_feature"})"), 1.0);
    QCOMPARE(
        sampleValue(
            text,
            R"(atalaya_request_duration_seconds_count{model="fixture-echo",version="1",phase="total"})"),
        5.0);
    QCOMPARE(
        sampleValue(text, R"(atalaya_model_state{model="fixture-echo",version="1",state="READY"})"),
        1.0);
    QCOMPARE(
        sampleValue(text,
                    R"(atalaya_model_state{model="fixture-corrupt",version="1",state="FAILED"})"),
        1.0);

    // Drift gauges appear once the drift monitor (its own thread) has read the five requests.
    std::string withDrift;
    QTRY_VERIFY_WITH_TIMEOUT(
        (withDrift = get(client, "/metrics").body,
         sampleValue(withDrift, R"(atalaya_drift_window_size{model="fixture-echo",version="1"})") >=
             5.0),
        10'000);
    QVERIFY(sampleValue(withDrift, R"(atalaya_drift_detected{model="fixture-echo",version="1"})") >=
            0.0);
    QVERIFY(
        sampleValue(
            withDrift,
            R"(atalaya_drift_score{model="fixture-echo",version="1",feature="a",statistic="psi"})") >=
        0.0);

    const QString promtool = QStandardPaths::findExecutable(QStringLiteral("promtool"));
    if (promtool.isEmpty())
        QSKIP("promtool not found: scripts/install-deps.sh --test installs it");
    QProcess process;
    process.start(promtool, {QStringLiteral("check"), QStringLiteral("metrics")});
    QVERIFY(process.waitForStarted(10'000));
    process.write(withDrift.data(), qint64(withDrift.size()));
    process.closeWriteChannel();
    QVERIFY(process.waitForFinished(30'000));
    const QByteArray complaints = process.readAllStandardOutput() + process.readAllStandardError();
    QVERIFY2(process.exitCode() == 0 && complaints.trimmed().isEmpty(), complaints.constData());
    server.stop(Drain::Wait);
}

QTEST_GUILESS_MAIN(TestMetricsApi)
#include "tst_metrics_api.moc"
