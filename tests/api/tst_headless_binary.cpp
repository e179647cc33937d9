// The real atalaya-server binary, run with QProcess: its command line, start-up on a free port
// announced on stdout, and a SIGTERM that lets accepted requests finish before exiting 0.
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <optional>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace Qt::StringLiterals;

namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = ATALAYA_TEST_FIXTURES;
const QString kBinary = QStringLiteral(ATALAYA_SERVER_BINARY);
constexpr int kProcessTimeoutMs = 60'000;
constexpr int kFixtureBatch = 8;  // max_batch_size of fixture-slow: such a request runs alone

QString qpath(const fs::path& path) {
    return QString::fromStdString(path.string());
}

std::string slowBody(int rows) {
    Json instances = Json::array();
    for (int i = 0; i < rows; ++i)
        instances.push_back(Json::array({1.0, 0.0, 0.0}));
    return Json{{"model", "fixture-slow"}, {"instances", instances}}.dump();
}

}  // namespace

class TestHeadlessBinary : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();

    void helpListsOptions();
    void badArguments_data();
    void badArguments();
    void servesOnAFreePort();
    void sigtermDrainsAcceptedRequests();

private:
    // Runs the binary with `arguments` after the test's own (loopback, port 0, the test
    // repository); later flags win. Returns the port it announced on stdout.
    Result<std::uint16_t> startServer(const QStringList& arguments = {});
    QStringList baseArguments() const;
    struct Snapshot {
        int answered = 0;
        int queued = 0;
    };
    // Waits until every one of `count` requests is accepted and some are still queued.
    static std::optional<Snapshot> waitForAllAccepted(std::uint16_t port,
                                                      const ConcurrentRequests& requests,
                                                      int count);

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<QTemporaryDir> m_dataDir;
    std::unique_ptr<QProcess> m_process;
    QByteArray m_stdout;
};

void TestHeadlessBinary::initTestCase() {
    QVERIFY2(QFileInfo(kBinary).isExecutable(), qPrintable(kBinary + u" is not built"_s));
    m_repository = std::make_unique<TestModelRepository>();
    for (const char* model : {"fixture-echo", "fixture-slow"}) {
        const Status linked = m_repository->link(kFixtures, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    const auto slow = readModelJson(kFixtures / "fixture-slow", 1);
    QVERIFY2(slow.isOk(), slow.status().toString().c_str());
    QCOMPARE((*slow)["batching"].value("max_batch_size", 0), kFixtureBatch);
    m_dataDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dataDir->isValid());
}

void TestHeadlessBinary::cleanup() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(kProcessTimeoutMs);
    }
    m_process.reset();
    m_stdout.clear();
}

QStringList TestHeadlessBinary::baseArguments() const {
    return {u"--host"_s,     u"127.0.0.1"_s,    u"--port"_s,
            u"0"_s,          u"--models"_s,     qpath(m_repository->root()),
            u"--data-dir"_s, m_dataDir->path(), u"--intra-op-threads"_s,
            u"1"_s};
}

