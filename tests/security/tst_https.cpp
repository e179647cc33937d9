// HTTPS end to end: the real server on loopback with a certificate made by `atalaya-server
// cert create` and one made independently by `openssl req`; clients that verify the chain and
// the host; old protocol versions, plain HTTP on the HTTPS port (a plain 400 that says so),
// broken handshakes and disconnects; HTTPS only; start-up errors for bad key material; and the
// security rejections of both predict API versions over TLS.
#include <openssl/ssl.h>

#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <mutex>
#include <thread>

#include "ApiTestSupport.h"
#include "client/HttpAdminClient.h"
#include "http/HttpServer.h"
#include "security/ApiKeyStore.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace std::chrono_literals;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
constexpr std::string_view kBody = R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})";
constexpr std::chrono::milliseconds kProcessTimeout{60'000};

struct KeyPair {
    std::filesystem::path cert;
    std::filesystem::path key;
};

// Runs a program to completion; its exit code, or -1 when it did not start or finish.
int run(const QString& program, const QStringList& arguments, QByteArray* output = nullptr) {
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, arguments);
    if (!process.waitForFinished(static_cast<int>(kProcessTimeout.count())) ||
        process.exitStatus() != QProcess::NormalExit) {
        process.kill();
        process.waitForFinished();
        return -1;
    }
    if (output != nullptr)
        *output = process.readAll();
    return process.exitCode();
}

QString path(const std::filesystem::path& file) {
    return QString::fromStdString(file.string());
}

TlsClientOptions trusting(const std::filesystem::path& cert) {
    TlsClientOptions options;
    options.caFile = cert.string();
    return options;
}

// Polls GET /readyz over HTTPS until 200: for servers that have no plain listener.
Status waitUntilReadyOverTls(std::uint16_t port, const std::filesystem::path& cert) {
    const auto until = std::chrono::steady_clock::now() + kModelLoadTimeout;
    for (;;) {
        HttpTestClient client(std::string(kLoopback), port, trusting(cert));
        const auto response = client.request("GET", "/readyz", {}, {}, 10s);
        if (response.status == 200)
            return Status::ok();
        if (std::chrono::steady_clock::now() > until)
            return Status(StatusCode::Unavailable,
                          "GET /readyz: " + describe(response).toStdString());
        std::this_thread::sleep_for(50ms);
    }
}

// "Bearer <token>" for a new predict-scoped key of `store`; empty when it cannot be made.
std::string predictBearer(security::ApiKeyStore& store) {
    security::ApiKeySpec spec;
    spec.name = "https";
    spec.scopes = static_cast<std::uint8_t>(Scope::Predict);
    auto issued = store.create(spec);
    return issued.isOk() ? "Bearer " + issued->token : std::string();
}

// A transport-only server answering every request at once with the request's target, except
// /slow, answered 300 ms later from another thread (the way inference threads answer).
class EchoServer {
public:
    EchoServer(const KeyPair& keys, std::chrono::milliseconds readTimeout = 10s) {
        http::HttpServerOptions options;
        options.plain = false;
        options.tls = http::TlsListenerOptions{.certFile = keys.cert, .keyFile = keys.key};
        options.ioThreads = 2;
        options.readTimeout = readTimeout;
        m_server = std::make_unique<http::HttpServer>(
            std::move(options), [this](http::HttpRequest&& request, http::Responder responder) {
                http::HttpResponse response;
                response.contentType = "text/plain";
                response.body = request.target;
                if (request.target != "/slow") {
                    responder.send(std::move(response));
                    return;
                }
                std::lock_guard lock(m_mutex);
                m_late.emplace_back([responder, response]() mutable {
                    std::this_thread::sleep_for(300ms);
                    responder.send(std::move(response));
                });
            });
    }
    ~EchoServer() {
        m_server->stop();
        std::lock_guard lock(m_mutex);
        m_late.clear();  // jthread joins
    }

    Status start() { return m_server->start(); }
    std::uint16_t port() const { return m_server->httpsPort(); }
    std::size_t openConnections() const { return m_server->openConnections(); }

    // True once every connection is closed, within a bound.
    bool drained() const {
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (openConnections() != 0 && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(20ms);
        return openConnections() == 0;
    }

private:
    std::unique_ptr<http::HttpServer> m_server;
    std::mutex m_mutex;
    std::vector<std::jthread> m_late;
};

}  // namespace

