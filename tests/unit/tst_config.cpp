// Configuration: file < environment < flags, unknown keys refused, paths relative to the file.
#include "core/CommandLine.h"

#include <atalaya/Config.h>

#include <QCommandLineParser>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace atalaya;

namespace {

std::optional<std::string> noEnvironment(const char*) { return std::nullopt; }

std::optional<std::string> testEnvironment(const char* name) {
    if (std::string_view(name) == "ATALAYA_PORT") return "9191";
    if (std::string_view(name) == "ATALAYA_HOST") return "0.0.0.0";
    return std::nullopt;
}

std::filesystem::path writeFile(const QTemporaryDir& dir, const std::string& text) {
    const std::filesystem::path file = dir.filePath(QStringLiteral("atalaya.json")).toStdString();
    std::ofstream(file) << text;
    return file;
}

Result<ServerConfig> parseFlags(QStringList args, EnvLookup env) {
    QCommandLineParser parser;
    addServerOptions(parser);
    args.prepend(QStringLiteral("atalaya-server"));
    if (!parser.parse(args)) return invalidArgument(parser.errorText().toStdString());
    return serverConfigFrom(parser, env);
}

}  // namespace

class TestConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreSafe();
    void fileKeys_data();
    void fileKeys();
    void pathsAreRelativeToTheFile();
    void telemetrySectionIsRead();
    void securitySectionIsRead();
    void authEnvironmentSwitch();
    void flagsOverrideEnvironmentOverrideFile();
    void badFlagIsAnError();
    void tlsSectionIsRead();
    void tlsListeners_data();
    void tlsListeners();
    void sloSectionIsRead();
    void rolloutSectionIsRead();
};

void TestConfig::defaultsAreSafe() {
    const ServerConfig config;
    QCOMPARE(config.http.host, std::string("127.0.0.1"));
    QCOMPARE(config.http.port, 8080);
    QCOMPARE(config.apiVersions.at("v1").at("credit-risk"), 1);
    QCOMPARE(config.apiVersions.at("v2").at("credit-risk"), 2);
    QVERIFY(config.security.enabled);  // deny by default
    QVERIFY(validateConfig(config).isOk());
}

