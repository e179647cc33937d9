// The OAuth 2.0 token endpoint over real HTTP with authentication on: tokens for registered
// clients (HTTP Basic and body credentials) used on both predict API versions, checked by an
// independent JWT library both ways, every RFC 6749 s5.2 error, scopes, revocation, expiry and
// the failed-authentication throttle.
#include <QProcess>
#include <QTest>
#include <chrono>
#include <thread>

#include "ApiTestSupport.h"
#include "security/ClientsCommand.h"
#include "security/CredentialTable.h"
#include "security/OAuthClientStore.h"

using namespace atalaya;
using namespace atalaya::test;
using security::OAuthClientSpec;
using security::OAuthClientStore;
using security::RegisteredClient;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
const QString kInterop = QStringLiteral(ATALAYA_SECURITY_TESTS "/oauth_interop.py");
constexpr std::string_view kBody = R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})";
constexpr std::string_view kForm = "application/x-www-form-urlencoded";

std::uint8_t scopes(std::initializer_list<Scope> list) {
    std::uint8_t bits = 0;
    for (const Scope s : list)
        bits |= static_cast<std::uint8_t>(s);
    return bits;
}

std::string basic(const std::string& id, const std::string& secret) {
    return "Basic " + QByteArray::fromStdString(id + ":" + secret).toBase64().toStdString();
}

bool hasPyJwt() {
    QProcess probe;
    probe.start(QStringLiteral("/usr/bin/python3"), {u"-c"_qs, u"import jwt, cryptography"_qs});
    return probe.waitForFinished(30'000) && probe.exitStatus() == QProcess::NormalExit &&
           probe.exitCode() == 0;
}

// Runs oauth_interop.py; its standard output, or empty on failure (printed for the log).
QByteArray interop(const QStringList& arguments) {
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"), QStringList{kInterop} + arguments);
    if (!python.waitForFinished(60'000) || python.exitCode() != 0) {
        qWarning("oauth_interop.py: %s", python.readAllStandardError().constData());
        return {};
    }
    return python.readAllStandardOutput().trimmed();
}

// Runs `atalaya-server clients <arguments>` in process: its exit code and what it printed.
struct CommandRun {
    int code = -1;
    std::string out;
    std::string err;
};

CommandRun runClients(const QStringList& arguments) {
    auto readAll = [](std::FILE* file) {
        std::string text;
        std::rewind(file);
        for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file))
            text += static_cast<char>(c);
        std::fclose(file);
        return text;
    };
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    CommandRun run;
    run.code = security::runClientsCommand(arguments, out, err);
    run.out = readAll(out);
    run.err = readAll(err);
    return run;
}

// The value after "<name> " on a line of `text`, or empty.
std::string lineValue(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos)
        return {};
    const auto start = at + name.size() + 2;
    return text.substr(start, text.find('\n', start) - start);
}

}  // namespace

class TestOAuthApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void basicCredentialsGetATokenForBothApiVersions();
    void bodyCredentialsGetEveryScopeByDefault();
    void jwksIsPublicAndMatchesTheToken();
    void pyJwtVerifiesOurTokens();
    void pyJwtTokensAreAccepted();
    void errors_data();
    void errors();
    void predictTokenCannotAdminister();
    void narrowedScopeIsEnforced();
    void revokingAClientEndsItsTokens();
    void tamperedTokenIsRefused();
    void expiredTokenIsRefused();
    void failedClientAuthenticationIsThrottled();
    void clientsCommandRegistersListsAndRevokes();

private:
    RegisteredClient registerClient(std::uint8_t bits, std::int64_t expiresAt = 0);
    HttpTestResponse token(std::string_view form, const std::string& authorization = {},
                           std::string_view contentType = kForm, std::uint16_t port = 0);
    HttpTestResponse call(std::string_view method, std::string_view target,
                          const std::string& bearer, std::string_view body = {},
                          std::uint16_t port = 0);

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<OAuthClientStore> m_clients;
    RegisteredClient m_predict;  // scope predict only
};

void TestOAuthApi::initTestCase() {
    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kFixtures, "fixture-echo").isOk());
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    // Wrong secrets are sent on purpose; the throttle has a test of its own below.
    config.security.authFailures = {};
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    // A second connection to the server's database, as the clients command would use.
    auto clients = OAuthClientStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(clients.isOk());
    m_clients = std::move(clients).value();
    m_predict = registerClient(scopes({Scope::Predict}));
}

void TestOAuthApi::cleanupTestCase() {
    m_server.reset();
    m_clients.reset();
}