class TestHttps : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void certCommandRefusesToOverwrite();
    void servesWithEachCertificate_data();
    void servesWithEachCertificate();
    void rejectionsOverHttps_data();
    void rejectionsOverHttps();
    void clientRefusesAnotherCertificate();
    void tls11ClientIsRefused();
    void plainHttpOnHttpsPortGetsAClearAnswer_data();
    void plainHttpOnHttpsPortGetsAClearAnswer();
    void httpsOnlyServesNoPlainHttp();
    void badKeyMaterialFailsStart_data();
    void badKeyMaterialFailsStart();
    void adminClientTrustsTheGivenCertificate();

    void keepAliveAndPipeliningOverTls();
    void connectionCloseEndsWithCloseNotify();
    void disconnectDuringHandshake();
    void stalledHandshakeTimesOut();
    void disconnectMidRequest();

private:
    HttpTestClient client() const {
        return HttpTestClient(std::string(kLoopback), m_server->httpsPort(), trusting(m_ours.cert));
    }
    ServerConfig tlsConfig(const KeyPair& keys) const;

    QTemporaryDir m_dir;
    KeyPair m_ours;     // atalaya-server cert create
    KeyPair m_openssl;  // openssl req -x509, RSA
    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
    std::unique_ptr<security::ApiKeyStore> m_keys;
};

