// The real server with authentication on, over HTTP: every rejection of RFC 6750 s3 on both
// predict API versions, scopes and model restrictions, public routes open, and a key made by
// the `atalaya-server keys` command used over HTTP.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <QProcess>
#include <QTest>
#include <fstream>
#include <thread>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"
#include "security/Base64Url.h"
#include "security/CredentialTable.h"
#include "telemetry/SqliteDatabase.h"

using namespace atalaya;
using namespace atalaya::test;
using security::ApiKeySpec;
using security::ApiKeyStore;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
constexpr std::string_view kBody = R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})";

const std::string kJwtSecret(32, 's');

// An HS256 JWT for the server's configured "hs-1" key, signed here with OpenSSL.
std::string jwt(const std::string& claims) {
    const std::string input = security::base64UrlEncode(R"({"alg":"HS256","kid":"hs-1"})") + "." +
                              security::base64UrlEncode(claims);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), kJwtSecret.data(), static_cast<int>(kJwtSecret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    return input + "." +
           security::base64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), size));
}

std::uint8_t scopes(std::initializer_list<Scope> list) {
    std::uint8_t bits = 0;
    for (const Scope s : list)
        bits |= static_cast<std::uint8_t>(s);
    return bits;
}

}  // namespace

class TestAuthApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void predict_data();
    void predict();
    void metricsAndHealthNeedMetricsScope();
    void publicRoutesAreOpen();
    void revokedKeyIsRefusedAtOnce();
    void oipModelRoutesCheckTheModel();
    void keysCommandMakesAUsableKey();
    void jwtFromConfiguredKeySet();
    void inferenceLogNamesTheClient();

private:
    HttpTestResponse call(std::string_view method, std::string_view target,
                          const std::string& authorization, std::string_view body = {});
    std::string key(std::uint8_t scopes, std::vector<std::string> models = {});

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<ApiKeyStore> m_keys;
    QTemporaryDir m_jwksDir;
};

void TestAuthApi::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kFixtures, "fixture-echo").isOk());
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    // This suite sends bad credentials from one address on purpose; the failed-authentication
    // throttle would answer 429 after ten of them (tst_limits_api tests it).
    config.security.authFailures = {};
    config.security.jwt.jwksFile = m_jwksDir.filePath(QStringLiteral("jwks.json")).toStdString();
    config.security.jwt.audience = "atalaya";
    std::ofstream(config.security.jwt.jwksFile)
        << R"({"keys":[{"kty":"oct","kid":"hs-1","alg":"HS256","k":")"
        << security::base64UrlEncode(kJwtSecret) << R"("}]})";
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    // A second connection to the server's key database, as the keys command would use.
    auto keys = ApiKeyStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    m_keys = std::move(keys).value();
}

void TestAuthApi::cleanupTestCase() {
    m_server.reset();
    m_keys.reset();
}

HttpTestResponse TestAuthApi::call(std::string_view method, std::string_view target,
                                   const std::string& authorization, std::string_view body) {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    HeaderList headers;
    if (!body.empty())
        headers.emplace_back("Content-Type", "application/json");
    if (!authorization.empty())
        headers.emplace_back("Authorization", authorization);
    return client.request(method, target, body, headers, kRequestTimeout);
}

std::string TestAuthApi::key(std::uint8_t bits, std::vector<std::string> models) {
    ApiKeySpec spec;
    spec.name = "test";
    spec.scopes = bits;
    spec.models = std::move(models);
    auto issued = m_keys->create(spec);
    return issued.isOk() ? issued->token : std::string();
}