RegisteredClient TestOAuthApi::registerClient(std::uint8_t bits, std::int64_t expiresAt) {
    OAuthClientSpec spec;
    spec.name = "test";
    spec.scopes = bits;
    spec.expiresAtUnix = expiresAt;
    auto registered = m_clients->create(spec);
    return registered.isOk() ? std::move(registered).value() : RegisteredClient{};
}

HttpTestResponse TestOAuthApi::token(std::string_view form, const std::string& authorization,
                                     std::string_view contentType, std::uint16_t port) {
    HttpTestClient client(std::string(kLoopback), port != 0 ? port : m_server->port());
    HeaderList headers{{"Content-Type", std::string(contentType)}};
    if (!authorization.empty())
        headers.emplace_back("Authorization", authorization);
    return client.request("POST", "/oauth/token", form, headers, kRequestTimeout);
}

HttpTestResponse TestOAuthApi::call(std::string_view method, std::string_view target,
                                    const std::string& bearer, std::string_view body,
                                    std::uint16_t port) {
    HttpTestClient client(std::string(kLoopback), port != 0 ? port : m_server->port());
    HeaderList headers{{"Authorization", "Bearer " + bearer}};
    if (!body.empty())
        headers.emplace_back("Content-Type", "application/json");
    return client.request(method, target, body, headers, kRequestTimeout);
}

void TestOAuthApi::basicCredentialsGetATokenForBothApiVersions() {
    const auto response =
        token("grant_type=client_credentials", basic(m_predict.info.clientId, m_predict.secret));
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QCOMPARE(qstr(response.header("Cache-Control")), u"no-store"_qs);
    QCOMPARE(qstr(response.header("Pragma")), u"no-cache"_qs);
    const Json body = bodyOf(response);
    QCOMPARE(stringAt(body, "token_type"), u"Bearer"_qs);
    QCOMPARE(body.value("expires_in", 0), 900);
    QCOMPARE(stringAt(body, "scope"), u"predict"_qs);
    const std::string access = body.value("access_token", "");
    QCOMPARE(std::count(access.begin(), access.end(), '.'), 2);
    for (const char* api : {"/api/v1/ia/predict", "/api/v2/ia/predict"}) {
        const auto predicted = call("POST", api, access, kBody);
        QVERIFY2(predicted.status == 200, qPrintable(describe(predicted)));
    }
}

void TestOAuthApi::bodyCredentialsGetEveryScopeByDefault() {
    const RegisteredClient both = registerClient(scopes({Scope::Predict, Scope::Metrics}));
    const std::string form = "grant_type=client_credentials&client_id=" + both.info.clientId +
                             "&client_secret=" + both.secret;
    const auto response = token(form);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    const Json body = bodyOf(response);
    QCOMPARE(stringAt(body, "scope"), u"predict metrics"_qs);
    const std::string access = body.value("access_token", "");
    QCOMPARE(call("GET", "/metrics", access).status, 200);
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 200);
}