Result<std::uint16_t> TestHeadlessBinary::startServer(const QStringList& arguments) {
    m_process = std::make_unique<QProcess>();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    // The binary reads these too; the test's flags must be all it is told.
    for (const char* name :
         {"ATALAYA_CONFIG", "ATALAYA_HOST", "ATALAYA_PORT", "ATALAYA_MODELS", "ATALAYA_DATA_DIR"}) {
        environment.remove(QString::fromLatin1(name));
    }
    // Serving is under test here, not credentials (tests/security/tst_auth_api runs the binary
    // with authentication on).
    environment.insert(QStringLiteral("ATALAYA_AUTH"), QStringLiteral("off"));
    m_process->setProcessEnvironment(environment);
    m_process->setProgram(kBinary);
    m_process->setArguments(baseArguments() + arguments);
    m_process->start();
    if (!m_process->waitForStarted(kProcessTimeoutMs)) {
        return internalError("cannot start " + kBinary.toStdString() + ": " +
                             m_process->errorString().toStdString());
    }
    static const QRegularExpression listening(
        QStringLiteral(R"(atalaya-server listening on http://127\.0\.0\.1:(\d+)\n)"));
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < kProcessTimeoutMs) {
        m_stdout += m_process->readAllStandardOutput();
        const auto match = listening.match(QString::fromUtf8(m_stdout));
        if (match.hasMatch()) {
            bool ok = false;
            const uint port = match.captured(1).toUInt(&ok);
            if (!ok || port == 0 || port > 65535)
                break;
            return static_cast<std::uint16_t>(port);
        }
        if (m_process->state() == QProcess::NotRunning)
            break;
        m_process->waitForReadyRead(100);
    }
    return internalError("no \"listening on\" line; stdout: " + m_stdout.toStdString() +
                         "; stderr: " + m_process->readAllStandardError().toStdString());
}

void TestHeadlessBinary::helpListsOptions() {
    QProcess process;
    process.start(kBinary, {u"--help"_s});
    QVERIFY2(process.waitForFinished(kProcessTimeoutMs), qPrintable(process.errorString()));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 0);
    const QString help = QString::fromUtf8(process.readAllStandardOutput());
    for (const char* option : {"--config", "--host", "--port", "--models", "--data-dir"}) {
        QVERIFY2(help.contains(QLatin1StringView(option)),
                 qPrintable(option + u" missing from:\n"_s + help));
    }
}

void TestHeadlessBinary::badArguments_data() {
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");  // what the error message must name
    QTest::newRow("port not a number") << QStringList{u"--port"_s, u"http"_s} << u"--port"_s;
    QTest::newRow("port too large") << QStringList{u"--port"_s, u"70000"_s} << u"--port"_s;
    QTest::newRow("no workers") << QStringList{u"--workers"_s, u"0"_s} << u"--workers"_s;
    QTest::newRow("negative body limit")
        << QStringList{u"--max-body-bytes"_s, u"-1"_s} << u"--max-body-bytes"_s;
    QTest::newRow("unknown flag") << QStringList{u"--turbo"_s} << u"turbo"_s;
    QTest::newRow("missing config file")
        << QStringList{u"--config"_s, u"/nonexistent/atalaya.json"_s}
        << u"/nonexistent/atalaya.json"_s;
    QTest::newRow("missing repository")
        << QStringList{u"--models"_s, u"/nonexistent/models"_s} << u"/nonexistent/models"_s;
}

// Refused before serving: a non-zero exit and a message on stderr that names the problem.
void TestHeadlessBinary::badArguments() {
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    m_process = std::make_unique<QProcess>();
    m_process->start(kBinary, baseArguments() + arguments);
    QVERIFY2(m_process->waitForFinished(kProcessTimeoutMs), "the server started anyway");
    QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
    QVERIFY(m_process->exitCode() != 0);
    const QString error = QString::fromUtf8(m_process->readAllStandardError());
    QVERIFY2(error.contains(mentions), qPrintable(u"stderr: "_s + error));
}

void TestHeadlessBinary::servesOnAFreePort() {
    const auto port = startServer();
    QVERIFY2(port.isOk(), port.status().toString().c_str());
    HttpTestClient client(std::string(kLoopback), *port);
    const auto alive = get(client, "/healthz");
    QVERIFY2(alive.status == 200, qPrintable(describe(alive)));
    QCOMPARE(dumped(bodyOf(alive)), u"{\"status\":\"alive\"}"_s);
    const Status ready = waitUntilReady(*port);
    QVERIFY2(ready.isOk(), ready.toString().c_str());
    const auto served =
        postJson(client, "/api/v1/ia/predict",
                 Json{{"model", "fixture-echo"}, {"instances", {{{"a", 2}, {"b", 0}, {"c", 5}}}}});
    QVERIFY2(served.status == 200, qPrintable(describe(served)));
    QCOMPARE(stringAt(bodyOf(served)["predictions"][0], "label"), u"left"_s);

    m_process->terminate();
    QVERIFY(m_process->waitForFinished(kProcessTimeoutMs));
    QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_process->exitCode(), 0);
}

