// Rollout on the real server with the real credit-risk versions: a reload under load loses no
// request, a canary splits clients by its weight and keeps each on its side, a shadow never
// changes an answer, the broken version 3 is rolled back on its own, validation refuses a
// broken model, and a restart resumes the routing.

#include <QTest>
#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"
#include "security/ScopeNames.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kDemoModels = ATALAYA_DEMO_MODELS;
const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;

// The smoke examples of a credit-risk version: instances it answers with known labels.
Json smokeInstances(std::int64_t version) {
    auto meta = readModelJson(kDemoModels / "credit-risk", version);
    Json instances = Json::array();
    if (meta.isOk()) {
        for (const auto& example : (*meta)["smoke"])
            instances.push_back(example["instance"]);
    }
    return instances;
}

std::string predictBody(const Json& instances) {
    return Json{{"model", "credit-risk"}, {"instances", instances}}.dump();
}

HeaderList withAuth(const std::string& token) {
    HeaderList headers = jsonContentType();
    if (!token.empty())
        headers.emplace_back("Authorization", "Bearer " + token);
    return headers;
}

}  // namespace

class TestRolloutApi : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void versionThreeWaitsOnDiskUntilLoaded();
    void reloadUnderLoadLosesNoRequest();
    void canarySplitsClientsByWeightAndSticks();
    void shadowNeverChangesTheAnswer();
    void shadowComparisonComesFromTheLog();
    void brokenCandidateIsRolledBackAutomatically();
    void validationRefusesABrokenModel();
    void restartResumesRouting();
    void restartKeepsTheDefaultVersion();
    void restartReloadsTheVersionsItsRoutesUse();
    void repositoryExtensionListsLoadsAndUnloads();
    void deprecatedRouteCarriesHeaders();

private:
    HttpTestResponse action(const std::string& api, const Json& body,
                            const std::string& token = {});
    HttpTestResponse admin(std::string_view method, std::string_view target,
                           std::string_view body = {}, const std::string& token = {});
    Json route(const std::string& api);
    int unversionedServingVersion();
    int defaultVersion();
    Status startServer(bool security, const std::filesystem::path& dataDir = {});

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    QTemporaryDir m_dataDir;
};

void TestRolloutApi::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kDemoModels, "credit-risk").isOk());
    QVERIFY(m_repository->link(kFixtures, "fixture-echo").isOk());
}

void TestRolloutApi::cleanup() {
    m_server.reset();
}

Status TestRolloutApi::startServer(bool security, const std::filesystem::path& dataDir) {
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = security;
    config.security.ipRate = {};  // one loopback address plays many clients here
    config.security.clientRate = {};
    config.security.authFailures = {};
    if (!dataDir.empty())
        config.dataDir = dataDir;
    ATALAYA_ASSIGN_OR_RETURN(m_server, startReadyServer(config));
    return Status::ok();
}

HttpTestResponse TestRolloutApi::admin(std::string_view method, std::string_view target,
                                       std::string_view body, const std::string& token) {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    return client.request(method, target, body, withAuth(token), kModelLoadTimeout);
}

HttpTestResponse TestRolloutApi::action(const std::string& api, const Json& body,
                                        const std::string& token) {
    return admin("POST", "/api/v1/admin/rollouts/" + api + "/credit-risk", body.dump(), token);
}

Json TestRolloutApi::route(const std::string& api) {
    const Json all = bodyOf(admin("GET", "/api/v1/admin/rollouts"));
    for (const auto& r : all.value("routes", Json::array())) {
        if (r["api"] == api && r["model"] == "credit-risk")
            return r;
    }
    return {};
}

