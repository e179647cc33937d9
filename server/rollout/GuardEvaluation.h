#pragma once

#include <optional>
#include <string>

#include "rollout/RoutePolicy.h"
#include "rollout/VersionScoreboard.h"

namespace atalaya::rollout {

// Why a guard tripped: the rule, and the numbers behind it (JSON object for the event).
struct GuardTrip {
    std::string rule;  // "error_rate", "p99_latency", "label_shift"
    std::string message;
    std::string detailJson;
};

// Judges the candidate of a rollout against its rules. A rule trips only when the candidate
// has `minRequests` outcomes and the 95% interval of the number it checks lies wholly beyond
// the limit, so neither a canary nor a rollback is decided on noise. Label shift also needs
// `minRequests` successes on the stable side to compare against.
std::optional<GuardTrip> evaluateGuard(const GuardRules& rules,
                                       const VersionScoreboard::Snapshot& stats);

}  // namespace atalaya::rollout
