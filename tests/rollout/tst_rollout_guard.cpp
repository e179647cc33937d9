// The guard rules end to end, one per rule, on the real server over HTTP with real TorchScript
// models: a canary trips the rule on its own live numbers, goes back to 0% pinned on the stable
// version, and the auto_rolled_back event carries the numbers that tripped it. (The error-rate
// rule, with the broken credit-risk version 3, is in tst_rollout_api; the intervals themselves
// in tst_rollout_statistics.) And the bound on requests a broken candidate answers under an
// unpaced burst, whatever the request rate (GuardPacer).

#include <QTest>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"
#include "security/ScopeNames.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;
const fs::path kFixtures = ATALAYA_TEST_FIXTURES;
// The most requests a test sends before it expects the rollback; far above what a rule needs
// (min_requests per side), so only a guard that never acts runs into it.
constexpr int kMaxRequests = 2000;
// A client's pace for the tests of one rule each: they are about the rule's numbers, not about
// how soon the guard acts (the burst test is).
constexpr auto kPause = 2ms;

HeaderList bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
}

// <root>/<as>: fixture-echo's model.json (named `as`) with version 1 running fixture-echo's
// TorchScript and version 2 fixture-slow's. Same contract and bit-identical outputs: the only
// difference the guard can see is time (fixture-slow adds 50 128x128 matmuls per call).
Status assembleEchoThenSlow(const fs::path& root, const std::string& as) {
    ATALAYA_ASSIGN_OR_RETURN(Json meta, readModelJson(kFixtures / "fixture-echo", 1));
    meta["name"] = as;
    std::error_code ec;
    fs::create_directories(root / as / "1", ec);
    fs::create_directories(root / as / "2", ec);
    if (ec)
        return internalError("cannot create " + (root / as).string() + ": " + ec.message());
    std::ofstream(root / as / "model.json") << meta.dump(2);
    fs::create_symlink(kFixtures / "fixture-echo" / "1" / "model.pt", root / as / "1" / "model.pt",
                       ec);
    if (!ec) {
        fs::create_symlink(kFixtures / "fixture-slow" / "1" / "model.pt",
                           root / as / "2" / "model.pt", ec);
    }
    return ec ? internalError("cannot link the fixtures: " + ec.message()) : Status::ok();
}

// Uniform random applications within credit-risk's declared feature ranges (seeded: the same
// ones every run).
Json randomApplications(const Json& meta, int count) {
    std::mt19937 random(20260101);
    Json instances = Json::array();
    for (int i = 0; i < count; ++i) {
        Json instance = Json::object();
        for (const auto& feature : meta["inputs"][0]["features"]) {
            std::uniform_real_distribution<double> value(feature["min"].get<double>(),
                                                         feature["max"].get<double>());
            instance[feature["name"].get<std::string>()] = std::round(value(random));
        }
        instances.push_back(std::move(instance));
    }
    return instances;
}

}  // namespace

class TestRolloutGuard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void slowCandidateIsRolledBackByItsP99();
    void candidateThatDeclinesWhatStableApprovesIsRolledBackByLabelShift();
    void brokenCandidateUnderAnUnpacedBurstIsRolledBackWithinTheBound();

private:
    Status startServer(bool security, RolloutConfig rollout = {});
    HttpTestResponse admin(std::string_view method, std::string_view target,
                           std::string_view body = {});
    Json route(const std::string& api, const std::string& model);
    // Polls until the route is pinned again (the guard acts on its own thread).
    Json waitUntilPinned(const std::string& api, const std::string& model);

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::string m_adminToken;  // with security on
};

void TestRolloutGuard::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kDemoModels, "credit-risk").isOk());
    const Status assembled = assembleEchoThenSlow(m_repository->root(), "echo-then-slow");
    QVERIFY2(assembled.isOk(), assembled.message().c_str());
}

void TestRolloutGuard::cleanup() {
    m_server.reset();
    m_adminToken.clear();
}

Status TestRolloutGuard::startServer(bool security, RolloutConfig rollout) {
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = security;
    config.rollout = rollout;
    config.security.ipRate = {};  // one loopback address plays many clients here
    config.security.clientRate = {};
    ATALAYA_ASSIGN_OR_RETURN(m_server, startReadyServer(config));
    return Status::ok();
}

HttpTestResponse TestRolloutGuard::admin(std::string_view method, std::string_view target,
                                         std::string_view body) {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    HeaderList headers = jsonContentType();
    if (!m_adminToken.empty())
        headers.emplace_back("Authorization", "Bearer " + m_adminToken);
    return client.request(method, target, body, headers, kModelLoadTimeout);
}