void TestRolloutApi::versionThreeWaitsOnDiskUntilLoaded() {
    QVERIFY(startServer(false).isOk());
    // Readiness ignores it: it is UNLOADED on purpose.
    const Json models = bodyOf(admin("GET", "/api/v1/admin/models"));
    bool found = false;
    for (const auto& model : models["models"]) {
        if (model["name"] != "credit-risk")
            continue;
        for (const auto& v : model["versions"]) {
            if (v["version"] == 3) {
                found = true;
                QCOMPARE(stringAt(v, "state"), QStringLiteral("UNLOADED"));
            }
        }
        QCOMPARE(model["default_version"].get<int>(), 2);
    }
    QVERIFY2(found, models.dump().c_str());
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto pinned = postJson(client, "/v2/models/credit-risk/versions/3/infer",
                                 std::string(R"({"inputs":[]})"));
    QCOMPARE(pinned.status, 503);
    // Loading it validates it (smoke set) and records who did it; the default stays 2.
    const auto loaded = admin("POST", "/api/v1/admin/models/credit-risk/versions/3/load");
    QVERIFY2(loaded.status == 200, qPrintable(describe(loaded)));
    QCOMPARE(stringAt(bodyOf(loaded), "state"), QStringLiteral("READY"));
    QVERIFY(bodyOf(loaded)["smoke"]["passed"].get<int>() > 0);
    const Json after = bodyOf(admin("GET", "/api/v1/admin/models"));
    for (const auto& model : after["models"]) {
        if (model["name"] == "credit-risk")
            QCOMPARE(model["default_version"].get<int>(), 2);
    }
    const Json events = bodyOf(admin("GET", "/api/v1/admin/rollouts/events?limit=5"));
    QCOMPARE(stringAt(events["events"][0], "kind"), QStringLiteral("loaded"));
    QCOMPARE(stringAt(events["events"][0], "actor"), QStringLiteral("anonymous"));
}

void TestRolloutApi::reloadUnderLoadLosesNoRequest() {
    QVERIFY(startServer(false).isOk());
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::string firstFailure;
    std::mutex failureMutex;
    const std::string body = predictBody(smokeInstances(2));
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            HttpTestClient client(std::string(kLoopback), m_server->port());
            const std::string api = c % 2 == 0 ? "/api/v2/ia/predict" : "/api/v1/ia/predict";
            while (!stop.load()) {
                const auto response = postJson(client, api, body);
                if (response.status == 200) {
                    ++ok;
                } else {
                    ++failed;
                    std::lock_guard lock(failureMutex);
                    if (firstFailure.empty())
                        firstFailure = describe(response).toStdString();
                }
            }
        });
    }
    // Both serving versions are reloaded while four clients keep them busy.
    for (int version : {2, 1, 2}) {
        const auto reloaded = admin("POST", "/api/v1/admin/models/credit-risk/versions/" +
                                                std::to_string(version) + "/load");
        QVERIFY2(reloaded.status == 200, qPrintable(describe(reloaded)));
    }
    stop = true;
    for (auto& t : clients)
        t.join();
    QVERIFY2(failed.load() == 0, firstFailure.c_str());
    QVERIFY(ok.load() > 0);
    qInfo("%d requests answered across 3 reloads, none failed", ok.load());
}

