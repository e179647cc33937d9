#pragma once

#include <atalaya/Config.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "http/ApiCall.h"
#include "http/HealthReport.h"
#include "http/HttpMessage.h"
#include "http/Router.h"
#include "http/TrafficRouter.h"
#include "inference/ModelRepository.h"
#include "security/Authenticator.h"
#include "security/TrafficGate.h"
#include "telemetry/InferenceRecord.h"
#include "telemetry/Metrics.h"

namespace atalaya::http {

struct ApiContext {
    ModelRepository& models;
    const ServerConfig& config;
    RuntimeReport runtime;
    std::function<std::string()> address;  // "host:port" once bound
    std::chrono::steady_clock::time_point startedAt = std::chrono::steady_clock::now();
    // Gets a record of every request that reached a batcher (answered, failed or refused as
    // queue_full), on the IO thread, before the answer is sent. Not owned; outlives the routes.
    InferenceSink* sink = nullptr;
    const InferenceSink* log = nullptr;  // the inference log alone, for its counters; null if off
    Metrics* metrics = nullptr;          // Prometheus counters; recorded for every routed answer
    // When set, every route not marked Access::Public needs credentials it accepts, with the
    // route's scope. Not owned; outlives the routes. Null only with security off.
    const Authenticator* authenticator = nullptr;
    // Rate limits and quotas; null with security off. Not owned; outlives the routes.
    TrafficGate* gate = nullptr;
    // Which version serves each predict request (pins and rollout policies). Not owned;
    // outlives the routes; required.
    TrafficRouter* router = nullptr;
    // Sections other parts of the server add to /api/v1/health (drift, SLOs), and the gauges
    // they add to /metrics, called on the IO thread when those routes are.
    std::vector<HealthSection> healthSections{};
    std::vector<std::function<void(ScrapeContext&)>> gaugeSources{};
    // Route groups of other parts of the server, appended to the table. Not owned; outlive
    // the routes.
    std::vector<RouteGroup*> routeGroups{};
};

// The route table and its handlers: every public route of the server, parsed into typed
// requests as early as possible. The table in ApiRoutes.cpp is the one place to read which
// routes exist and who may call them.
//
// Thread affinity: handle() runs on IO threads; inference completions hop back to the IO
// thread of their connection before encoding.
class ApiRoutes {
public:
    explicit ApiRoutes(ApiContext context);
    ~ApiRoutes();

    void handle(HttpRequest&& request, Responder responder);

    // Requests accepted but not yet answered; the server drains until this reaches zero.
    int pendingRequests() const { return m_pending.load(); }

private:
    void serveHealthz(const ApiCallPtr& call);
    void serveReadyz(const ApiCallPtr& call);
    void serveHealthDetail(const ApiCallPtr& call);
    void serveMetrics(const ApiCallPtr& call);
    void servePredict(const ApiCallPtr& call);
    void serveOipServer(const ApiCallPtr& call);
    void serveOipLive(const ApiCallPtr& call);
    void serveOipReady(const ApiCallPtr& call);
    void serveOipModel(const ApiCallPtr& call);
    void serveOipModelReady(const ApiCallPtr& call);
    void serveOipInfer(const ApiCallPtr& call);

    std::string nextRequestId();
    // False (and the call answered 401/403) unless the caller may use the route.
    bool authorize(const ApiCallPtr& call, Access access);
    void failLimited(const ApiCallPtr& call, std::span<const RateLimitDecision> decisions);
    // False (and the call answered 403) when the caller's principal may not use `model`.
    bool authorizeModel(const ApiCallPtr& call, std::string_view model);
    std::vector<RouteEntry> routeTable();

    ApiContext m_context;
    TrafficRouter& m_router;
    const std::vector<RouteEntry> m_routes;
    std::atomic<int> m_pending{0};
    std::atomic<std::uint64_t> m_requestCounter{0};
    std::string m_requestIdPrefix;
};

}  // namespace atalaya::http
