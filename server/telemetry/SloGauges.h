#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "telemetry/PrometheusText.h"

namespace atalaya {

// One objective of one model at the SLO tracker's last evaluation, for /metrics. Model names come
// from the repository, objectives, windows and severities from fixed tables: bounded series.
struct SloGaugeSample {
    std::string model{};
    std::string objective{};  // "latency", "success"
    double target = 0;
    std::optional<double> latencyThresholdSeconds{};  // the latency objective's threshold
    std::optional<double> compliance{};               // none before the first request
    double errorBudgetRemaining = 1;
    std::vector<std::pair<std::string, double>> burnRates{};  // window ("5m", ..., "3d") -> rate
    std::vector<std::pair<std::string, bool>> alerts{};       // severity ("page", "ticket")
};

// atalaya_slo_objective, _latency_threshold_seconds, _compliance, _error_budget_remaining,
// _burn_rate and _alert_firing (docs/metrics.md). Nothing when `samples` is empty.
void writeSloGauges(PrometheusTextWriter& out, std::span<const SloGaugeSample> samples);

}  // namespace atalaya
