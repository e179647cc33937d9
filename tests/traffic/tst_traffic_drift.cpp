// atalaya-traffic against the real server (in-process, demo models, security off): its normal
// traffic is answered and raises no drift; its shifted traffic (incomes x1.5, reviews 10 words
// longer) is answered and the drift report in /api/v1/health flags exactly what was shifted.
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>
#include <thread>

#include "ApiTestSupport.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const QString kBinary = QStringLiteral(ATALAYA_TRAFFIC_BINARY);
const std::filesystem::path kModels = ATALAYA_DEMO_MODELS;
constexpr int kRunTimeoutMs = 120'000;
constexpr std::chrono::seconds kDriftTimeout{30};

struct TrafficRun {
    int exitCode = -1;
    std::int64_t sent = 0, ok = 0, errors = 0, unanswered = -1;
    QString output;
};

// Runs the binary to its end (it stops by itself after --seconds).
TrafficRun runTraffic(std::uint16_t port, const QStringList& extra) {
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    QStringList arguments{
        QStringLiteral("--url"),        QStringLiteral("http://127.0.0.1:%1").arg(port),
        QStringLiteral("--rate"),       QStringLiteral("20"),
        QStringLiteral("--instances"),  QStringLiteral("16"),
        QStringLiteral("--wait-ready"), QStringLiteral("30")};
    process.start(kBinary, arguments + extra);
    TrafficRun run;
    if (!process.waitForFinished(kRunTimeoutMs)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitCode();
    run.output = QString::fromUtf8(process.readAll());
    static const QRegularExpression total(QStringLiteral(
        R"(total sent (\d+), ok (\d+), errors (\d+), skipped \d+, unanswered (\d+))"));
    const auto match = total.match(run.output);
    if (match.hasMatch()) {
        run.sent = match.captured(1).toLongLong();
        run.ok = match.captured(2).toLongLong();
        run.errors = match.captured(3).toLongLong();
        run.unanswered = match.captured(4).toLongLong();
    }
    return run;
}

Json driftReport(const Json& health, const std::string& model, std::int64_t version) {
    for (const Json& report : health["drift"]["versions"]) {
        if (report["model"] == model && report["version"] == version)
            return report;
    }
    return nullptr;
}

// Polls the health report until `done` holds for it (the drift worker runs every 250 ms), or
// the timeout; returns the last report seen.
template <class Predicate>
Json pollDrift(std::uint16_t port, const std::string& model, std::int64_t version, Predicate done) {
    QElapsedTimer clock;
    clock.start();
    Json report;
    while (clock.elapsed() < std::chrono::milliseconds(kDriftTimeout).count()) {
        const auto health = fetchHealth(port);
        if (health.isOk()) {
            report = driftReport(*health, model, version);
            if (!report.is_null() && done(report))
                return report;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return report;
}

const Json* feature(const Json& report, const std::string& name) {
    for (const Json& f : report["features"]) {
        if (f["name"] == name)
            return &f;
    }
    return nullptr;
}

}  // namespace

class TestTrafficDrift : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void normalTrafficIsAnsweredWithoutDrift();
    void shiftedFeaturesAreFlagged();
    void cleanupTestCase();

private:
    std::unique_ptr<TestModelRepository> m_repository;
    std::unique_ptr<TestServer> m_server;
};

void TestTrafficDrift::initTestCase() {
    QVERIFY2(QFileInfo(kBinary).isExecutable(), qPrintable(kBinary + " is not built"));
    m_repository = std::make_unique<TestModelRepository>();
    for (const char* model : {"credit-risk", "sentiment"}) {
        const Status linked = m_repository->link(kModels, model);
        QVERIFY2(linked.isOk(), linked.toString().c_str());
    }
    auto started = startReadyServer(testServerConfig(m_repository->root()));
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    m_server = std::move(started).value();
    QVERIFY(!m_server->config().security.enabled);
    QVERIFY(m_server->config().telemetry.driftMonitor);
}

// The control: without it, a generator that drew from the wrong distributions (or a monitor
// that flags everything) would pass the test below.
void TestTrafficDrift::normalTrafficIsAnsweredWithoutDrift() {
    const TrafficRun run =
        runTraffic(m_server->port(), {QStringLiteral("--seconds"), QStringLiteral("4"),
                                      QStringLiteral("--seed"), QStringLiteral("7")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.output));
    QVERIFY2(run.sent >= 10 && run.ok == run.sent && run.errors == 0 && run.unanswered == 0,
             qPrintable(run.output));
    for (const std::int64_t version : {1, 2}) {
        const Json report = pollDrift(m_server->port(), "credit-risk", version, [](const Json& r) {
            return r["window"]["size"] >= r["window"]["min_samples"];
        });
        QVERIFY2(!report.is_null() && report["window"]["size"] >= report["window"]["min_samples"],
                 report.dump().c_str());
        QVERIFY2(report["drift"] == false, report.dump().c_str());
    }
}

void TestTrafficDrift::shiftedFeaturesAreFlagged() {
    const TrafficRun run = runTraffic(
        m_server->port(),
        {QStringLiteral("--seconds"), QStringLiteral("6"), QStringLiteral("--shift-after"),
         QStringLiteral("0"), QStringLiteral("--shift"), QStringLiteral("income=1.5"),
         QStringLiteral("--shift"), QStringLiteral("review_words=+10")});
    QVERIFY2(run.exitCode == 0, qPrintable(run.output));
    QVERIFY2(run.output.contains(QStringLiteral("shift begins: income x1.5, review_words +10")),
             qPrintable(run.output));
    QVERIFY2(run.sent >= 10 && run.ok == run.sent && run.errors == 0 && run.unanswered == 0,
             qPrintable(run.output));

    for (const std::int64_t version : {1, 2}) {
        const Json report = pollDrift(m_server->port(), "credit-risk", version,
                                      [](const Json& r) { return r["drift"] == true; });
        QVERIFY2(!report.is_null() && report["drift"] == true, report.dump().c_str());
        QVERIFY2(report["top_features"].at(0) == "income", report.dump().c_str());
        const Json* income = feature(report, "income");
        QVERIFY(income != nullptr);
        QVERIFY2((*income)["drifted"] == true, report.dump().c_str());
    }
    const Json sentiment = pollDrift(m_server->port(), "sentiment", 1,
                                     [](const Json& r) { return r["drift"] == true; });
    QVERIFY2(!sentiment.is_null() && sentiment["drift"] == true, sentiment.dump().c_str());
    const Json* length = feature(sentiment, "text.length");
    QVERIFY(length != nullptr);
    QVERIFY2((*length)["drifted"] == true, sentiment.dump().c_str());
}

void TestTrafficDrift::cleanupTestCase() {
    if (m_server)
        m_server->stop(Drain::Abort);
}

QTEST_GUILESS_MAIN(TestTrafficDrift)
#include "tst_traffic_drift.moc"
