#include "rollout/RolloutRoutes.h"

#include <QDateTime>
#include <QString>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/FormUrlEncoded.h"
#include "core/StrictJson.h"

namespace atalaya::rollout {

using http::Access;
using http::ApiCallPtr;
using nlohmann::json;

namespace {

Result<std::int64_t> versionParam(const http::ApiCall& call) {
    const std::string_view text = call.params.get("version").value_or("");
    if (const auto version = parseVersionNumber(text))
        return *version;
    return notFound("model version \"" + std::string(text) + "\" is not a positive integer",
                    "version_not_found");
}

Actor actorOf(const http::ApiCall& call) {
    return {call.actor(), call.clientAddress};
}

json versionJson(const ModelVersion& v) {
    const auto validation = v.validation();
    const auto load = v.loadDuration();
    return {{"version", v.version()},
            {"state", modelStateName(v.state())},
            {"reason", v.reason()},
            {"since_ms", v.stateSinceMs()},
            {"load_ms", load ? json(load->count()) : json(nullptr)},
            {"breaking", validation.breaking},
            {"smoke", {{"passed", validation.smokePassed}, {"total", validation.smokeTotal}}}};
}

// `?limit=N` of a request target, within [1, max]; the fallback when absent or not a number.
std::size_t limitOf(const std::string& target, std::size_t fallback, std::size_t max) {
    const auto question = target.find('?');
    if (question == std::string::npos)
        return fallback;
    std::size_t limit = fallback;
    (void)forEachFormField(std::string_view(target).substr(question + 1), Status::ok(),
                           [&limit](const std::string& name, const std::string& value) {
                               std::size_t n = 0;
                               const auto [end, ec] =
                                   std::from_chars(value.data(), value.data() + value.size(), n);
                               if (name == "limit" && ec == std::errc() &&
                                   end == value.data() + value.size() && n > 0)
                                   limit = n;
                               return Status::ok();
                           });
    return std::min(limit, max);
}

Result<RolloutAction> parseAction(const json& body) {
    if (!body.is_object())
        return invalidArgument("the body must be a JSON object", "bad_action");
    RolloutAction a;
    const auto text = body.find("action");
    if (text == body.end() || !text->is_string()) {
        return invalidArgument("\"action\" is required", "bad_action");
    }
    a.action = text->get<std::string>();
    for (const auto& [key, value] : body.items()) {
        if (key == "action")
            continue;
        auto integer = [&]() -> Result<std::int64_t> {
            if (!value.is_number_integer() || value.get<std::int64_t>() < 1) {
                return invalidArgument("\"" + key + "\" must be a positive integer", "bad_action");
            }
            return value.get<std::int64_t>();
        };
        if (key == "version") {
            ATALAYA_ASSIGN_OR_RETURN(a.version, integer());
        } else if (key == "candidate") {
            ATALAYA_ASSIGN_OR_RETURN(a.candidate, integer());
        } else if (key == "weight" && value.is_number()) {
            a.weight = value.get<double>();
        } else if (key == "steps" && value.is_array()) {
            std::vector<double> steps;
            for (const auto& step : value) {
                if (!step.is_number())
                    return invalidArgument("steps must be numbers", "bad_action");
                steps.push_back(step.get<double>());
            }
            a.steps = std::move(steps);
        } else if (key == "step_interval_s" && value.is_number_integer()) {
            a.stepIntervalS = value.get<int>();
        } else if (key == "guard") {
            ATALAYA_ASSIGN_OR_RETURN(a.guard, guardRulesFromJson(value, {}));
        } else if (key == "sunset" && value.is_string()) {
            const auto when = QDateTime::fromString(
                QString::fromStdString(value.get<std::string>()), Qt::ISODateWithMs);
            if (!when.isValid()) {
                return invalidArgument("\"sunset\" must be an RFC 3339 date-time", "bad_action");
            }
            a.sunsetMs = when.toMSecsSinceEpoch();
        } else {
            return invalidArgument("unexpected or mistyped field \"" + key + "\"", "bad_action");
        }
    }
    return a;
}

}  // namespace

RolloutRoutes::RolloutRoutes(ModelRepository& models, RolloutManager& manager, JsonLimits limits)
    : m_models(models), m_manager(manager), m_limits(limits) {}

RolloutRoutes::~RolloutRoutes() = default;

std::vector<http::RouteEntry> RolloutRoutes::routes() {
    auto on = [this](void (RolloutRoutes::*handler)(const ApiCallPtr&)) {
        return http::handlerOf(this, handler);
    };
    using A = Access;
    return {
        {{"GET", "/api/v1/admin/models", A::Metrics}, on(&RolloutRoutes::listModels)},
        {{"POST", "/api/v1/admin/models/{model}/versions/{version}/load", A::Admin},
         on(&RolloutRoutes::loadVersion)},
        {{"POST", "/api/v1/admin/models/{model}/versions/{version}/unload", A::Admin},
         on(&RolloutRoutes::unloadVersion)},
        {{"POST", "/api/v1/admin/models/{model}/versions/{version}/default", A::Admin},
         on(&RolloutRoutes::setDefault)},
        {{"GET", "/api/v1/admin/rollouts", A::Metrics}, on(&RolloutRoutes::listRollouts)},
        {{"GET", "/api/v1/admin/rollouts/events", A::Metrics}, on(&RolloutRoutes::listEvents)},
        {{"POST", "/api/v1/admin/rollouts/{api}/{model}", A::Admin, true},
         on(&RolloutRoutes::applyAction)},
        // Open Inference Protocol model-repository extension (Triton's routes).
        {{"POST", "/v2/repository/index", A::Admin}, on(&RolloutRoutes::repositoryIndex)},
        {{"POST", "/v2/repository/models/{model}/load", A::Admin},
         on(&RolloutRoutes::repositoryLoad)},
        {{"POST", "/v2/repository/models/{model}/unload", A::Admin},
         on(&RolloutRoutes::repositoryUnload)},
    };
}

void RolloutRoutes::listModels(const ApiCallPtr& call) {
    // On the worker: it lists the repository's directories.
    m_worker.post([this, call] {
        std::map<std::string, json> byModel;
        for (const auto& name : m_models.modelsOnDisk())
            byModel[name] = json::array();
        for (const auto& v : m_models.versions())
            byModel[v->model()].push_back(versionJson(*v));
        for (const auto& v : m_models.failedLoads())
            byModel[v->model()].push_back(versionJson(*v));
        json models = json::array();
        for (auto& [name, versions] : byModel) {
            const auto served = m_models.defaultVersion(name);
            models.push_back({{"name", name},
                              {"default_version", served ? json(*served) : json(nullptr)},
                              {"on_disk", m_models.versionsOnDisk(name)},
                              {"versions", std::move(versions)}});
        }
        call->reply(http::jsonResponse(200, json{{"models", std::move(models)}}.dump()));
    });
}

Status RolloutRoutes::load(const std::string& model, std::int64_t version, bool confirmBreaking,
                           const Actor& actor) {
    auto loaded = m_models.loadVersion(model, version, {.confirmBreaking = confirmBreaking});
    RolloutEvent event = versionEvent(loaded.isOk() ? "loaded" : "load_failed", model, std::nullopt,
                                      version, actor.who, actor.address);
    if (loaded.isOk()) {
        const auto validation = (*loaded)->validation();
        event.detailJson =
            json{{"smoke_passed", validation.smokePassed},
                 {"smoke_total", validation.smokeTotal},
                 {"breaking", validation.breaking},
                 {"load_ms",
                  (*loaded)->loadDuration().value_or(std::chrono::milliseconds(0)).count()}}
                .dump();
    } else {
        event.detailJson =
            json{{"code", loaded.status().reason()}, {"message", loaded.status().message()}}.dump();
    }
    m_manager.recordEvent(std::move(event));
    m_manager.saveChosenDefault(model);  // a hot load may have kept the serving version
    return loaded.isOk() ? Status::ok() : loaded.status();
}

Status RolloutRoutes::unload(const std::string& model, std::int64_t version, const Actor& actor) {
    if (m_manager.versionInUse(model, version)) {
        return invalidArgument(model + ":" + std::to_string(version) +
                                   " is served, shadowed or in a canary on a route: pin the route "
                                   "to another version first",
                               "version_in_use");
    }
    ATALAYA_RETURN_IF_ERROR(m_models.unloadVersion(model, version));
    m_manager.recordEvent(
        versionEvent("unloaded", model, version, std::nullopt, actor.who, actor.address));
    return Status::ok();
}

void RolloutRoutes::loadVersion(const ApiCallPtr& call) {
    auto version = versionParam(*call);
    if (!version.isOk())
        return call->fail(version.status());
    bool confirm = false;
    if (!call->request.body.empty()) {
        auto body = parseStrictJson(call->request.body, {.maxDepth = m_limits.maxDepth});
        if (!body.isOk())
            return call->fail(body.status());
        const Status bad = invalidArgument(
            "the body may hold only \"confirm_breaking\": true|false", "bad_request");
        if (!body->is_object())
            return call->fail(bad);
        for (const auto& [key, value] : body->items()) {
            if (key != "confirm_breaking" || !value.is_boolean())
                return call->fail(bad);
            confirm = value.get<bool>();
        }
    }
    const std::string model(call->params.get("model").value_or(""));
    m_worker.post([this, call, model, v = *version, confirm] {
        Status status = load(model, v, confirm, actorOf(*call));
        if (!status.isOk())
            return call->fail(status);
        auto found = m_models.find(model, v);
        if (!found.isOk())
            return call->fail(found.status());
        call->reply(http::jsonResponse(200, versionJson(**found).dump()));
    });
}

void RolloutRoutes::unloadVersion(const ApiCallPtr& call) {
    auto version = versionParam(*call);
    if (!version.isOk())
        return call->fail(version.status());
    const std::string model(call->params.get("model").value_or(""));
    m_worker.post([this, call, model, v = *version] {
        Status status = unload(model, v, actorOf(*call));
        if (!status.isOk())
            return call->fail(status);
        for (const auto& version : m_models.versions()) {
            if (version->model() == model && version->version() == v) {
                return call->reply(http::jsonResponse(200, versionJson(*version).dump()));
            }
        }
        call->fail(notFound("model \"" + model + "\" has no version " + std::to_string(v),
                            "version_not_found"));
    });
}

void RolloutRoutes::setDefault(const ApiCallPtr& call) {
    auto version = versionParam(*call);
    if (!version.isOk())
        return call->fail(version.status());
    const std::string model(call->params.get("model").value_or(""));
    m_worker.post([this, call, model, v = *version] {
        Status status = m_models.setDefaultVersion(model, v);
        if (!status.isOk())
            return call->fail(status);
        m_manager.saveChosenDefault(model);
        const Actor actor = actorOf(*call);
        m_manager.recordEvent(
            versionEvent("default_set", model, std::nullopt, v, actor.who, actor.address));
        call->reply(http::jsonResponse(200, json{{"model", model}, {"default_version", v}}.dump()));
    });
}

void RolloutRoutes::listRollouts(const ApiCallPtr& call) {
    call->reply(http::jsonResponse(200, m_manager.routesJson()));
}

void RolloutRoutes::listEvents(const ApiCallPtr& call) {
    call->reply(
        http::jsonResponse(200, m_manager.eventsJson(limitOf(call->request.target, 100, 500))));
}

void RolloutRoutes::applyAction(const ApiCallPtr& call) {
    auto body = parseStrictJson(call->request.body, {.maxDepth = m_limits.maxDepth});
    if (!body.isOk())
        return call->fail(body.status());
    auto action = parseAction(*body);
    if (!action.isOk())
        return call->fail(action.status());
    const std::string api(call->params.get("api").value_or(""));
    const std::string model(call->params.get("model").value_or(""));
    m_worker.post([this, call, api, model, a = std::move(action).value()] {
        auto view = m_manager.apply(api, model, a, actorOf(*call));
        if (!view.isOk())
            return call->fail(view.status());
        call->reply(http::jsonResponse(200, std::move(view).value()));
    });
}

void RolloutRoutes::repositoryIndex(const ApiCallPtr& call) {
    // Triton's index lists every model version the repository knows, on disk or loaded. On the
    // worker: it lists the repository's directories.
    m_worker.post([this, call] {
        json index = json::array();
        std::set<std::pair<std::string, std::int64_t>> listed;
        for (const auto& v : m_models.versions()) {
            index.push_back({{"name", v->model()},
                             {"version", std::to_string(v->version())},
                             {"state", modelStateName(v->state())},
                             {"reason", v->reason()}});
            listed.emplace(v->model(), v->version());
        }
        for (const auto& model : m_models.modelsOnDisk()) {
            for (const auto version : m_models.versionsOnDisk(model)) {
                if (listed.count({model, version}) == 0) {
                    index.push_back({{"name", model},
                                     {"version", std::to_string(version)},
                                     {"state", "UNAVAILABLE"},
                                     {"reason", "not loaded"}});
                }
            }
        }
        call->reply(http::jsonResponse(200, index.dump()));
    });
}

void RolloutRoutes::repositoryLoad(const ApiCallPtr& call) {
    const std::string model(call->params.get("model").value_or(""));
    m_worker.post([this, call, model] {
        const auto versions = m_models.versionsOnDisk(model);
        if (versions.empty()) {
            return call->fail(
                notFound("no model \"" + model + "\" in the repository", "model_not_found"));
        }
        // Like Triton: every version on disk is (re)loaded; any failure fails the call, and the
        // versions that were serving keep serving.
        for (const auto version : versions) {
            Status status = load(model, version, false, actorOf(*call));
            if (!status.isOk())
                return call->fail(status);
        }
        call->reply(http::jsonResponse(200, "{}"));
    });
}

void RolloutRoutes::repositoryUnload(const ApiCallPtr& call) {
    const std::string model(call->params.get("model").value_or(""));
    m_worker.post([this, call, model] {
        bool any = false;
        for (const auto& v : m_models.versions()) {
            if (v->model() != model || v->state() == ModelState::Unloaded)
                continue;
            any = true;
            Status status = unload(model, v->version(), actorOf(*call));
            if (!status.isOk())
                return call->fail(status);
        }
        if (!any)
            return call->fail(notFound("model \"" + model + "\" is not loaded", "model_not_found"));
        call->reply(http::jsonResponse(200, "{}"));
    });
}

}  // namespace atalaya::rollout
