#include "rollout/RolloutStore.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/UnixTime.h"

namespace atalaya::rollout {

using nlohmann::json;

void to_json(json& out, const RolloutEvent& e) {
    auto optional = [](const auto& value) { return value ? json(*value) : json(nullptr); };
    out = {{"time_ms", e.timeMs},
           {"api", e.api},
           {"model", e.model},
           {"kind", e.kind},
           {"from_version", optional(e.fromVersion)},
           {"to_version", optional(e.toVersion)},
           {"weight", optional(e.weight)},
           {"actor", e.actor},
           {"address", e.address},
           {"detail", json::parse(e.detailJson, nullptr, false)}};
    if (out["detail"].is_discarded())
        out["detail"] = json::object();
}

RolloutEvent versionEvent(std::string kind, std::string model, std::optional<std::int64_t> from,
                          std::optional<std::int64_t> to, std::string actor, std::string address) {
    RolloutEvent event;
    event.timeMs = systemUnixMs();
    event.model = std::move(model);
    event.kind = std::move(kind);
    event.fromVersion = from;
    event.toVersion = to;
    event.actor = std::move(actor);
    event.address = std::move(address);
    return event;
}

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS route_policies (
    api TEXT NOT NULL, model TEXT NOT NULL, policy_json TEXT NOT NULL,
    updated_ms INTEGER NOT NULL, PRIMARY KEY (api, model));
CREATE TABLE IF NOT EXISTS rollout_events (
    id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, api TEXT NOT NULL, model TEXT NOT NULL,
    kind TEXT NOT NULL, from_version INTEGER, to_version INTEGER, weight REAL,
    actor TEXT NOT NULL, address TEXT NOT NULL, detail_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS model_defaults (
    model TEXT PRIMARY KEY, version INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
)sql";

template <class T>
Status bindOptional(SqliteStatement& statement, int index, const std::optional<T>& value) {
    if (!value)
        return statement.bindNull(index);
    if constexpr (std::is_floating_point_v<T>) {
        return statement.bindDouble(index, *value);
    } else {
        return statement.bindInt(index, *value);
    }
}

}  // namespace

Result<std::unique_ptr<RolloutStore>> RolloutStore::open(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    ATALAYA_ASSIGN_OR_RETURN(auto db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
    ATALAYA_RETURN_IF_ERROR(db.execute(kSchema));
    ATALAYA_ASSIGN_OR_RETURN(
        auto savePolicy,
        db.prepare("INSERT INTO route_policies (api, model, policy_json, updated_ms) "
                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (api, model) DO UPDATE SET "
                   "policy_json = excluded.policy_json, updated_ms = excluded.updated_ms"));
    ATALAYA_ASSIGN_OR_RETURN(
        auto appendEvent,
        db.prepare("INSERT INTO rollout_events (time_ms, api, model, kind, from_version, "
                   "to_version, weight, actor, address, detail_json) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    return std::unique_ptr<RolloutStore>(
        new RolloutStore(std::move(db), std::move(savePolicy), std::move(appendEvent)));
}

Status RolloutStore::savePolicy(const RoutePolicy& policy) {
    std::lock_guard lock(m_mutex);
    SqliteStatement& statement = m_savePolicy;
    statement.reset();
    ATALAYA_RETURN_IF_ERROR(statement.bindText(1, policy.api));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(2, policy.model));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(3, json(policy).dump()));
    ATALAYA_RETURN_IF_ERROR(statement.bindInt(4, systemUnixMs()));
    return statement.run();
}

Result<std::vector<RoutePolicy>> RolloutStore::loadPolicies() {
    std::lock_guard lock(m_mutex);
    ATALAYA_ASSIGN_OR_RETURN(
        auto statement, m_db.prepare("SELECT policy_json FROM route_policies ORDER BY api, model"));
    std::vector<RoutePolicy> policies;
    while (true) {
        ATALAYA_ASSIGN_OR_RETURN(auto step, statement.step());
        if (step == SqliteStatement::Step::Done)
            break;
        const json doc = json::parse(statement.columnText(0), nullptr, false);
        if (doc.is_discarded())
            return internalError("rollout.sqlite: a route policy is not JSON", "bad_policy");
        ATALAYA_ASSIGN_OR_RETURN(auto policy, routePolicyFromJson(doc));
        policies.push_back(std::move(policy));
    }
    return policies;
}

// Rare (an operator's call or a hot load), so prepared per call rather than kept.
Status RolloutStore::saveDefault(const std::string& model, std::int64_t version) {
    std::lock_guard lock(m_mutex);
    ATALAYA_ASSIGN_OR_RETURN(
        auto statement,
        m_db.prepare("INSERT INTO model_defaults (model, version, updated_ms) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (model) DO UPDATE SET version = excluded.version, "
                     "updated_ms = excluded.updated_ms"));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(1, model));
    ATALAYA_RETURN_IF_ERROR(statement.bindInt(2, version));
    ATALAYA_RETURN_IF_ERROR(statement.bindInt(3, systemUnixMs()));
    return statement.run();
}

