#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/TrafficRouter.h"
#include "inference/ModelRepository.h"
#include "rollout/GuardPacer.h"
#include "rollout/RolloutEvent.h"
#include "rollout/RolloutStore.h"
#include "rollout/RoutePolicy.h"
#include "rollout/VersionScoreboard.h"

namespace atalaya {
class AuditTrail;
}

namespace atalaya::rollout {

// An operator's instruction for one route (docs/rollout.md, "Actions").
struct RolloutAction {
    std::string
        action;  // pin, shadow, canary, step, set_weight, promote, rollback, deprecate, guard
    std::optional<std::int64_t> version;    // pin
    std::optional<std::int64_t> candidate;  // shadow, canary
    std::optional<double> weight;           // set_weight
    std::optional<std::vector<double>> steps;
    std::optional<int> stepIntervalS;
    std::optional<GuardRules> guard;
    std::optional<std::int64_t> sunsetMs;  // deprecate
};

struct Actor {
    std::string who;
    std::string address;
};

// The traffic policies of every (API version, model) route: which version answers, which one
// shadows, which share of clients a canary gets; the guard that rolls a candidate back on
// live numbers; and the history of all of it, persisted so a restart resumes the same routing.
//
// Thread affinity: route() and observe() on IO threads (a shared lock, a map lookup, a hash, and
// for a candidate's outcome two atomics, plus a notify once per `guardEveryOutcomes`); apply()
// and recordEvent() on the admin worker (they write SQLite, the audit trail too); the guard runs
// on a thread of its own, started by start() and joined by stop(). It judges every
// `guardInterval`, and sooner when a candidate has `guardEveryOutcomes` outcomes it has not
// judged (GuardPacer: the bound on requests a broken candidate answers).
class RolloutManager final : public http::TrafficRouter {
public:
    struct Options {
        ApiVersionPins pins;  // the configured routes; persisted policies override them
        ModelRepository* models = nullptr;
        std::unique_ptr<RolloutStore> store;  // null: nothing persisted (tests)
        std::chrono::milliseconds guardInterval{200};
        std::int64_t guardEveryOutcomes = 20;
        // Every change (an operator's or the guard's) is also written there; null: not audited
        // (tests). Not owned; it outlives the manager.
        AuditTrail* audit = nullptr;
    };
    static Result<std::unique_ptr<RolloutManager>> create(Options options);
    ~RolloutManager() override;

    void start();
    void stop();

    // TrafficRouter
    bool knowsApiVersion(std::string_view api) const override;
    http::RouteDecision route(std::string_view api, std::string_view model,
                              std::string_view clientKey) const override;
    void observe(const http::ServedOutcome& outcome) override;
    ApiVersionPins pins() const override;

    // Applies an action and returns the route's view (docs/rollout.md "Route object").
    Result<std::string> apply(const std::string& api, const std::string& model,
                              const RolloutAction& action, const Actor& actor);
    std::string routesJson() const;
    std::string eventsJson(std::size_t limit) const;
    void recordEvent(RolloutEvent event);
    // Persists the default version the repository has chosen for `model` now (set through the
    // admin API, or kept by a hot load), so a restart resumes it. On the admin worker.
    void saveChosenDefault(const std::string& model);
    // True when a route serves, shadows or canaries this version (it may not be unloaded).
    bool versionInUse(const std::string& model, std::int64_t version) const;

    // Checks every rollout's guard rules and schedule now (the guard thread calls this).
    void evaluateGuards();

private:
    struct Route {
        RoutePolicy policy;
        std::shared_ptr<VersionScoreboard> scoreboard = std::make_shared<VersionScoreboard>();
        std::shared_ptr<GuardPacer> pacer;  // per stage, like the scoreboard; set by commit()
        http::HeaderList headers;           // Deprecation / Sunset, made once per change
    };
    explicit RolloutManager(Options options);

    // What an action does to a route: the policy after it, the event kind it records, and
    // whether it starts a new stage (whose statistics the guard judges afresh).
    struct Transition {
        RoutePolicy policy;
        std::string kind;
        bool newStage = true;
    };
    Result<Transition> nextPolicy(const RoutePolicy& current, bool exists,
                                  const RolloutAction& action) const;
    Status checkCandidate(const std::string& model, std::int64_t version, bool newRoute) const;
    // The route's policy, if it has one (m_mutex taken here).
    std::optional<RoutePolicy> policyOf(const std::string& api, const std::string& model) const;
    // Puts a transition in force: event, routing, then SQLite. m_applyMutex held by the caller.
    std::string enact(const RoutePolicy& before, const Transition& transition, const Actor& actor,
                      nlohmann::json detail);
    void commit(Route& route, const RoutePolicy& policy, bool newStage);  // m_mutex held
    std::string routeJson(const Route& route) const;
    // At create(): the persisted defaults back into the repository, and every version a resumed
    // route or default names loaded at start even if its model.json says "autoload": false.
    Status resumeVersions(const std::vector<RoutePolicy>& policies);
    void persist(const RoutePolicy& policy, const RolloutEvent& event);  // SQLite only
    void remember(RolloutEvent event);                                   // the in-memory history
    void audit(const RolloutEvent& event);  // the audit trail, if any; failures are logged
    void guardLoop();
    // From observe(): the guard should judge now. Cheap when it was already asked.
    void wakeGuard();

    ModelRepository* m_models;
    std::unique_ptr<RolloutStore> m_store;
    AuditTrail* m_audit;
    const std::chrono::milliseconds m_guardInterval;
    const std::int64_t m_guardEveryOutcomes;

    mutable std::shared_mutex m_mutex;  // guards m_routes
    std::map<std::string, std::map<std::string, Route, std::less<>>, std::less<>> m_routes;

    mutable std::mutex m_eventsMutex;
    std::deque<RolloutEvent> m_events;  // newest first, bounded

    std::mutex m_applyMutex;  // one action (or guard decision) at a time

    std::mutex m_guardMutex;
    std::condition_variable m_guardWake;
    std::atomic<bool> m_guardDue{false};  // a candidate's outcomes are waiting to be judged
    bool m_stopping = false;
    std::thread m_guard;
};

}  // namespace atalaya::rollout
