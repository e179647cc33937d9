#include <atalaya/Server.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "admin/AuditRoutes.h"
#include "admin/AuditTrail.h"
#include "admin/OAuthRoutes.h"
#include "admin/SecurityAdminRoutes.h"
#include "core/Logging.h"
#include "http/ApiRoutes.h"
#include "http/HttpServer.h"
#include "inference/BlasInfo.h"
#include "inference/ExecutionSlots.h"
#include "inference/ModelRepository.h"
#include "rollout/RolloutManager.h"
#include "rollout/RolloutRoutes.h"
#include "rollout/VersionValidation.h"
#include "security/AccessTokenIssuer.h"
#include "security/ApiKeyStore.h"
#include "security/BearerAuthenticator.h"
#include "security/JwtSigner.h"
#include "security/JwtVerifier.h"
#include "security/OAuthClientStore.h"
#include "security/OAuthTokenVerifier.h"
#include "security/TrafficGate.h"
#include "stats/StatsRoutes.h"
#include "telemetry/DriftMonitor.h"
#include "telemetry/DriftReportJson.h"
#include "telemetry/FanOutSink.h"
#include "telemetry/InferenceLog.h"
#include "telemetry/Metrics.h"
#include "telemetry/SloExport.h"
#include "telemetry/SloTracker.h"
#include "telemetry/StatsQueryThread.h"
#include "telemetry/TelemetryHealth.h"
#include "torch/TorchModelRunner.h"

namespace atalaya {
namespace {

int intraOpThreadsFor(const InferenceConfig& config) {
    if (config.intraOpThreads > 0)
        return config.intraOpThreads;
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    return std::max(1, cores / std::max(1, config.workers));
}

http::RuntimeReport describeRuntime(const ServerConfig& config, int intraOpThreads) {
    http::RuntimeReport report;
    report.device = config.inference.device;
    report.blas = detectBlas();
    const TorchRuntimeInfo torch = torchRuntimeInfo();
    report.torchVersion = torch.version;
    report.intraOpThreads = torch.intraOpThreads;
    report.inferenceWorkers = config.inference.workers;
    if (report.blas.kind == "reference") {
        report.warnings.push_back("the reference BLAS is active (" + report.blas.library +
                                  "): expect ~50x slower models; install libopenblas0-pthread");
    }
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    if (config.inference.workers * intraOpThreads > cores) {
        report.warnings.push_back("workers x intra-op threads exceeds the " +
                                  std::to_string(cores) + " cores: threads will contend");
    }
    return report;
}

std::optional<http::TlsListenerOptions> tlsListenerOptions(const HttpConfig& config) {
    if (!config.tls.enabled())
        return std::nullopt;
    return http::TlsListenerOptions{
        .certFile = config.tls.certFile, .keyFile = config.tls.keyFile, .port = config.tls.port};
}

// Every SLO latency threshold is a bucket bound of atalaya_request_duration_seconds, so the share
// of requests under it is exact in PromQL rather than interpolated between buckets.
MetricsOptions metricsOptionsFor(const ServerConfig& config) {
    MetricsOptions options;
    options.sloThresholdsSeconds.push_back(config.slo.defaults.latencyThresholdMs / 1000.0);
    for (const auto& [model, slo] : config.slo.models)
        options.sloThresholdsSeconds.push_back(slo.latencyThresholdMs / 1000.0);
    return options;
}

// The log's storage as /metrics reports it (atalaya_metrics does not link the log).
InferenceLogStorageSample inferenceLogStorageSample(const InferenceLogStorage& storage) {
    InferenceLogStorageSample sample{.fileBytes = static_cast<double>(storage.fileBytes),
                                     .walBytes = static_cast<double>(storage.walBytes),
                                     .usedBytes = static_cast<double>(storage.usedBytes),
                                     .maxBytes = static_cast<double>(storage.maxBytes)};
    for (const auto& [reason, counts] :
         {std::pair{"age", storage.deletedByAge}, std::pair{"size", storage.deletedBySize}}) {
        sample.deleted.push_back({"inference_log", reason, counts.rows});
        sample.deleted.push_back({"inference_rollup_minute", reason, counts.rollups});
        sample.deleted.push_back({"drift_history", reason, counts.driftHistory});
        sample.deleted.push_back({"drift_alerts", reason, counts.driftAlerts});
    }
    return sample;
}

}  // namespace

class Server::Impl {
public:
    explicit Impl(ServerConfig config)
        : m_config(std::move(config))
        , m_slots(m_config.inference.workers)
        , m_factory(makeTorchRunnerFactory())
        , m_models(m_config.modelRepository, *m_factory,
                   RunnerOptions{.device = m_config.inference.device}, m_slots)
        , m_metrics(metricsOptionsFor(m_config)) {}

