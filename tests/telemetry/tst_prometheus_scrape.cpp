// A real Prometheus (Debian's /usr/bin/prometheus) scrapes the real server every second with
// authentication on: the scrape job reads an API key with the metrics scope from a
// credentials_file, the target comes up, and a query returns the requests this test sent and
// the SLO series. Prometheus runs in a temporary directory and is always stopped, also when a
// check fails (ScopedProcess).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QUrl>
#include <fstream>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"

using namespace atalaya;
using namespace atalaya::test;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;
const QString kPrometheus = QStringLiteral("/usr/bin/prometheus");
constexpr int kPrometheusWaitMs = 120'000;  // start-up, first scrapes; generous on a busy box

// Stops the process when the test leaves the scope, however it leaves it.
class ScopedProcess {
public:
    ScopedProcess() = default;
    ~ScopedProcess() {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(10'000)) {
            m_process.kill();
            m_process.waitForFinished(10'000);
        }
    }
    ScopedProcess(const ScopedProcess&) = delete;
    ScopedProcess& operator=(const ScopedProcess&) = delete;
    QProcess& operator*() { return m_process; }
    QProcess* operator->() { return &m_process; }

private:
    QProcess m_process;
};

// A loopback port nothing listens on right now (the kernel's pick for port 0). Another process
// could take it before Prometheus binds it; Prometheus would then exit, and the test says so.
std::uint16_t freeLoopbackPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    std::uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
}

std::string percentEncoded(std::string_view text) {
    return QUrl::toPercentEncoding(QString::fromUtf8(text.data(), qsizetype(text.size())))
        .toStdString();
}

// The instant vector a PromQL query returns now, or a discarded value when the call failed.
Json query(HttpTestClient& prometheus, std::string_view promql) {
    const auto answer =
        prometheus.request("GET", "/api/v1/query?query=" + percentEncoded(promql), {}, {});
    if (answer.status != 200)
        return Json(Json::value_t::discarded);
    const Json body = bodyOf(answer);
    if (body.is_discarded() || body.value("status", "") != "success")
        return Json(Json::value_t::discarded);
    return body.at("data").at("result");
}

// The value of the only sample of `result`, or -1.
double onlyValue(const Json& result) {
    if (result.is_discarded() || !result.is_array() || result.size() != 1)
        return -1;
    return std::stod(result[0].at("value").at(1).get<std::string>());
}

}  // namespace

class TestPrometheusScrape : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void prometheusScrapesTheServer();
};

void TestPrometheusScrape::prometheusScrapesTheServer() {
    if (!QFile::exists(kPrometheus))
        QSKIP("/usr/bin/prometheus not found: scripts/install-deps.sh --test installs it");

    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    ServerConfig config = testServerConfig(repository.root());
    config.security.enabled = true;
    auto started = startReadyServer(config);
    QVERIFY2(started.isOk(), started.status().toString().c_str());
    auto server = std::move(started).value();

    auto keys = security::ApiKeyStore::open(server->config().dataDir / "security.sqlite");
    QVERIFY(keys.isOk());
    security::ApiKeySpec scraper;
    scraper.name = "prometheus";
    scraper.scopes = static_cast<std::uint8_t>(Scope::Metrics);
    auto metricsKey = (*keys)->create(scraper);
    QVERIFY(metricsKey.isOk());
    security::ApiKeySpec caller;
    caller.name = "caller";
    caller.scopes = static_cast<std::uint8_t>(Scope::Predict);
    auto predictKey = (*keys)->create(caller);
    QVERIFY(predictKey.isOk());

    QTemporaryDir work;
    QVERIFY(work.isValid());
    const std::string dir = work.path().toStdString();
    std::ofstream(dir + "/scrape.token") << metricsKey->token;
    const std::string target = std::string(kLoopback) + ":" + std::to_string(server->port());
    std::ofstream(dir + "/prometheus.yml") << "global:\n"
                                              "  scrape_interval: 1s\n"
                                              "  scrape_timeout: 1s\n"
                                              "scrape_configs:\n"
                                              "  - job_name: atalaya\n"
                                              "    metrics_path: /metrics\n"
                                              "    authorization:\n"
                                              "      type: Bearer\n"
                                              "      credentials_file: "
                                           << dir << "/scrape.token\n"
                                           << "    static_configs:\n"
                                              "      - targets: ['"
                                           << target << "']\n";

    const std::uint16_t prometheusPort = freeLoopbackPort();
    QVERIFY(prometheusPort != 0);
    ScopedProcess prometheus;
    prometheus->setProcessChannelMode(QProcess::MergedChannels);
    prometheus->start(
        kPrometheus,
        {QString::fromStdString("--config.file=" + dir + "/prometheus.yml"),
         QString::fromStdString("--storage.tsdb.path=" + dir + "/tsdb"),
         QString::fromStdString("--web.listen-address=127.0.0.1:" + std::to_string(prometheusPort)),
         QStringLiteral("--log.level=warn")});
    QVERIFY2(prometheus->waitForStarted(30'000), "prometheus did not start");

    HttpTestClient client(std::string(kLoopback), server->port());
    const HeaderList withKey = {{"Content-Type", "application/json"},
                                {"Authorization", "Bearer " + predictKey->token}};
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(postJson(client, "/api/v1/ia/predict",
                          std::string_view(
                              R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})"),
                          withKey)
                     .status,
                 200);
    }

    HttpTestClient api(std::string(kLoopback), prometheusPort);
    QElapsedTimer waited;
    waited.start();
    std::string lastTargets;
    bool up = false;
    while (!up && waited.elapsed() < kPrometheusWaitMs) {
        QVERIFY2(prometheus->state() == QProcess::Running,
                 prometheus->readAll().constData());  // e.g. the port was taken meanwhile
        const auto targets = api.request("GET", "/api/v1/targets?state=active", {}, {});
        lastTargets = targets.body;
        const Json body = bodyOf(targets);
        if (targets.status == 200 && !body.is_discarded()) {
            for (const Json& t : body.at("data").at("activeTargets"))
                up = up || (t.value("health", "") == "up" &&
                            t.value("scrapeUrl", "").find(target) != std::string::npos);
        }
        if (!up)
            QThread::msleep(250);
    }
    QVERIFY2(up, lastTargets.c_str());

    // The five answered predicts, as Prometheus stored them from a scrape.
    const std::string requests =
        R"(atalaya_requests_total{job="atalaya",model="fixture-echo",code="200"})";
    double value = -1;
    while (value != 5 && waited.elapsed() < kPrometheusWaitMs) {
        value = onlyValue(query(api, requests));
        if (value != 5)
            QThread::msleep(250);
    }
    QCOMPARE(value, 5.0);
    QCOMPARE(
        onlyValue(query(api, R"(atalaya_slo_objective{model="fixture-echo",objective="latency"})")),
        0.99);
    QCOMPARE(
        onlyValue(query(
            api,
            R"(atalaya_slo_alert_firing{model="fixture-echo",objective="success",severity="page"})")),
        0.0);
    server->stop(Drain::Wait);
}

QTEST_GUILESS_MAIN(TestPrometheusScrape)
#include "tst_prometheus_scrape.moc"