void TestRolloutApi::canarySplitsClientsByWeightAndSticks() {
    QVERIFY(startServer(true).isOk());
    auto keys = security::ApiKeyStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    auto token = [&](std::uint8_t scopes) {
        security::ApiKeySpec spec;
        spec.name = "client";
        spec.scopes = scopes;
        auto issued = (*keys)->create(spec);
        return issued.isOk() ? issued->token : std::string();
    };
    const std::string admin =
        token(static_cast<std::uint8_t>(Scope::Admin) | static_cast<std::uint8_t>(Scope::Metrics));
    const auto started =
        action("v1", {{"action", "canary"}, {"candidate", 2}, {"steps", {0.25, 0.5, 1.0}}}, admin);
    QVERIFY2(started.status == 200, qPrintable(describe(started)));
    QCOMPARE(bodyOf(started)["weight"].get<double>(), 0.25);

    constexpr int kClients = 200;
    const std::string body = predictBody(Json::array({smokeInstances(1)[0]}));
    std::vector<std::string> clients;
    std::vector<int> firstVersion;
    int onCandidate = 0;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(token(static_cast<std::uint8_t>(Scope::Predict)));
        HttpTestClient client(std::string(kLoopback), m_server->port());
        const auto answer = postJson(client, "/api/v1/ia/predict", body,
                                     {{"Authorization", "Bearer " + clients.back()}});
        QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
        firstVersion.push_back(bodyOf(answer)["version"].get<int>());
        onCandidate += firstVersion.back() == 2 ? 1 : 0;
    }
    // Binomial(200, 0.25): mean 50, sd 6.1; 4 sd either side.
    QVERIFY2(onCandidate >= 25 && onCandidate <= 75, qPrintable(QString::number(onCandidate)));
    // Sticky: every client sees its version again, and clients on the candidate stay there
    // when the weight grows.
    const auto stepped = action("v1", {{"action", "step"}}, admin);
    QCOMPARE(bodyOf(stepped)["weight"].get<double>(), 0.5);
    int nowOnCandidate = 0;
    for (int i = 0; i < kClients; ++i) {
        HttpTestClient client(std::string(kLoopback), m_server->port());
        const auto answer = postJson(client, "/api/v1/ia/predict", body,
                                     {{"Authorization", "Bearer " + clients[i]}});
        const int version = bodyOf(answer)["version"].get<int>();
        if (firstVersion[i] == 2)
            QCOMPARE(version, 2);
        nowOnCandidate += version == 2 ? 1 : 0;
    }
    QVERIFY2(nowOnCandidate >= 70 && nowOnCandidate <= 130,
             qPrintable(QString::number(nowOnCandidate)));
    qInfo("canary: %d/200 clients at weight 0.25, %d/200 at 0.5", onCandidate, nowOnCandidate);
    // Promote: everyone on version 2, and the event names the key that did it.
    const auto promoted = action("v1", {{"action", "promote"}}, admin);
    QCOMPARE(stringAt(bodyOf(promoted), "mode"), QStringLiteral("pinned"));
    QCOMPARE(bodyOf(promoted)["stable"].get<int>(), 2);
    QVERIFY(stringAt(bodyOf(promoted)["last_event"], "actor").startsWith(QStringLiteral("key:")));
    // A predict-only credential may not steer traffic.
    QCOMPARE(action("v1", {{"action", "rollback"}}, clients[0]).status, 403);
}

void TestRolloutApi::shadowNeverChangesTheAnswer() {
    QVERIFY(startServer(false).isOk());
    const Json instances = smokeInstances(1);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto before = postJson(client, "/api/v1/ia/predict", predictBody(instances));
    QCOMPARE(before.status, 200);
    const auto shadowed = action("v1", {{"action", "shadow"}, {"candidate", 2}});
    QVERIFY2(shadowed.status == 200, qPrintable(describe(shadowed)));
    for (int i = 0; i < 30; ++i) {
        const auto during = postJson(client, "/api/v1/ia/predict", predictBody(instances));
        QCOMPARE(during.status, 200);
        QCOMPARE(bodyOf(during)["version"].get<int>(), 1);
        QCOMPARE(dumped(bodyOf(during)["predictions"]), dumped(bodyOf(before)["predictions"]));
    }
    // The shadow's answers were compared with the client's, off the request path.
    Json stats;
    for (int attempt = 0; attempt < 100; ++attempt) {
        stats = route("v1")["stats"];
        if (stats["shadow"]["compared"].get<int>() >= 30)
            break;
        std::this_thread::sleep_for(50ms);
    }
    QCOMPARE(stats["shadow"]["compared"].get<int>(), 30);
    QVERIFY(stats["shadow"]["agreement"].is_number());
    QCOMPARE(stats["candidate"]["requests"].get<int>(), 30);
    QCOMPARE(stats["stable"]["requests"].get<int>(), 30);
}