    Status start() {
        const int intraOp = intraOpThreadsFor(m_config.inference);
        configureTorchRuntime(intraOp);
        setBlasThreads(intraOp);
        ATALAYA_RETURN_IF_ERROR(m_models.scan());
        if (m_config.telemetry.inferenceLog) {
            ATALAYA_ASSIGN_OR_RETURN(m_log, InferenceLog::open(inferenceLogOptions(m_config)));
            qCInfo(lcServer, "inference log: %s", m_log->file().c_str());
        }

        ATALAYA_ASSIGN_OR_RETURN(m_audit, AuditTrail::open(m_config.dataDir / "audit.sqlite"));
        ATALAYA_RETURN_IF_ERROR(openSecurity());
        ATALAYA_RETURN_IF_ERROR(openRollout());
        InferenceSink* sink = openDriftMonitor();
        ATALAYA_ASSIGN_OR_RETURN(sink, openSloTracker(sink));

        ATALAYA_RETURN_IF_ERROR(openStats());

        http::ApiContext context{.models = m_models,
                                 .config = m_config,
                                 .runtime = describeRuntime(m_config, intraOp),
                                 .address = [this] { return address(); },
                                 .sink = sink,
                                 .log = m_log.get(),
                                 .metrics = &m_metrics,
                                 .authenticator = m_authenticator.get(),
                                 .gate = m_gate.get(),
                                 .router = m_rollout.get(),
                                 .healthSections = healthSections(),
                                 .gaugeSources = gaugeSources(),
                                 .routeGroups = routeGroups()};
        for (const auto& warning : context.runtime.warnings)
            qCWarning(lcServer, "%s", warning.c_str());
        qCInfo(lcServer, "BLAS: %s (%s), intra-op threads %d, workers %d",
               context.runtime.blas.kind.c_str(), context.runtime.blas.library.c_str(),
               context.runtime.intraOpThreads, m_config.inference.workers);
        m_api = std::make_unique<http::ApiRoutes>(std::move(context));

        const auto& h = m_config.http;
        m_http = std::make_unique<http::HttpServer>(
            http::HttpServerOptions{.host = h.host,
                                    .port = h.port,
                                    .plain = h.plain,
                                    .tls = tlsListenerOptions(h),
                                    .ioThreads = h.ioThreads,
                                    .maxBodyBytes = h.maxBodyBytes,
                                    .maxHeaderBytes = h.maxHeaderBytes,
                                    .readTimeout = h.readTimeout,
                                    .idleTimeout = h.idleTimeout,
                                    .maxConnections = h.maxConnections},
            [api = m_api.get()](http::HttpRequest&& request, http::Responder responder) {
                api->handle(std::move(request), std::move(responder));
            });
        ATALAYA_RETURN_IF_ERROR(m_http->start());
        if (m_http->port() != 0)
            qCInfo(lcServer, "listening on http://%s", address().c_str());
        if (m_http->httpsPort() != 0)
            qCInfo(lcServer, "listening on https://%s:%u", h.host.c_str(), m_http->httpsPort());
        m_loader = std::thread([this] { m_models.loadPending(); });
        m_rollout->start();
        m_running = true;
        return Status::ok();
    }