Json TestRolloutGuard::route(const std::string& api, const std::string& model) {
    const Json all = bodyOf(admin("GET", "/api/v1/admin/rollouts"));
    for (const auto& r : all.value("routes", Json::array())) {
        if (r["api"] == api && r["model"] == model)
            return r;
    }
    return {};
}

Json TestRolloutGuard::waitUntilPinned(const std::string& api, const std::string& model) {
    Json current = route(api, model);
    for (int attempt = 0; attempt < 200 && current["mode"] != "pinned"; ++attempt) {
        std::this_thread::sleep_for(50ms);
        current = route(api, model);
    }
    return current;
}

void TestRolloutGuard::slowCandidateIsRolledBackByItsP99() {
    QVERIFY(startServer(false).isOk());
    // A route of its own for the pair, on version 1 (fixture-echo), then a canary of version 2
    // (fixture-slow) for every client, judged on p99 alone: 1 ms is far above an echo's
    // microseconds and far below 50 matmuls. The other rules are off or cannot trip (no errors).
    const std::string path = "/api/v1/admin/rollouts/v1/echo-then-slow";
    QCOMPARE(admin("POST", path, R"({"action":"pin","version":1})").status, 200);
    const Json canary{
        {"action", "canary"},
        {"candidate", 2},
        {"steps", {1.0}},
        {"guard",
         {{"max_p99_ms", 1}, {"max_error_rate", 1}, {"max_label_shift", 0}, {"min_requests", 30}}}};
    const auto started = admin("POST", path, canary.dump());
    QVERIFY2(started.status == 200, qPrintable(describe(started)));
    QCOMPARE(bodyOf(started)["weight"].get<double>(), 1.0);

    HttpTestClient client(std::string(kLoopback), m_server->port());
    const std::string body = R"({"model":"echo-then-slow","instances":[{"a":1,"b":2,"c":3}]})";
    int sent = 0;
    int onSlow = 0;
    Json current;
    for (; sent < kMaxRequests; ++sent) {
        const auto answer = postJson(client, "/api/v1/ia/predict", body);
        QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
        onSlow += bodyOf(answer)["version"] == 2 ? 1 : 0;
        std::this_thread::sleep_for(kPause);
        if (sent % 10 == 9 && (current = route("v1", "echo-then-slow"))["mode"] == "pinned")
            break;
    }
    current = waitUntilPinned("v1", "echo-then-slow");
    QVERIFY2(current["mode"] == "pinned", current.dump().c_str());
    QCOMPARE(current["stable"].get<int>(), 1);
    QCOMPARE(current["weight"].get<double>(), 0.0);
    QVERIFY(current["candidate"].is_null());
    const Json& event = current["last_event"];
    QCOMPARE(stringAt(event, "kind"), QStringLiteral("auto_rolled_back"));
    QCOMPARE(stringAt(event, "actor"), QStringLiteral("guard"));
    const Json& detail = event["detail"];
    QCOMPARE(stringAt(detail, "rule"), QStringLiteral("p99_latency"));
    QCOMPARE(detail["limit_ms"].get<double>(), 1.0);
    QVERIFY2(detail["p99_lower_bound_ms"].get<double>() > 1.0, detail.dump().c_str());
    QVERIFY(detail["p99_ms"].get<double>() >= detail["p99_lower_bound_ms"].get<double>());
    QVERIFY(detail["requests"].get<int>() >= 30);
    QVERIFY2(sent < kMaxRequests, "the guard never acted");
    // The same instance, back on fixture-echo.
    const auto after = postJson(client, "/api/v1/ia/predict", body);
    QCOMPARE(bodyOf(after)["version"].get<int>(), 1);
    qInfo("p99 rule: rolled back after %d requests (%d on fixture-slow): %s", sent + 1, onSlow,
          detail.dump().c_str());
}