// GET /api/v1/stats/shadow pairs the log's shadow rows with their clients' rows: the same
// agreement the in-memory scoreboard counted, the latency of both versions, and it outlives a
// restart, which starts the scoreboard afresh.
void TestRolloutApi::shadowComparisonComesFromTheLog() {
    const auto dataDir = std::filesystem::path(m_dataDir.path().toStdString()) / "shadow-log";
    QVERIFY(startServer(false, dataDir).isOk());
    QCOMPARE(action("v1", {{"action", "shadow"}, {"candidate", 2}}).status, 200);
    Json traffic = smokeInstances(1);
    for (const auto& instance : smokeInstances(2))
        traffic.push_back(instance);
    constexpr int kRequests = 24;
    HttpTestClient client(std::string(kLoopback), m_server->port());
    for (int i = 0; i < kRequests; ++i) {
        const Json one = Json::array({traffic[static_cast<std::size_t>(i) % traffic.size()]});
        QCOMPARE(postJson(client, "/api/v1/ia/predict", predictBody(one)).status, 200);
    }
    const std::string target = "/api/v1/stats/shadow?model=credit-risk&api_version=v1&version=2";
    auto fromLog = [&] {
        Json pairs;
        for (int attempt = 0; attempt < 100; ++attempt) {
            pairs = bodyOf(admin("GET", target))["pairs"];
            if (pairs.size() == 1 && pairs[0]["compared"] == kRequests)
                break;
            std::this_thread::sleep_for(50ms);  // the log commits every 200 ms
        }
        return pairs;
    };
    Json memory;
    for (int attempt = 0; attempt < 100; ++attempt) {
        memory = route("v1")["stats"]["shadow"];
        if (memory["compared"] == kRequests)
            break;
        std::this_thread::sleep_for(50ms);
    }
    const Json pairs = fromLog();
    QVERIFY2(pairs.size() == 1, pairs.dump().c_str());
    const Json& pair = pairs[0];
    QCOMPARE(pair["compared"].get<int>(), kRequests);
    QCOMPARE(pair["stable_version"].get<int>(), 1);
    QCOMPARE(pair["candidate_version"].get<int>(), 2);
    QCOMPARE(pair["candidate_errors"].get<int>(), 0);
    QCOMPARE(memory["compared"].get<int>(), kRequests);
    QCOMPARE(pair["agreement"].get<double>(), memory["agreement"].get<double>());
    QVERIFY(std::abs(pair["mean_abs_score_diff"].get<double>() -
                     memory["mean_abs_score_diff"].get<double>()) < 1e-6);
    const double low = pair["agreement_ci"][0].get<double>();
    const double high = pair["agreement_ci"][1].get<double>();
    QVERIFY(low <= pair["agreement"].get<double>() && pair["agreement"].get<double>() <= high);
    for (const char* side : {"stable_latency", "candidate_latency"}) {
        const Json& latency = pair[side];
        QVERIFY2(latency["p50_ms"].get<double>() > 0 &&
                     latency["p50_ms"].get<double>() <= latency["p99_ms"].get<double>(),
                 latency.dump().c_str());
    }
    // Unknown model: 404, like the other stats routes; a typo in a parameter: 400.
    QCOMPARE(admin("GET", "/api/v1/stats/shadow?model=nope").status, 404);
    QCOMPARE(admin("GET", "/api/v1/stats/shadow?model=credit-risk&api=v1").status, 400);

    m_server.reset();
    QVERIFY(startServer(false, dataDir).isOk());
    QCOMPARE(route("v1")["stats"]["shadow"]["compared"].get<int>(), 0);
    QCOMPARE(fromLog()[0]["compared"].get<int>(), kRequests);
    qInfo("shadow from the log: %s", pair.dump().c_str());
}

