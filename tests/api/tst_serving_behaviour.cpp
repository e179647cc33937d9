// How the real server behaves under concurrent traffic: a failing forward pass fails only the
// requests of its batch, a full queue refuses with 503 and Retry-After, a deadline that passes
// in the queue is 504, batching happens, health reports the traffic, readiness follows loading.
//
// Designed to be deterministic on a noisy machine: no assertion depends on how fast anything
// runs. Where an outcome depends on arrival order, the test either admits every legal outcome
// or establishes the order first (e.g. by watching queue_depth in the health detail).
#include <QTest>
#include <cmath>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace Qt::StringLiterals;

namespace {

namespace fs = std::filesystem;

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;
const fs::path kFixtures = ATALAYA_TEST_FIXTURES;

constexpr int kFixtureBatch = 8;   // max_batch_size of every fixture (tools/models/fixtures.py)
constexpr int kFixtureQueue = 16;  // max_queue_size of every fixture
constexpr std::string_view kPredict = "/api/v1/ia/predict";
constexpr std::chrono::milliseconds kHealthPoll{10};

// `rows` fixture instances with feature a = `a`. A request of kFixtureBatch rows fills a batch
// by itself, so it never shares a forward pass with another request (DynamicBatcher).
std::string fixtureBody(const std::string& model, int rows, double a = 1.0) {
    Json instances = Json::array();
    for (int i = 0; i < rows; ++i)
        instances.push_back(Json::array({a, -1.0 * i / rows, 0.0}));
    return Json{{"model", model}, {"instances", instances}}.dump();
}

RequestSpec predictRequest(std::string body, HeaderList headers = jsonContentType()) {
    return {.method = "POST",
            .target = std::string(kPredict),
            .body = std::move(body),
            .headers = std::move(headers)};
}

// Empty when a 200 answer to fixtureBody(model, rows, a) is right: fixture-echo's softmax.
QString echoAnswerProblem(const HttpTestResponse& response, int rows, double a) {
    if (response.status != 200)
        return u"not 200: "_s + describe(response);
    const Json predictions = bodyOf(response)["predictions"];
    if (!predictions.is_array() || predictions.size() != static_cast<std::size_t>(rows)) {
        return u"wrong number of predictions: "_s + describe(response);
    }
    for (int i = 0; i < rows; ++i) {
        const double b = -1.0 * i / rows;
        const double left = std::exp(a) / (std::exp(a) + std::exp(b));
        const double got = predictions[i]["scores"].value("left", -1.0);
        if (std::abs(got - left) > 1e-5)
            return u"row %1 is wrong: "_s.arg(i) + describe(response);
    }
    return {};
}

// Polls one version's health entry until `accept` holds; returns the last entry seen, or null
// when `timeout` passed first.
template <class Accept>
Json waitForVersionHealth(std::uint16_t port, std::string_view model, Accept accept,
                          std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
        const auto health = fetchHealth(port);
        if (health.isOk()) {
            Json entry = versionHealth(*health, model, 1);
            if (entry.is_object() && accept(entry))
                return entry;
        }
        std::this_thread::sleep_for(kHealthPoll);
    }
    return Json();
}

}  // namespace

class TestServingBehaviour : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void failingBatchFailsOnlyItsOwnRequests();
    void queueFullIs503WithRetryAfter();
    void deadlineExceededWhileQueued();
    void batchingHappens();
    void healthDetailAfterTraffic();
    void readyWhenAllReady();
    void notReadyWhileLoading();
    void notReadyWhenAVersionFailed();

private:
    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<HttpTestClient> m_client;
};