void TestOAuthApi::jwksIsPublicAndMatchesTheToken() {
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto jwks = client.request("GET", "/oauth/jwks.json", {}, {}, kRequestTimeout);
    QCOMPARE(jwks.status, 200);
    const Json keys = bodyOf(jwks).value("keys", Json::array());
    QCOMPARE(keys.size(), std::size_t{1});
    QCOMPARE(stringAt(keys[0], "kty"), u"EC"_qs);
    QCOMPARE(stringAt(keys[0], "alg"), u"ES256"_qs);
    QVERIFY(!keys[0].contains("d"));  // the private scalar never leaves the server
    const auto issued =
        token("grant_type=client_credentials", basic(m_predict.info.clientId, m_predict.secret));
    const std::string access = bodyOf(issued).value("access_token", "");
    const auto header =
        QByteArray::fromBase64(QByteArray::fromStdString(access.substr(0, access.find('.'))),
                               QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const Json parsed = Json::parse(header.toStdString(), nullptr, false);
    QCOMPARE(stringAt(parsed, "kid"), stringAt(keys[0], "kid"));
    QCOMPARE(stringAt(parsed, "typ"), u"at+jwt"_qs);
    QCOMPARE(stringAt(parsed, "alg"), u"ES256"_qs);
}

void TestOAuthApi::pyJwtVerifiesOurTokens() {
    if (!hasPyJwt())
        QSKIP("/usr/bin/python3 lacks python3-jwt");
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const auto jwks = client.request("GET", "/oauth/jwks.json", {}, {}, kRequestTimeout);
    const auto issued = token("grant_type=client_credentials&scope=predict",
                              basic(m_predict.info.clientId, m_predict.secret));
    const std::string access = bodyOf(issued).value("access_token", "");
    const QByteArray out =
        interop({u"verify"_qs, qstr(jwks.body), qstr(access), u"atalaya"_qs, u"atalaya"_qs});
    QVERIFY(!out.isEmpty());
    const Json checked = Json::parse(out.toStdString());
    const Json& claims = checked["claims"];
    QCOMPARE(stringAt(claims, "sub"), qstr(m_predict.info.clientId));
    QCOMPARE(stringAt(claims, "client_id"), qstr(m_predict.info.clientId));
    QCOMPARE(stringAt(claims, "scope"), u"predict"_qs);
    QCOMPARE(claims.value("exp", 0LL) - claims.value("iat", 0LL), 900LL);
    QVERIFY(!stringAt(claims, "jti").isEmpty());
}

void TestOAuthApi::pyJwtTokensAreAccepted() {
    if (!hasPyJwt())
        QSKIP("/usr/bin/python3 lacks python3-jwt");
    HttpTestClient client(std::string(kLoopback), m_server->port());
    const Json key = bodyOf(client.request("GET", "/oauth/jwks.json", {}, {}, kRequestTimeout))
                         .value("keys", Json::array())
                         .at(0);
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const Json claims = {
        {"iss", "atalaya"},      {"aud", "atalaya"}, {"sub", m_predict.info.clientId},
        {"scope", "predict"},    {"iat", now},       {"exp", now + 300},
        {"jti", "made-by-pyjwt"}};
    const std::string pem = (m_server->config().dataDir / "oauth-signing-key.pem").string();
    const QByteArray made =
        interop({u"sign"_qs, qstr(pem), stringAt(key, "kid"), qstr(claims.dump())});
    QVERIFY(!made.isEmpty());
    const auto predicted = call("POST", "/api/v1/ia/predict", made.toStdString(), kBody);
    QVERIFY2(predicted.status == 200, qPrintable(describe(predicted)));
}

void TestOAuthApi::errors_data() {
    QTest::addColumn<std::string>("form");
    QTest::addColumn<std::string>("authorization");
    QTest::addColumn<std::string>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("challenge");

    const std::string id = m_predict.info.clientId;
    const std::string secret = m_predict.secret;
    const std::string grant = "grant_type=client_credentials";
    const std::string inBody = "&client_id=" + id + "&client_secret=" + secret;
    const RegisteredClient revoked = registerClient(scopes({Scope::Predict}));
    QVERIFY(m_clients->revoke(revoked.info.clientId).isOk());
    const RegisteredClient expired = registerClient(scopes({Scope::Predict}), 1);
    const QString challenge = QStringLiteral(R"(Basic realm="atalaya")");
    const std::string form(kForm);

    QTest::newRow("wrong secret, Basic") << grant << basic(id, std::string(43, 'A')) << form << 401
                                         << u"invalid_client"_qs << challenge;
    QTest::newRow("wrong secret, body")
        << grant + "&client_id=" + id + "&client_secret=" + std::string(43, 'A') << std::string()
        << form << 401 << u"invalid_client"_qs << QString();
    QTest::newRow("unknown client") << grant << basic("0123456789abcdef", secret) << form << 401
                                    << u"invalid_client"_qs << challenge;
    QTest::newRow("revoked client") << grant << basic(revoked.info.clientId, revoked.secret) << form
                                    << 401 << u"invalid_client"_qs << challenge;
    QTest::newRow("no credentials")
        << grant << std::string() << form << 401 << u"invalid_client"_qs << QString();
    QTest::newRow("bearer instead of Basic")
        << grant << std::string("Bearer abc") << form << 401 << u"invalid_client"_qs << challenge;
    QTest::newRow("Basic and body secret")
        << grant + inBody << basic(id, secret) << form << 400 << u"invalid_request"_qs << QString();
    QTest::newRow("duplicate grant_type") << grant + "&" + grant << basic(id, secret) << form << 400
                                          << u"invalid_request"_qs << QString();
    QTest::newRow("duplicate client_id") << grant + inBody + "&client_id=" + id << std::string()
                                         << form << 400 << u"invalid_request"_qs << QString();
    QTest::newRow("missing grant_type") << std::string("scope=predict") << basic(id, secret) << form
                                        << 400 << u"invalid_request"_qs << QString();
    QTest::newRow("password grant")
        << std::string("grant_type=password&username=a&password=b") << basic(id, secret) << form
        << 400 << u"unsupported_grant_type"_qs << QString();
    QTest::newRow("scope not allowed") << grant + "&scope=predict+admin" << basic(id, secret)
                                       << form << 400 << u"invalid_scope"_qs << QString();
    QTest::newRow("unknown scope") << grant + "&scope=everything" << basic(id, secret) << form
                                   << 400 << u"invalid_scope"_qs << QString();
    QTest::newRow("json body") << std::string(R"({"grant_type":"client_credentials"})")
                               << basic(id, secret) << std::string("application/json") << 400
                               << u"invalid_request"_qs << QString();
    QTest::newRow("expired registration") << grant << basic(expired.info.clientId, expired.secret)
                                          << form << 400 << u"unauthorized_client"_qs << QString();
}

void TestOAuthApi::errors() {
    QFETCH(std::string, form);
    QFETCH(std::string, authorization);
    QFETCH(std::string, contentType);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(QString, challenge);
    const auto response = token(form, authorization, contentType);
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    // RFC 6749 s5.2's shape, not the house one: exactly error and error_description.
    const Json body = bodyOf(response);
    QVERIFY2(body.is_object() && body.size() == 2, response.body.c_str());
    QCOMPARE(stringAt(body, "error"), error);
    QVERIFY(!stringAt(body, "error_description").isEmpty());
    QCOMPARE(qstr(response.header("WWW-Authenticate")), challenge);
    QCOMPARE(qstr(response.header("Cache-Control")), u"no-store"_qs);
    QVERIFY(response.body.find(m_predict.secret) == std::string::npos);
}

void TestOAuthApi::predictTokenCannotAdminister() {
    const auto issued =
        token("grant_type=client_credentials", basic(m_predict.info.clientId, m_predict.secret));
    const std::string access = bodyOf(issued).value("access_token", "");
    const auto response = call("GET", "/api/v1/admin/keys", access);
    QCOMPARE(response.status, 403);
    QCOMPARE(errorCodeOf(response), u"insufficient_scope"_qs);
    QVERIFY(qstr(response.header("WWW-Authenticate")).contains(u"scope=\"admin\""_qs));
}

void TestOAuthApi::narrowedScopeIsEnforced() {
    const RegisteredClient admin = registerClient(scopes({Scope::Predict, Scope::Admin}));
    auto tokenFor = [&](std::string_view scope) {
        const auto issued = token("grant_type=client_credentials&scope=" + std::string(scope),
                                  basic(admin.info.clientId, admin.secret));
        return bodyOf(issued).value("access_token", "");
    };
    QCOMPARE(call("GET", "/api/v1/admin/clients", tokenFor("predict")).status, 403);
    QCOMPARE(call("GET", "/api/v1/admin/clients", tokenFor("admin")).status, 200);
    const std::string otherModel = tokenFor("predict:credit-risk");
    QCOMPARE(call("POST", "/api/v1/ia/predict", otherModel, kBody).status, 403);
    QCOMPARE(call("POST", "/api/v1/ia/predict", tokenFor("predict:fixture-echo"), kBody).status,
             200);
}

void TestOAuthApi::revokingAClientEndsItsTokens() {
    const RegisteredClient client = registerClient(scopes({Scope::Predict}));
    const auto issued =
        token("grant_type=client_credentials", basic(client.info.clientId, client.secret));
    const std::string access = bodyOf(issued).value("access_token", "");
    QCOMPARE(call("POST", "/api/v2/ia/predict", access, kBody).status, 200);
    // m_clients is another connection, as the clients command is: the server sees its change
    // within kExternalChangeCheck (a revocation through the admin API is seen at once).
    QVERIFY(m_clients->revoke(client.info.clientId).isOk());
    std::this_thread::sleep_for(security::kExternalChangeCheck);
    const auto refused = call("POST", "/api/v2/ia/predict", access, kBody);
    QCOMPARE(refused.status, 401);
    QCOMPARE(errorCodeOf(refused), u"invalid_token"_qs);
}

void TestOAuthApi::tamperedTokenIsRefused() {
    const auto issued =
        token("grant_type=client_credentials", basic(m_predict.info.clientId, m_predict.secret));
    std::string access = bodyOf(issued).value("access_token", "");
    const auto dot = access.find('.');
    // One payload character changed: the signature no longer matches.
    access[dot + 5] = access[dot + 5] == 'A' ? 'B' : 'A';
    QCOMPARE(call("POST", "/api/v1/ia/predict", access, kBody).status, 401);
}

void TestOAuthApi::expiredTokenIsRefused() {
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    config.security.oauth.tokenTtl = std::chrono::seconds(1);
    config.security.oauth.leeway = std::chrono::seconds(0);
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    auto clients = OAuthClientStore::open((*server)->config().dataDir / "security.sqlite");
    QVERIFY(clients.isOk());
    OAuthClientSpec spec;
    spec.name = "short";
    spec.scopes = scopes({Scope::Predict});
    const auto client = (*clients)->create(spec);
    QVERIFY(client.isOk());
    const auto issued =
        token("grant_type=client_credentials", basic(client->info.clientId, client->secret), kForm,
              (*server)->port());
    QCOMPARE(bodyOf(issued).value("expires_in", 0), 1);
    const std::string access = bodyOf(issued).value("access_token", "");
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    const auto refused = call("POST", "/api/v1/ia/predict", access, kBody, (*server)->port());
    QCOMPARE(refused.status, 401);
    QCOMPARE(errorCodeOf(refused), u"invalid_token"_qs);
}

void TestOAuthApi::failedClientAuthenticationIsThrottled() {
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    config.security.authFailures = {.ratePerSecond = 0.001, .burst = 3};
    auto server = startReadyServer(config);
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    auto clients = OAuthClientStore::open((*server)->config().dataDir / "security.sqlite");
    QVERIFY(clients.isOk());
    OAuthClientSpec spec;
    spec.name = "guessed";
    spec.scopes = scopes({Scope::Predict});
    const auto client = (*clients)->create(spec);
    QVERIFY(client.isOk());
    const std::uint16_t port = (*server)->port();
    for (int i = 0; i < 3; ++i) {
        const auto wrong = token("grant_type=client_credentials",
                                 basic(client->info.clientId, std::string(43, 'x')), kForm, port);
        QCOMPARE(wrong.status, 401);
    }
    // The right secret now comes too late from this address, and so does any other credential.
    const auto right = token("grant_type=client_credentials",
                             basic(client->info.clientId, client->secret), kForm, port);
    QCOMPARE(right.status, 429);
    QVERIFY(!right.header("Retry-After").empty());
    QCOMPARE(call("POST", "/api/v1/ia/predict", "whatever", kBody, port).status, 429);
}

void TestOAuthApi::clientsCommandRegistersListsAndRevokes() {
    const QString dataDir = QString::fromStdString(m_server->config().dataDir.string());
    const CommandRun created =
        runClients({u"create"_qs, u"--name"_qs, u"from-cli"_qs, u"--scopes"_qs, u"predict"_qs,
                    u"--data-dir"_qs, dataDir});
    QVERIFY2(created.code == 0, created.err.c_str());
    QVERIFY2(created.out.starts_with("registered client "), created.out.c_str());
    const std::string id = lineValue(created.out, "client_id");
    const std::string secret = lineValue(created.out, "client_secret");
    QCOMPARE(id.size(), std::size_t{16});
    QCOMPARE(secret.size(), std::size_t{43});
    const auto granted = token("grant_type=client_credentials", basic(id, secret));
    QVERIFY2(granted.status == 200, qPrintable(describe(granted)));

    const CommandRun listed = runClients({u"list"_qs, u"--data-dir"_qs, dataDir});
    QCOMPARE(listed.code, 0);
    QVERIFY2(listed.out.starts_with("CLIENT_ID "), listed.out.c_str());
    QVERIFY2(listed.out.find(id) != std::string::npos, listed.out.c_str());
    QVERIFY2(listed.out.find(secret) == std::string::npos, "list printed a secret");

    const CommandRun noId = runClients({u"revoke"_qs, u"--data-dir"_qs, dataDir});
    QCOMPARE(noId.code, 2);
    QVERIFY2(noId.err.find("revoke takes one client id") != std::string::npos, noId.err.c_str());
    const CommandRun unknown =
        runClients({u"revoke"_qs, u"0123456789abcdef"_qs, u"--data-dir"_qs, dataDir});
    QCOMPARE(unknown.code, 1);
    const CommandRun revoked =
        runClients({u"revoke"_qs, QString::fromStdString(id), u"--data-dir"_qs, dataDir});
    QVERIFY2(revoked.code == 0, revoked.err.c_str());
    QCOMPARE(revoked.out, "revoked client " + id + "\n");
    const auto refused = token("grant_type=client_credentials", basic(id, secret));
    QVERIFY2(refused.status == 401, qPrintable(describe(refused)));
}

QTEST_GUILESS_MAIN(TestOAuthApi)
#include "tst_oauth_api.moc"