void TestAuthApi::predict_data() {
    QTest::addColumn<QString>("api");
    QTest::addColumn<std::string>("authorization");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("challenge");  // expected WWW-Authenticate (empty: none)

    const std::string predict = key(scopes({Scope::Predict}));
    const std::string echoOnly = key(scopes({Scope::Predict}), {"fixture-echo"});
    const std::string otherModel = key(scopes({Scope::Predict}), {"credit-risk"});
    const std::string metricsOnly = key(scopes({Scope::Metrics}));
    const std::string revoked = key(scopes({Scope::Predict}));
    QVERIFY(m_keys->revoke(revoked.substr(4, 16)).isOk());
    const QString bare = QStringLiteral(R"(Bearer realm="atalaya")");
    const QString invalidToken = QStringLiteral(R"(Bearer realm="atalaya", error="invalid_token")");
    const QString invalidRequest =
        QStringLiteral(R"(Bearer realm="atalaya", error="invalid_request")");

    for (const QString& api : {QStringLiteral("v1"), QStringLiteral("v2")}) {
        auto row = [&](const char* name) -> QTestData& {
            return QTest::newRow(qPrintable(api + u": " + QLatin1String(name))) << api;
        };
        row("no token") << std::string() << 401 << u"missing_token"_qs << bare;
        row("basic scheme") << std::string("Basic dXNlcjpwYXNz") << 401 << u"invalid_request"_qs
                            << invalidRequest;
        row("bearer without token")
            << std::string("Bearer") << 401 << u"invalid_request"_qs << invalidRequest;
        row("two tokens") << "Bearer " + predict + " " + predict << 401 << u"invalid_request"_qs
                          << invalidRequest;
        row("bad characters") << std::string("Bearer atk_{}") << 401 << u"invalid_request"_qs
                              << invalidRequest;
        row("unknown key") << "Bearer atk_0123456789abcdef_" + std::string(43, 'A') << 401
                           << u"invalid_token"_qs << invalidToken;
        row("garbage jwt") << std::string("Bearer a.b.c") << 401 << u"invalid_token"_qs
                           << invalidToken;
        row("revoked key") << "Bearer " + revoked << 401 << u"invalid_token"_qs << invalidToken;
        row("wrong scope")
            << "Bearer " + metricsOnly << 403 << u"insufficient_scope"_qs
            << QStringLiteral(
                   R"(Bearer realm="atalaya", error="insufficient_scope", scope="predict")");
        row("model not allowed")
            << "Bearer " + otherModel << 403 << u"insufficient_scope"_qs
            << QStringLiteral(
                   R"(Bearer realm="atalaya", error="insufficient_scope", scope="predict:fixture-echo")");
        row("good key") << "Bearer " + predict << 200 << QString() << QString();
        row("scheme is case-insensitive") << "bEARER " + predict << 200 << QString() << QString();
        row("key for this model") << "Bearer " + echoOnly << 200 << QString() << QString();
    }
}

void TestAuthApi::predict() {
    QFETCH(QString, api);
    QFETCH(std::string, authorization);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, challenge);
    const auto response =
        call("POST", "/api/" + api.toStdString() + "/ia/predict", authorization, kBody);
    QVERIFY2(response.status == status, response.body.c_str());
    QCOMPARE(QString::fromStdString(std::string(response.header("WWW-Authenticate"))), challenge);
    if (!code.isEmpty()) {
        QCOMPARE(errorCodeOf(response), code);
        // Error bodies never echo credentials.
        if (authorization.size() > 20)
            QVERIFY(response.body.find(authorization.substr(12)) == std::string::npos);
    }
}

void TestAuthApi::metricsAndHealthNeedMetricsScope() {
    const std::string metrics = "Bearer " + key(scopes({Scope::Metrics}));
    const std::string predict = "Bearer " + key(scopes({Scope::Predict}));
    for (const char* target : {"/metrics", "/api/v1/health"}) {
        QCOMPARE(call("GET", target, {}).status, 401);
        QCOMPARE(call("GET", target, predict).status, 403);
        QCOMPARE(call("GET", target, metrics).status, 200);
    }
    // A token in the query string is never read.
    const std::string token = key(scopes({Scope::Metrics}));
    QCOMPARE(call("GET", "/metrics?access_token=" + token, {}).status, 401);
}

void TestAuthApi::publicRoutesAreOpen() {
    for (const char* target : {"/healthz", "/readyz", "/v2/health/live", "/v2/health/ready"}) {
        QCOMPARE(call("GET", target, {}).status, 200);
        QCOMPARE(call("GET", target, "Bearer nonsense!").status, 200);
    }
    QCOMPARE(call("GET", "/v2", {}).status, 401);
}

void TestAuthApi::revokedKeyIsRefusedAtOnce() {
    const std::string token = key(scopes({Scope::Predict}));
    QCOMPARE(call("POST", "/api/v2/ia/predict", "Bearer " + token, kBody).status, 200);
    // m_keys is another connection, as the keys command is: the server sees its change within
    // kExternalChangeCheck (a revocation through the admin API is seen at once).
    QVERIFY(m_keys->revoke(token.substr(4, 16)).isOk());
    std::this_thread::sleep_for(security::kExternalChangeCheck);
    QCOMPARE(call("POST", "/api/v2/ia/predict", "Bearer " + token, kBody).status, 401);
}

