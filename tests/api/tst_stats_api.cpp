// GET /api/v1/stats/... on the real server: predictions sent over HTTP show up in the
// timeseries with the same counts, the drift monitor's snapshots land in the drift history,
// the histogram gives model.json's reference bins and the live window, and bad queries get the
// house error body.
#include <QTest>
#include <chrono>
#include <thread>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
// Enough for the drift monitor's min_samples (200): smaller windows are not kept in history.
constexpr int kPredictions = 210;

std::int64_t unixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Polls `target` until `done(body)` or the bound; returns the last answer.
template <class Done>
HttpTestResponse pollUntil(HttpTestClient& client, const std::string& target, Done done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        HttpTestResponse answer = get(client, target);
        if ((answer.status == 200 && done(bodyOf(answer))) ||
            std::chrono::steady_clock::now() > until) {
            return answer;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::int64_t sumOf(const Json& series, const char* field) {
    std::int64_t sum = 0;
    for (const auto& point : series.at("points"))
        sum += point.at(field).get<std::int64_t>();
    return sum;
}

}  // namespace

class TestStatsApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { m_server.reset(); }
    void timeSeriesCountsTheRequestsSent();
    void driftHistoryAppearsAfterTraffic();
    void histogramGivesReferenceBinsAndTheWindow();
    void badQueries_data();
    void badQueries();

private:
    TestModelRepository m_repository;
    std::unique_ptr<TestServer> m_server;
    std::int64_t m_startedMs = 0;
};

void TestStatsApi::initTestCase() {
    QVERIFY(m_repository.link(kFixtures, "fixture-echo").isOk());
    auto server = startReadyServer(testServerConfig(m_repository.root()));
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    m_startedMs = unixMs();
    HttpTestClient client(std::string(kLoopback), m_server->port());
    for (int i = 0; i < kPredictions; ++i) {
        const Json body = {{"model", "fixture-echo"},
                           {"instances", {{{"a", i % 10 - 5}, {"b", 1}, {"c", 2}}}}};
        QCOMPARE(
            postJson(client, i % 3 == 0 ? "/api/v2/ia/predict" : "/api/v1/ia/predict", body).status,
            200);
    }
    // One refused request: it reaches no batcher and is not logged.
    QCOMPARE(postJson(client, "/api/v1/ia/predict",
                      std::string_view(R"({"model":"fixture-echo","instances":[{"a":1}]})"))
                 .status,
             400);
}