void TestServingBehaviour::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    Status linked = m_repository->link(kDemoModels, "credit-risk");
    QVERIFY2(linked.isOk(), linked.toString().c_str());
    for (const char* model : {"fixture-echo", "fixture-slow"}) {
        linked = m_repository->link(kFixtures, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    // fixture-throws raises on 13.0 but declares a, b, c in [-10, 10]: without the ranges, 13.0
    // reaches the model instead of a 400 out_of_range.
    linked = m_repository->linkFixtureThrowsWithoutRanges(kFixtures);
    QVERIFY2(linked.isOk(), linked.toString().c_str());

    // The tests below reason from these numbers; fail here, not obscurely, if they change.
    for (const char* fixture : {"fixture-slow", "fixture-throws"}) {
        const auto modelJson = readModelJson(kFixtures / fixture, 1);
        QVERIFY2(modelJson.isOk(), modelJson.status().toString().c_str());
        QCOMPARE((*modelJson)["batching"].value("max_batch_size", 0), kFixtureBatch);
        QCOMPARE((*modelJson)["batching"].value("max_queue_size", 0), kFixtureQueue);
    }

    ServerConfig config = testServerConfig(m_repository->root());
    // One forward pass at a time across all models (the default, stated because
    // batchingHappens relies on it).
    config.inference.workers = 1;
    auto server = startReadyServer(std::move(config));
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    m_client = std::make_unique<HttpTestClient>(std::string(kLoopback), m_server->port());
}

void TestServingBehaviour::cleanupTestCase() {
    m_client.reset();
    m_server.reset();
}

// fixture-throws fails the whole forward pass when any input is 13.0, so every request of
// that batch fails with it. A request of kFixtureBatch rows rides alone, so it never shares
// the failing batch: it must succeed whatever the timing. One-row requests may or may not ride
// with the 13.0 one; both outcomes are legal, but nothing else is.
void TestServingBehaviour::failingBatchFailsOnlyItsOwnRequests() {
    int sent = 0;
    int failed = 0;

    const auto poisoned = postJson(*m_client, kPredict, fixtureBody("fixture-throws", 1, 13.0));
    ++sent;
    QVERIFY2(poisoned.status == 500, qPrintable(describe(poisoned)));
    QCOMPARE(errorCodeOf(poisoned), u"model_error"_s);
    const QString problem = errorBodyProblem(poisoned);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    ++failed;
    // The batcher survives its failed batch.
    const auto next = postJson(*m_client, kPredict, fixtureBody("fixture-throws", 1));
    ++sent;
    QVERIFY2(echoAnswerProblem(next, 1, 1.0).isEmpty(), qPrintable(describe(next)));

    constexpr int kFullBatches = 4;
    constexpr int kSingles = 4;
    std::vector<RequestSpec> requests{predictRequest(fixtureBody("fixture-throws", 1, 13.0))};
    for (int i = 0; i < kFullBatches; ++i) {
        requests.push_back(predictRequest(fixtureBody("fixture-throws", kFixtureBatch, 2.0)));
    }
    for (int i = 0; i < kSingles; ++i) {
        requests.push_back(predictRequest(fixtureBody("fixture-throws", 1, 3.0)));
    }
    const auto responses = sendConcurrently(m_server->port(), requests);
    sent += static_cast<int>(requests.size());

    QVERIFY2(responses[0].status == 500, qPrintable(describe(responses[0])));
    QCOMPARE(errorCodeOf(responses[0]), u"model_error"_s);
    ++failed;
    for (int i = 1; i <= kFullBatches; ++i) {
        const QString wrong = echoAnswerProblem(responses[i], kFixtureBatch, 2.0);
        QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
    }
    for (int i = kFullBatches + 1; i < static_cast<int>(responses.size()); ++i) {
        if (responses[i].status == 500) {
            QCOMPARE(errorCodeOf(responses[i]), u"model_error"_s);  // rode with the 13.0 one
            ++failed;
        } else {
            const QString wrong = echoAnswerProblem(responses[i], 1, 3.0);
            QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
        }
    }

    const auto after = postJson(*m_client, kPredict, fixtureBody("fixture-throws", 1));
    ++sent;
    QVERIFY2(echoAnswerProblem(after, 1, 1.0).isEmpty(), qPrintable(describe(after)));

    // Every request is counted once, and every failure as an error.
    const auto health = fetchHealth(m_server->port());
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    const Json lastMinute = versionHealth(*health, "fixture-throws", 1)["last_minute"];
    QVERIFY2(lastMinute["requests"] == sent && lastMinute["errors"] == failed,
             qPrintable(u"sent %1, failed %2, health says "_s.arg(sent).arg(failed) +
                        dumped(lastMinute)));
    QVERIFY2(lastMinute["success_rate"].is_number() &&
                 std::abs(lastMinute["success_rate"].get<double>() - double(sent - failed) / sent) <
                     1e-9,
             qPrintable(dumped(lastMinute)));
}

// fixture-slow does a fixed amount of work per forward pass. Requests of kFixtureBatch rows each
// run alone, so at most 1 + kFixtureQueue of them are in the server at once: sent together,
// well over that many must see some refused. Every request gets an answer either way.
void TestServingBehaviour::queueFullIs503WithRetryAfter() {
    constexpr int kRequests = 3 * (kFixtureQueue + 1);
    // A round where the server drained faster than the requests arrived proves nothing; the
    // next round tries again. A server that never refuses fails every round.
    constexpr int kRounds = 3;
    int refused = 0;
    for (int round = 0; round < kRounds && refused == 0; ++round) {
        std::vector<RequestSpec> requests(
            kRequests, predictRequest(fixtureBody("fixture-slow", kFixtureBatch, 0.5)));
        const auto responses = sendConcurrently(m_server->port(), requests);
        for (const auto& response : responses) {
            if (response.status == 503) {
                QCOMPARE(errorCodeOf(response), u"queue_full"_s);
                const QString problem = errorBodyProblem(response);
                QVERIFY2(problem.isEmpty(), qPrintable(problem));
                bool isNumber = false;
                const int retryAfter = qstr(response.header("Retry-After")).toInt(&isNumber);
                QVERIFY2(isNumber && retryAfter > 0, qPrintable(describe(response)));
                ++refused;
            } else {
                const QString wrong = echoAnswerProblem(response, kFixtureBatch, 0.5);
                QVERIFY2(wrong.isEmpty(), qPrintable(wrong));  // also: none lost (status 0)
            }
        }
        QVERIFY2(refused < kRequests, "every request was refused");
    }
    QVERIFY2(refused > 0, "no request was refused with queue_full in any round");
    qDebug("%d of %d requests refused with queue_full", refused, kRequests);
}

// A request whose deadline passes while it waits in the queue is answered 504 without running.
// The order is established first: health must show requests queued (each a full batch that
// runs alone) before the 1 ms request is sent, so it waits behind at least one whole forward
// pass.
void TestServingBehaviour::deadlineExceededWhileQueued() {
    constexpr int kFillers = 6;
    constexpr int kRounds = 3;
    bool expired = false;
    for (int round = 0; round < kRounds && !expired; ++round) {
        ConcurrentRequests fillers(
            m_server->port(),
            std::vector<RequestSpec>(kFillers,
                                     predictRequest(fixtureBody("fixture-slow", kFixtureBatch))));
        const Json queued = waitForVersionHealth(
            m_server->port(), "fixture-slow",
            [](const Json& entry) { return entry.value("queue_depth", 0) >= 2; }, kRequestTimeout);

        HeaderList headers = jsonContentType();
        headers.emplace_back("X-Request-Timeout-Ms", "1");
        const auto late = postJson(*m_client, kPredict, fixtureBody("fixture-slow", 1), headers);
        // A generous deadline behind the same queue is met.
        headers.back().second = "600000";
        const auto patient = postJson(*m_client, kPredict, fixtureBody("fixture-slow", 1), headers);

        for (const auto& response : fillers.wait()) {
            const QString wrong = echoAnswerProblem(response, kFixtureBatch, 1.0);
            QVERIFY2(wrong.isEmpty(), qPrintable(wrong));
        }
        QVERIFY2(echoAnswerProblem(patient, 1, 1.0).isEmpty(), qPrintable(describe(patient)));
        if (late.status == 504) {
            QCOMPARE(errorCodeOf(late), u"deadline_exceeded"_s);
            const QString problem = errorBodyProblem(late);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
            expired = true;
        } else {
            // Only legal if the queue had drained before the request arrived: then it ran at
            // once, within its deadline.
            QVERIFY2(late.status == 200, qPrintable(describe(late)));
            qWarning("round %d: the queue drained before the 1 ms request arrived (%s)", round,
                     queued.dump().c_str());
        }
    }
    QVERIFY2(expired, "a 1 ms deadline behind a queue never expired");
}

// 16 connections send one credit-risk row each. They arrive while fixture-slow holds the only
// execution slot (workers = 1), so credit-risk's batcher cannot run them one by one as they
// come: they queue and leave together.
void TestServingBehaviour::batchingHappens() {
    constexpr int kConnections = 16;
    constexpr int kRounds = 3;
    const Json applicant = {{"age", 41},
                            {"income", 52000},
                            {"debt_ratio", 0.3},
                            {"credit_history_years", 12},
                            {"num_open_accounts", 4},
                            {"num_late_payments", 0},
                            {"loan_amount", 15000},
                            {"loan_term_months", 36},
                            {"employment_years", 8},
                            {"savings", 12000}};
    const std::string body = Json{{"model", "credit-risk"}, {"instances", {applicant}}}.dump();
    int largest = 0;
    for (int round = 0; round < kRounds && largest <= 1; ++round) {
        ConcurrentRequests slow(m_server->port(),
                                std::vector<RequestSpec>(
                                    3, predictRequest(fixtureBody("fixture-slow", kFixtureBatch))));
        waitForVersionHealth(
            m_server->port(), "fixture-slow",
            [](const Json& entry) { return entry.value("in_flight", 0) > 0; }, kRequestTimeout);
        const auto responses = sendConcurrently(
            m_server->port(), std::vector<RequestSpec>(kConnections, predictRequest(body)));
        for (const auto& response : responses) {
            QVERIFY2(response.status == 200, qPrintable(describe(response)));
            const Json answer = bodyOf(response);
            QCOMPARE(answer["predictions"].size(), std::size_t{1});
            largest = std::max(largest, answer.value("batch_size", 0));
        }
        for (const auto& response : slow.wait()) {
            QVERIFY2(response.status == 200, qPrintable(describe(response)));
        }
    }
    QVERIFY2(largest > 1, "16 concurrent requests never shared a forward pass");
    qDebug("largest batch: %d", largest);
}

// After the traffic above (all within the last minute).
void TestServingBehaviour::healthDetailAfterTraffic() {
    const auto health = fetchHealth(m_server->port());
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    QCOMPARE(stringAt(*health, "status"), u"ok"_s);

    const Json credit = versionHealth(*health, "credit-risk", 1);
    QCOMPARE(stringAt(credit, "state"), u"READY"_s);
    const Json& busy = credit["last_minute"];
    const QString shown = dumped(credit);
    QVERIFY2(busy["requests"].get<int>() >= 16, qPrintable(shown));
    QVERIFY2(busy["errors"] == 0, qPrintable(shown));
    QVERIFY2(busy["success_rate"] == 1.0, qPrintable(shown));
    QVERIFY2(busy["throughput_rps"].get<double>() > 0, qPrintable(shown));
    const Json& latency = busy["latency_ms"];
    QVERIFY2(latency["p50"].is_number() && latency["p95"].is_number() && latency["p99"].is_number(),
             qPrintable(shown));
    QVERIFY2(latency["p50"].get<double>() > 0 &&
                 latency["p50"].get<double>() <= latency["p95"].get<double>() &&
                 latency["p95"].get<double>() <= latency["p99"].get<double>(),
             qPrintable(shown));
    QVERIFY2(busy["mean_batch_size"].get<double>() > 1.0, qPrintable(shown));

    // No traffic: null figures, not zeros.
    const Json idle = versionHealth(*health, "credit-risk", 2)["last_minute"];
    QVERIFY2(idle["requests"] == 0, qPrintable(dumped(idle)));
    QVERIFY2(idle["success_rate"].is_null(), qPrintable(dumped(idle)));
    QVERIFY2(idle["latency_ms"]["p50"].is_null() && idle["latency_ms"]["p99"].is_null(),
             qPrintable(dumped(idle)));

    // Refused requests are errors of the version that refused them.
    const Json slow = versionHealth(*health, "fixture-slow", 1)["last_minute"];
    QVERIFY2(slow["errors"].get<int>() > 0 && slow["success_rate"].get<double>() < 1.0,
             qPrintable(dumped(slow)));
}

void TestServingBehaviour::readyWhenAllReady() {
    const auto readyz = get(*m_client, "/readyz");
    QVERIFY2(readyz.status == 200, qPrintable(describe(readyz)));
    QCOMPARE(dumped(bodyOf(readyz)), u"{\"status\":\"ready\"}"_s);
    const auto oipReady = get(*m_client, "/v2/health/ready");
    QVERIFY2(oipReady.status == 200, qPrintable(describe(oipReady)));
}

// Models load in the background after start(). Several copies of the transformer model take
// seconds to load and warm up, one after another, so the first requests find them LOADING.
void TestServingBehaviour::notReadyWhileLoading() {
    TestModelRepository repository;
    const std::vector<std::string> copies = {"sentiment", "sentiment-b", "sentiment-c",
                                             "sentiment-d"};
    for (const auto& name : copies) {
        const Status linked = repository.link(kDemoModels, "sentiment", name);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    TestServer server(testServerConfig(repository.root()));
    const Status started = server.start();
    QVERIFY2(started.isOk(), started.toString().c_str());
    HttpTestClient client(std::string(kLoopback), server.port());

    const auto alive = get(client, "/healthz");
    QVERIFY2(alive.status == 200, qPrintable(describe(alive)));
    const auto loading = get(client, "/readyz");
    QVERIFY2(loading.status == 503, qPrintable(describe(loading)));
    const Json waiting = bodyOf(loading);
    QCOMPARE(stringAt(waiting, "status"), u"not_ready"_s);
    QVERIFY2(!waiting["not_ready"].empty(), qPrintable(describe(loading)));
    for (const auto& entry : waiting["not_ready"]) {
        QVERIFY2(entry["state"] == "LOADING", qPrintable(describe(loading)));
    }
    const auto loadingHealth = fetchHealth(server.port());
    QVERIFY2(loadingHealth.isOk(), loadingHealth.status().toString().c_str());
    QCOMPARE(stringAt(*loadingHealth, "status"), u"loading"_s);
    QCOMPARE(stringAt(versionHealth(*loadingHealth, copies.back(), 1), "state"), u"LOADING"_s);
    // The last copy loads last: a request for it now finds it LOADING.
    const auto early =
        postJson(client, kPredict, Json{{"model", copies.back()}, {"instances", {"great value"}}});
    QVERIFY2(early.status == 503, qPrintable(describe(early)));
    QCOMPARE(errorCodeOf(early), u"model_not_ready"_s);
    QVERIFY(!early.header("Retry-After").empty());

    const Status ready = server.waitUntilReady();
    QVERIFY2(ready.isOk(), ready.toString().c_str());
    const auto health = fetchHealth(server.port());
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    QCOMPARE(stringAt(*health, "status"), u"ok"_s);
    const auto served =
        postJson(client, kPredict, Json{{"model", copies.back()}, {"instances", {"great value"}}});
    QVERIFY2(served.status == 200, qPrintable(describe(served)));
}

void TestServingBehaviour::notReadyWhenAVersionFailed() {
    TestModelRepository repository;
    for (const char* model : {"fixture-echo", "fixture-corrupt"}) {
        const Status linked = repository.link(kFixtures, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    TestServer server(testServerConfig(repository.root()));
    const Status started = server.start();
    QVERIFY2(started.isOk(), started.toString().c_str());
    const Status loaded = server.waitUntilLoaded();
    QVERIFY2(loaded.isOk(), loaded.toString().c_str());
    HttpTestClient client(std::string(kLoopback), server.port());

    const auto readyz = get(client, "/readyz");
    QVERIFY2(readyz.status == 503, qPrintable(describe(readyz)));
    QCOMPARE(dumped(bodyOf(readyz)["not_ready"]),
             u"[{\"name\":\"fixture-corrupt\",\"state\":\"FAILED\",\"version\":1}]"_s);
    const auto served = postJson(client, kPredict, fixtureBody("fixture-echo", 1));
    QVERIFY2(echoAnswerProblem(served, 1, 1.0).isEmpty(), qPrintable(describe(served)));
}

QTEST_GUILESS_MAIN(TestServingBehaviour)
#include "tst_serving_behaviour.moc"
