// Every change to models and routes made through the admin API lands in the audit trail
// (docs/security.md "Audit trail"), read back over HTTP from GET /api/v1/admin/audit: who (the
// admin key), what, on which version or route, with what weights, from which address. A refused
// action records nothing.

#include <QTest>
#include <filesystem>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"
#include "security/ScopeNames.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kDemoModels = ATALAYA_DEMO_MODELS;
const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;

struct Expected {
    std::string action;
    std::string target;
};

}  // namespace

class TestRolloutAudit : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void everyModelAndRolloutChangeIsAudited();

private:
    HttpTestResponse call(std::string_view method, std::string_view target,
                          std::string_view body = {}) const;
    std::string issueKey(std::uint8_t scopes, std::string* id = nullptr);

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<security::ApiKeyStore> m_keys;
    std::string m_token;
};

void TestRolloutAudit::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kDemoModels, "credit-risk").isOk());
    QVERIFY(m_repository->link(kFixtures, "fixture-echo").isOk());
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    auto keys = security::ApiKeyStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    m_keys = std::move(keys).value();
}

void TestRolloutAudit::cleanupTestCase() {
    m_server.reset();
}

std::string TestRolloutAudit::issueKey(std::uint8_t scopes, std::string* id) {
    security::ApiKeySpec spec;
    spec.name = "operator";
    spec.scopes = scopes;
    auto issued = m_keys->create(spec);
    if (!issued.isOk())
        return {};
    if (id != nullptr)
        *id = issued->info.id;
    return issued->token;
}

HttpTestResponse TestRolloutAudit::call(std::string_view method, std::string_view target,
                                        std::string_view body) const {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    HeaderList headers = jsonContentType();
    headers.emplace_back("Authorization", "Bearer " + m_token);
    return client.request(method, target, body, headers, kModelLoadTimeout);
}

void TestRolloutAudit::everyModelAndRolloutChangeIsAudited() {
    std::string keyId;
    m_token = issueKey(static_cast<std::uint8_t>(Scope::Admin), &keyId);
    QVERIFY(!m_token.empty());
    const std::string v2 = "/api/v1/admin/rollouts/v2/credit-risk";
    const std::string versions = "/api/v1/admin/models/credit-risk/versions/";
    // Empty when the change was answered 200, else the answer: QCOMPARE then prints it.
    auto change = [this](std::string_view target, std::string_view body = {}) {
        const auto response = call("POST", target, body);
        return response.status == 200 ? QString() : describe(response);
    };
    // Nothing the server did at start-up (loading every version) is an operator's change.
    const Json before = bodyOf(call("GET", "/api/v1/admin/audit"));
    QVERIFY2(before["entries"].empty(), before.dump().c_str());

    QCOMPARE(change(versions + "3/load"), QString());
    QCOMPARE(change(v2, Json{{"action", "canary"},
                             {"candidate", 3},
                             {"steps", {0.1, 1.0}},
                             {"guard", {{"max_error_rate", 0.5}, {"min_requests", 1000}}}}
                            .dump()),
             QString());
    QCOMPARE(change(v2, R"({"action":"set_weight","weight":0.4})"), QString());
    QCOMPARE(change(v2, R"({"action":"promote"})"), QString());
    QCOMPARE(change(versions + "3/default"), QString());
    QCOMPARE(change(versions + "2/unload"), QString());
    QCOMPARE(change("/v2/repository/models/fixture-echo/unload"), QString());
    QCOMPARE(change("/v2/repository/models/fixture-echo/load"), QString());
    // Refusals change nothing and record nothing: no rollout to roll back, a version that is
    // served, and a caller without the admin scope.
    QCOMPARE(call("POST", v2, R"({"action":"rollback"})").status, 400);
    QCOMPARE(call("POST", versions + "1/unload").status, 400);
    const std::string adminToken = m_token;
    m_token = issueKey(static_cast<std::uint8_t>(Scope::Predict));
    QCOMPARE(call("POST", v2, R"({"action":"pin","version":1})").status, 403);
    m_token = adminToken;

    const auto audit = call("GET", "/api/v1/admin/audit?limit=50");
    QVERIFY2(audit.status == 200, qPrintable(describe(audit)));
    const Json entries = bodyOf(audit)["entries"];
    const std::vector<Expected> expected{
        // newest first
        {"model.load", "fixture-echo:1"},      {"model.unload", "fixture-echo:1"},
        {"model.unload", "credit-risk:2"},     {"model.default", "credit-risk:3"},
        {"rollout.promote", "v2/credit-risk"}, {"rollout.weight", "v2/credit-risk"},
        {"rollout.canary", "v2/credit-risk"},  {"model.load", "credit-risk:3"},
    };
    QVERIFY2(entries.size() == expected.size(), entries.dump(1).c_str());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const Json& entry = entries[i];
        QCOMPARE(stringAt(entry, "action"), qstr(expected[i].action));
        QCOMPARE(stringAt(entry, "target"), qstr(expected[i].target));
        QCOMPARE(stringAt(entry, "actor"), qstr("key:" + keyId));
        QCOMPARE(stringAt(entry, "address"), QStringLiteral("127.0.0.1"));
        QVERIFY(entry["time_unix_ms"].get<std::int64_t>() > 0);
        QVERIFY(entry["detail"].is_object());
    }
    // The details: what was loaded and passed validation, the weights and guard of the canary,
    // the versions a promotion moved between.
    const Json& loaded = entries[7]["detail"];
    QVERIFY2(loaded["smoke_passed"].get<int>() > 0, loaded.dump().c_str());
    QCOMPARE(loaded["to_version"].get<int>(), 3);
    const Json& canary = entries[6]["detail"];
    QCOMPARE(canary["weight"].get<double>(), 0.1);
    QCOMPARE(canary["from_version"].get<int>(), 2);
    QCOMPARE(canary["to_version"].get<int>(), 3);
    QCOMPARE(dumped(canary["steps"]), QStringLiteral("[0.1,1.0]"));
    QCOMPARE(canary["guard"]["min_requests"].get<int>(), 1000);
    QCOMPARE(entries[5]["detail"]["weight"].get<double>(), 0.4);
    QCOMPARE(stringAt(entries[5]["detail"], "action"), QStringLiteral("set_weight"));
    const Json& promoted = entries[4]["detail"];
    QCOMPARE(stringAt(promoted, "mode"), QStringLiteral("pinned"));
    QCOMPARE(promoted["from_version"].get<int>(), 2);
    QCOMPARE(promoted["to_version"].get<int>(), 3);
    QCOMPARE(entries[2]["detail"]["from_version"].get<int>(), 2);
}

QTEST_GUILESS_MAIN(TestRolloutAudit)
#include "tst_rollout_audit.moc"
