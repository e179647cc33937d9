// Crash safety of the inference log: the real atalaya-server binary, killed with SIGKILL while
// clients drive predict load, leaves a database that passes PRAGMA integrity_check and lost at
// most the rows of its last flush interval (docs/telemetry.md).
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>

#include "ApiTestSupport.h"
#include "telemetry/SqliteDatabase.h"

using namespace atalaya;
using namespace atalaya::test;
using namespace Qt::StringLiterals;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path kDemoModels = ATALAYA_DEMO_MODELS;
const QString kBinary = QStringLiteral(ATALAYA_SERVER_BINARY);
constexpr int kProcessTimeoutMs = 60'000;
constexpr std::chrono::milliseconds kFlushInterval{200};
constexpr int kClientThreads = 4;
constexpr std::chrono::milliseconds kLoad{1500};

const std::string kPredictBody =
    R"({"model":"credit-risk","instances":[{"age":41,"income":52000,"debt_ratio":0.31,)"
    R"("credit_history_years":12,"num_open_accounts":4,"num_late_payments":0,)"
    R"("loan_amount":15000,"loan_term_months":36,"employment_years":8,"savings":12000}]})";

QString qpath(const fs::path& path) {
    return QString::fromStdString(path.string());
}

}  // namespace

class TestInferenceLogCrash : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void killUnderLoadLosesAtMostTheLastFlush();

private:
    Result<std::uint16_t> startServer();

    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_process;
};

void TestInferenceLogCrash::initTestCase() {
    QVERIFY2(QFileInfo(kBinary).isExecutable(), qPrintable(kBinary + u" is not built"_s));
    m_repository = std::make_unique<TestModelRepository>();
    const Status linked = m_repository->link(kDemoModels, "credit-risk");
    QVERIFY2(linked.isOk(), linked.toString().c_str());
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestInferenceLogCrash::cleanup() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->kill();
        m_process->waitForFinished(kProcessTimeoutMs);
    }
    m_process.reset();
}

Result<std::uint16_t> TestInferenceLogCrash::startServer() {
    const fs::path root = m_dir->path().toStdString();
    const fs::path config = root / "atalaya.json";
    std::ofstream(config) << R"({"telemetry":{"inference_log":true,"flush_interval_ms":)"
                          << kFlushInterval.count() << R"(,"queue_capacity":65536},)"
                          << R"("security":{"enabled":false}})";
    m_process = std::make_unique<QProcess>();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char* name :
         {"ATALAYA_CONFIG", "ATALAYA_HOST", "ATALAYA_PORT", "ATALAYA_MODELS", "ATALAYA_DATA_DIR"}) {
        environment.remove(QString::fromLatin1(name));
    }
    m_process->setProcessEnvironment(environment);
    m_process->setProgram(kBinary);
    m_process->setArguments({u"--config"_s, qpath(config), u"--host"_s, u"127.0.0.1"_s, u"--port"_s,
                             u"0"_s, u"--models"_s, qpath(m_repository->root()), u"--data-dir"_s,
                             qpath(root / "data"), u"--intra-op-threads"_s, u"1"_s});
    m_process->start();
    if (!m_process->waitForStarted(kProcessTimeoutMs)) {
        return internalError("cannot start " + kBinary.toStdString());
    }
    static const QRegularExpression listening(
        QStringLiteral(R"(atalaya-server listening on http://127\.0\.0\.1:(\d+)\n)"));
    QByteArray out;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < kProcessTimeoutMs && m_process->state() != QProcess::NotRunning) {
        out += m_process->readAllStandardOutput();
        const auto match = listening.match(QString::fromUtf8(out));
        if (match.hasMatch())
            return static_cast<std::uint16_t>(match.captured(1).toUInt());
        m_process->waitForReadyRead(100);
    }
    return internalError("no \"listening on\" line; stdout: " + out.toStdString() +
                         "; stderr: " + m_process->readAllStandardError().toStdString());
}

