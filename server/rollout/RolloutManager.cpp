#include "rollout/RolloutManager.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/Logging.h"
#include "core/ThreadName.h"
#include "core/UnixTime.h"
#include "rollout/Confidence.h"
#include "rollout/GuardEvaluation.h"
#include "rollout/RolloutAudit.h"

namespace atalaya::rollout {

using nlohmann::json;

namespace {

constexpr std::size_t kEventsKept = 500;
constexpr std::uint32_t kWeightScale = 10000;

// FNV-1a over the caller, API version and model: the same client lands on the same side of a
// canary for as long as the weight stays, and more clients join it as the weight grows.
std::uint32_t stickyBucket(std::string_view clientKey, std::string_view api,
                           std::string_view model) {
    std::uint64_t hash = 14695981039346656037ULL;
    auto mix = [&hash](std::string_view text) {
        for (const char c : text) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ULL;
        }
        hash ^= 0xff;
        hash *= 1099511628211ULL;
    };
    mix(clientKey);
    mix(api);
    mix(model);
    hash ^= hash >> 29;  // the low bits of FNV are weak for short keys
    return static_cast<std::uint32_t>(hash % kWeightScale);
}

std::string httpDate(std::int64_t unixMs) {
    const std::time_t seconds = unixMs / 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

http::HeaderList deprecationHeaders(const RoutePolicy& policy) {
    http::HeaderList headers;
    if (!policy.deprecated)
        return headers;
    // RFC 9745 (Deprecation, a structured date) and RFC 8594 (Sunset, an HTTP-date).
    headers.emplace_back("Deprecation", "@" + std::to_string(policy.deprecatedAtMs / 1000));
    if (policy.sunsetMs)
        headers.emplace_back("Sunset", httpDate(*policy.sunsetMs));
    return headers;
}

// Back to serving `stable` alone: what pin, promote and rollback (by hand or by the guard) share.
void endRollout(RoutePolicy& p, std::int64_t stable) {
    p.mode = RolloutMode::Pinned;
    p.stable = stable;
    p.candidate.reset();
    p.weight = 0;
    p.nextStepAtMs.reset();
}

// from -> to of an event: a rollback goes from the candidate back to the stable version; every
// other change from the stable version to the candidate (or the new stable one).
std::pair<std::optional<std::int64_t>, std::optional<std::int64_t>> eventVersions(
    const RoutePolicy& before, const RoutePolicy& after) {
    auto known = [](std::int64_t v) { return v > 0 ? std::optional(v) : std::nullopt; };
    if (before.candidate && !after.candidate && after.stable != *before.candidate)
        return {before.candidate, known(after.stable)};
    return {known(before.stable), after.candidate ? after.candidate : known(after.stable)};
}

json tallyJson(const VersionTally& t, std::optional<std::int64_t> version) {
    json shares = json::object();
    const std::int64_t ok = t.requests - t.errors;
    for (const auto& [label, n] : t.labels) {
        shares[label] = ok > 0 ? static_cast<double>(n) / static_cast<double>(ok) : 0.0;
    }
    const auto [low, high] = wilsonInterval(t.errors, t.requests);
    auto optional = [](std::optional<double> v) { return v ? json(*v) : json(nullptr); };
    return {{"version", version ? json(*version) : json(nullptr)},
            {"requests", t.requests},
            {"errors", t.errors},
            {"error_rate",
             t.requests > 0 ? json(static_cast<double>(t.errors) / static_cast<double>(t.requests))
                            : json(nullptr)},
            {"error_rate_ci", {low, high}},
            {"p50_ms", optional(t.quantileMs(0.5))},
            {"p99_ms", optional(t.quantileMs(0.99))},
            {"label_share", std::move(shares)}};
}

// What an operator asked for, for the event and the audit trail: the action as sent (a "step"
// past the last weight records "promoted") and the settings it changed.
json actionDetail(const RolloutAction& action, const RoutePolicy& after) {
    json detail = {{"mode", rolloutModeName(after.mode)}, {"action", action.action}};
    if (action.guard)
        detail["guard"] = after.guard;
    if (action.steps)
        detail["steps"] = after.steps;
    if (action.stepIntervalS)
        detail["step_interval_s"] = after.stepIntervalS;
    if (action.sunsetMs)
        detail["sunset_ms"] = *action.sunsetMs;
    return detail;
}

}  // namespace

RolloutManager::RolloutManager(Options options)
    : m_models(options.models)
    , m_store(std::move(options.store))
    , m_audit(options.audit)
    , m_guardInterval(options.guardInterval)
    , m_guardEveryOutcomes(options.guardEveryOutcomes) {
    for (const auto& [api, models] : options.pins) {
        auto& byModel = m_routes[api];
        for (const auto& [model, version] : models) {
            Route route;
            route.policy.api = api;
            route.policy.model = model;
            route.policy.stable = version;
            route.policy.sinceMs = systemUnixMs();
            route.pacer = std::make_shared<GuardPacer>(m_guardEveryOutcomes);
            byModel.emplace(model, std::move(route));
        }
    }
}

Result<std::unique_ptr<RolloutManager>> RolloutManager::create(Options options) {
    std::unique_ptr<RolloutManager> manager(new RolloutManager(std::move(options)));
    if (manager->m_store) {
        ATALAYA_ASSIGN_OR_RETURN(auto policies, manager->m_store->loadPolicies());
        for (const auto& policy : policies)
            manager->commit(manager->m_routes[policy.api][policy.model], policy, false);
        ATALAYA_RETURN_IF_ERROR(manager->resumeVersions(policies));
        ATALAYA_ASSIGN_OR_RETURN(auto events, manager->m_store->recentEvents(kEventsKept));
        manager->m_events.assign(events.begin(), events.end());
        if (!policies.empty()) {
            qCInfo(lcServer, "rollout: %zu route policies resumed from %s", policies.size(),
                   "rollout.sqlite");
        }
    }
    return manager;
}

Status RolloutManager::resumeVersions(const std::vector<RoutePolicy>& policies) {
    if (!m_models)
        return Status::ok();
    ATALAYA_ASSIGN_OR_RETURN(auto defaults, m_store->loadDefaults());
    std::vector<std::pair<std::string, std::int64_t>> needed(defaults.begin(), defaults.end());
    for (const auto& p : policies) {
        if (p.stable > 0)
            needed.emplace_back(p.model, p.stable);
        if (p.candidate)
            needed.emplace_back(p.model, *p.candidate);
    }
    // A version gone from disk since is the operator's doing: warn, and serve what is there.
    for (const auto& [model, version] : needed) {
        if (Status s = m_models->loadAtStart(model, version); !s.isOk())
            qCWarning(lcServer, "rollout: cannot resume %s", s.message().c_str());
    }
    for (const auto& [model, version] : defaults) {
        if (Status s = m_models->setDefaultVersion(model, version); s.isOk()) {
            qCInfo(lcServer, "rollout: %s serves version %lld by default (rollout.sqlite)",
                   model.c_str(), static_cast<long long>(version));
        }
    }
    return Status::ok();
}

void RolloutManager::saveChosenDefault(const std::string& model) {
    if (!m_store || !m_models)
        return;
    const auto version = m_models->chosenDefault(model);
    if (!version)
        return;
    if (Status s = m_store->saveDefault(model, *version); !s.isOk()) {
        qCWarning(lcServer, "rollout: could not save the default version of %s: %s", model.c_str(),
                  s.message().c_str());
    }
}

RolloutManager::~RolloutManager() {
    stop();
}

void RolloutManager::start() {
    std::lock_guard lock(m_guardMutex);
    if (m_guard.joinable())
        return;
    m_stopping = false;
    m_guard = std::thread([this] { guardLoop(); });
}

void RolloutManager::stop() {
    {
        std::lock_guard lock(m_guardMutex);
        m_stopping = true;
    }
    m_guardWake.notify_all();
    if (m_guard.joinable())
        m_guard.join();
}

void RolloutManager::guardLoop() {
    nameCurrentThread("rollout-guard");
    std::unique_lock lock(m_guardMutex);
    while (!m_stopping) {
        // The timer is for the time-based parts (the schedule, rules on a quiet candidate); a
        // busy candidate wakes the guard sooner, through wakeGuard().
        m_guardWake.wait_for(lock, m_guardInterval, [this] { return m_stopping || m_guardDue; });
        if (m_stopping)
            break;
        m_guardDue = false;  // outcomes counted from here on ask for another round
        lock.unlock();
        evaluateGuards();
        lock.lock();
    }
}

void RolloutManager::wakeGuard() {
    if (m_guardDue.load(std::memory_order_relaxed) || m_guardDue.exchange(true))
        return;  // asked already, not judged yet
    // Through the mutex, so the wake cannot fall between the guard's check and its wait.
    { std::lock_guard lock(m_guardMutex); }
    m_guardWake.notify_one();
}

bool RolloutManager::knowsApiVersion(std::string_view api) const {
    std::shared_lock lock(m_mutex);
    return m_routes.find(api) != m_routes.end();
}

http::RouteDecision RolloutManager::route(std::string_view api, std::string_view model,
                                          std::string_view clientKey) const {
    std::shared_lock lock(m_mutex);
    http::RouteDecision decision;
    const auto byApi = m_routes.find(api);
    if (byApi == m_routes.end())
        return decision;
    const auto it = byApi->second.find(model);
    if (it == byApi->second.end())
        return decision;
    const RoutePolicy& p = it->second.policy;
    if (p.stable > 0)
        decision.version = p.stable;
    if (p.mode == RolloutMode::Shadow) {
        decision.shadow = p.candidate;
    } else if (p.mode == RolloutMode::Canary && p.candidate &&
               stickyBucket(clientKey, api, model) <
                   static_cast<std::uint32_t>(std::lround(p.weight * kWeightScale)) &&
               it->second.pacer->admits()) {
        decision.version = p.candidate;
    }
    decision.headers = it->second.headers;
    return decision;
}

void RolloutManager::observe(const http::ServedOutcome& o) {
    std::shared_ptr<VersionScoreboard> board;
    std::shared_ptr<GuardPacer> pacer;
    VersionScoreboard::Side side = VersionScoreboard::Side::Stable;
    bool pairShadow = false;
    {
        std::shared_lock lock(m_mutex);
        const auto byApi = m_routes.find(o.api);
        if (byApi == m_routes.end())
            return;
        const auto it = byApi->second.find(o.model);
        if (it == byApi->second.end() || it->second.policy.isPinned())
            return;
        const RoutePolicy& p = it->second.policy;
        if (p.candidate && o.version == *p.candidate) {
            side = VersionScoreboard::Side::Candidate;
        } else if (p.stable != 0 && o.version != p.stable) {
            return;  // a version this rollout does not compare
        }
        pairShadow = p.mode == RolloutMode::Shadow;
        board = it->second.scoreboard;
        if (side == VersionScoreboard::Side::Candidate)
            pacer = it->second.pacer;
    }
    board->record(side, o.shadow, o.ok, o.latency, o.label, o.score,
                  pairShadow ? o.requestId : std::string_view());
    // Counted once recorded, so the guard's snapshot holds every outcome the pacer counted.
    if (pacer && pacer->countOutcome())
        wakeGuard();
}

ApiVersionPins RolloutManager::pins() const {
    std::shared_lock lock(m_mutex);
    ApiVersionPins pins;
    for (const auto& [api, byModel] : m_routes) {
        auto& out = pins[api];
        for (const auto& [model, route] : byModel) {
            if (route.policy.stable > 0)
                out[model] = route.policy.stable;
        }
    }
    return pins;
}

bool RolloutManager::versionInUse(const std::string& model, std::int64_t version) const {
    std::shared_lock lock(m_mutex);
    for (const auto& [api, byModel] : m_routes) {
        const auto it = byModel.find(model);
        if (it == byModel.end())
            continue;
        const RoutePolicy& p = it->second.policy;
        if (p.stable == version || (p.candidate && *p.candidate == version))
            return true;
    }
    return false;
}

Status RolloutManager::checkCandidate(const std::string& model, std::int64_t version,
                                      bool newRoute) const {
    auto found = m_models->find(model, version);
    if (!found.isOk())
        return found.status();
    if ((*found)->validation().breaking && !newRoute) {
        return invalidArgument(model + ":" + std::to_string(version) +
                                   " changes the model's schema: serve it on an API version of "
                                   "its own (pin it on a new one, e.g. v3)",
                               "breaking_change");
    }
    return Status::ok();
}

Result<RolloutManager::Transition> RolloutManager::nextPolicy(const RoutePolicy& current,
                                                              bool exists,
                                                              const RolloutAction& a) const {
    RoutePolicy p = current;
    std::string kind;
    bool newStage = true;
    const auto needCandidate = [&]() -> Status {
        if (!p.candidate) {
            return invalidArgument("no rollout in progress on " + p.api + " " + p.model,
                                   "no_rollout");
        }
        return Status::ok();
    };
    if (a.action == "pin") {
        if (!a.version)
            return invalidArgument("pin needs \"version\"", "bad_action");
        ATALAYA_RETURN_IF_ERROR(checkCandidate(p.model, *a.version, !exists));
        endRollout(p, *a.version);
        kind = "pinned";
    } else if (a.action == "shadow" || a.action == "canary") {
        if (!exists) {
            return notFound("no route " + p.api + " for " + p.model + ": pin a version first",
                            "route_not_found");
        }
        if (!a.candidate)
            return invalidArgument(a.action + " needs \"candidate\"", "bad_action");
        if (*a.candidate == p.stable) {
            return invalidArgument("the candidate is the version already served", "bad_action");
        }
        ATALAYA_RETURN_IF_ERROR(checkCandidate(p.model, *a.candidate, false));
        p.candidate = a.candidate;
        if (a.guard)
            p.guard = *a.guard;
        if (a.action == "shadow") {
            p.mode = RolloutMode::Shadow;
            p.weight = 0;
            p.nextStepAtMs.reset();
            kind = "shadow_started";
        } else {
            if (a.steps) {
                const auto& steps = *a.steps;
                const bool valid = !steps.empty() && std::is_sorted(steps.begin(), steps.end()) &&
                                   steps.front() > 0 && steps.back() <= 1;
                if (!valid) {
                    return invalidArgument("steps must rise within (0, 1]", "bad_action");
                }
                p.steps = steps;
            }
            if (a.stepIntervalS) {
                if (*a.stepIntervalS < 0 || *a.stepIntervalS > 7 * 86400) {
                    return invalidArgument("step_interval_s must be 0..604800", "bad_action");
                }
                p.stepIntervalS = *a.stepIntervalS;
            }
            p.mode = RolloutMode::Canary;
            p.weight = p.steps.front();
            p.nextStepAtMs.reset();
            if (p.stepIntervalS > 0)
                p.nextStepAtMs = systemUnixMs() + p.stepIntervalS * 1000LL;
            kind = "canary_started";
        }
    } else if (a.action == "step" || a.action == "set_weight") {
        ATALAYA_RETURN_IF_ERROR(needCandidate());
        if (p.mode != RolloutMode::Canary) {
            return invalidArgument(a.action + " needs a canary in progress", "no_rollout");
        }
        double weight = 0;
        if (a.action == "set_weight") {
            if (!a.weight || *a.weight < 0 || *a.weight > 1) {
                return invalidArgument("set_weight needs \"weight\" in 0..1", "bad_action");
            }
            weight = *a.weight;
        } else {
            const auto next = std::upper_bound(p.steps.begin(), p.steps.end(), p.weight + 1e-9);
            if (next == p.steps.end()) {
                RolloutAction promote;
                promote.action = "promote";
                return nextPolicy(current, exists, promote);
            }
            weight = *next;
        }
        p.weight = weight;
        if (p.stepIntervalS > 0)
            p.nextStepAtMs = systemUnixMs() + p.stepIntervalS * 1000LL;
        kind = "weight_changed";
        newStage = false;  // stepping a canary keeps collecting
    } else if (a.action == "promote") {
        ATALAYA_RETURN_IF_ERROR(needCandidate());
        endRollout(p, *p.candidate);
        kind = "promoted";
    } else if (a.action == "rollback") {
        ATALAYA_RETURN_IF_ERROR(needCandidate());
        endRollout(p, p.stable);
        kind = "rolled_back";
    } else if (a.action == "deprecate") {
        if (!exists)
            return notFound("no route " + p.api + " for " + p.model, "route_not_found");
        p.deprecated = true;
        p.deprecatedAtMs = systemUnixMs();
        p.sunsetMs = a.sunsetMs;
        kind = "deprecated";
        newStage = false;
    } else if (a.action == "guard") {
        if (!a.guard)
            return invalidArgument("guard needs \"guard\"", "bad_action");
        p.guard = *a.guard;
        kind = "guard_changed";
        newStage = false;
    } else {
        return invalidArgument("unknown action \"" + a.action + "\"", "bad_action");
    }
    return Transition{std::move(p), std::move(kind), newStage};
}

void RolloutManager::commit(Route& route, const RoutePolicy& policy, bool newStage) {
    route.policy = policy;
    route.headers = deprecationHeaders(policy);
    if (newStage) {
        route.policy.sinceMs = systemUnixMs();
        route.scoreboard = std::make_shared<VersionScoreboard>();
    }
    if (newStage || !route.pacer)
        route.pacer = std::make_shared<GuardPacer>(m_guardEveryOutcomes);
}

std::optional<RoutePolicy> RolloutManager::policyOf(const std::string& api,
                                                    const std::string& model) const {
    std::shared_lock lock(m_mutex);
    if (const auto byApi = m_routes.find(api); byApi != m_routes.end()) {
        if (const auto it = byApi->second.find(model); it != byApi->second.end())
            return it->second.policy;
    }
    return std::nullopt;
}

Result<std::string> RolloutManager::apply(const std::string& api, const std::string& model,
                                          const RolloutAction& action, const Actor& actor) {
    std::lock_guard serial(m_applyMutex);
    const std::optional<RoutePolicy> existing = policyOf(api, model);
    if (!existing && !isApiVersionName(api)) {
        return invalidArgument("API versions are named v1, v2, ...", "bad_api_version");
    }
    RoutePolicy current = existing.value_or(RoutePolicy{});
    current.api = api;
    current.model = model;
    ATALAYA_ASSIGN_OR_RETURN(Transition next, nextPolicy(current, existing.has_value(), action));
    return enact(current, next, actor, actionDetail(action, next.policy));
}

std::string RolloutManager::enact(const RoutePolicy& before, const Transition& transition,
                                  const Actor& actor, json detail) {
    const RoutePolicy& after = transition.policy;
    const auto [from, to] = eventVersions(before, after);
    const RolloutEvent event{.timeMs = systemUnixMs(),
                             .api = after.api,
                             .model = after.model,
                             .kind = transition.kind,
                             .fromVersion = from,
                             .toVersion = to,
                             .weight = after.weight,
                             .actor = actor.who,
                             .address = actor.address,
                             .detailJson = detail.dump()};
    // The event is visible no later than the routing it explains.
    remember(event);
    RoutePolicy committed;
    std::string view;
    {
        std::unique_lock lock(m_mutex);
        Route& route = m_routes[after.api][after.model];
        commit(route, after, transition.newStage);
        committed = route.policy;
        view = routeJson(route);
    }
    qCInfo(lcServer, "rollout %s %s: %s by %s from %s", after.api.c_str(), after.model.c_str(),
           transition.kind.c_str(), actor.who.c_str(), actor.address.c_str());
    persist(committed, event);
    audit(event);
    return view;
}

void RolloutManager::persist(const RoutePolicy& policy, const RolloutEvent& event) {
    if (!m_store)
        return;
    // The routing already changed in memory; a failed write is logged loudly, since a restart
    // would then resume the previous routing.
    if (Status s = m_store->savePolicy(policy); !s.isOk()) {
        qCWarning(lcServer, "rollout: could not save the route policy: %s", s.message().c_str());
    }
    if (Status s = m_store->appendEvent(event); !s.isOk()) {
        qCWarning(lcServer, "rollout: could not save an event: %s", s.message().c_str());
    }
}

void RolloutManager::remember(RolloutEvent event) {
    std::lock_guard lock(m_eventsMutex);
    m_events.push_front(std::move(event));
    if (m_events.size() > kEventsKept)
        m_events.pop_back();
}

void RolloutManager::recordEvent(RolloutEvent event) {
    if (m_store) {
        if (Status s = m_store->appendEvent(event); !s.isOk()) {
            qCWarning(lcServer, "rollout: could not save an event: %s", s.message().c_str());
        }
    }
    audit(event);
    remember(std::move(event));
}

void RolloutManager::audit(const RolloutEvent& event) {
    if (m_audit == nullptr)
        return;
    const auto entry = auditEntryOf(event);
    if (!entry)
        return;
    // As for the credential routes: the change stands, so a lost audit row is critical.
    if (Status s = m_audit->record(*entry); !s.isOk()) {
        qCCritical(lcServer, "audit: %s %s was made but not recorded: %s", entry->action.c_str(),
                   entry->target.c_str(), s.toString().c_str());
    }
}

void RolloutManager::evaluateGuards() {
    struct Due {
        std::string api, model;
        std::optional<GuardTrip> trip;  // empty: a scheduled step
    };
    std::vector<Due> due;
    const std::int64_t now = systemUnixMs();
    {
        std::shared_lock lock(m_mutex);
        for (const auto& [api, byModel] : m_routes) {
            for (const auto& [model, route] : byModel) {
                const RoutePolicy& p = route.policy;
                if (p.isPinned() || !p.candidate)
                    continue;
                // Read before the snapshot, which then holds at least these outcomes.
                const std::int64_t seen = route.pacer->outcomes();
                if (auto trip = evaluateGuard(p.guard, route.scoreboard->snapshot())) {
                    // Not marked judged: the pacer admits no more than it did before this round.
                    due.push_back({api, model, std::move(trip)});
                    continue;
                }
                route.pacer->judged(seen);
                if (p.mode == RolloutMode::Canary && p.nextStepAtMs && now >= *p.nextStepAtMs)
                    due.push_back({api, model, std::nullopt});
            }
        }
    }
    for (auto& d : due) {
        RolloutAction action;
        action.action = d.trip ? "rollback" : "step";
        if (!d.trip) {
            (void)apply(d.api, d.model, action, {"schedule", "server"});
            continue;
        }
        std::lock_guard serial(m_applyMutex);
        const auto current = policyOf(d.api, d.model);
        if (!current || current->isPinned() || !current->candidate)
            continue;  // an operator was faster
        auto rollback = nextPolicy(*current, true, action);
        if (!rollback.isOk())
            continue;
        // Recorded with the numbers that tripped it, which stay on screen (same stage).
        Transition automatic = std::move(rollback).value();
        automatic.kind = "auto_rolled_back";
        automatic.newStage = false;
        json detail = json::parse(d.trip->detailJson, nullptr, false);
        if (!detail.is_object())
            detail = json::object();
        detail["message"] = d.trip->message;
        qCWarning(lcServer, "rollout %s %s: candidate %lld rolled back automatically: %s",
                  d.api.c_str(), d.model.c_str(), static_cast<long long>(*current->candidate),
                  d.trip->message.c_str());
        enact(*current, automatic, {"guard", "server"}, std::move(detail));
    }
}

std::string RolloutManager::routeJson(const Route& route) const {
    json out = route.policy;
    const auto snap = route.scoreboard->snapshot();
    const auto [agreeLow, agreeHigh] = wilsonInterval(snap.shadow.agreed, snap.shadow.compared);
    out["stats"] = {
        {"since_ms", route.policy.sinceMs},
        {"held_back", route.pacer ? route.pacer->heldBack() : 0},
        {"stable",
         tallyJson(snap.stable,
                   route.policy.stable > 0 ? std::optional(route.policy.stable) : std::nullopt)},
        {"candidate", tallyJson(snap.candidate, route.policy.candidate)},
        {"shadow",
         {{"compared", snap.shadow.compared},
          {"agreement", snap.shadow.compared > 0 ? json(static_cast<double>(snap.shadow.agreed) /
                                                        static_cast<double>(snap.shadow.compared))
                                                 : json(nullptr)},
          {"agreement_ci", {agreeLow, agreeHigh}},
          {"mean_abs_score_diff",
           snap.shadow.compared > 0
               ? json(snap.shadow.sumAbsScoreDiff / static_cast<double>(snap.shadow.compared))
               : json(nullptr)}}}};
    out["last_event"] = nullptr;
    std::lock_guard lock(m_eventsMutex);
    for (const auto& e : m_events) {
        if (e.api == route.policy.api && e.model == route.policy.model) {
            out["last_event"] = e;
            break;
        }
    }
    return out.dump();
}

std::string RolloutManager::routesJson() const {
    std::shared_lock lock(m_mutex);
    std::string body = R"({"routes":[)";
    bool first = true;
    for (const auto& [api, byModel] : m_routes) {
        for (const auto& [model, route] : byModel) {
            if (!first)
                body += ',';
            first = false;
            body += routeJson(route);
        }
    }
    return body + "]}";
}

std::string RolloutManager::eventsJson(std::size_t limit) const {
    std::lock_guard lock(m_eventsMutex);
    json events = json::array();
    for (const auto& e : m_events) {
        if (events.size() >= limit)
            break;
        events.push_back(e);
    }
    return json{{"events", std::move(events)}}.dump();
}

}  // namespace atalaya::rollout