    void stop(Drain drain) {
        if (!m_running)
            return;
        m_running = false;
        qCInfo(lcServer, "stopping (%s)", drain == Drain::Wait ? "draining" : "aborting");
        m_http->stopAccepting();
        if (m_loader.joinable())
            m_loader.join();
        m_rollout->stop();
        m_models.stopAll(drain);
        if (drain == Drain::Wait)
            waitForAnswers();
        m_http->stop();
        // Accepted queries were answered during the drain; the rest run before it returns.
        if (m_statsQueries)
            m_statsQueries->stop();
        // After the IO threads: nothing records any more, and what was queued gets committed.
        if (m_log)
            m_log->stop();
        if (m_drift)
            m_drift->stop();
        if (m_slo)
            m_slo->stop();
        if (m_gate)
            m_gate->stop();
    }

    // host:port of the plain listener, or of the HTTPS one when plain HTTP is off.
    std::string address() const {
        return m_config.http.host + ":" + std::to_string(port() != 0 ? port() : httpsPort());
    }
    std::uint16_t port() const { return m_http ? m_http->port() : 0; }
    std::uint16_t httpsPort() const { return m_http ? m_http->httpsPort() : 0; }
    const ServerConfig& config() const { return m_config; }

    Result<std::string> issueLocalToken() {
        if (!m_keys)
            return std::string();
        security::ApiKeySpec spec;
        spec.name = "local";
        spec.owner = "local";
        spec.scopes = static_cast<std::uint8_t>(Scope::Predict) |
                      static_cast<std::uint8_t>(Scope::Metrics) |
                      static_cast<std::uint8_t>(Scope::Admin);
        ATALAYA_ASSIGN_OR_RETURN(auto issued, m_keys->createEphemeral(spec));
        return std::move(issued.token);
    }

private:
    // Routing policies resume from <dataDir>/rollout.sqlite; a version validates (schema, smoke
    // set) before it serves.
    Status openRollout() {
        m_models.setValidator(rollout::makeVersionValidator(m_config.json));
        ATALAYA_ASSIGN_OR_RETURN(auto store,
                                 rollout::RolloutStore::open(m_config.dataDir / "rollout.sqlite"));
        ATALAYA_ASSIGN_OR_RETURN(m_rollout,
                                 rollout::RolloutManager::create(
                                     {.pins = m_config.apiVersions,
                                      .models = &m_models,
                                      .store = std::move(store),
                                      .guardInterval = m_config.rollout.guardInterval,
                                      .guardEveryOutcomes = m_config.rollout.guardEveryOutcomes,
                                      .audit = m_audit.get()}));
        m_rolloutRoutes =
            std::make_unique<rollout::RolloutRoutes>(m_models, *m_rollout, m_config.json);
        return Status::ok();
    }

    Status openSecurity() {
        const SecurityConfig& security = m_config.security;
        if (!security.enabled) {
            qCWarning(lcServer,
                      "authentication is OFF: every route is open to anyone who can "
                      "reach %s",
                      m_config.http.host.c_str());
            return Status::ok();
        }
        ATALAYA_ASSIGN_OR_RETURN(m_keys,
                                 security::ApiKeyStore::open(m_config.dataDir / "security.sqlite"));
        if (!security.jwt.jwksFile.empty()) {
            security::JwtVerifierOptions options;
            options.issuer = security.jwt.issuer;
            options.audience = security.jwt.audience;
            options.leeway = security.jwt.leeway;
            ATALAYA_ASSIGN_OR_RETURN(
                m_jwt, security::JwtVerifier::fromJwksFile(security.jwt.jwksFile, options));
        }
        ATALAYA_RETURN_IF_ERROR(openOAuth());
        m_authenticator = std::make_unique<security::BearerAuthenticator>(m_keys.get(), m_jwt.get(),
                                                                          m_ownTokens.get());
        ATALAYA_ASSIGN_OR_RETURN(m_gate, TrafficGate::open(security, m_config.dataDir));
        qCInfo(lcServer, "authentication on: API keys, OAuth clients%s", m_jwt ? " and JWTs" : "");
        return Status::ok();
    }