void TestConfig::fileKeys_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::newRow("empty object") << "{}" << true;
    QTest::newRow("http section") << R"({"http":{"port":9000,"max_body_bytes":4096}})" << true;
    QTest::newRow("pins") << R"({"api_versions":{"v1":{"sentiment":1}}})" << true;
    QTest::newRow("telemetry section")
        << R"({"telemetry":{"inference_log":false,"flush_interval_ms":50,"queue_capacity":1024,)"
           R"("retention_days":7,"models":{"sentiment":{"capture":"truncated","truncate_chars":64,)"
           R"("sample_rate":0.25}}}})"
        << true;
    QTest::newRow("telemetry zero flush interval")
        << R"({"telemetry":{"flush_interval_ms":0}})" << false;
    QTest::newRow("telemetry size budget")
        << R"({"telemetry":{"max_size_mb":512}})" << true;
    QTest::newRow("telemetry unlimited size") << R"({"telemetry":{"max_size_mb":0}})" << true;
    QTest::newRow("telemetry negative size")
        << R"({"telemetry":{"max_size_mb":-1}})" << false;
    QTest::newRow("telemetry unknown capture")
        << R"({"telemetry":{"models":{"sentiment":{"capture":"redacted"}}}})" << false;
    QTest::newRow("telemetry sample rate above 1")
        << R"({"telemetry":{"models":{"sentiment":{"sample_rate":1.5}}}})" << false;
    QTest::newRow("telemetry unknown model key")
        << R"({"telemetry":{"models":{"sentiment":{"rate":0.5}}}})" << false;
    QTest::newRow("security section")
        << R"({"security":{"enabled":false,"jwt":{"issuer":"i","audience":"a","leeway_s":5}}})"
        << true;
    QTest::newRow("security unknown key") << R"({"security":{"enable":false}})" << false;
    QTest::newRow("security jwt unknown key") << R"({"security":{"jwt":{"iss":"x"}}})" << false;
    QTest::newRow("security leeway too large")
        << R"({"security":{"jwt":{"leeway_s":3600}}})" << false;
    QTest::newRow("oauth section")
        << R"({"security":{"oauth":{"issuer":"a","token_ttl_s":60}}})" << true;
    QTest::newRow("oauth zero ttl") << R"({"security":{"oauth":{"token_ttl_s":0}}})" << false;
    QTest::newRow("oauth empty issuer") << R"({"security":{"oauth":{"issuer":""}}})" << false;
    QTest::newRow("oauth two keys")
        << R"({"security":{"oauth":{"signing_key_file":"k.pem","hs256_secret_file":"s"}}})"
        << false;
    QTest::newRow("oauth unknown key") << R"({"security":{"oauth":{"ttl":60}}})" << false;
    QTest::newRow("unknown top key") << R"({"htp":{}})" << false;
    QTest::newRow("unknown nested key") << R"({"http":{"prot":1}})" << false;
    QTest::newRow("port out of range") << R"({"http":{"port":70000}})" << false;
    QTest::newRow("wrong type") << R"({"http":{"port":"80"}})" << false;
    QTest::newRow("section not object") << R"({"http":5})" << false;
    QTest::newRow("pins wrong shape") << R"({"api_versions":{"v1":3}})" << false;
    QTest::newRow("duplicate key") << R"({"http":{},"http":{}})" << false;
    QTest::newRow("not json") << "port=8080" << false;
    QTest::newRow("tls section")
        << R"({"http":{"plain":false,"tls":{"cert_file":"c.pem","key_file":"k.pem","port":0}}})"
        << true;
    QTest::newRow("tls unknown key") << R"({"http":{"tls":{"cert":"c.pem"}}})" << false;
    QTest::newRow("tls not object") << R"({"http":{"tls":"c.pem"}})" << false;
    QTest::newRow("plain not bool") << R"({"http":{"plain":"no"}})" << false;
    QTest::newRow("slo section")
        << R"({"slo":{"enabled":true,"default":{"latency_threshold_ms":25,"latency_target":0.95,)"
           R"("success_target":0.99,"window_days":7},"models":{"sentiment":{"window_days":28}}}})"
        << true;
    QTest::newRow("slo target of 1") << R"({"slo":{"default":{"success_target":1}}})" << false;
    QTest::newRow("slo target of 0") << R"({"slo":{"default":{"latency_target":0}}})" << false;
    QTest::newRow("slo zero threshold")
        << R"({"slo":{"default":{"latency_threshold_ms":0}}})" << false;
    QTest::newRow("slo zero window") << R"({"slo":{"default":{"window_days":0}}})" << false;
    QTest::newRow("slo min requests") << R"({"slo":{"default":{"min_requests":0}}})" << true;
    QTest::newRow("slo negative min requests")
        << R"({"slo":{"default":{"min_requests":-1}}})" << false;
    QTest::newRow("slo unknown key") << R"({"slo":{"models":{"m":{"target":0.9}}}})" << false;
    QTest::newRow("slo alert windows are not configurable")
        << R"({"slo":{"page_windows":["1h","5m"]}})" << false;
    QTest::newRow("rollout section")
        << R"({"rollout":{"guard_interval_ms":500,"guard_every_outcomes":50}})" << true;
    QTest::newRow("rollout interval too short")
        << R"({"rollout":{"guard_interval_ms":5}})" << false;
    QTest::newRow("rollout zero outcomes") << R"({"rollout":{"guard_every_outcomes":0}})" << false;
    QTest::newRow("rollout unknown key") << R"({"rollout":{"interval_ms":500}})" << false;
}

void TestConfig::fileKeys() {
    QFETCH(QString, text);
    QFETCH(bool, valid);
    QTemporaryDir dir;
    ServerConfig config;
    const Status status = applyConfigFile(writeFile(dir, text.toStdString()), config);
    QVERIFY2(status.isOk() == valid, status.toString().c_str());
}