// Credit-risk version 2 on traffic where it declines what version 1 approves (or the other way
// round), found by asking both versions about seeded random applications: the candidate's share
// of that label differs from the stable version's by far more than the limit.
void TestRolloutGuard::candidateThatDeclinesWhatStableApprovesIsRolledBackByLabelShift() {
    QVERIFY(startServer(true).isOk());
    auto keys = security::ApiKeyStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    auto token = [&](std::uint8_t scopes) {
        security::ApiKeySpec spec;
        spec.name = "guard-test";
        spec.scopes = scopes;
        auto issued = (*keys)->create(spec);
        return issued.isOk() ? issued->token : std::string();
    };
    m_adminToken =
        token(static_cast<std::uint8_t>(Scope::Admin) | static_cast<std::uint8_t>(Scope::Metrics) |
              static_cast<std::uint8_t>(Scope::Predict));
    QVERIFY(!m_adminToken.empty());

    // Where the two versions disagree: v1 routes to version 1, v2 to version 2.
    const auto meta = readModelJson(kDemoModels / "credit-risk", 2);
    QVERIFY(meta.isOk());
    const Json candidates = randomApplications(*meta, 256);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    std::map<std::string, Json> disagreements;  // version 1's label -> instances
    for (std::size_t from = 0; from < candidates.size(); from += 32) {
        Json batch = Json::array();
        for (std::size_t i = from; i < from + 32; ++i)
            batch.push_back(candidates[i]);
        const std::string body = Json{{"model", "credit-risk"}, {"instances", batch}}.dump();
        const auto one = postJson(client, "/api/v1/ia/predict", body, bearer(m_adminToken));
        const auto two = postJson(client, "/api/v2/ia/predict", body, bearer(m_adminToken));
        QVERIFY2(one.status == 200 && two.status == 200, qPrintable(describe(one)));
        const Json byOne = bodyOf(one)["predictions"];
        const Json byTwo = bodyOf(two)["predictions"];
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (byOne[i]["label"] != byTwo[i]["label"])
                disagreements[byOne[i]["label"].get<std::string>()].push_back(batch[i]);
        }
    }
    QVERIFY2(!disagreements.empty(), "versions 1 and 2 agree on every application tried");
    const auto& [stableLabel, traffic] = *std::max_element(
        disagreements.begin(), disagreements.end(),
        [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });

    // Half of 20 clients on version 2, each client keeping its side (sticky by credential).
    std::vector<std::string> clients;
    for (int i = 0; i < 20; ++i)
        clients.push_back(token(static_cast<std::uint8_t>(Scope::Predict)));
    const Json canary{
        {"action", "canary"},
        {"candidate", 2},
        {"steps", {0.5}},
        {"guard", {{"max_label_shift", 0.2}, {"max_error_rate", 0.05}, {"min_requests", 30}}}};
    const auto started = admin("POST", "/api/v1/admin/rollouts/v1/credit-risk", canary.dump());
    QVERIFY2(started.status == 200, qPrintable(describe(started)));

    int sent = 0;
    Json current;
    for (; sent < kMaxRequests; ++sent) {
        const Json instance = traffic[static_cast<std::size_t>(sent) % traffic.size()];
        const std::string body =
            Json{{"model", "credit-risk"}, {"instances", Json::array({instance})}}.dump();
        const auto answer =
            postJson(client, "/api/v1/ia/predict", body,
                     bearer(clients[static_cast<std::size_t>(sent) % clients.size()]));
        QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
        std::this_thread::sleep_for(kPause);
        if (sent % 10 == 9 && (current = route("v1", "credit-risk"))["mode"] == "pinned")
            break;
    }
    current = waitUntilPinned("v1", "credit-risk");
    QVERIFY2(current["mode"] == "pinned", current.dump().c_str());
    QCOMPARE(current["stable"].get<int>(), 1);
    QCOMPARE(current["weight"].get<double>(), 0.0);
    const Json& event = current["last_event"];
    QCOMPARE(stringAt(event, "kind"), QStringLiteral("auto_rolled_back"));
    const Json& detail = event["detail"];
    QCOMPARE(stringAt(detail, "rule"), QStringLiteral("label_shift"));
    QCOMPARE(detail["limit"].get<double>(), 0.2);
    QVERIFY(detail["candidate_successes"].get<int>() >= 30);
    QVERIFY(detail["stable_successes"].get<int>() >= 30);
    const double shift =
        detail["candidate_share"].get<double>() - detail["stable_share"].get<double>();
    QVERIFY2(std::abs(shift) > 0.2, detail.dump().c_str());
    // The interval backs it: wholly beyond the limit on one side.
    QVERIFY(detail["difference_ci"][0].get<double>() > 0.2 ||
            detail["difference_ci"][1].get<double>() < -0.2);
    QVERIFY2(sent < kMaxRequests, "the guard never acted");
    qInfo(
        "label-shift rule: %zu disagreeing applications (version 1 says %s), rolled back after "
        "%d requests: %s",
        traffic.size(), stableLabel.c_str(), sent + 1, detail.dump().c_str());
}