void TestStatsApi::timeSeriesCountsTheRequestsSent() {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const std::string target = "/api/v1/stats/timeseries?model=fixture-echo&from=" +
                               std::to_string(m_startedMs - 120'000) + "&step=60";
    const auto answer = pollUntil(
        client, target, [](const Json& body) { return sumOf(body, "requests") >= kPredictions; });
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const Json body = bodyOf(answer);
    QCOMPARE(sumOf(body, "requests"), std::int64_t{kPredictions});
    QCOMPARE(sumOf(body, "errors"), std::int64_t{0});
    QCOMPARE(body.at("step").get<int>(), 60);
    QVERIFY(body.at("version").is_null());
    bool sawLatency = false;
    for (const auto& point : body.at("points")) {
        QCOMPARE(point.at("time").get<std::int64_t>() % 60'000, std::int64_t{0});
        if (point.at("requests").get<int>() > 0) {
            QVERIFY(point.at("latency_ms").at("p50").is_number());
            QVERIFY(point.at("latency_ms").at("p99").get<double>() >=
                    point.at("latency_ms").at("p50").get<double>());
            QCOMPARE(point.at("error_rate").get<double>(), 0.0);
            QVERIFY(point.at("mean_batch_size").get<double>() >= 1.0);
            sawLatency = true;
        } else {
            QVERIFY(point.at("latency_ms").at("p50").is_null());
        }
    }
    QVERIFY(sawLatency);

    // Filtered by API version: every third request went to v2.
    const auto v2 = get(client, target + "&api_version=v2&version=1");
    QVERIFY2(v2.status == 200, qPrintable(describe(v2)));
    QCOMPARE(sumOf(bodyOf(v2), "requests"), std::int64_t{(kPredictions + 2) / 3});
}

void TestStatsApi::driftHistoryAppearsAfterTraffic() {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const std::string target = "/api/v1/stats/drift?model=fixture-echo&version=1&from=" +
                               std::to_string(m_startedMs - 60'000);
    const auto answer =
        pollUntil(client, target, [](const Json& body) { return !body.at("verdicts").empty(); });
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const Json body = bodyOf(answer);
    const Json& verdict = body.at("verdicts").front();
    QVERIFY(verdict.at("window_size").get<int>() > 0);
    QVERIFY(verdict.at("window_size").get<int>() >= 200);
    QCOMPARE(body.at("features").size(), std::size_t{3});
    QCOMPARE(stringAt(body.at("features").front(), "name"), QStringLiteral("a"));
    const Json& point = body.at("features").front().at("points").front();
    QCOMPARE(dumped(point.at("time")), dumped(verdict.at("time")));
    for (const char* statistic :
         {"psi", "ks_statistic", "ks_p_value", "jensen_shannon", "wasserstein"}) {
        QVERIFY2(point.at(statistic).is_number(), statistic);
    }
    // The version defaults to the model's highest one.
    const auto implicit = get(client, "/api/v1/stats/drift?model=fixture-echo");
    QCOMPARE(implicit.status, 200);
    QCOMPARE(bodyOf(implicit).at("version").get<int>(), 1);
}

void TestStatsApi::histogramGivesReferenceBinsAndTheWindow() {
    const auto model = readModelJson(kFixtures / "fixture-echo", 1);
    QVERIFY(model.isOk());
    const Json& reference = model->at("reference").at("features").at("a");
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto answer =
        pollUntil(client, "/api/v1/stats/histogram?model=fixture-echo&version=1&feature=a",
                  [](const Json& body) { return body.at("current_total") == kPredictions; });
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    const Json body = bodyOf(answer);
    QCOMPARE(dumped(body.at("edges")), dumped(reference.at("bin_edges")));
    QCOMPARE(dumped(body.at("reference")), dumped(reference.at("bin_fractions")));
    QVERIFY(body.at("live").get<bool>());
    // a = -5..4: bins by the reference's edges, counted by hand.
    std::vector<std::int64_t> expected(10, 0);
    const auto edges = reference.at("bin_edges").get<std::vector<double>>();
    for (int i = 0; i < kPredictions; ++i) {
        const double a = i % 10 - 5;
        std::size_t bin = 0;
        while (bin + 1 < expected.size() && a >= edges[bin + 1])
            ++bin;
        ++expected[bin];
    }
    QCOMPARE(body.at("current").get<std::vector<std::int64_t>>(), expected);
}

void TestStatsApi::badQueries_data() {
    QTest::addColumn<QString>("target");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString ts = QStringLiteral("/api/v1/stats/timeseries?model=fixture-echo");
    QTest::newRow("unknown model")
        << "/api/v1/stats/timeseries?model=nope" << 404 << "model_not_found";
    QTest::newRow("unknown version") << ts + "&version=7" << 404 << "version_not_found";
    QTest::newRow("missing model") << "/api/v1/stats/timeseries" << 400 << "missing_parameter";
    QTest::newRow("reversed range") << ts + "&from=2000000&to=1000000" << 400 << "bad_range";
    QTest::newRow("range not a number") << ts + "&from=yesterday" << 400 << "bad_range";
    QTest::newRow("step not minutes") << ts + "&step=90" << 400 << "bad_step";
    QTest::newRow("too many points")
        << ts + "&from=0&to=172800000&step=60" << 400 << "too_many_points";
    QTest::newRow("unknown parameter") << ts + "&modle=x" << 400 << "bad_query";
    QTest::newRow("repeated parameter") << ts + "&step=60&step=120" << 400 << "bad_query";
    QTest::newRow("drift of unknown model")
        << "/api/v1/stats/drift?model=nope" << 404 << "model_not_found";
    QTest::newRow("histogram without feature")
        << "/api/v1/stats/histogram?model=fixture-echo" << 400 << "missing_parameter";
    QTest::newRow("histogram of unknown feature")
        << "/api/v1/stats/histogram?model=fixture-echo&feature=zz" << 404 << "feature_not_found";
}

void TestStatsApi::badQueries() {
    QFETCH(QString, target);
    QFETCH(int, status);
    QFETCH(QString, code);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto answer = get(client, target.toStdString());
    QVERIFY2(answer.status == status, qPrintable(describe(answer)));
    QVERIFY2(errorBodyProblem(answer).isEmpty(), qPrintable(errorBodyProblem(answer)));
    QCOMPARE(errorCodeOf(answer), code);
}

QTEST_GUILESS_MAIN(TestStatsApi)
#include "tst_stats_api.moc"