void TestRolloutApi::brokenCandidateIsRolledBackAutomatically() {
    QVERIFY(startServer(false).isOk());
    QCOMPARE(admin("POST", "/api/v1/admin/models/credit-risk/versions/3/load").status, 200);
    // Every request of this one address goes to the candidate (weight 1), so the bound on
    // requests before the rollback is exact.
    const auto started =
        action("v2", {{"action", "canary"},
                      {"candidate", 3},
                      {"steps", {1.0}},
                      {"guard", {{"max_error_rate", 0.05}, {"min_requests", 40}}}});
    QVERIFY2(started.status == 200, qPrintable(describe(started)));
    // Realistic applications: the smoke sets of versions 1 and 2 hold long loans too.
    Json traffic = smokeInstances(1);
    for (const auto& instance : smokeInstances(2))
        traffic.push_back(instance);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    int sent = 0;
    int failures = 0;
    Json current;
    for (; sent < 400; ++sent) {
        const Json one = Json::array({traffic[sent % traffic.size()]});
        const auto answer = postJson(client, "/api/v2/ia/predict", predictBody(one));
        failures += answer.status == 200 ? 0 : 1;
        if (sent % 10 == 9) {
            current = route("v2");
            if (current["mode"] == "pinned")
                break;
        }
    }
    // The guard runs on its own thread; on a loaded machine the client can outrun it, so give
    // it a bounded while to act on the numbers it already has.
    for (int attempt = 0; attempt < 200 && current["mode"] != "pinned"; ++attempt) {
        std::this_thread::sleep_for(50ms);
        current = route("v2");
    }
    QVERIFY2(current["mode"] == "pinned", current.dump().c_str());
    QCOMPARE(current["stable"].get<int>(), 2);
    QVERIFY(current["candidate"].is_null());
    const Json& event = current["last_event"];
    QCOMPARE(stringAt(event, "kind"), QStringLiteral("auto_rolled_back"));
    QCOMPARE(stringAt(event, "actor"), QStringLiteral("guard"));
    QCOMPARE(stringAt(event["detail"], "rule"), QStringLiteral("error_rate"));
    QVERIFY(event["detail"]["requests"].get<int>() >= 40);
    qInfo("rolled back after %d requests (%d failed on version 3): %s", sent + 1, failures,
          event["detail"].dump().c_str());
    // The audit trail has it too, as the guard's own change, with the numbers that tripped it.
    // The routing changes first and the audit row is written right after it, so a guard that
    // acts within a few requests can be seen pinned before its row is there: wait for it.
    Json audit = bodyOf(admin("GET", "/api/v1/admin/audit?limit=1"))["entries"][0];
    for (int attempt = 0; attempt < 100 && (!audit.is_object() ||
                                            audit.value("action", "") != "rollout.auto_rollback");
         ++attempt) {
        std::this_thread::sleep_for(50ms);
        audit = bodyOf(admin("GET", "/api/v1/admin/audit?limit=1"))["entries"][0];
    }
    QCOMPARE(stringAt(audit, "action"), QStringLiteral("rollout.auto_rollback"));
    QCOMPARE(stringAt(audit, "actor"), QStringLiteral("guard"));
    QCOMPARE(stringAt(audit, "address"), QStringLiteral("server"));
    QCOMPARE(stringAt(audit, "target"), QStringLiteral("v2/credit-risk"));
    QCOMPARE(stringAt(audit["detail"], "rule"), QStringLiteral("error_rate"));
    QCOMPARE(dumped(audit["detail"]["requests"]), dumped(event["detail"]["requests"]));
    QCOMPARE(audit["detail"]["from_version"].get<int>(), 3);
    // Traffic is back on version 2.
    const auto after = postJson(client, "/api/v2/ia/predict", predictBody(traffic));
    QCOMPARE(after.status, 200);
    QCOMPARE(bodyOf(after)["version"].get<int>(), 2);
}

