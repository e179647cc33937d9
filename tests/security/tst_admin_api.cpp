// The admin API over real HTTP with authentication on: keys and clients created, listed and
// revoked with an admin key, revocation and new limits effective on the next request, usage
// counts, 403 for anyone else, and exactly one audit row per change, with no secret in the
// audit table or in anything the server logged.
#include <QLoggingCategory>
#include <QTest>
#include <mutex>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"
#include "telemetry/SqliteDatabase.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
constexpr std::string_view kBody = R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})";

// Everything the server logs while this suite runs, every level, every thread.
std::mutex g_logMutex;
std::string g_log;

void captureMessage(QtMsgType, const QMessageLogContext&, const QString& message) {
    std::lock_guard lock(g_logMutex);
    g_log += message.toStdString() + "\n";
}

void enableEveryCategory(QLoggingCategory* category) {
    for (const QtMsgType type : {QtDebugMsg, QtInfoMsg, QtWarningMsg, QtCriticalMsg})
        category->setEnabled(type, true);
}

std::string capturedLog() {
    std::lock_guard lock(g_logMutex);
    return g_log;
}

}  // namespace

class TestAdminApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void keysAreCreatedListedAndRevoked();
    void clientsAreRegisteredListedAndRevoked();
    void newKeyLimitsTakeEffect();
    void newClientLimitsTakeEffect();
    void usageCountsRequests();
    void badInputIsRefused_data();
    void badInputIsRefused();
    void onlyAdminsMayAdminister();
    void everyChangeIsAuditedOnce();
    void auditRouteListsNewestFirst();
    void noSecretInAuditOrLog();

private:
    HttpTestResponse call(std::string_view method, std::string_view target,
                          const std::string& bearer, std::string_view body = {});
    HttpTestResponse admin(std::string_view method, std::string_view target,
                           std::string_view body = {}) {
        return call(method, target, m_admin, body);
    }
    Json createKey(const Json& spec);
    Json createClient(const Json& spec);
    std::string accessToken(const Json& client);
    std::int64_t auditRows();

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::string m_admin;
    std::string m_adminId;
    std::vector<std::string> m_secrets;  // every secret handed out, for noSecretInAuditOrLog
};

void TestAdminApi::initTestCase() {
    qInstallMessageHandler(captureMessage);
    QLoggingCategory::installFilter(enableEveryCategory);
    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kFixtures, "fixture-echo").isOk());
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    config.security.authFailures = {};
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    // The first admin key comes from the store, as `atalaya-server keys create` makes it.
    auto keys = security::ApiKeyStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    security::ApiKeySpec spec;
    spec.name = "root";
    spec.scopes = static_cast<std::uint8_t>(Scope::Admin);
    auto issued = (*keys)->create(spec);
    QVERIFY(issued.isOk());
    m_admin = issued->token;
    m_adminId = issued->info.id;
    m_secrets.push_back(m_admin);
}

void TestAdminApi::cleanupTestCase() {
    m_server.reset();
    qInstallMessageHandler(nullptr);
}

HttpTestResponse TestAdminApi::call(std::string_view method, std::string_view target,
                                    const std::string& bearer, std::string_view body) {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    HeaderList headers;
    if (!bearer.empty())
        headers.emplace_back("Authorization", "Bearer " + bearer);
    if (!body.empty())
        headers.emplace_back("Content-Type", "application/json");
    return client.request(method, target, body, headers, kRequestTimeout);
}

Json TestAdminApi::createKey(const Json& spec) {
    const auto response = admin("POST", "/api/v1/admin/keys", spec.dump());
    if (response.status != 201)
        qWarning("create key: %s", qPrintable(describe(response)));
    Json key = bodyOf(response);
    if (key.contains("token"))
        m_secrets.push_back(key["token"].get<std::string>());
    return key;
}

Json TestAdminApi::createClient(const Json& spec) {
    const auto response = admin("POST", "/api/v1/admin/clients", spec.dump());
    if (response.status != 201)
        qWarning("create client: %s", qPrintable(describe(response)));
    Json client = bodyOf(response);
    if (client.contains("client_secret"))
        m_secrets.push_back(client["client_secret"].get<std::string>());
    return client;
}

std::string TestAdminApi::accessToken(const Json& client) {
    HttpTestClient http(std::string(kLoopback), m_server->port());
    const std::string form =
        "grant_type=client_credentials&client_id=" + client.value("client_id", "") +
        "&client_secret=" + client.value("client_secret", "");
    const auto response =
        http.request("POST", "/oauth/token", form,
                     {{"Content-Type", "application/x-www-form-urlencoded"}}, kRequestTimeout);
    std::string token = bodyOf(response).value("access_token", "");
    m_secrets.push_back(token);
    return token;
}