std::optional<TestHeadlessBinary::Snapshot> TestHeadlessBinary::waitForAllAccepted(
    std::uint16_t port, const ConcurrentRequests& requests, int count) {
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < kRequestTimeout.count()) {
        // Read before the health snapshot: it can only have grown by the time the snapshot is
        // taken, so when answered + queued + running covers every request, none is still on
        // its way in. (Each request is a full batch: in_flight > 0 is exactly one request.)
        const int answered = requests.answered();
        if (answered == count)
            return std::nullopt;  // all done before a snapshot caught them
        const auto health = fetchHealth(port);
        if (health.isOk()) {
            const Json slow = versionHealth(*health, "fixture-slow", 1);
            const int queued = slow.value("queue_depth", 0);
            const int running = slow.value("in_flight", 0) > 0 ? 1 : 0;
            if (queued >= 1 && answered + queued + running >= count) {
                return Snapshot{.answered = answered, .queued = queued};
            }
        }
        QTest::qSleep(5);
    }
    return std::nullopt;
}

// SIGTERM stops accepting, lets every accepted request finish (Drain::Wait), then exits 0.
// Each request fills a batch of fixture-slow, so they run one after another; SIGTERM is sent
// once the health detail shows every request accepted and some still queued. A round whose
// requests all finished before that could be seen is repeated.
void TestHeadlessBinary::sigtermDrainsAcceptedRequests() {
    constexpr int kRequests = 10;
    constexpr int kRounds = 3;
    const auto port = startServer();
    QVERIFY2(port.isOk(), port.status().toString().c_str());
    const Status ready = waitUntilReady(*port);
    QVERIFY2(ready.isOk(), ready.toString().c_str());

    const std::vector<RequestSpec> specs(
        kRequests, RequestSpec{.target = "/api/v1/ia/predict", .body = slowBody(kFixtureBatch)});
    std::optional<Snapshot> atSigterm;
    std::vector<HttpTestResponse> responses;
    for (int round = 0; round < kRounds && !atSigterm; ++round) {
        ConcurrentRequests requests(*port, specs);
        atSigterm = waitForAllAccepted(*port, requests, kRequests);
        if (atSigterm)
            m_process->terminate();
        responses = requests.wait();
    }
    QVERIFY2(atSigterm, "never saw every request accepted with some still queued");
    qDebug("SIGTERM sent with %d request(s) answered and %d queued", atSigterm->answered,
           atSigterm->queued);

    int succeeded = 0;
    for (const auto& response : responses) {
        if (response.status == 503) {
            // Legal only for a request the snapshot counted twice (popped from the queue
            // between reading queue_depth and in_flight) and so not accepted before SIGTERM.
            QCOMPARE(errorCodeOf(response), u"draining"_s);
            continue;
        }
        QVERIFY2(response.status == 200, qPrintable(describe(response)));
        const Json predictions = bodyOf(response)["predictions"];
        QCOMPARE(predictions.size(), std::size_t{kFixtureBatch});
        QCOMPARE(stringAt(predictions[0], "label"), u"left"_s);
        ++succeeded;
    }
    QVERIFY2(succeeded >= atSigterm->answered + atSigterm->queued,
             qPrintable(u"%1 succeeded; %2 were answered and %3 queued at SIGTERM"_s.arg(succeeded)
                            .arg(atSigterm->answered)
                            .arg(atSigterm->queued)));
    QVERIFY2(m_process->waitForFinished(kProcessTimeoutMs), "did not exit after draining");
    QCOMPARE(m_process->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_process->exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestHeadlessBinary)
#include "tst_headless_binary.moc"