    // The token endpoint's clients and signing key, and the verifier of the tokens it issues:
    // an allow-list of exactly the signing key's algorithm, with its issuer, audience and typ.
    Status openOAuth() {
        const OAuthConfig& oauth = m_config.security.oauth;
        ATALAYA_ASSIGN_OR_RETURN(
            m_clients, security::OAuthClientStore::open(m_config.dataDir / "security.sqlite"));
        ATALAYA_ASSIGN_OR_RETURN(m_signer,
                                 security::JwtSigner::fromConfig(oauth, m_config.dataDir));
        m_issuer = std::make_unique<security::AccessTokenIssuer>(
            m_signer.get(),
            security::AccessTokenOptions{
                .issuer = oauth.issuer, .audience = oauth.audience, .ttl = oauth.tokenTtl});
        security::JwtVerifierOptions options;
        options.issuer = oauth.issuer;
        options.audience = oauth.audience;
        options.leeway = oauth.leeway;
        options.requiredType = "at+jwt";
        ATALAYA_ASSIGN_OR_RETURN(auto jwt, security::JwtVerifier::fromJwks(
                                               m_signer->verificationJwks(), std::move(options)));
        m_ownTokens =
            std::make_unique<security::OAuthTokenVerifier>(std::move(jwt), m_clients.get());
        qCInfo(lcServer, "OAuth token endpoint: %s key %s",
               std::string(security::jwtAlgorithmName(m_signer->algorithm())).c_str(),
               m_signer->kid().c_str());
        return Status::ok();
    }

    // Every route group: the audit route always (actor "anonymous" with security off), rollout
    // and statistics; the credential routes and the token endpoint only with credentials.
    std::vector<http::RouteGroup*> routeGroups() {
        m_auditRoutes = std::make_unique<AuditRoutes>(m_audit.get());
        std::vector<http::RouteGroup*> groups{m_auditRoutes.get(), m_rolloutRoutes.get(),
                                              m_statsRoutes.get()};
        if (m_keys) {
            m_securityRoutes = std::make_unique<SecurityAdminRoutes>(m_keys.get(), m_clients.get(),
                                                                     m_gate.get(), m_audit.get());
            m_oauthRoutes =
                std::make_unique<OAuthRoutes>(m_issuer.get(), m_clients.get(), m_gate.get());
            groups.push_back(m_securityRoutes.get());
            groups.push_back(m_oauthRoutes.get());
        }
        return groups;
    }

    // The "drift" and "slo" sections of /api/v1/health and their gauges in /metrics.
    std::vector<http::HealthSection> healthSections() {
        std::vector<http::HealthSection> sections;
        if (m_drift)
            sections.push_back({"drift", [this] { return driftJson(); }});
        if (m_slo) {
            sections.push_back(
                {"slo", [this] { return sloHealthJson(m_slo->reports(), m_slo->recentEvents()); }});
        }
        if (m_log) {
            sections.push_back(
                {"inference_log", [this] { return inferenceLogHealthJson(m_log->storage()); }});
        }
        return sections;
    }

    std::vector<std::function<void(ScrapeContext&)>> gaugeSources() {
        std::vector<std::function<void(ScrapeContext&)>> sources;
        if (m_drift)
            sources.emplace_back([this](ScrapeContext& scrape) { addDriftGauges(scrape); });
        if (m_slo) {
            sources.emplace_back(
                [this](ScrapeContext& scrape) { scrape.slo = sloGaugeSamples(m_slo->reports()); });
        }
        if (m_log) {
            sources.emplace_back([this](ScrapeContext& scrape) {
                scrape.inferenceLog = inferenceLogStorageSample(m_log->storage());
            });
        }
        return sources;
    }

    // The chart queries (GET /api/v1/stats/...) on a thread and read-only connection of their
    // own; the log is open by now, so its file exists.
    Status openStats() {
        ATALAYA_ASSIGN_OR_RETURN(
            m_statsQueries,
            StatsQueryThread::open({.file = m_log ? m_log->file() : std::filesystem::path()}));
        m_statsRoutes = std::make_unique<stats::StatsRoutes>(stats::StatsRoutesOptions{
            .models = &m_models, .queries = m_statsQueries.get(), .drift = m_drift.get()});
        return Status::ok();
    }

