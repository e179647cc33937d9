#include "telemetry/SloExport.h"

namespace atalaya {
namespace {

using nlohmann::json;

json objectiveJson(const SloObjectiveReport& report) {
    json burnRates = json::object();
    for (std::size_t w = 0; w < kSloBurnWindowsMinutes.size(); ++w)
        burnRates[sloWindowName(kSloBurnWindowsMinutes[w])] = report.burnRates[w];
    return {{"target", report.target},
            {"good", report.window.good},
            {"total", report.window.total()},
            {"compliance", report.compliance ? json(*report.compliance) : json(nullptr)},
            {"error_budget_remaining", report.errorBudgetRemaining},
            {"burn_rates", std::move(burnRates)},
            {"alerts",
             {{"page", report.firingAny(SloSeverity::Page)},
              {"ticket", report.firingAny(SloSeverity::Ticket)}}}};
}

json alertJson(const std::string& model, const SloObjectiveReport& report, std::size_t rule) {
    SloAlertEvent alert{.model = model,
                        .objective = report.objective,
                        .severity = kSloAlertRules[rule].severity,
                        .longWindowMinutes = kSloAlertRules[rule].longWindowMinutes,
                        .shortWindowMinutes = kSloAlertRules[rule].shortWindowMinutes,
                        .burnRateThreshold = kSloAlertRules[rule].burnRate};
    alert.longBurnRate = report.burnRates[sloWindowIndex(alert.longWindowMinutes)];
    alert.shortBurnRate = report.burnRates[sloWindowIndex(alert.shortWindowMinutes)];
    json out = toJson(alert);
    out.erase("time_ms");
    out.erase("state");
    return out;
}

}  // namespace

json toJson(const SloAlertEvent& event) {
    return {{"time_ms", event.timeUnixMs},
            {"model", event.model},
            {"objective", sloObjectiveName(event.objective)},
            {"severity", sloSeverityName(event.severity)},
            {"state", event.firing ? "firing" : "resolved"},
            {"long_window", sloWindowName(event.longWindowMinutes)},
            {"short_window", sloWindowName(event.shortWindowMinutes)},
            {"burn_rate_threshold", event.burnRateThreshold},
            {"long_burn_rate", event.longBurnRate},
            {"short_burn_rate", event.shortBurnRate}};
}

json sloHealthJson(const std::vector<SloModelReport>& reports,
                   const std::vector<SloAlertEvent>& recentEvents) {
    json rules = json::array();
    for (const SloAlertRule& rule : kSloAlertRules) {
        rules.push_back({{"severity", sloSeverityName(rule.severity)},
                         {"long_window", sloWindowName(rule.longWindowMinutes)},
                         {"short_window", sloWindowName(rule.shortWindowMinutes)},
                         {"burn_rate", rule.burnRate}});
    }
    json models = json::array();
    json firing = json::array();
    for (const SloModelReport& model : reports) {
        json objectives = json::object();
        for (const SloObjectiveReport& report : model.reports) {
            objectives[std::string(sloObjectiveName(report.objective))] = objectiveJson(report);
            for (std::size_t r = 0; r < kSloAlertRules.size(); ++r) {
                if (report.firing[r])
                    firing.push_back(alertJson(model.model, report, r));
            }
        }
        models.push_back({{"model", model.model},
                          {"window_days", model.objectives.windowDays},
                          {"latency_threshold_ms", model.objectives.latencyThresholdMs},
                          {"min_requests", model.objectives.minRequests},
                          {"objectives", std::move(objectives)}});
    }
    json events = json::array();
    for (const SloAlertEvent& event : recentEvents)
        events.push_back(toJson(event));
    return {{"alert_rules", std::move(rules)},
            {"models", std::move(models)},
            {"firing", std::move(firing)},
            {"events", std::move(events)}};
}

std::vector<SloGaugeSample> sloGaugeSamples(const std::vector<SloModelReport>& reports) {
    std::vector<SloGaugeSample> samples;
    for (const SloModelReport& model : reports) {
        for (const SloObjectiveReport& report : model.reports) {
            SloGaugeSample& sample = samples.emplace_back();
            sample.model = model.model;
            sample.objective = std::string(sloObjectiveName(report.objective));
            sample.target = report.target;
            if (report.objective == SloObjective::Latency)
                sample.latencyThresholdSeconds = model.objectives.latencyThresholdMs / 1000.0;
            sample.compliance = report.compliance;
            sample.errorBudgetRemaining = report.errorBudgetRemaining;
            for (std::size_t w = 0; w < kSloBurnWindowsMinutes.size(); ++w) {
                sample.burnRates.emplace_back(sloWindowName(kSloBurnWindowsMinutes[w]),
                                              report.burnRates[w]);
            }
            for (const SloSeverity severity : {SloSeverity::Page, SloSeverity::Ticket}) {
                sample.alerts.emplace_back(std::string(sloSeverityName(severity)),
                                           report.firingAny(severity));
            }
        }
    }
    return samples;
}

}  // namespace atalaya
