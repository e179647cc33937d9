#include "rollout/GuardEvaluation.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "rollout/Confidence.h"

namespace atalaya::rollout {

using nlohmann::json;

namespace {

std::string format(const char* pattern, double a, double b) {
    char text[160];
    std::snprintf(text, sizeof text, pattern, a, b);
    return text;
}

}  // namespace

std::optional<GuardTrip> evaluateGuard(const GuardRules& rules,
                                       const VersionScoreboard::Snapshot& stats) {
    const VersionTally& c = stats.candidate;
    if (c.requests < rules.minRequests)
        return std::nullopt;

    const auto [errLow, errHigh] = wilsonInterval(c.errors, c.requests);
    if (errLow > rules.maxErrorRate) {
        const double rate = static_cast<double>(c.errors) / static_cast<double>(c.requests);
        return GuardTrip{
            "error_rate",
            format("candidate error rate %.3f (95%% lower bound %.3f) is above the limit", rate,
                   errLow),
            json{{"rule", "error_rate"},
                 {"limit", rules.maxErrorRate},
                 {"error_rate", rate},
                 {"ci", {errLow, errHigh}},
                 {"requests", c.requests},
                 {"errors", c.errors},
                 {"stable_error_rate", stats.stable.requests > 0
                                           ? static_cast<double>(stats.stable.errors) /
                                                 static_cast<double>(stats.stable.requests)
                                           : 0.0}}
                .dump()};
    }

    if (rules.maxP99Ms > 0) {
        const auto lower = c.quantileLowerBoundMs(0.99);
        if (lower && *lower > rules.maxP99Ms) {
            const double p99 = c.quantileMs(0.99).value_or(*lower);
            return GuardTrip{
                "p99_latency",
                format("candidate p99 %.1f ms (95%% lower bound %.1f ms) is above the limit", p99,
                       *lower),
                json{{"rule", "p99_latency"},
                     {"limit_ms", rules.maxP99Ms},
                     {"p99_ms", p99},
                     {"p99_lower_bound_ms", *lower},
                     {"requests", c.requests},
                     {"stable_p99_ms", stats.stable.quantileMs(0.99).value_or(0.0)}}
                    .dump()};
        }
    }

    const VersionTally& s = stats.stable;
    const std::int64_t cOk = c.requests - c.errors;
    const std::int64_t sOk = s.requests - s.errors;
    if (rules.maxLabelShift > 0 && cOk >= rules.minRequests && sOk >= rules.minRequests) {
        std::set<std::string> labels;
        for (const auto& [label, n] : c.labels)
            labels.insert(label);
        for (const auto& [label, n] : s.labels)
            labels.insert(label);
        for (const auto& label : labels) {
            const auto cn = c.labels.count(label) ? c.labels.at(label) : 0;
            const auto sn = s.labels.count(label) ? s.labels.at(label) : 0;
            const auto [low, high] = differenceInterval(cn, cOk, sn, sOk);
            // The interval of the difference lies wholly beyond +-limit.
            if (low > rules.maxLabelShift || high < -rules.maxLabelShift) {
                const double cShare = static_cast<double>(cn) / static_cast<double>(cOk);
                const double sShare = static_cast<double>(sn) / static_cast<double>(sOk);
                return GuardTrip{
                    "label_shift",
                    "share of \"" + label + "\" " + format("%.3f vs stable %.3f", cShare, sShare),
                    json{{"rule", "label_shift"},
                         {"limit", rules.maxLabelShift},
                         {"label", label},
                         {"candidate_share", cShare},
                         {"stable_share", sShare},
                         {"difference_ci", {low, high}},
                         {"candidate_successes", cOk},
                         {"stable_successes", sOk}}
                        .dump()};
            }
        }
    }
    return std::nullopt;
}

}  // namespace atalaya::rollout
