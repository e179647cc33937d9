#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/HttpMessage.h"

namespace atalaya::http {

// Where one predict request on a public API version goes.
struct RouteDecision {
    std::optional<std::int64_t> version;  // nullopt: the model's default version
    // A version that also gets a copy of the request (shadow traffic). Its answer is compared
    // with the client's and dropped; it never delays or changes the client's answer.
    std::optional<std::int64_t> shadow;
    HeaderList headers;  // Deprecation / Sunset of a route being retired
};

// What happened to one request a decision routed, for rollout statistics and guard rules.
struct ServedOutcome {
    std::string_view api;
    std::string_view model;
    std::int64_t version = 0;
    bool shadow = false;
    bool ok = false;
    std::chrono::microseconds latency{0};
    std::string_view label;      // first instance's label, empty on failure
    double score = 0;            // first instance's score
    std::string_view requestId;  // pairs a shadow outcome with its primary one
};

// The seam between the routes and the traffic policies (pinned, shadow, canary). http/ sees
// only this; the rollout library implements it.
//
// Thread-safe: route() and observe() run on IO threads for every predict request, so they must
// be cheap (no disk, no waiting).
class TrafficRouter {
public:
    virtual ~TrafficRouter() = default;

    virtual bool knowsApiVersion(std::string_view api) const = 0;
    // `clientKey` identifies the caller (credential id, else address) so a canary is sticky.
    virtual RouteDecision route(std::string_view api, std::string_view model,
                                std::string_view clientKey) const = 0;
    virtual void observe(const ServedOutcome& outcome) = 0;
    // The stable version each API version serves per model, for /api/v1/health.
    virtual std::map<std::string, std::map<std::string, std::int64_t>> pins() const = 0;
};

}  // namespace atalaya::http
