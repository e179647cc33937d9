#include "telemetry/SloReport.h"

#include <algorithm>

namespace atalaya {

std::string_view sloObjectiveName(SloObjective objective) {
    return objective == SloObjective::Latency ? "latency" : "success";
}

std::string_view sloSeverityName(SloSeverity severity) {
    return severity == SloSeverity::Page ? "page" : "ticket";
}

std::string sloWindowName(int minutes) {
    if (minutes % 1440 == 0)
        return std::to_string(minutes / 1440) + "d";
    if (minutes % 60 == 0)
        return std::to_string(minutes / 60) + "h";
    return std::to_string(minutes) + "m";
}

std::size_t sloWindowIndex(int minutes) {
    const auto it =
        std::find(kSloBurnWindowsMinutes.begin(), kSloBurnWindowsMinutes.end(), minutes);
    return static_cast<std::size_t>(it - kSloBurnWindowsMinutes.begin());
}

std::optional<double> sloCompliance(const SloTally& tally) {
    if (tally.total() == 0)
        return std::nullopt;
    return static_cast<double>(tally.good) / static_cast<double>(tally.total());
}

double sloBurnRate(const SloTally& tally, double target) {
    if (tally.total() == 0)
        return 0;
    const double badFraction = static_cast<double>(tally.bad) / static_cast<double>(tally.total());
    return badFraction / (1.0 - target);
}

double sloErrorBudgetRemaining(const SloTally& tally, double target) {
    return 1.0 - sloBurnRate(tally, target);
}

bool SloObjectiveReport::firingAny(SloSeverity severity) const {
    for (std::size_t i = 0; i < kSloAlertRules.size(); ++i) {
        if (firing[i] && kSloAlertRules[i].severity == severity)
            return true;
    }
    return false;
}

bool sloRuleFires(const SloAlertRule& rule,
                  const std::array<double, kSloBurnWindowsMinutes.size()>& burnRates) {
    return burnRates[sloWindowIndex(rule.longWindowMinutes)] > rule.burnRate &&
           burnRates[sloWindowIndex(rule.shortWindowMinutes)] > rule.burnRate;
}

bool sloRuleFires(const SloAlertRule& rule, const SloObjectiveReport& report) {
    const auto enough = [&](int minutes) {
        return report.burnTallies[sloWindowIndex(minutes)].total() >= report.minRequests;
    };
    return enough(rule.longWindowMinutes) && enough(rule.shortWindowMinutes) &&
           sloRuleFires(rule, report.burnRates);
}

void computeSloObjective(SloObjectiveReport& report) {
    report.compliance = sloCompliance(report.window);
    report.errorBudgetRemaining = sloErrorBudgetRemaining(report.window, report.target);
    for (std::size_t w = 0; w < kSloBurnWindowsMinutes.size(); ++w)
        report.burnRates[w] = sloBurnRate(report.burnTallies[w], report.target);
    for (std::size_t r = 0; r < kSloAlertRules.size(); ++r)
        report.firing[r] = sloRuleFires(kSloAlertRules[r], report);
}

}  // namespace atalaya