std::int64_t TestAdminApi::auditRows() {
    auto db = SqliteDatabase::open(m_server->config().dataDir / "audit.sqlite",
                                   SqliteDatabase::Access::ReadOnly);
    if (!db.isOk())
        return -1;
    auto count = db->queryInt("SELECT count(*) FROM audit");
    return count.isOk() ? *count : -1;
}

void TestAdminApi::keysAreCreatedListedAndRevoked() {
    const Json key = createKey({{"name", "svc-a"},
                                {"owner", "team-a"},
                                {"scopes", {"predict"}},
                                {"models", {"fixture-echo"}}});
    const std::string id = key.value("id", "");
    const std::string token = key.value("token", "");
    QVERIFY(token.starts_with("atk_" + id + "_"));
    QCOMPARE(stringAt(key, "owner"), u"team-a"_qs);
    QCOMPARE(call("POST", "/api/v1/ia/predict", token, kBody).status, 200);

    const auto listed = admin("GET", "/api/v1/admin/keys");
    QCOMPARE(listed.status, 200);
    QVERIFY(listed.body.find(id) != std::string::npos);
    QVERIFY(listed.body.find(token.substr(22)) == std::string::npos);
    QVERIFY(listed.body.find("\"token\"") == std::string::npos);

    QCOMPARE(admin("DELETE", "/api/v1/admin/keys/" + id).status, 200);
    const auto refused = call("POST", "/api/v1/ia/predict", token, kBody);
    QCOMPARE(refused.status, 401);
    const auto unknown = admin("DELETE", "/api/v1/admin/keys/0123456789abcdef");
    QCOMPARE(unknown.status, 404);
    QVERIFY2(errorBodyProblem(unknown).isEmpty(), qPrintable(errorBodyProblem(unknown)));
}

void TestAdminApi::clientsAreRegisteredListedAndRevoked() {
    const Json client = createClient({{"name", "batch-job"}, {"scopes", {"predict", "metrics"}}});
    const std::string id = client.value("client_id", "");
    QCOMPARE(id.size(), std::size_t{16});
    const std::string access = accessToken(client);
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 200);
    QCOMPARE(call("GET", "/metrics", access).status, 200);

    const auto listed = admin("GET", "/api/v1/admin/clients");
    QCOMPARE(listed.status, 200);
    QVERIFY(listed.body.find(id) != std::string::npos);
    QVERIFY(listed.body.find(client.value("client_secret", "")) == std::string::npos);

    QCOMPARE(admin("DELETE", "/api/v1/admin/clients/" + id).status, 200);
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 401);
    QCOMPARE(bodyOf(admin("GET", "/api/v1/admin/clients"))["clients"]
                 .back()
                 .value("revoked_at", Json())
                 .is_number(),
             true);
}

void TestAdminApi::newKeyLimitsTakeEffect() {
    const Json key = createKey({{"name", "limited"}, {"scopes", {"predict"}}});
    const std::string token = key.value("token", "");
    QCOMPARE(call("POST", "/api/v1/ia/predict", token, kBody).status, 200);
    const auto set = admin("PUT", "/api/v1/admin/keys/" + key.value("id", "") + "/limits",
                           R"({"rate":0.001,"burst":3})");
    QVERIFY2(set.status == 200, qPrintable(describe(set)));
    // The bucket had 99 tokens left; the lowered burst applies at once.
    for (int i = 0; i < 3; ++i)
        QCOMPARE(call("POST", "/api/v1/ia/predict", token, kBody).status, 200);
    const auto limited = call("POST", "/api/v1/ia/predict", token, kBody);
    QCOMPARE(limited.status, 429);
    QCOMPARE(errorCodeOf(limited), u"rate_limited"_qs);
}

void TestAdminApi::newClientLimitsTakeEffect() {
    const Json client = createClient({{"name", "limited-client"}, {"scopes", {"predict"}}});
    const std::string access = accessToken(client);
    const auto set =
        admin("PUT", "/api/v1/admin/clients/" + client.value("client_id", "") + "/limits",
              R"({"rate":0.001,"burst":2})");
    QVERIFY2(set.status == 200, qPrintable(describe(set)));
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 200);
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 200);
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 429);
    QCOMPARE(admin("PUT", "/api/v1/admin/clients/0123456789abcdef/limits", "{}").status, 404);
}

