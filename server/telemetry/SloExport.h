#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "telemetry/SloGauges.h"
#include "telemetry/SloReport.h"

namespace atalaya {

// The "slo" section of /api/v1/health (docs/api.md, docs/telemetry.md). Pure; any thread.
//   {"alert_rules": [{"severity", "long_window", "short_window", "burn_rate"}],
//    "models": [{"model", "window_days", "latency_threshold_ms",
//                "objectives": {"latency"|"success": {"target", "good", "total", "compliance",
//                  "error_budget_remaining", "burn_rates": {"5m": .., "3d": ..},
//                  "alerts": {"page": bool, "ticket": bool}}}}],
//    "firing": [alert], "events": [alert + "time_ms", "state"]}
// where an alert is {"model", "objective", "severity", "long_window", "short_window",
// "burn_rate_threshold", "long_burn_rate", "short_burn_rate"}.
nlohmann::json sloHealthJson(const std::vector<SloModelReport>& reports,
                             const std::vector<SloAlertEvent>& recentEvents);

nlohmann::json toJson(const SloAlertEvent& event);

// One sample per model and objective, for /metrics.
std::vector<SloGaugeSample> sloGaugeSamples(const std::vector<SloModelReport>& reports);

}  // namespace atalaya