    // Drift is computed off the request path from the same records the log gets; the
    // reference statistics and column order come from each version's model.json.
    InferenceSink* openDriftMonitor() {
        if (!m_config.telemetry.driftMonitor)
            return m_log.get();
        auto versionOf = [this](const std::string& model, std::int64_t version) {
            auto found = m_models.find(model, version);
            return found.isOk() ? std::move(found).value() : nullptr;
        };
        m_drift = std::make_unique<DriftMonitor>(DriftMonitorOptions{
            .reference = [versionOf](const std::string& model,
                                     std::int64_t version) -> std::optional<std::string> {
                const auto found = versionOf(model, version);
                if (!found || found->metadata().referenceJson.empty())
                    return std::nullopt;
                return found->metadata().referenceJson;
            },
            .columns =
                [versionOf](const std::string& model, std::int64_t version) {
                    std::vector<std::string> names;
                    if (const auto found = versionOf(model, version);
                        found && !found->metadata().inputs.empty()) {
                        for (const auto& feature : found->metadata().inputs.front().features) {
                            names.push_back(feature.name);
                        }
                    }
                    return names;
                },
            // Kept in the log's drift_history by its writer thread, never here.
            .history = m_log ? std::function<void(DriftSnapshot &&)>(
                                   [log = m_log.get()](DriftSnapshot&& snapshot) {
                                       log->recordDrift(std::move(snapshot));
                                   })
                             : nullptr,
            // Kept in the log's drift_alerts, and listed again after a restart.
            .alertSink = m_log ? std::function<void(const DriftAlert&)>(
                                     [log = m_log.get()](const DriftAlert& alert) {
                                         log->recordDriftAlert(alert);
                                     })
                               : nullptr,
            .restoredAlerts = restoredDriftAlerts(),
        });
        if (!m_log)
            return m_drift.get();
        m_fanOut =
            std::make_unique<FanOutSink>(std::vector<InferenceSink*>{m_drift.get(), m_log.get()});
        return m_fanOut.get();
    }

    // The alerts kept before the last stop; none (and a warning) when they cannot be read.
    std::vector<DriftAlert> restoredDriftAlerts() const {
        if (!m_log)
            return {};
        auto alerts = m_log->recentDriftAlerts(DriftMonitorOptions{}.maxAlerts);
        if (!alerts.isOk()) {
            qCWarning(lcServer, "drift alerts of the last run not listed: %s",
                      alerts.status().toString().c_str());
            return {};
        }
        return std::move(alerts).value();
    }

    void addDriftGauges(ScrapeContext& scrape) const {
        if (!m_drift)
            return;
        const DriftMonitorCounters counters = m_drift->driftCounters();
        scrape.driftCounters =
            DriftCountersSample{.recordsApplied = counters.recordsApplied,
                                .recordsDropped = counters.recordsDropped,
                                .recordsSkipped = counters.recordsSkipped,
                                .snapshotsWritten = m_log ? m_log->driftSnapshotsWritten() : 0,
                                .snapshotsDropped = m_log ? m_log->driftSnapshotsDropped() : 0};
        for (const auto& report : m_drift->reports()) {
            if (!report.error.empty())
                continue;
            scrape.driftVerdicts.push_back({.model = report.model,
                                            .version = report.version,
                                            .drift = report.drift,
                                            .windowSize = static_cast<double>(report.windowSize)});
            auto add = [&](const std::string& feature, const char* statistic, double value) {
                scrape.driftScores.push_back({.model = report.model,
                                              .version = report.version,
                                              .feature = feature,
                                              .statistic = statistic,
                                              .value = value});
            };
            for (const auto& feature : report.features) {
                add(feature.name, "psi", feature.psi);
                add(feature.name, "ks", feature.ksStatistic);
                add(feature.name, "ks_p_value", feature.ksPValue);
                add(feature.name, "jensen_shannon", feature.jensenShannon);
                if (feature.wassersteinNormalized) {
                    add(feature.name, "wasserstein_normalized", *feature.wassersteinNormalized);
                }
            }
        }
    }

