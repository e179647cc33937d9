#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace atalaya::rollout {

// One thing that happened to a route or a version: an operator's action (with who and from
// where, so the history is also the audit trail of rollouts) or a guard's automatic rollback
// (with the numbers that tripped it, in `detailJson`).
struct RolloutEvent {
    std::int64_t timeMs = 0;
    std::string api;  // empty for version events (loaded, unloaded, ...)
    std::string model;
    std::string kind;  // docs/rollout.md: pinned, shadow_started, canary_started, ...
    std::optional<std::int64_t> fromVersion;
    std::optional<std::int64_t> toVersion;
    std::optional<double> weight;
    std::string actor;    // credential id, "anonymous", or "guard"
    std::string address;  // where the action came from
    std::string detailJson = "{}";
};

void to_json(nlohmann::json& out, const RolloutEvent& event);

// An event about a model version (no route): loaded, load_failed, unloaded, default_set.
RolloutEvent versionEvent(std::string kind, std::string model, std::optional<std::int64_t> from,
                          std::optional<std::int64_t> to, std::string actor, std::string address);


}  // namespace atalaya::rollout