void TestAdminApi::usageCountsRequests() {
    const Json key = createKey({{"name", "counted"}, {"scopes", {"predict"}}, {"per_day", 100}});
    const Json client = createClient({{"name", "counted-client"}, {"scopes", {"predict"}}});
    const std::string access = accessToken(client);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(call("POST", "/api/v1/ia/predict", key.value("token", ""), kBody).status, 200);
    QCOMPARE(call("POST", "/api/v1/ia/predict", access, kBody).status, 200);

    const auto usage = admin("GET", "/api/v1/admin/usage");
    QCOMPARE(usage.status, 200);
    const Json entries = bodyOf(usage)["clients"];
    auto find = [&](const std::string& client) {
        for (const Json& entry : entries) {
            if (entry.value("client", "") == client)
                return entry;
        }
        return Json();
    };
    const Json keyUsage = find("key:" + key.value("id", ""));
    QVERIFY2(keyUsage.is_object(), usage.body.c_str());
    QCOMPARE(keyUsage["requests"].value("day", -1), 3);
    QCOMPARE(keyUsage["requests"].value("month", -1), 3);
    QCOMPARE(keyUsage["effective"].value("per_day", -1), 100);
    QCOMPARE(stringAt(keyUsage, "kind"), u"api_key"_qs);
    const Json clientUsage = find("client:" + client.value("client_id", ""));
    QVERIFY2(clientUsage.is_object(), usage.body.c_str());
    QCOMPARE(clientUsage["requests"].value("day", -1), 1);
    QCOMPARE(stringAt(clientUsage, "kind"), u"oauth_client"_qs);
    QCOMPARE(clientUsage["effective"].value("burst", 0.0), 100.0);  // the server's default
}

void TestAdminApi::badInputIsRefused_data() {
    QTest::addColumn<QString>("method");
    QTest::addColumn<QString>("target");
    QTest::addColumn<QString>("body");
    QTest::addColumn<int>("status");

    QTest::newRow("unknown scope")
        << u"POST"_qs << u"/api/v1/admin/keys"_qs << uR"({"name":"x","scopes":["root"]})"_qs << 400;
    QTest::newRow("no scopes") << u"POST"_qs << u"/api/v1/admin/keys"_qs
                               << uR"({"name":"x","scopes":[]})"_qs << 400;
    QTest::newRow("no name") << u"POST"_qs << u"/api/v1/admin/clients"_qs
                             << uR"({"scopes":["predict"]})"_qs << 400;
    QTest::newRow("unknown member") << u"POST"_qs << u"/api/v1/admin/keys"_qs
                                    << uR"({"name":"x","scopes":["predict"],"perday":5})"_qs << 400;
    QTest::newRow("negative burst")
        << u"PUT"_qs << u"/api/v1/admin/keys/%1/limits"_qs << uR"({"burst":-1})"_qs << 400;
    QTest::newRow("fractional quota")
        << u"PUT"_qs << u"/api/v1/admin/clients/x/limits"_qs << uR"({"per_day":1.5})"_qs << 400;
    QTest::newRow("not json") << u"POST"_qs << u"/api/v1/admin/keys"_qs << u"name=x"_qs << 400;
    QTest::newRow("duplicate member")
        << u"POST"_qs << u"/api/v1/admin/keys"_qs
        << uR"({"name":"x","name":"y","scopes":["predict"]})"_qs << 400;
    QTest::newRow("bad audit limit")
        << u"GET"_qs << u"/api/v1/admin/audit?limit=0"_qs << QString() << 400;
}

void TestAdminApi::badInputIsRefused() {
    QFETCH(QString, method);
    QFETCH(QString, target);
    QFETCH(QString, body);
    QFETCH(int, status);
    const std::int64_t before = auditRows();
    if (target.contains(u"%1"_qs))
        target = target.arg(qstr(m_adminId));
    const auto response = admin(method.toStdString(), target.toStdString(), body.toStdString());
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    QVERIFY2(errorBodyProblem(response).isEmpty(), qPrintable(errorBodyProblem(response)));
    QCOMPARE(auditRows(), before);  // nothing changed, nothing recorded
}

void TestAdminApi::onlyAdminsMayAdminister() {
    const Json key = createKey({{"name", "predict-only"}, {"scopes", {"predict", "metrics"}}});
    const std::string token = key.value("token", "");
    const std::int64_t before = auditRows();
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"GET", "/api/v1/admin/keys"},
             {"GET", "/api/v1/admin/clients"},
             {"GET", "/api/v1/admin/usage"},
             {"GET", "/api/v1/admin/audit"},
             {"DELETE", "/api/v1/admin/keys/" + m_adminId}}) {
        const auto refused = call(method, target, token);
        QVERIFY2(refused.status == 403, qPrintable(qstr(target) + u": "_qs + describe(refused)));
        QCOMPARE(errorCodeOf(refused), u"insufficient_scope"_qs);
        QCOMPARE(call(method, target, {}).status, 401);
    }
    const auto create =
        call("POST", "/api/v1/admin/keys", token, R"({"name":"escalate","scopes":["admin"]})");
    QCOMPARE(create.status, 403);
    QCOMPARE(auditRows(), before);
    QCOMPARE(admin("GET", "/api/v1/admin/keys").status, 200);  // the admin key still works
}