void TestConfig::pathsAreRelativeToTheFile() {
    QTemporaryDir dir;
    ServerConfig config;
    const auto file = writeFile(dir, R"({"model_repository":"repo","data_dir":"/var/lib/atalaya"})");
    QVERIFY(applyConfigFile(file, config).isOk());
    QCOMPARE(config.modelRepository, file.parent_path() / "repo");
    QCOMPARE(config.dataDir, std::filesystem::path("/var/lib/atalaya"));
}

void TestConfig::telemetrySectionIsRead() {
    QTemporaryDir dir;
    ServerConfig config;
    const auto file =
        writeFile(dir, R"({"telemetry":{"inference_log":false,"flush_interval_ms":50,)"
                       R"("queue_capacity":1024,"retention_days":7,"max_size_mb":64,"models":)"
                       R"({"sentiment":{"capture":"hashed","sample_rate":0.25}}}})");
    const Status status = applyConfigFile(file, config);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(config.telemetry.inferenceLog, false);
    QCOMPARE(config.telemetry.flushInterval.count(), 50);
    QCOMPARE(config.telemetry.queueCapacity, std::size_t{1024});
    QCOMPARE(config.telemetry.retentionDays, 7);
    QCOMPARE(config.telemetry.maxSizeMb, std::int64_t{64});
    QCOMPARE(ServerConfig{}.telemetry.maxSizeMb, std::int64_t{2048});
    const ModelLogPolicy& sentiment = config.telemetry.models.at("sentiment");
    QVERIFY(sentiment.textCapture == TextCapture::Hashed);
    QCOMPARE(sentiment.sampleRate, 0.25);
    QCOMPARE(sentiment.truncateChars, ModelLogPolicy{}.truncateChars);
}

void TestConfig::securitySectionIsRead() {
    QTemporaryDir dir;
    ServerConfig config;
    const auto file = writeFile(
        dir, R"({"security":{"enabled":false,"jwt":{"issuer":"https://idp","audience":"atalaya",)"
             R"("leeway_s":10,"jwks_file":"keys.json"}}})");
    const Status status = applyConfigFile(file, config);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QVERIFY(!config.security.enabled);
    QCOMPARE(config.security.jwt.issuer, std::string("https://idp"));
    QCOMPARE(config.security.jwt.audience, std::string("atalaya"));
    QCOMPARE(config.security.jwt.leeway.count(), 10);
    QCOMPARE(config.security.jwt.jwksFile, file.parent_path() / "keys.json");
    // security.oauth: defaults, and a key file relative to the config file.
    QCOMPARE(config.security.oauth.issuer, std::string("atalaya"));
    QCOMPARE(config.security.oauth.tokenTtl.count(), 900);
    ServerConfig oauth;
    QVERIFY(applyConfigFile(writeFile(dir, R"({"security":{"oauth":{"audience":"api",)"
                                           R"("token_ttl_s":120,"leeway_s":0,)"
                                           R"("signing_key_file":"k.pem"}}})"),
                            oauth)
                .isOk());
    QCOMPARE(oauth.security.oauth.audience, std::string("api"));
    QCOMPARE(oauth.security.oauth.tokenTtl.count(), 120);
    QCOMPARE(oauth.security.oauth.leeway.count(), 0);
    QCOMPARE(oauth.security.oauth.signingKeyFile, file.parent_path() / "k.pem");
}

void TestConfig::authEnvironmentSwitch() {
    ServerConfig config;
    QVERIFY(applyEnvironment(config, [](const char* name) -> std::optional<std::string> {
                if (std::string_view(name) == "ATALAYA_AUTH")
                    return "off";
                return std::nullopt;
            }).isOk());
    QVERIFY(!config.security.enabled);
    QVERIFY(!applyEnvironment(config, [](const char* name) -> std::optional<std::string> {
                 if (std::string_view(name) == "ATALAYA_AUTH")
                     return "no";
                 return std::nullopt;
             }).isOk());
}

