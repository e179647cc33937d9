#include "rollout/RolloutAudit.h"

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

namespace atalaya::rollout {

namespace {

using nlohmann::json;

// Event kind -> audit action. The event kinds describe what happened to a route (docs/rollout.md);
// the audit trail names what was done, as key.create / client.revoke do.
constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kActions{{
    {"loaded", "model.load"},
    {"unloaded", "model.unload"},
    {"default_set", "model.default"},
    {"pinned", "rollout.pin"},
    {"shadow_started", "rollout.shadow"},
    {"canary_started", "rollout.canary"},
    {"weight_changed", "rollout.weight"},
    {"promoted", "rollout.promote"},
    {"rolled_back", "rollout.rollback"},
    {"auto_rolled_back", "rollout.auto_rollback"},
    {"deprecated", "rollout.deprecate"},
    {"guard_changed", "rollout.guard"},
}};

std::string actionOf(const RolloutEvent& event) {
    for (const auto& [kind, action] : kActions) {
        if (kind == event.kind)
            return std::string(action);
    }
    // A kind added to the manager but not here still reaches the trail, under its own name.
    return (event.api.empty() ? "model." : "rollout.") + event.kind;
}

}  // namespace

std::optional<AuditEntry> auditEntryOf(const RolloutEvent& event) {
    if (event.kind == "load_failed")
        return std::nullopt;
    json detail = json::parse(event.detailJson, nullptr, false);
    if (!detail.is_object())
        detail = json::object();
    if (event.fromVersion)
        detail["from_version"] = *event.fromVersion;
    if (event.toVersion)
        detail["to_version"] = *event.toVersion;
    std::string target;
    if (event.api.empty()) {
        // A version event names the version it acted on: the one unloaded, or loaded / made
        // default.
        const auto version = event.toVersion ? event.toVersion : event.fromVersion;
        target = event.model + (version ? ":" + std::to_string(*version) : std::string());
    } else {
        target = event.api + "/" + event.model;
        if (event.weight)
            detail["weight"] = *event.weight;
    }
    return AuditEntry{.timeUnixMs = event.timeMs,
                      .actor = event.actor,
                      .address = event.address,
                      .action = actionOf(event),
                      .target = std::move(target),
                      .detailJson = detail.dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace atalaya::rollout