void TestHttps::initTestCase() {
    QVERIFY(m_dir.isValid());
    const std::filesystem::path dir = m_dir.path().toStdString();
    m_ours = {dir / "ours" / "cert.pem", dir / "ours" / "key.pem"};
    QByteArray output;
    QCOMPARE(run(QStringLiteral(ATALAYA_SERVER_BINARY),
                 {u"cert"_qs, u"create"_qs, u"--out"_qs, path(dir / "ours")}, &output),
             0);
    QVERIFY2(output.contains("SHA-256 fingerprint: "), output.constData());
    QCOMPARE(QFile::permissions(path(m_ours.key)),
             QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser);

    m_openssl = {dir / "openssl-cert.pem", dir / "openssl-key.pem"};
    const int made = run(
        u"openssl"_qs,
        {u"req"_qs, u"-x509"_qs, u"-newkey"_qs, u"rsa:2048"_qs, u"-nodes"_qs, u"-keyout"_qs,
         path(m_openssl.key), u"-out"_qs, path(m_openssl.cert), u"-days"_qs, u"2"_qs, u"-subj"_qs,
         u"/CN=localhost"_qs, u"-addext"_qs, u"subjectAltName=DNS:localhost,IP:127.0.0.1"_qs},
        &output);
    QVERIFY2(made == 0, output.constData());

    m_repository = std::make_unique<TestModelRepository>();
    QVERIFY(m_repository->link(kFixtures, "fixture-echo").isOk());
    auto server = startReadyServer(tlsConfig(m_ours));
    QVERIFY2(server.isOk(), server.status().toString().c_str());
    m_server = std::move(server).value();
    auto keys = security::ApiKeyStore::open(m_server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    m_keys = std::move(keys).value();
}

void TestHttps::cleanupTestCase() {
    m_server.reset();
    m_keys.reset();
}

ServerConfig TestHttps::tlsConfig(const KeyPair& keys) const {
    ServerConfig config = testServerConfig(m_repository->root());
    config.security.enabled = true;
    config.security.authFailures = {};  // this suite sends missing tokens on purpose
    config.http.tls = {.certFile = keys.cert, .keyFile = keys.key, .port = 0};
    return config;
}

void TestHttps::certCommandRefusesToOverwrite() {
    const QString out = path(m_ours.cert.parent_path());
    QFile cert(path(m_ours.cert));
    QVERIFY(cert.open(QIODevice::ReadOnly));
    const QByteArray before = cert.readAll();
    cert.close();
    QByteArray output;
    QCOMPARE(run(QStringLiteral(ATALAYA_SERVER_BINARY),
                 {u"cert"_qs, u"create"_qs, u"--out"_qs, out}, &output),
             1);
    QVERIFY2(output.contains("--force"), output.constData());
    QVERIFY(cert.open(QIODevice::ReadOnly));
    QCOMPARE(cert.readAll(), before);
    cert.close();
    // The other direction is checked by tst_selfsignedcertificate; a usage error is 2.
    QCOMPARE(run(QStringLiteral(ATALAYA_SERVER_BINARY), {u"cert"_qs, u"create"_qs}, &output), 2);
}

void TestHttps::servesWithEachCertificate_data() {
    QTest::addColumn<bool>("openssl");
    QTest::newRow("atalaya-server cert create (EC P-256)") << false;
    QTest::newRow("openssl req (RSA 2048)") << true;
}

void TestHttps::servesWithEachCertificate() {
    QFETCH(bool, openssl);
    const KeyPair& keys = openssl ? m_openssl : m_ours;
    std::unique_ptr<TestServer> own;
    TestServer* server = m_server.get();
    if (openssl) {
        auto started = startReadyServer(tlsConfig(keys));
        QVERIFY2(started.isOk(), started.status().toString().c_str());
        own = std::move(started).value();
        server = own.get();
    }
    QVERIFY(server->httpsPort() != 0 && server->httpsPort() != server->port());
    auto store = security::ApiKeyStore::open(server->config().dataDir / "security.sqlite");
    QVERIFY(store.isOk());
    const std::string bearer = predictBearer(**store);
    QVERIFY(!bearer.empty());
    const HeaderList auth{{"Authorization", bearer}};

    HttpTestClient https(std::string(kLoopback), server->httpsPort(), trusting(keys.cert));
    const auto health = get(https, "/healthz");
    QVERIFY2(health.status == 200, qPrintable(describe(health)));
    for (const char* target : {"/api/v1/ia/predict", "/api/v2/ia/predict"}) {
        const auto predicted = postJson(https, target, kBody, auth);
        QVERIFY2(predicted.status == 200, qPrintable(describe(predicted)));
        QVERIFY2(bodyOf(predicted).contains("predictions"), qPrintable(describe(predicted)));
    }
    // All of it on one TLS connection: keep-alive works through TLS.
    QCOMPARE(https.connectionsOpened(), 1);
}

void TestHttps::rejectionsOverHttps_data() {
    QTest::addColumn<std::string>("api");
    QTest::addColumn<bool>("withToken");
    QTest::addColumn<std::string>("contentType");
    QTest::addColumn<std::size_t>("bodyBytes");  // 0: the valid predict body
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    for (const std::string api : {"v1", "v2"}) {
        const auto row = [&](const char* name) -> QTestData& {
            return QTest::newRow(
                       qPrintable(QString::fromStdString(api) + u": " + QLatin1String(name)))
                   << api;
        };
        row("missing token") << false << std::string("application/json") << std::size_t{0} << 401
                             << u"missing_token"_qs;
        row("body over the limit") << true << std::string("application/json")
                                   << std::size_t{(1 << 20) + 1} << 413 << u"payload_too_large"_qs;
        row("not JSON") << true << std::string("text/plain") << std::size_t{0} << 415
                        << u"unsupported_media_type"_qs;
    }
}

void TestHttps::rejectionsOverHttps() {
    QFETCH(std::string, api);
    QFETCH(bool, withToken);
    QFETCH(std::string, contentType);
    QFETCH(std::size_t, bodyBytes);
    QFETCH(int, status);
    QFETCH(QString, code);
    HeaderList headers{{"Content-Type", contentType}};
    if (withToken)
        headers.emplace_back("Authorization", predictBearer(*m_keys));
    const std::string body = bodyBytes == 0 ? std::string(kBody) : std::string(bodyBytes, ' ');
    auto https = client();
    const auto response = postJson(https, "/api/" + api + "/ia/predict", body, headers);
    QVERIFY2(response.status == status, qPrintable(describe(response)));
    QCOMPARE(errorCodeOf(response), code);
    const QString problem = errorBodyProblem(response);
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    if (status == 401)
        QCOMPARE(QString::fromStdString(std::string(response.header("WWW-Authenticate"))),
                 uR"(Bearer realm="atalaya")"_qs);
    // The connection may be gone (413 closes it); a new one is served.
    QCOMPARE(get(https, "/healthz").status, 200);
}

// The verification above is real: a client that trusts another certificate gets no answer.
void TestHttps::clientRefusesAnotherCertificate() {
    HttpTestClient https(std::string(kLoopback), m_server->httpsPort(), trusting(m_openssl.cert));
    QVERIFY(!https.connect(10s));
    QVERIFY2(QString::fromStdString(https.lastError()).contains(u"certificate verify failed"_qs),
             https.lastError().c_str());
    // Nor one that trusts it but asks for a name the certificate does not carry.
    TlsClientOptions otherName = trusting(m_ours.cert);
    otherName.serverName = "atalaya.example";
    HttpTestClient wrongName(std::string(kLoopback), m_server->httpsPort(), otherName);
    QVERIFY(!wrongName.connect(10s));
    QVERIFY2(
        QString::fromStdString(wrongName.lastError()).contains(u"certificate verify failed"_qs),
        wrongName.lastError().c_str());
}

void TestHttps::tls11ClientIsRefused() {
    TlsClientOptions old = trusting(m_ours.cert);
    old.minVersion = TLS1_1_VERSION;
    old.maxVersion = TLS1_1_VERSION;
    HttpTestClient legacy(std::string(kLoopback), m_server->httpsPort(), old);
    QVERIFY(!legacy.connect(10s));
    // The server's protocol_version alert (RFC 8446 §6.2), not the client giving up by itself.
    QVERIFY2(QString::fromStdString(legacy.lastError()).contains(u"alert protocol version"_qs),
             legacy.lastError().c_str());

    TlsClientOptions tls12 = trusting(m_ours.cert);
    tls12.minVersion = TLS1_2_VERSION;
    tls12.maxVersion = TLS1_2_VERSION;
    HttpTestClient modern(std::string(kLoopback), m_server->httpsPort(), tls12);
    QCOMPARE(get(modern, "/healthz").status, 200);
}

void TestHttps::plainHttpOnHttpsPortGetsAClearAnswer_data() {
    QTest::addColumn<QByteArray>("sent");
    QTest::addColumn<bool>("answered");
    QTest::newRow("GET") << QByteArray("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n") << true;
    QTest::newRow("POST with a body")
        << QByteArray(
               "POST /api/v2/ia/predict HTTP/1.1\r\nHost: localhost\r\n"
               "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        << true;
    QTest::newRow("method cut short") << QByteArray("OPTI") << true;
    // Neither TLS nor HTTP: nothing to say to it, so the connection is just closed.
    QTest::newRow("binary") << QByteArray("\x01\x02\x03\x04", 4) << false;
    QTest::newRow("lowercase method") << QByteArray("get / HTTP/1.1\r\n\r\n") << false;
}

void TestHttps::plainHttpOnHttpsPortGetsAClearAnswer() {
    QFETCH(QByteArray, sent);
    QFETCH(bool, answered);
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_server->httpsPort());
    QVERIFY(socket.waitForConnected(10'000));
    QCOMPARE(socket.write(sent), sent.size());
    QVERIFY(socket.waitForBytesWritten(10'000));
    // Everything the server says until it closes the connection, within a bound.
    QByteArray answer;
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (socket.state() == QAbstractSocket::ConnectedState &&
           std::chrono::steady_clock::now() < until) {
        socket.waitForReadyRead(200);
        answer += socket.readAll();
    }
    answer += socket.readAll();
    QVERIFY2(socket.state() != QAbstractSocket::ConnectedState, "the server kept it open");
    if (!answered) {
        QVERIFY2(answer.isEmpty(), answer.constData());
        return;
    }
    const qsizetype end = answer.indexOf("\r\n\r\n");
    QVERIFY2(end > 0, answer.constData());
    const QByteArray head = answer.left(end + 2);
    const QByteArray body = answer.mid(end + 4);
    QVERIFY2(head.startsWith("HTTP/1.1 400 Bad Request\r\n"), head.constData());
    QVERIFY2(head.contains("Content-Type: application/json\r\n"), head.constData());
    QVERIFY2(head.contains("Connection: close\r\n"), head.constData());
    QVERIFY2(
        head.contains(QByteArray("Content-Length: " + QByteArray::number(body.size()) + "\r\n")),
        head.constData());
    const Json error = Json::parse(body.toStdString(), nullptr, false);
    const Json expected = {{"error",
                            {{"code", "plain_http_on_https_port"},
                             {"message", "this port speaks HTTPS; use https://"}}}};
    QCOMPARE(dumped(error), dumped(expected));
    // The same port still speaks HTTPS.
    auto https = client();
    QCOMPARE(get(https, "/healthz").status, 200);
}

void TestHttps::httpsOnlyServesNoPlainHttp() {
    // A port that was free a moment ago; with plain HTTP off nothing may listen on it.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const auto plainPort = static_cast<std::uint16_t>(probe.serverPort());
    probe.close();

    ServerConfig config = tlsConfig(m_ours);
    config.http.plain = false;
    config.http.port = plainPort;
    TestServer server(config);
    const Status started = server.start();
    QVERIFY2(started.isOk(), started.toString().c_str());
    QCOMPARE(server.port(), std::uint16_t{0});
    QVERIFY(server.httpsPort() != 0);
    QCOMPARE(QString::fromStdString(server.baseUrl()),
             u"https://127.0.0.1:%1"_qs.arg(server.httpsPort()));
    const Status ready = waitUntilReadyOverTls(server.httpsPort(), m_ours.cert);
    QVERIFY2(ready.isOk(), ready.toString().c_str());
    HttpTestClient plain(std::string(kLoopback), plainPort);
    QVERIFY(!plain.connect(5s));
}

void TestHttps::badKeyMaterialFailsStart_data() {
    QTest::addColumn<QString>("cert");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("message");
    const QString ours = path(m_ours.cert);
    const QString oursKey = path(m_ours.key);
    QTest::newRow("key of another certificate")
        << ours << path(m_openssl.key)
        << u"TLS: the private key in %1 does not match the certificate in %2"_qs.arg(
               path(m_openssl.key), ours);
    QTest::newRow("EC key of another EC certificate")
        << path(m_ours.cert) << u"other-ec"_qs << u"does not match the certificate"_qs;
    QTest::newRow("missing certificate")
        << u"/nonexistent/cert.pem"_qs << oursKey
        << u"TLS: cannot read the certificate file /nonexistent/cert.pem"_qs;
    QTest::newRow("certificate is not PEM") << oursKey << oursKey << u"is not a PEM certificate"_qs;
    QTest::newRow("key is not PEM") << ours << ours << u"is not a PEM private key"_qs;
}

void TestHttps::badKeyMaterialFailsStart() {
    QFETCH(QString, cert);
    QFETCH(QString, key);
    QFETCH(QString, message);
    if (key == u"other-ec"_qs) {
        const QString other = m_dir.filePath(u"other-ec"_qs);
        QCOMPARE(run(QStringLiteral(ATALAYA_SERVER_BINARY),
                     {u"cert"_qs, u"create"_qs, u"--force"_qs, u"--out"_qs, other}),
                 0);
        key = other + u"/key.pem"_qs;
    }
    ServerConfig config = tlsConfig({cert.toStdString(), key.toStdString()});
    TestServer server(config);
    const Status started = server.start();
    QVERIFY(!started.isOk());
    QVERIFY2(QString::fromStdString(started.message()).contains(message),
             started.toString().c_str());
    // Nothing was left listening.
    QCOMPARE(server.port(), std::uint16_t{0});
}

// The console's remote mode (atalaya --remote https://... --ca-cert cert.pem).
void TestHttps::adminClientTrustsTheGivenCertificate() {
    security::ApiKeySpec spec;
    spec.name = "console";
    spec.scopes = static_cast<std::uint8_t>(Scope::Metrics);
    auto issued = m_keys->create(spec);
    QVERIFY(issued.isOk());
    const QUrl url(u"https://127.0.0.1:%1"_qs.arg(m_server->httpsPort()));
    const auto refresh = [&](const QString& caFile) -> std::pair<int, QString> {
        client::HttpAdminClient admin(url);
        admin.setBearerToken(QString::fromStdString(issued->token));
        admin.setTimeout(30s);
        if (!caFile.isEmpty() && !admin.setCaCertificatesFile(caFile).isOk())
            return {-1, u"bad CA file"_qs};
        QSignalSpy updated(&admin, &client::AdminClient::healthUpdated);
        QSignalSpy failed(&admin, &client::AdminClient::requestFailed);
        admin.refreshHealth();
        if (!QTest::qWaitFor([&] { return !updated.isEmpty() || !failed.isEmpty(); }, 40'000))
            return {-1, u"no signal"_qs};
        return {static_cast<int>(updated.size()),
                failed.isEmpty() ? QString() : failed.front().front().toString()};
    };
    const auto trusted = refresh(path(m_ours.cert));
    QVERIFY2(trusted.first == 1, qPrintable(trusted.second));
    // The system's CAs do not vouch for a self-signed certificate, nor does another one.
    for (const QString& ca : {QString(), path(m_openssl.cert)}) {
        const auto refused = refresh(ca);
        QCOMPARE(refused.first, 0);
        QVERIFY2(!refused.second.isEmpty(), qPrintable(ca));
    }
    client::HttpAdminClient admin(url);
    QVERIFY(!admin.setCaCertificatesFile(path(m_ours.key)).isOk());
}

// --- The transport alone (http::HttpServer), where open connections can be counted ----------

void TestHttps::keepAliveAndPipeliningOverTls() {
    EchoServer server(m_ours);
    QVERIFY(server.start().isOk());
    HttpTestClient https(std::string(kLoopback), server.port(), trusting(m_ours.cert));
    QCOMPARE(https.request("GET", "/one").body, "/one");
    QCOMPARE(https.request("GET", "/two").body, "/two");
    QCOMPARE(https.connectionsOpened(), 1);
    // Three requests in one write: answered in request order, the slow one included.
    QVERIFY(
        https.sendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
    for (const char* expected : {"/slow", "/a", "/b"}) {
        const auto response = https.readResponse(10s);
        QVERIFY2(response.status == 200, qPrintable(describe(response)));
        QCOMPARE(response.body, expected);
    }
}

void TestHttps::connectionCloseEndsWithCloseNotify() {
    EchoServer server(m_ours);
    QVERIFY(server.start().isOk());
    HttpTestClient https(std::string(kLoopback), server.port(), trusting(m_ours.cert));
    const auto response = https.request("GET", "/bye", {}, {{"Connection", "close"}}, 10s);
    QCOMPARE(response.status, 200);
    QVERIFY(!response.keepAlive);
    // The server's close_notify reads as a clean end of stream, well before any timeout.
    QVERIFY(https.waitForClose(5s));
    QVERIFY(server.drained());
}

void TestHttps::disconnectDuringHandshake() {
    EchoServer server(m_ours);
    QVERIFY(server.start().isOk());
    // A TLS record header announcing a 512-byte ClientHello, and 4 bytes of it.
    const std::string partialHello("\x16\x03\x01\x02\x00\x01\x00\x01", 8);
    for (int i = 0; i < 20; ++i) {
        HttpTestClient raw(std::string(kLoopback), server.port());
        if (i % 2 == 0)
            QVERIFY(raw.sendRaw(partialHello));
        else
            QVERIFY(raw.connect());
        raw.close();
    }
    // Garbage instead of a ClientHello.
    HttpTestClient garbage(std::string(kLoopback), server.port());
    QVERIFY(garbage.sendRaw(std::string(600, 'x')));
    QVERIFY(garbage.waitForClose(10s));
    QVERIFY(server.drained());
    HttpTestClient https(std::string(kLoopback), server.port(), trusting(m_ours.cert));
    QCOMPARE(https.request("GET", "/after").body, "/after");
}

void TestHttps::stalledHandshakeTimesOut() {
    EchoServer server(m_ours, 300ms);
    QVERIFY(server.start().isOk());
    HttpTestClient silent(std::string(kLoopback), server.port());
    QVERIFY(silent.connect());
    // Bounded by the read timeout, not by the (30 s) idle timeout.
    QVERIFY(silent.waitForClose(5s));
    QVERIFY(server.drained());
}

void TestHttps::disconnectMidRequest() {
    EchoServer server(m_ours);
    QVERIFY(server.start().isOk());
    {
        // Half a body, then gone.
        HttpTestClient https(std::string(kLoopback), server.port(), trusting(m_ours.cert));
        QVERIFY(https.sendRaw("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
        https.close();
    }
    {
        // Gone while the answer is being computed: it arrives for a closed connection.
        HttpTestClient https(std::string(kLoopback), server.port(), trusting(m_ours.cert));
        QVERIFY(https.sendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
        https.close();
    }
    std::this_thread::sleep_for(500ms);  // past the late answer
    QVERIFY(server.drained());
    HttpTestClient https(std::string(kLoopback), server.port(), trusting(m_ours.cert));
    QCOMPARE(https.request("GET", "/after").body, "/after");
}

QTEST_GUILESS_MAIN(TestHttps)
#include "tst_https.moc"
