#include "telemetry/SloGauges.h"

namespace atalaya {

void writeSloGauges(PrometheusTextWriter& out, std::span<const SloGaugeSample> samples) {
    if (samples.empty())
        return;
    using Type = PrometheusTextWriter::Type;
    const auto perObjective = [&](std::string_view name, std::string_view help, auto value) {
        out.family(name, Type::Gauge, help);
        for (const SloGaugeSample& s : samples) {
            if (const std::optional<double> v = value(s)) {
                const PrometheusLabel labels[] = {{"model", s.model}, {"objective", s.objective}};
                out.sample(name, labels, *v);
            }
        }
    };
    perObjective("atalaya_slo_objective",
                 "The objective's target: the share of requests that must be good over the SLO "
                 "window.",
                 [](const SloGaugeSample& s) { return std::optional(s.target); });
    out.family("atalaya_slo_latency_threshold_seconds", Type::Gauge,
               "A request is good for the latency objective when it succeeded within this.");
    for (const SloGaugeSample& s : samples) {
        if (s.latencyThresholdSeconds) {
            const PrometheusLabel labels[] = {{"model", s.model}};
            out.sample("atalaya_slo_latency_threshold_seconds", labels, *s.latencyThresholdSeconds);
        }
    }
    perObjective("atalaya_slo_compliance",
                 "Share of good requests over the SLO window (absent before the first request).",
                 [](const SloGaugeSample& s) { return s.compliance; });
    perObjective("atalaya_slo_error_budget_remaining",
                 "Share of the SLO window's error budget left: 1 - bad share / (1 - target). "
                 "Negative once overspent.",
                 [](const SloGaugeSample& s) { return std::optional(s.errorBudgetRemaining); });

    out.family("atalaya_slo_burn_rate", Type::Gauge,
               "Bad share over the window divided by (1 - target): 1 spends the budget exactly "
               "over the SLO window.");
    for (const SloGaugeSample& s : samples) {
        for (const auto& [window, rate] : s.burnRates) {
            const PrometheusLabel labels[] = {
                {"model", s.model}, {"objective", s.objective}, {"window", window}};
            out.sample("atalaya_slo_burn_rate", labels, rate);
        }
    }
    out.family("atalaya_slo_alert_firing", Type::Gauge,
               "1 while a multiwindow burn-rate alert of this severity fires (SRE workbook "
               "windows: page 1h/5m at 14.4x or 6h/30m at 6x; ticket 1d/2h at 3x or 3d/6h at "
               "1x).");
    for (const SloGaugeSample& s : samples) {
        for (const auto& [severity, firing] : s.alerts) {
            const PrometheusLabel labels[] = {
                {"model", s.model}, {"objective", s.objective}, {"severity", severity}};
            out.sample("atalaya_slo_alert_firing", labels, firing ? 1.0 : 0.0);
        }
    }
}

}  // namespace atalaya
