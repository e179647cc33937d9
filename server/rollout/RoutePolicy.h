#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya::rollout {

enum class RolloutMode { Pinned, Shadow, Canary };
std::string_view rolloutModeName(RolloutMode mode);

// When a candidate is taken back automatically (docs/rollout.md). A rule only judges once both
// sides have `minRequests` outcomes, and only on a difference its confidence interval backs.
struct GuardRules {
    double maxErrorRate = 0.05;   // candidate error rate, lower 95% bound above it trips
    double maxP99Ms = 0;          // candidate p99, lower 95% bound above it trips; 0: off
    double maxLabelShift = 0.25;  // a class's share differing from stable's by more (95%) trips
    std::int64_t minRequests = 50;
};

// The traffic policy of one (API version, model) route.
struct RoutePolicy {
    std::string api;
    std::string model;
    RolloutMode mode = RolloutMode::Pinned;
    std::int64_t stable = 0;  // 0: the model's default version
    std::optional<std::int64_t> candidate;
    double weight = 0;  // share of clients on the candidate (canary)
    std::vector<double> steps{0.05, 0.25, 0.5, 1.0};
    int stepIntervalS = 0;  // 0: stepped by hand
    std::optional<std::int64_t> nextStepAtMs;
    GuardRules guard;
    bool deprecated = false;
    std::int64_t deprecatedAtMs = 0;
    std::optional<std::int64_t> sunsetMs;
    std::int64_t sinceMs = 0;  // start of the statistics the guard judges

    // The versions the route serves with no rollout in progress.
    bool isPinned() const { return mode == RolloutMode::Pinned; }
};

void to_json(nlohmann::json& out, const RoutePolicy& policy);
Result<RoutePolicy> routePolicyFromJson(const nlohmann::json& in);
void to_json(nlohmann::json& out, const GuardRules& rules);
Result<GuardRules> guardRulesFromJson(const nlohmann::json& in, GuardRules base);

}  // namespace atalaya::rollout