void TestRolloutApi::validationRefusesABrokenModel() {
    QVERIFY(startServer(false).isOk());
    // A model folder that appears while serving is seen on request; a wrong output shape is
    // refused at validation and nothing that served changes.
    QVERIFY(m_repository->link(kFixtures, "fixture-wrong-shape").isOk());
    const auto refused = admin("POST", "/api/v1/admin/models/fixture-wrong-shape/versions/1/load");
    std::filesystem::remove(m_repository->root() / "fixture-wrong-shape");
    QCOMPARE(refused.status, 400);
    QVERIFY2(errorBodyProblem(refused).isEmpty(), qPrintable(errorBodyProblem(refused)));
    // An unknown version directory is a 404, a version in use cannot be unloaded.
    QCOMPARE(admin("POST", "/api/v1/admin/models/credit-risk/versions/9/load").status, 404);
    const auto inUse = admin("POST", "/api/v1/admin/models/credit-risk/versions/1/unload");
    QCOMPARE(inUse.status, 400);
    QCOMPARE(errorCodeOf(inUse), QStringLiteral("version_in_use"));
    // A canary with a candidate that is not loaded is refused.
    const auto notReady = action("v1", {{"action", "canary"}, {"candidate", 3}});
    QCOMPARE(notReady.status, 503);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    QCOMPARE(postJson(client, "/api/v1/ia/predict", predictBody(smokeInstances(1))).status, 200);
    const Json events = bodyOf(admin("GET", "/api/v1/admin/rollouts/events"));
    QCOMPARE(stringAt(events["events"][0], "kind"), QStringLiteral("load_failed"));
}

void TestRolloutApi::restartResumesRouting() {
    const auto dataDir = std::filesystem::path(m_dataDir.path().toStdString()) / "restart";
    QVERIFY(startServer(false, dataDir).isOk());
    const auto started =
        action("v1", {{"action", "canary"}, {"candidate", 2}, {"steps", {0.3, 1.0}}});
    QCOMPARE(started.status, 200);
    m_server.reset();
    QVERIFY(startServer(false, dataDir).isOk());
    const Json resumed = route("v1");
    QCOMPARE(stringAt(resumed, "mode"), QStringLiteral("canary"));
    QCOMPARE(resumed["candidate"].get<int>(), 2);
    QCOMPARE(resumed["weight"].get<double>(), 0.3);
    QCOMPARE(stringAt(resumed["last_event"], "kind"), QStringLiteral("canary_started"));
}

// Unversioned traffic (an OIP infer without a version) goes to the model's default version.
int TestRolloutApi::unversionedServingVersion() {
    const auto meta = readModelJson(kDemoModels / "credit-risk", 3);
    if (!meta.isOk())
        return 0;
    const Json& instance = (*meta)["smoke"][0]["instance"];  // a short loan: version 3 answers it
    Json data = Json::array();
    for (const auto& feature : (*meta)["inputs"][0]["features"])
        data.push_back(instance[feature["name"].get<std::string>()]);
    const Json body{
        {"inputs",
         {{{"name", "features"}, {"datatype", "FP32"}, {"shape", {1, 10}}, {"data", data}}}}};
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto answer = postJson(client, "/v2/models/credit-risk/infer", body);
    if (answer.status != 200)
        qWarning("%s", qPrintable(describe(answer)));
    const std::string version = bodyOf(answer).value("model_version", std::string("0"));
    return std::stoi(version);
}

int TestRolloutApi::defaultVersion() {
    const Json models = bodyOf(admin("GET", "/api/v1/admin/models"));
    for (const auto& model : models["models"]) {
        if (model["name"] == "credit-risk" && model["default_version"].is_number())
            return model["default_version"].get<int>();
    }
    return 0;
}

// A default set through the admin API outlives a restart, even for version 3, which its
// model.json keeps on disk at start ("autoload": false): the restart loads it again.
void TestRolloutApi::restartKeepsTheDefaultVersion() {
    const auto dataDir = std::filesystem::path(m_dataDir.path().toStdString()) / "default";
    QVERIFY(startServer(false, dataDir).isOk());
    QCOMPARE(unversionedServingVersion(), 2);  // the highest READY one
    QCOMPARE(admin("POST", "/api/v1/admin/models/credit-risk/versions/3/load").status, 200);
    QCOMPARE(unversionedServingVersion(), 2);  // a hot load does not move unversioned traffic
    const auto set = admin("POST", "/api/v1/admin/models/credit-risk/versions/3/default");
    QVERIFY2(set.status == 200, qPrintable(describe(set)));
    QCOMPARE(unversionedServingVersion(), 3);

    m_server.reset();
    QVERIFY(startServer(false, dataDir).isOk());
    QCOMPARE(defaultVersion(), 3);
    QCOMPARE(unversionedServingVersion(), 3);

    // And a default set back to a version that loads anyway sticks as well.
    QCOMPARE(admin("POST", "/api/v1/admin/models/credit-risk/versions/1/default").status, 200);
    m_server.reset();
    QVERIFY(startServer(false, dataDir).isOk());
    QCOMPARE(defaultVersion(), 1);
    QCOMPARE(unversionedServingVersion(), 1);
}