// Eight clients send as fast as they can to a canary of credit-risk 3 on loans it fails (60 to
// 120 months). The guard's timer is set to a minute, so only its outcome count can act in time;
// the candidate must answer no more requests than docs/rollout.md's bound, however fast they come.
void TestRolloutGuard::brokenCandidateUnderAnUnpacedBurstIsRolledBackWithinTheBound() {
    constexpr int kMinRequests = 40;
    constexpr int kEvery = 10;
    constexpr int kClients = 8;
    // min_requests + 2 x guard_every_outcomes + the requests in flight (one per client).
    constexpr int kBound = kMinRequests + 2 * kEvery + kClients;
    QVERIFY(startServer(false, {.guardInterval = 60s, .guardEveryOutcomes = kEvery}).isOk());
    const auto loaded = admin("POST", "/api/v1/admin/models/credit-risk/versions/3/load");
    QVERIFY2(loaded.status == 200, qPrintable(describe(loaded)));

    auto meta = readModelJson(kDemoModels / "credit-risk", 1);
    QVERIFY(meta.isOk());
    Json longLoan = (*meta)["smoke"][0]["instance"];
    longLoan["loan_term_months"] = 84;
    const std::string body =
        Json{{"model", "credit-risk"}, {"instances", Json::array({longLoan})}}.dump();
    // With security off every client is the one loopback address: weight 1 sends all of them.
    const Json canary{
        {"action", "canary"},
        {"candidate", 3},
        {"steps", {1.0}},
        {"guard",
         {{"max_error_rate", 0.05}, {"max_label_shift", 0}, {"min_requests", kMinRequests}}}};
    const auto started = admin("POST", "/api/v1/admin/rollouts/v2/credit-risk", canary.dump());
    QVERIFY2(started.status == 200, qPrintable(describe(started)));

    std::atomic<int> onCandidate{0};  // 500 model_error: version 3 answered
    std::atomic<int> onStable{0};
    std::atomic<int> sent{0};
    std::mutex unexpectedMutex;
    std::string unexpected;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            HttpTestClient client(std::string(kLoopback), m_server->port());
            // Until every client has seen the stable version for a while, or long past any bound.
            while (onStable.load() < 20 * kClients && sent.fetch_add(1) < kMaxRequests) {
                const auto answer = postJson(client, "/api/v2/ia/predict", body);
                const Json json = bodyOf(answer);
                if (answer.status == 500 && errorCodeOf(answer) == QStringLiteral("model_error")) {
                    ++onCandidate;
                } else if (answer.status == 200 && json.is_object() &&
                           json.value("version", 0) == 2) {
                    ++onStable;
                } else {
                    std::lock_guard lock(unexpectedMutex);
                    if (unexpected.empty())
                        unexpected = describe(answer).toStdString();
                }
            }
        });
    }
    for (auto& t : clients)
        t.join();
    QVERIFY2(unexpected.empty(), unexpected.c_str());

    const Json current = waitUntilPinned("v2", "credit-risk");
    QVERIFY2(current["mode"] == "pinned", current.dump().c_str());
    QCOMPARE(current["stable"].get<int>(), 2);
    const Json& event = current["last_event"];
    QCOMPARE(stringAt(event, "kind"), QStringLiteral("auto_rolled_back"));
    QCOMPARE(stringAt(event["detail"], "rule"), QStringLiteral("error_rate"));
    const int judged = event["detail"]["requests"].get<int>();
    QVERIFY2(judged >= kMinRequests && judged <= kBound, event.dump().c_str());
    QVERIFY2(onCandidate.load() >= kMinRequests, qPrintable(QString::number(onCandidate.load())));
    QVERIFY2(onCandidate.load() <= kBound,
             qPrintable(QStringLiteral("version 3 answered %1 requests, bound %2")
                            .arg(onCandidate.load())
                            .arg(kBound)));
    QVERIFY2(onStable.load() >= 20 * kClients, "the burst never reached the stable version");
    qInfo(
        "unpaced burst, %d clients: version 3 answered %d requests (bound %d), judged on %d; "
        "%lld held back for the guard; %d requests in all",
        kClients, onCandidate.load(), kBound, judged,
        static_cast<long long>(current["stats"]["held_back"].get<std::int64_t>()),
        onCandidate.load() + onStable.load());
}

QTEST_GUILESS_MAIN(TestRolloutGuard)
#include "tst_rollout_guard.moc"
