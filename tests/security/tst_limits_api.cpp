// Rate limits and quotas over real HTTP: per client (429 rate_limited with RateLimit headers),
// per day (429 quota_exceeded, distinct code, survives a restart), per source address for
// failed authentication (429 before any token is verified), and a full queue staying 503.
#include <QTest>

#include "ApiTestSupport.h"
#include "security/ApiKeyStore.h"

using namespace atalaya;
using namespace atalaya::test;
using security::ApiKeySpec;
using security::ApiKeyStore;

namespace {

const std::filesystem::path kFixtures = ATALAYA_TEST_FIXTURES;

}  // namespace

class TestLimitsApi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clientOverItsRateGets429WithHeaders();
    void quotaIsDistinctAndSurvivesRestart();
    void floodOfBadTokensIsThrottledBeforeVerification();

private:
    struct Running {
        std::unique_ptr<TestServer> server;
        std::unique_ptr<ApiKeyStore> keys;
    };
    static Running start(const TestModelRepository& repository,
                         const std::filesystem::path& dataDir,
                         const std::function<void(SecurityConfig&)>& tune);
    static std::string issue(ApiKeyStore& keys, ClientLimits limits);
    static HttpTestResponse predict(std::uint16_t port, const std::string& token);
};

TestLimitsApi::Running TestLimitsApi::start(const TestModelRepository& repository,
                                            const std::filesystem::path& dataDir,
                                            const std::function<void(SecurityConfig&)>& tune) {
    ServerConfig config = testServerConfig(repository.root());
    config.dataDir = dataDir;
    config.security.enabled = true;
    tune(config.security);
    auto server = startReadyServer(config);
    if (!server.isOk())
        qFatal("%s", server.status().toString().c_str());
    // The server's own key database, through a second connection as the keys command uses.
    auto keys = ApiKeyStore::open((*server)->config().dataDir / "security.sqlite");
    if (!keys.isOk())
        qFatal("%s", keys.status().toString().c_str());
    return {std::move(server).value(), std::move(keys).value()};
}

std::string TestLimitsApi::issue(ApiKeyStore& keys, ClientLimits limits) {
    ApiKeySpec spec;
    spec.name = "limits";
    spec.scopes = static_cast<std::uint8_t>(Scope::Predict);
    spec.limits = limits;
    auto issued = keys.create(spec);
    if (!issued.isOk())
        qFatal("%s", issued.status().toString().c_str());
    return issued->token;
}

HttpTestResponse TestLimitsApi::predict(std::uint16_t port, const std::string& token) {
    HttpTestClient client("127.0.0.1", port);
    const std::string body = R"({"model":"fixture-echo","instances":[{"a":1,"b":2,"c":3}]})";
    return client.request(
        "POST", "/api/v1/ia/predict", body,
        {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}});
}

void TestLimitsApi::clientOverItsRateGets429WithHeaders() {
    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    QTemporaryDir data;
    auto running = start(repository, data.path().toStdString(), [](SecurityConfig&) {});
    // 5 at once and no refill to speak of: the sixth request is over the limit.
    const std::string token = issue(*running.keys, {.ratePerSecond = 0.001, .burst = 5});
    for (int i = 0; i < 5; ++i) {
        const auto ok = predict(running.server->port(), token);
        QVERIFY2(ok.status == 200, ok.body.c_str());
        QVERIFY(ok.header("RateLimit").find("r=" + std::to_string(4 - i)) !=
                std::string_view::npos);
    }
    const auto limited = predict(running.server->port(), token);
    QCOMPARE(limited.status, 429);
    QCOMPARE(errorCodeOf(limited), u"rate_limited"_qs);
    QVERIFY(!limited.header("Retry-After").empty());
    QVERIFY(!limited.header("RateLimit-Policy").empty());
    QCOMPARE(limited.header("Cache-Control"), std::string_view("no-store"));
    // Another client is not affected.
    QCOMPARE(predict(running.server->port(), issue(*running.keys, {})).status, 200);
}

void TestLimitsApi::quotaIsDistinctAndSurvivesRestart() {
    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    QTemporaryDir data;
    std::string token;
    {
        auto running = start(repository, data.path().toStdString(), [](SecurityConfig&) {});
        token = issue(*running.keys, {.requestsPerDay = 3});
        for (int i = 0; i < 2; ++i)
            QCOMPARE(predict(running.server->port(), token).status, 200);
        running.server->stop(Drain::Wait);
    }
    // A restart neither resets the count (one left, not three) nor double-counts (not zero).
    auto running = start(repository, data.path().toStdString(), [](SecurityConfig&) {});
    QCOMPARE(predict(running.server->port(), token).status, 200);
    const auto over = predict(running.server->port(), token);
    QCOMPARE(over.status, 429);
    QCOMPARE(errorCodeOf(over), u"quota_exceeded"_qs);
    QVERIFY(!over.header("Retry-After").empty());
}

void TestLimitsApi::floodOfBadTokensIsThrottledBeforeVerification() {
    TestModelRepository repository;
    QVERIFY(repository.link(kFixtures, "fixture-echo").isOk());
    QTemporaryDir data;
    auto running = start(repository, data.path().toStdString(), [](SecurityConfig& security) {
        security.authFailures = {.ratePerSecond = 0.001, .burst = 3};
    });
    const std::string good = issue(*running.keys, {});
    for (int i = 0; i < 3; ++i) {
        QCOMPARE(predict(running.server->port(), "atk_nope_" + std::to_string(i)).status, 401);
    }
    const auto throttled = predict(running.server->port(), "atk_nope_again");
    QCOMPARE(throttled.status, 429);
    // The address is throttled, whatever it sends, until its failure budget refills.
    QCOMPARE(predict(running.server->port(), good).status, 429);
}

QTEST_GUILESS_MAIN(TestLimitsApi)
#include "tst_limits_api.moc"