// A canary on version 3, loaded by hand: after a restart the route still splits, so version 3
// must be READY again rather than UNLOADED as its model.json asks at a fresh start.
void TestRolloutApi::restartReloadsTheVersionsItsRoutesUse() {
    const auto dataDir = std::filesystem::path(m_dataDir.path().toStdString()) / "reload";
    QVERIFY(startServer(false, dataDir).isOk());
    QCOMPARE(admin("POST", "/api/v1/admin/models/credit-risk/versions/3/load").status, 200);
    const auto started = action("v2", {{"action", "canary"}, {"candidate", 3}, {"steps", {1.0}}});
    QVERIFY2(started.status == 200, qPrintable(describe(started)));

    m_server.reset();
    QVERIFY(startServer(false, dataDir).isOk());
    const Json resumed = route("v2");
    QCOMPARE(stringAt(resumed, "mode"), QStringLiteral("canary"));
    QCOMPARE(resumed["candidate"].get<int>(), 3);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto answer =
        postJson(client, "/api/v2/ia/predict", predictBody(Json::array({smokeInstances(3)[0]})));
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    QCOMPARE(bodyOf(answer)["version"].get<int>(), 3);
    QCOMPARE(defaultVersion(), 2);  // kept by the hot load, and persisted with it
}

void TestRolloutApi::repositoryExtensionListsLoadsAndUnloads() {
    QVERIFY(startServer(false).isOk());
    const Json index = bodyOf(admin("POST", "/v2/repository/index"));
    QVERIFY(index.is_array());
    std::set<std::string> seen;
    for (const auto& entry : index)
        seen.insert(entry["name"].get<std::string>() + ":" + entry["version"].get<std::string>());
    QVERIFY(seen.count("credit-risk:3") == 1 && seen.count("fixture-echo:1") == 1);
    QCOMPARE(admin("POST", "/v2/repository/models/fixture-echo/unload").status, 200);
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const std::string echo =
        R"({"inputs":[{"name":"features","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]})";
    QCOMPARE(postJson(client, "/v2/models/fixture-echo/infer", echo).status, 503);
    const auto reloaded = admin("POST", "/v2/repository/models/fixture-echo/load");
    QVERIFY2(reloaded.status == 200, qPrintable(describe(reloaded)));
    QCOMPARE(admin("POST", "/v2/repository/models/no-such-model/load").status, 404);
    QCOMPARE(get(client, "/v2/models/fixture-echo/ready").status, 200);
}

void TestRolloutApi::deprecatedRouteCarriesHeaders() {
    QVERIFY(startServer(false).isOk());
    const auto deprecated =
        action("v1", {{"action", "deprecate"}, {"sunset", "2027-06-30T00:00:00Z"}});
    QVERIFY2(deprecated.status == 200, qPrintable(describe(deprecated)));
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto answer = postJson(client, "/api/v1/ia/predict", predictBody(smokeInstances(1)));
    QCOMPARE(answer.status, 200);
    QVERIFY(answer.header("Deprecation").starts_with("@"));
    QCOMPARE(qstr(answer.header("Sunset")), QStringLiteral("Wed, 30 Jun 2027 00:00:00 GMT"));
    const auto v2 = postJson(client, "/api/v2/ia/predict", predictBody(smokeInstances(1)));
    QVERIFY(v2.header("Deprecation").empty());
}

QTEST_GUILESS_MAIN(TestRolloutApi)
#include "tst_rollout_api.moc"
