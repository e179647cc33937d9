#include "rollout/RoutePolicy.h"

#include <nlohmann/json.hpp>

namespace atalaya::rollout {

using nlohmann::json;

std::string_view rolloutModeName(RolloutMode mode) {
    switch (mode) {
        case RolloutMode::Pinned:
            return "pinned";
        case RolloutMode::Shadow:
            return "shadow";
        case RolloutMode::Canary:
            return "canary";
    }
    return "pinned";
}

void to_json(json& out, const GuardRules& rules) {
    out = {{"max_error_rate", rules.maxErrorRate},
           {"max_p99_ms", rules.maxP99Ms},
           {"max_label_shift", rules.maxLabelShift},
           {"min_requests", rules.minRequests}};
}

Result<GuardRules> guardRulesFromJson(const json& in, GuardRules base) {
    if (!in.is_object())
        return invalidArgument("guard must be an object", "bad_guard");
    for (const auto& [key, value] : in.items()) {
        if (!value.is_number())
            return invalidArgument("guard." + key + " must be a number", "bad_guard");
        const double number = value.get<double>();
        if (key == "max_error_rate" && number >= 0 && number <= 1) {
            base.maxErrorRate = number;
        } else if (key == "max_p99_ms" && number >= 0) {
            base.maxP99Ms = number;
        } else if (key == "max_label_shift" && number >= 0 && number <= 1) {
            base.maxLabelShift = number;
        } else if (key == "min_requests" && number >= 1 && number <= 1e9) {
            base.minRequests = static_cast<std::int64_t>(number);
        } else {
            return invalidArgument("guard." + key + " is unknown or out of range", "bad_guard");
        }
    }
    return base;
}

void to_json(json& out, const RoutePolicy& p) {
    out = {{"api", p.api},
           {"model", p.model},
           {"mode", rolloutModeName(p.mode)},
           {"stable", p.stable},
           {"candidate", p.candidate ? json(*p.candidate) : json(nullptr)},
           {"weight", p.weight},
           {"steps", p.steps},
           {"step_interval_s", p.stepIntervalS},
           {"next_step_at_ms", p.nextStepAtMs ? json(*p.nextStepAtMs) : json(nullptr)},
           {"guard", p.guard},
           {"deprecation", p.deprecated
                               ? json{{"deprecated", true},
                                      {"deprecated_at_ms", p.deprecatedAtMs},
                                      {"sunset_ms", p.sunsetMs ? json(*p.sunsetMs) : json(nullptr)}}
                               : json(nullptr)},
           {"since_ms", p.sinceMs}};
}

// Reads what to_json wrote (the rollout store); a damaged row is an error, not a guess.
Result<RoutePolicy> routePolicyFromJson(const json& in) {
    try {
        RoutePolicy p;
        p.api = in.at("api").get<std::string>();
        p.model = in.at("model").get<std::string>();
        const auto mode = in.at("mode").get<std::string>();
        p.mode = mode == "shadow"   ? RolloutMode::Shadow
                 : mode == "canary" ? RolloutMode::Canary
                                    : RolloutMode::Pinned;
        p.stable = in.at("stable").get<std::int64_t>();
        if (!in.at("candidate").is_null())
            p.candidate = in.at("candidate").get<std::int64_t>();
        p.weight = in.at("weight").get<double>();
        p.steps = in.at("steps").get<std::vector<double>>();
        p.stepIntervalS = in.at("step_interval_s").get<int>();
        if (!in.at("next_step_at_ms").is_null())
            p.nextStepAtMs = in.at("next_step_at_ms").get<std::int64_t>();
        ATALAYA_ASSIGN_OR_RETURN(p.guard, guardRulesFromJson(in.at("guard"), {}));
        if (const auto& d = in.at("deprecation"); !d.is_null()) {
            p.deprecated = true;
            p.deprecatedAtMs = d.value("deprecated_at_ms", std::int64_t{0});
            if (!d.at("sunset_ms").is_null())
                p.sunsetMs = d.at("sunset_ms").get<std::int64_t>();
        }
        p.sinceMs = in.value("since_ms", std::int64_t{0});
        return p;
    } catch (const json::exception& error) {
        return invalidArgument(std::string("stored route policy: ") + error.what(), "bad_policy");
    }
}

}  // namespace atalaya::rollout
