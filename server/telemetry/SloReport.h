#pragma once

#include <atalaya/Config.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atalaya {

// The two objectives every model has (docs/telemetry.md, "SLOs"):
//  - Latency: a request is good when it succeeded AND took at most the latency threshold.
//  - Success: a request is good unless the server failed it (5xx: model errors, 503
//    queue_full, 504 deadline_exceeded).
// 4xx answers count for neither: the client asked for something the server rightly refused.
enum class SloObjective { Latency, Success };
inline constexpr std::array<SloObjective, 2> kSloObjectives = {SloObjective::Latency,
                                                               SloObjective::Success};
enum class SloSeverity { Page, Ticket };

std::string_view sloObjectiveName(SloObjective objective);  // "latency", "success"
std::string_view sloSeverityName(SloSeverity severity);     // "page", "ticket"

// A multiwindow burn-rate alert: fires while the burn rate over BOTH windows is above
// `burnRate`. The long window measures how much budget went; the short one makes the alert
// resolve soon after the burning stops.
struct SloAlertRule {
    SloSeverity severity;
    int longWindowMinutes;
    int shortWindowMinutes;
    double burnRate;
};

// The SRE workbook's table (chapter 5, "Alerting on SLOs", multiwindow multi-burn-rate), for a
// 30-day budget: 14.4x for 1 h spends 2 % of it, 6x for 6 h 5 %, 3x for 1 d 10 %, 1x for 3 d
// 10 %. Fixed on purpose: the factors only mean something together with their windows.
inline constexpr std::array<SloAlertRule, 4> kSloAlertRules = {{
    {SloSeverity::Page, 60, 5, 14.4},
    {SloSeverity::Page, 360, 30, 6.0},
    {SloSeverity::Ticket, 1440, 120, 3.0},
    {SloSeverity::Ticket, 4320, 360, 1.0},
}};

// Every window the rules use, shortest first; burn rates are reported for each.
inline constexpr std::array<int, 7> kSloBurnWindowsMinutes = {5, 30, 60, 120, 360, 1440, 4320};
inline constexpr int kSloLongestBurnWindowMinutes = kSloBurnWindowsMinutes.back();

// "5m", "1h", "3d": the window's label in JSON and in /metrics.
std::string sloWindowName(int minutes);
// Index of `minutes` in kSloBurnWindowsMinutes (it must be one of them).
std::size_t sloWindowIndex(int minutes);

// Good and bad events of one objective over some span of time.
struct SloTally {
    std::uint64_t good = 0;
    std::uint64_t bad = 0;
    std::uint64_t total() const { return good + bad; }
};

// good / total; none without events.
std::optional<double> sloCompliance(const SloTally& tally);
// (bad / total) / (1 - target): 1 spends the budget exactly over the SLO window. 0 without
// events.
double sloBurnRate(const SloTally& tally, double target);
// 1 - (bad / total) / (1 - target): the share of the window's error budget left, negative once
// overspent. 1 without events.
double sloErrorBudgetRemaining(const SloTally& tally, double target);

// One objective of one model at one evaluation.
struct SloObjectiveReport {
    SloObjective objective = SloObjective::Latency;
    double target = 0;
    SloTally window{};  // over the SLO window (window_days)
    std::optional<double> compliance{};
    double errorBudgetRemaining = 1;
    std::array<SloTally, kSloBurnWindowsMinutes.size()> burnTallies{};
    std::array<double, kSloBurnWindowsMinutes.size()> burnRates{};  // per kSloBurnWindowsMinutes
    std::array<bool, kSloAlertRules.size()> firing{};               // per kSloAlertRules
    // A window with fewer events than this cannot make a rule fire (SloObjectives::minRequests).
    std::uint64_t minRequests = 0;

    bool firingAny(SloSeverity severity) const;
};

// Fills compliance, budget and burn rates from the tallies, and `firing` from the rules.
void computeSloObjective(SloObjectiveReport& report);
// Whether `rule` fires for these burn rates: both of its windows strictly above its factor.
bool sloRuleFires(const SloAlertRule& rule,
                  const std::array<double, kSloBurnWindowsMinutes.size()>& burnRates);
// The same, and both windows hold at least report.minRequests events. The long window holds
// the short one, so in practice the minimum is the short window's.
bool sloRuleFires(const SloAlertRule& rule, const SloObjectiveReport& report);

struct SloModelReport {
    std::string model;
    SloObjectives objectives;
    std::array<SloObjectiveReport, 2> reports{};  // latency, success
};

// An alert starting (firing) or stopping (resolved), with the burn rates of that moment.
struct SloAlertEvent {
    std::int64_t timeUnixMs = 0;
    std::string model;
    SloObjective objective = SloObjective::Latency;
    SloSeverity severity = SloSeverity::Page;
    bool firing = true;  // false: resolved
    int longWindowMinutes = 0;
    int shortWindowMinutes = 0;
    double burnRateThreshold = 0;
    double longBurnRate = 0;
    double shortBurnRate = 0;
};

}  // namespace atalaya