void TestConfig::flagsOverrideEnvironmentOverrideFile() {
    QTemporaryDir dir;
    const auto file = writeFile(dir, R"({"http":{"port":9000,"host":"10.0.0.1"},"inference":{"workers":2}})");
    auto fromFile = parseFlags({QStringLiteral("--config"), QString::fromStdString(file.string())}, noEnvironment);
    QVERIFY(fromFile.isOk());
    QCOMPARE(fromFile->http.port, 9000);
    QCOMPARE(fromFile->inference.workers, 2);

    auto withEnv = parseFlags({QStringLiteral("--config"), QString::fromStdString(file.string())}, testEnvironment);
    QVERIFY(withEnv.isOk());
    QCOMPARE(withEnv->http.port, 9191);
    QCOMPARE(withEnv->http.host, std::string("0.0.0.0"));

    auto withFlags = parseFlags({QStringLiteral("--config"), QString::fromStdString(file.string()),
                                 QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--models"),
                                 QStringLiteral("/m")},
                                testEnvironment);
    QVERIFY(withFlags.isOk());
    QCOMPARE(withFlags->http.port, 0);
    QCOMPARE(withFlags->modelRepository, std::filesystem::path("/m"));
}

void TestConfig::badFlagIsAnError() {
    QVERIFY(!parseFlags({QStringLiteral("--port"), QStringLiteral("http")}, noEnvironment).isOk());
    QVERIFY(!parseFlags({QStringLiteral("--workers"), QStringLiteral("0")}, noEnvironment).isOk());
    QVERIFY(!parseFlags({QStringLiteral("--config"), QStringLiteral("/no/such/file.json")}, noEnvironment).isOk());
}

void TestConfig::tlsSectionIsRead() {
    QTemporaryDir dir;
    ServerConfig config;
    QVERIFY(!config.http.tls.enabled());
    QVERIFY(config.http.plain);
    const auto file = writeFile(dir, R"({"http":{"plain":false,"tls":{"cert_file":"tls/cert.pem",)"
                                     R"("key_file":"/etc/atalaya/key.pem","port":9443}}})");
    const Status status = applyConfigFile(file, config);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QVERIFY(!config.http.plain);
    QVERIFY(config.http.tls.enabled());
    QCOMPARE(config.http.tls.certFile, file.parent_path() / "tls/cert.pem");
    QCOMPARE(config.http.tls.keyFile, std::filesystem::path("/etc/atalaya/key.pem"));
    QCOMPARE(config.http.tls.port, 9443);
    QVERIFY(validateConfig(config).isOk());

    // Environment, then flags, over the file.
    auto env = [](const char* name) -> std::optional<std::string> {
        const std::string_view key(name);
        if (key == "ATALAYA_TLS_CERT")
            return "/env/cert.pem";
        if (key == "ATALAYA_TLS_KEY")
            return "/env/key.pem";
        if (key == "ATALAYA_HTTPS_PORT")
            return "7443";
        if (key == "ATALAYA_PLAIN_HTTP")
            return "on";
        return std::nullopt;
    };
    auto merged = parseFlags({QStringLiteral("--config"), QString::fromStdString(file.string()),
                              QStringLiteral("--tls-key"), QStringLiteral("/flag/key.pem"),
                              QStringLiteral("--https-port"), QStringLiteral("0")},
                             env);
    QVERIFY2(merged.isOk(), merged.status().toString().c_str());
    QCOMPARE(merged->http.tls.certFile, std::filesystem::path("/env/cert.pem"));
    QCOMPARE(merged->http.tls.keyFile, std::filesystem::path("/flag/key.pem"));
    QCOMPARE(merged->http.tls.port, 0);
    QVERIFY(merged->http.plain);
    auto httpsOnly = parseFlags(
        {QStringLiteral("--tls-cert"), QStringLiteral("c.pem"), QStringLiteral("--tls-key"),
         QStringLiteral("k.pem"), QStringLiteral("--no-plain-http")},
        noEnvironment);
    QVERIFY2(httpsOnly.isOk(), httpsOnly.status().toString().c_str());
    QVERIFY(!httpsOnly->http.plain);
    QCOMPARE(httpsOnly->http.tls.port, 8443);
    QVERIFY(!applyEnvironment(config, [](const char* name) -> std::optional<std::string> {
                 if (std::string_view(name) == "ATALAYA_HTTPS_PORT")
                     return "https";
                 return std::nullopt;
             }).isOk());
}