void TestAuthApi::oipModelRoutesCheckTheModel() {
    const std::string other = "Bearer " + key(scopes({Scope::Predict}), {"credit-risk"});
    const std::string echo = "Bearer " + key(scopes({Scope::Predict}), {"fixture-echo"});
    QCOMPARE(call("GET", "/v2/models/fixture-echo", other).status, 403);
    QCOMPARE(call("GET", "/v2/models/fixture-echo", echo).status, 200);
    QCOMPARE(call("GET", "/v2/models/fixture-echo/ready", other).status, 403);
}

void TestAuthApi::keysCommandMakesAUsableKey() {
    const QString dataDir = QString::fromStdString(m_server->config().dataDir.string());
    QProcess keys;
    keys.start(
        QStringLiteral(ATALAYA_SERVER_BINARY),
        {u"keys"_qs, u"create"_qs, u"--name"_qs, u"from-cli"_qs, u"--scopes"_qs,
         u"predict,metrics"_qs, u"--models"_qs, u"fixture-echo"_qs, u"--data-dir"_qs, dataDir});
    QVERIFY(keys.waitForFinished(60'000));
    QCOMPARE(keys.exitCode(), 0);
    const QStringList lines =
        QString::fromUtf8(keys.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
    QVERIFY(!lines.isEmpty());
    const std::string token = lines.last().trimmed().toStdString();
    QVERIFY(token.starts_with("atk_"));
    QCOMPARE(call("POST", "/api/v1/ia/predict", "Bearer " + token, kBody).status, 200);
    QCOMPARE(call("GET", "/metrics", "Bearer " + token).status, 200);

    QProcess list;
    list.start(QStringLiteral(ATALAYA_SERVER_BINARY),
               {u"keys"_qs, u"list"_qs, u"--data-dir"_qs, dataDir});
    QVERIFY(list.waitForFinished(60'000));
    QCOMPARE(list.exitCode(), 0);
    const QByteArray listed = list.readAllStandardOutput();
    QVERIFY(listed.contains("from-cli"));
    QVERIFY(!listed.contains(QByteArray::fromStdString(token.substr(21))));

    QProcess revoke;
    revoke.start(QStringLiteral(ATALAYA_SERVER_BINARY),
                 {u"keys"_qs, u"revoke"_qs, QString::fromStdString(token.substr(4, 16)),
                  u"--data-dir"_qs, dataDir});
    QVERIFY(revoke.waitForFinished(60'000));
    QCOMPARE(revoke.exitCode(), 0);
    // Another process revoked it while the server runs: the next request is refused.
    QCOMPARE(call("POST", "/api/v1/ia/predict", "Bearer " + token, kBody).status, 401);
}

void TestAuthApi::jwtFromConfiguredKeySet() {
    const std::string good =
        jwt(R"({"sub":"svc-1","aud":"atalaya","exp":9999999999,"scope":"predict:fixture-echo"})");
    QCOMPARE(call("POST", "/api/v2/ia/predict", "Bearer " + good, kBody).status, 200);
    QCOMPARE(call("GET", "/metrics", "Bearer " + good).status, 403);
    const std::string otherAudience =
        jwt(R"({"sub":"svc-1","aud":"else","exp":9999999999,"scope":"predict"})");
    QCOMPARE(call("POST", "/api/v2/ia/predict", "Bearer " + otherAudience, kBody).status, 401);
    const std::string expired = jwt(R"({"sub":"svc-1","aud":"atalaya","exp":1,"scope":"predict"})");
    QCOMPARE(call("POST", "/api/v1/ia/predict", "Bearer " + expired, kBody).status, 401);
}

void TestAuthApi::inferenceLogNamesTheClient() {
    const std::string token = key(scopes({Scope::Predict}));
    HeaderList headers{{"Content-Type", "application/json"},
                       {"Authorization", "Bearer " + token},
                       {"X-Request-Id", "client-check-1"}};
    HttpTestClient client(std::string(kLoopback), m_server->port());
    QCOMPARE(client.request("POST", "/api/v1/ia/predict", kBody, headers, kRequestTimeout).status,
             200);
    auto db = SqliteDatabase::open(m_server->config().dataDir / "inference-log.sqlite",
                                   SqliteDatabase::Access::ReadOnly);
    QVERIFY(db.isOk());
    const std::string expected = "key:" + token.substr(4, 16);
    QTRY_COMPARE_WITH_TIMEOUT(
        [&] {
            auto client = db->queryText(
                "SELECT client FROM inference_log WHERE request_id = 'client-check-1'");
            return client.isOk() ? *client : std::string();
        }(),
        expected, 10'000);
}

QTEST_GUILESS_MAIN(TestAuthApi)
#include "tst_auth_api.moc"