Result<std::map<std::string, std::int64_t>> RolloutStore::loadDefaults() {
    std::lock_guard lock(m_mutex);
    ATALAYA_ASSIGN_OR_RETURN(auto statement,
                             m_db.prepare("SELECT model, version FROM model_defaults"));
    std::map<std::string, std::int64_t> defaults;
    while (true) {
        ATALAYA_ASSIGN_OR_RETURN(auto step, statement.step());
        if (step == SqliteStatement::Step::Done)
            break;
        defaults[std::string(statement.columnText(0))] = statement.columnInt(1);
    }
    return defaults;
}

Status RolloutStore::appendEvent(const RolloutEvent& e) {
    std::lock_guard lock(m_mutex);
    SqliteStatement& statement = m_appendEvent;
    statement.reset();
    ATALAYA_RETURN_IF_ERROR(statement.bindInt(1, e.timeMs));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(2, e.api));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(3, e.model));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(4, e.kind));
    ATALAYA_RETURN_IF_ERROR(bindOptional(statement, 5, e.fromVersion));
    ATALAYA_RETURN_IF_ERROR(bindOptional(statement, 6, e.toVersion));
    ATALAYA_RETURN_IF_ERROR(bindOptional(statement, 7, e.weight));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(8, e.actor));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(9, e.address));
    ATALAYA_RETURN_IF_ERROR(statement.bindText(10, e.detailJson));
    return statement.run();
}

Result<std::vector<RolloutEvent>> RolloutStore::recentEvents(std::size_t limit) {
    std::lock_guard lock(m_mutex);
    ATALAYA_ASSIGN_OR_RETURN(
        auto statement,
        m_db.prepare("SELECT time_ms, api, model, kind, from_version, to_version, weight, actor, "
                     "address, detail_json FROM rollout_events ORDER BY id DESC LIMIT ?1"));
    ATALAYA_RETURN_IF_ERROR(statement.bindInt(1, static_cast<std::int64_t>(limit)));
    std::vector<RolloutEvent> events;
    while (true) {
        ATALAYA_ASSIGN_OR_RETURN(auto step, statement.step());
        if (step == SqliteStatement::Step::Done)
            break;
        RolloutEvent e;
        e.timeMs = statement.columnInt(0);
        e.api = statement.columnText(1);
        e.model = statement.columnText(2);
        e.kind = statement.columnText(3);
        if (!statement.isNull(4))
            e.fromVersion = statement.columnInt(4);
        if (!statement.isNull(5))
            e.toVersion = statement.columnInt(5);
        if (!statement.isNull(6))
            e.weight = statement.columnDouble(6);
        e.actor = statement.columnText(7);
        e.address = statement.columnText(8);
        e.detailJson = statement.columnText(9);
        events.push_back(std::move(e));
    }
    return events;
}

}  // namespace atalaya::rollout