void TestConfig::tlsListeners_data() {
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("error");  // empty: valid
    const QString cert = QStringLiteral("--tls-cert");
    const QString key = QStringLiteral("--tls-key");
    QTest::newRow("plain only") << QStringList{} << QString();
    QTest::newRow("plain and tls") << QStringList{cert, u"c"_qs, key, u"k"_qs} << QString();
    QTest::newRow("tls only") << QStringList{cert, u"c"_qs, key, u"k"_qs, u"--no-plain-http"_qs}
                              << QString();
    QTest::newRow("cert without key") << QStringList{cert, u"c"_qs} << u"needs both"_qs;
    QTest::newRow("key without cert") << QStringList{key, u"k"_qs} << u"needs both"_qs;
    QTest::newRow("no listener") << QStringList{u"--no-plain-http"_qs}
                                 << u"nothing would listen"_qs;
    QTest::newRow("one port for both")
        << QStringList{cert, u"c"_qs, key, u"k"_qs, u"--port"_qs, u"8443"_qs}
        << u"need two ports"_qs;
    QTest::newRow("both on free ports")
        << QStringList{cert,   u"c"_qs, key, u"k"_qs, u"--port"_qs, u"0"_qs, u"--https-port"_qs,
                       u"0"_qs}
        << QString();
}

void TestConfig::tlsListeners() {
    QFETCH(QStringList, flags);
    QFETCH(QString, error);
    const auto config = parseFlags(flags, noEnvironment);
    if (error.isEmpty()) {
        QVERIFY2(config.isOk(), config.status().toString().c_str());
        return;
    }
    QVERIFY(!config.isOk());
    QVERIFY2(QString::fromStdString(config.status().message()).contains(error),
             config.status().toString().c_str());
}

void TestConfig::sloSectionIsRead() {
    const ServerConfig defaults;
    QVERIFY(defaults.slo.enabled);
    QCOMPARE(defaults.slo.defaults.latencyThresholdMs, 50.0);
    QCOMPARE(defaults.slo.defaults.latencyTarget, 0.99);
    QCOMPARE(defaults.slo.defaults.successTarget, 0.999);
    QCOMPARE(defaults.slo.defaults.windowDays, 30);
    QCOMPARE(defaults.slo.defaults.minRequests, 20);

    QTemporaryDir dir;
    ServerConfig config;
    // The model comes before the default in the file: it still inherits the default's keys.
    const auto file = writeFile(
        dir, R"({"slo":{"models":{"sentiment":{"latency_threshold_ms":20}},)"
             R"("default":{"latency_target":0.95,"window_days":7}}})");
    const Status status = applyConfigFile(file, config);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QCOMPARE(config.slo.defaults.latencyTarget, 0.95);
    QCOMPARE(config.slo.defaults.latencyThresholdMs, 50.0);
    const SloObjectives& sentiment = config.slo.objectivesFor("sentiment");
    QCOMPARE(sentiment.latencyThresholdMs, 20.0);
    QCOMPARE(sentiment.latencyTarget, 0.95);
    QCOMPARE(sentiment.windowDays, 7);
    QCOMPARE(sentiment.successTarget, 0.999);
    QCOMPARE(config.slo.objectivesFor("credit-risk").latencyThresholdMs, 50.0);
}

void TestConfig::rolloutSectionIsRead() {
    const ServerConfig defaults;
    QVERIFY(defaults.rollout.guardInterval == std::chrono::milliseconds(200));
    QCOMPARE(defaults.rollout.guardEveryOutcomes, std::int64_t{20});

    QTemporaryDir dir;
    ServerConfig config;
    const auto file =
        writeFile(dir, R"({"rollout":{"guard_interval_ms":1000,"guard_every_outcomes":5}})");
    const Status status = applyConfigFile(file, config);
    QVERIFY2(status.isOk(), status.toString().c_str());
    QVERIFY(config.rollout.guardInterval == std::chrono::milliseconds(1000));
    QCOMPARE(config.rollout.guardEveryOutcomes, std::int64_t{5});
}

QTEST_GUILESS_MAIN(TestConfig)
#include "tst_config.moc"
