#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/HttpErrors.h"
#include "http/HttpMessage.h"
#include "http/Router.h"
#include "inference/InferenceRequest.h"
#include "inference/ModelVersion.h"
#include "security/Principal.h"
#include "telemetry/Metrics.h"

namespace atalaya::http {

// One request on its way through the routes: what was asked, who asked, and the one way to
// answer it. Shared by the handler and any inference completion that answers later; reply()
// or fail() must be called exactly once.
struct ApiCall {
    HttpRequest request;
    Responder responder;
    std::string requestId;
    SteadyClock::time_point receivedAt = SteadyClock::now();
    PathParams params;
    std::atomic<int>* pending = nullptr;
    Metrics* metrics = nullptr;
    // What the metrics label an answer with, filled in as the request is understood. The model
    // is set only once the repository resolved it, so clients cannot mint new series.
    std::string_view route;
    std::string apiVersion;
    const ModelVersion* served = nullptr;
    InferenceTiming timing;
    std::optional<Principal> principal;  // set once authenticated; empty on public routes
    std::string clientAddress;  // the peer, or X-Forwarded-For from a trusted proxy; always set
    HeaderList extraHeaders;    // RateLimit fields, Deprecation/Sunset, ...

    ApiCall(HttpRequest&& req, Responder res)
        : request(std::move(req)), responder(std::move(res)) {}

    // Who made the call, for audit records: the credential's client id, or "anonymous".
    std::string actor() const { return principal ? principal->clientId : std::string("anonymous"); }

    void reply(HttpResponse&& response);
    void fail(const Status& status, std::string_view requiredScope = {});

private:
    void recordMetrics(int httpStatus) const;
};

using ApiCallPtr = std::shared_ptr<ApiCall>;

// A JSON answer with the given status.
HttpResponse jsonResponse(int status, std::string body);

// A set of routes contributed by a part of the server outside http/ (rollout, key
// administration, statistics), so the route table stays one list without http/ linking them.
struct RouteEntry {
    RouteInfo info;
    std::function<void(const ApiCallPtr&)> handler;
};

class RouteGroup {
public:
    virtual ~RouteGroup() = default;
    virtual std::vector<RouteEntry> routes() = 0;
};

// A member function of a route group as a route handler: `handlerOf(this, &Owner::serveX)`.
template <class Owner>
std::function<void(const ApiCallPtr&)> handlerOf(Owner* owner,
                                                 void (Owner::*handler)(const ApiCallPtr&)) {
    return [owner, handler](const ApiCallPtr& call) { (owner->*handler)(call); };
}

}  // namespace atalaya::http