    // The SLO tracker counts every record first and hands it on, moved, to the log and the
    // drift monitor; its windows are refilled from the log's rollups so a restart keeps the
    // budget. Every model in the repository is tracked from the start, so /metrics has its
    // series (budget whole, nothing firing) before its first request.
    Result<InferenceSink*> openSloTracker(InferenceSink* downstream) {
        if (!m_config.slo.enabled)
            return downstream;
        SloTrackerOptions options{.config = m_config.slo,
                                  .downstream = downstream,
                                  .eventsFile = m_config.dataDir / "slo.sqlite"};
        if (m_log)
            options.inferenceLog = m_log->file();
        for (const auto& version : m_models.versions())
            options.models.push_back(version->model());
        ATALAYA_ASSIGN_OR_RETURN(m_slo, SloTracker::open(std::move(options)));
        return m_slo.get();
    }

    nlohmann::json driftJson() const {
        nlohmann::json versions = nlohmann::json::array();
        for (const auto& report : m_drift->reports())
            versions.push_back(toJson(report));
        nlohmann::json alerts = nlohmann::json::array();
        for (const auto& alert : m_drift->alerts())
            alerts.push_back(toJson(alert));
        return nlohmann::json{
            {"versions", std::move(versions)},
            {"alerts", std::move(alerts)},
            {"counters", driftCountersJson(m_drift->driftCounters(), m_log.get())}};
    }

    // Batchers have finished their queues; their answers are on the way to the IO threads.
    void waitForAnswers() {
        const auto until = std::chrono::steady_clock::now() + m_config.drainTimeout;
        while (m_api->pendingRequests() > 0 && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    ServerConfig m_config;
    ExecutionSlots m_slots;
    std::unique_ptr<ModelRunnerFactory> m_factory;
    ModelRepository m_models;
    Metrics m_metrics;
    // Before m_api: the routes hold a pointer to the authenticator, which points at these.
    std::unique_ptr<security::ApiKeyStore> m_keys;
    std::unique_ptr<security::JwtVerifier> m_jwt;
    std::unique_ptr<security::OAuthClientStore> m_clients;
    std::unique_ptr<security::JwtSigner> m_signer;
    std::unique_ptr<security::AccessTokenIssuer> m_issuer;
    std::unique_ptr<security::OAuthTokenVerifier> m_ownTokens;
    std::unique_ptr<security::BearerAuthenticator> m_authenticator;
    std::unique_ptr<TrafficGate> m_gate;
    std::unique_ptr<AuditTrail> m_audit;  // before m_api, as are the route groups
    std::unique_ptr<AuditRoutes> m_auditRoutes;
    std::unique_ptr<SecurityAdminRoutes> m_securityRoutes;
    std::unique_ptr<OAuthRoutes> m_oauthRoutes;
    std::unique_ptr<InferenceLog> m_log;  // before m_api: the routes hold a pointer to it
    std::unique_ptr<DriftMonitor> m_drift;
    std::unique_ptr<FanOutSink> m_fanOut;
    std::unique_ptr<rollout::RolloutManager> m_rollout;       // before m_api: it routes requests
    std::unique_ptr<rollout::RolloutRoutes> m_rolloutRoutes;  // its worker answers requests
    std::unique_ptr<SloTracker> m_slo;  // in front of m_fanOut / m_log / m_drift: after them
    std::unique_ptr<StatsQueryThread> m_statsQueries;  // before m_api, like the log
    std::unique_ptr<stats::StatsRoutes> m_statsRoutes;
    std::unique_ptr<http::ApiRoutes> m_api;
    std::unique_ptr<http::HttpServer> m_http;
    std::thread m_loader;
    bool m_running = false;
};

Server::Server(ServerConfig config) : d(std::make_unique<Impl>(std::move(config))) {}
Server::~Server() {
    d->stop(Drain::Abort);
}
Status Server::start() {
    return d->start();
}
void Server::stop(Drain drain) {
    d->stop(drain);
}
std::string Server::host() const {
    return d->config().http.host;
}
std::uint16_t Server::port() const {
    return d->port();
}
std::uint16_t Server::httpsPort() const {
    return d->httpsPort();
}
std::string Server::baseUrl() const {
    return (d->port() != 0 ? "http://" : "https://") + d->address();
}
Result<std::string> Server::issueLocalToken() {
    return d->issueLocalToken();
}

}  // namespace atalaya