void TestInferenceLogCrash::killUnderLoadLosesAtMostTheLastFlush() {
    const auto port = startServer();
    QVERIFY2(port.isOk(), port.status().toString().c_str());
    const Status ready = waitUntilReady(*port);
    QVERIFY2(ready.isOk(), ready.toString().c_str());

    {  // Refused before the batcher: answered, but not an inference, so not logged.
        HttpTestClient client(std::string(kLoopback), *port);
        const auto refused =
            postJson(client, "/api/v1/ia/predict", std::string_view(R"({"model":"credit-risk"})"),
                     HeaderList{{"X-Request-Id", "refused-1"}});
        QCOMPARE(refused.status, 400);
    }

    // Each client thread sends predicts back to back and notes when each answer arrived.
    std::atomic<bool> stopLoad{false};
    std::mutex answersMutex;
    std::vector<Clock::time_point> answers;
    std::map<int, int> statuses;
    std::vector<std::thread> clients;
    for (int t = 0; t < kClientThreads; ++t) {
        clients.emplace_back([&, port = *port] {
            HttpTestClient client(std::string(kLoopback), port);
            while (!stopLoad.load()) {
                const auto response = postJson(client, "/api/v1/ia/predict", kPredictBody);
                const auto at = Clock::now();
                if (response.status == 0) {  // the server is gone
                    if (stopLoad.load())
                        break;
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
                    continue;
                }
                std::lock_guard lock(answersMutex);
                answers.push_back(at);
                ++statuses[response.status];
            }
        });
    }
    std::this_thread::sleep_for(kLoad / 2);
    const auto health = fetchHealth(*port);  // under load: the log is on and writing
    QVERIFY2(health.isOk(), health.status().toString().c_str());
    std::this_thread::sleep_for(kLoad / 2);

    const auto killedAt = Clock::now();
    m_process->kill();  // SIGKILL: no drain, no final flush
    QVERIFY(m_process->waitForFinished(kProcessTimeoutMs));
    QCOMPARE(m_process->exitStatus(), QProcess::CrashExit);
    stopLoad = true;
    for (auto& client : clients)
        client.join();

    const Json telemetry = (*health)["telemetry"];
    QVERIFY2(telemetry.value("inference_log", false), telemetry.dump().c_str());
    QVERIFY2(telemetry.value("rows_written", 0) > 0, telemetry.dump().c_str());
    QCOMPARE(telemetry.value("rows_dropped", -1), 0);

    // Answers the server may have recorded without committing: those of the last flush
    // interval, doubled for the flush in progress and a writer thread scheduled late.
    const auto window = killedAt - 2 * kFlushInterval;
    const auto answered = static_cast<std::int64_t>(answers.size());
    const auto recent = static_cast<std::int64_t>(
        std::count_if(answers.begin(), answers.end(), [&](auto at) { return at >= window; }));

    const fs::path file = fs::path(m_dir->path().toStdString()) / "data" / "inference-log.sqlite";
    auto db = SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite);  // replays the WAL
    QVERIFY2(db.isOk(), db.status().toString().c_str());
    const auto integrity = db->queryText("PRAGMA integrity_check");
    QVERIFY2(integrity.isOk(), integrity.status().toString().c_str());
    QCOMPARE(QString::fromStdString(*integrity), u"ok"_s);
    const auto rows = db->queryInt("SELECT COUNT(*) FROM inference_log");
    const auto rolledUp =
        db->queryInt("SELECT COALESCE(SUM(requests), 0) FROM inference_rollup_minute");
    const auto refusedRows =
        db->queryInt("SELECT COUNT(*) FROM inference_log WHERE request_id = 'refused-1'");
    const auto foreign = db->queryInt(
        "SELECT COUNT(*) FROM inference_log WHERE model <> 'credit-risk' OR version <> 1 OR "
        "route <> 'predict' OR api_version <> 'v1' OR http_status <> 200 OR "
        "label NOT IN ('approve', 'decline') OR inputs NOT LIKE '%\"debt_ratio\":0.31%'");
    QVERIFY(rows.isOk() && rolledUp.isOk() && refusedRows.isOk() && foreign.isOk());

    qInfo(
        "answered %lld (%lld in the last %lld ms before the kill), rows %lld, rolled up %lld, "
        "lost %lld",
        static_cast<long long>(answered), static_cast<long long>(recent),
        static_cast<long long>(2 * kFlushInterval.count()), static_cast<long long>(*rows),
        static_cast<long long>(*rolledUp), static_cast<long long>(answered - *rows));
    QVERIFY2(answered >= 200, "too little load to say anything");
    QCOMPARE(statuses.size(), std::size_t{1});
    QCOMPARE(statuses.begin()->first, 200);
    QVERIFY2(*rows >= answered - recent, "more was lost than the last flush interval");
    // A row per answer at most, plus one per client whose answer the kill cut off.
    QVERIFY2(*rows <= answered + kClientThreads, "rows that no request explains");
    QCOMPARE(*rolledUp, *rows);  // rows and rollups commit together
    QCOMPARE(*refusedRows, 0);
    QCOMPARE(*foreign, 0);
}

QTEST_GUILESS_MAIN(TestInferenceLogCrash)
#include "tst_inferencelog_crash.moc"