void TestAdminApi::everyChangeIsAuditedOnce() {
    struct Change {
        std::string action;
        std::function<std::string()> make;  // makes the change, returns its target id
    };
    std::string keyId;
    std::string clientId;
    const std::vector<Change> changes{
        {"key.create",
         [&] {
             keyId = createKey({{"name", "audited"}, {"scopes", {"predict"}}}).value("id", "");
             return keyId;
         }},
        {"key.limits",
         [&] {
             admin("PUT", "/api/v1/admin/keys/" + keyId + "/limits", R"({"per_day":10})");
             return keyId;
         }},
        {"key.revoke",
         [&] {
             admin("DELETE", "/api/v1/admin/keys/" + keyId);
             return keyId;
         }},
        {"client.create",
         [&] {
             clientId = createClient({{"name", "audited"}, {"scopes", {"predict"}}})
                            .value("client_id", "");
             return clientId;
         }},
        {"client.limits",
         [&] {
             admin("PUT", "/api/v1/admin/clients/" + clientId + "/limits", R"({"burst":5})");
             return clientId;
         }},
        {"client.revoke",
         [&] {
             admin("DELETE", "/api/v1/admin/clients/" + clientId);
             return clientId;
         }},
    };
    auto db = SqliteDatabase::open(m_server->config().dataDir / "audit.sqlite",
                                   SqliteDatabase::Access::ReadOnly);
    QVERIFY(db.isOk());
    for (const Change& change : changes) {
        const std::int64_t before = auditRows();
        const std::string target = change.make();
        QVERIFY(!target.empty());
        QCOMPARE(auditRows(), before + 1);
        auto row = db->prepare(
            "SELECT actor, address, action, target, time_unix_ms FROM audit ORDER BY id DESC "
            "LIMIT 1");
        QVERIFY(row.isOk());
        QVERIFY(row->step().isOk());
        QCOMPARE(qstr(row->columnText(0)), qstr("key:" + m_adminId));
        QCOMPARE(qstr(row->columnText(1)), u"127.0.0.1"_qs);
        QCOMPARE(qstr(row->columnText(2)), qstr(change.action));
        QCOMPARE(qstr(row->columnText(3)), qstr(target));
        QVERIFY(row->columnInt(4) > 1'600'000'000'000);
    }
}

void TestAdminApi::auditRouteListsNewestFirst() {
    const Json key = createKey({{"name", "listed"}, {"scopes", {"metrics"}}});
    const auto response = admin("GET", "/api/v1/admin/audit?limit=2");
    QCOMPARE(response.status, 200);
    const Json entries = bodyOf(response)["entries"];
    QCOMPARE(entries.size(), std::size_t{2});
    QCOMPARE(stringAt(entries[0], "action"), u"key.create"_qs);
    QCOMPARE(stringAt(entries[0], "target"), qstr(key.value("id", "")));
    QCOMPARE(stringAt(entries[0]["detail"], "name"), u"listed"_qs);
    QVERIFY(entries[0].value("time_unix_ms", 0LL) >= entries[1].value("time_unix_ms", 0LL));
    const auto future = admin("GET", "/api/v1/admin/audit?since=99999999999999");
    QCOMPARE(bodyOf(future)["entries"].size(), std::size_t{0});
}

void TestAdminApi::noSecretInAuditOrLog() {
    QVERIFY(m_secrets.size() > 5);
    auto db = SqliteDatabase::open(m_server->config().dataDir / "audit.sqlite",
                                   SqliteDatabase::Access::ReadOnly);
    QVERIFY(db.isOk());
    auto rows =
        db->prepare("SELECT actor || address || action || target || detail_json FROM audit");
    QVERIFY(rows.isOk());
    std::string audit;
    while (true) {
        auto step = rows->step();
        QVERIFY(step.isOk());
        if (*step == SqliteStatement::Step::Done)
            break;
        audit += std::string(rows->columnText(0)) + "\n";
    }
    QVERIFY(audit.find("key.create") != std::string::npos);
    const std::string log = capturedLog();
    QVERIFY2(log.find("listening on") != std::string::npos, log.c_str());  // the log was seen
    for (const std::string& secret : m_secrets) {
        QVERIFY(!secret.empty());
        // The secret part of a key ("atk_<id>_<secret>") or the whole client secret / token.
        const std::string part = secret.starts_with("atk_") ? secret.substr(21) : secret;
        QVERIFY2(audit.find(part) == std::string::npos, secret.c_str());
        QVERIFY2(log.find(part) == std::string::npos, secret.c_str());
    }
}

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_admin_api.moc"
