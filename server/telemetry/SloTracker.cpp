#include "telemetry/SloTracker.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/Logging.h"
#include "core/ThreadName.h"
#include "core/UnixTime.h"
#include "telemetry/SloBucketRing.h"
#include "telemetry/SloEventStore.h"
#include "telemetry/SloHistory.h"

namespace atalaya {
namespace {

constexpr std::array<std::size_t, kSloBurnWindowsMinutes.size()> burnSpans() {
    std::array<std::size_t, kSloBurnWindowsMinutes.size()> spans{};
    for (std::size_t i = 0; i < spans.size(); ++i)
        spans[i] = static_cast<std::size_t>(kSloBurnWindowsMinutes[i]);
    return spans;
}

const SloTally& tallyOf(const SloCounts& counts, SloObjective objective) {
    return objective == SloObjective::Latency ? counts.latency : counts.success;
}

double targetOf(const SloObjectives& objectives, SloObjective objective) {
    return objective == SloObjective::Latency ? objectives.latencyTarget : objectives.successTarget;
}

// The rule an event was raised by, or none when the table no longer has it.
std::optional<std::size_t> ruleIndexOf(const SloAlertEvent& event) {
    for (std::size_t r = 0; r < kSloAlertRules.size(); ++r) {
        const SloAlertRule& rule = kSloAlertRules[r];
        if (rule.severity == event.severity && rule.longWindowMinutes == event.longWindowMinutes &&
            rule.shortWindowMinutes == event.shortWindowMinutes) {
            return r;
        }
    }
    return std::nullopt;
}

SloAlertEvent eventFor(std::int64_t nowMs, const std::string& model,
                       const SloObjectiveReport& report, std::size_t ruleIndex) {
    const SloAlertRule& rule = kSloAlertRules[ruleIndex];
    return {.timeUnixMs = nowMs,
            .model = model,
            .objective = report.objective,
            .severity = rule.severity,
            .firing = report.firing[ruleIndex],
            .longWindowMinutes = rule.longWindowMinutes,
            .shortWindowMinutes = rule.shortWindowMinutes,
            .burnRateThreshold = rule.burnRate,
            .longBurnRate = report.burnRates[sloWindowIndex(rule.longWindowMinutes)],
            .shortBurnRate = report.burnRates[sloWindowIndex(rule.shortWindowMinutes)]};
}

}  // namespace

struct SloTracker::ModelState {
    explicit ModelState(const SloObjectives& slo)
        : objectives(slo)
        , thresholdUs(std::llround(slo.latencyThresholdMs * 1000.0))
        , minutes(kMinuteMs, kSloLongestBurnWindowMinutes)
        , hours(kHourMs, static_cast<std::size_t>(slo.windowDays) * 24) {}

    const SloObjectives objectives;
    const std::int64_t thresholdUs;
    std::mutex mutex;  // guards the two rings
    SloBucketRing minutes;
    SloBucketRing hours;
    // Evaluation thread only: which rule of which objective fired at the last evaluation.
    std::array<std::array<bool, kSloAlertRules.size()>, kSloObjectives.size()> firing{};
};

SloTracker::SloTracker(SloTrackerOptions options) : m_options(std::move(options)) {}

SloTracker::~SloTracker() {
    stop();
}

Result<std::unique_ptr<SloTracker>> SloTracker::open(SloTrackerOptions options) {
    std::unique_ptr<SloTracker> tracker(new SloTracker(std::move(options)));
    const SloTrackerOptions& o = tracker->m_options;
    {
        std::lock_guard lock(tracker->m_modelsMutex);
        for (const std::string& model : o.models)
            tracker->stateFor(model);
    }
    if (!o.eventsFile.empty()) {
        ATALAYA_ASSIGN_OR_RETURN(tracker->m_store, SloEventStore::open(o.eventsFile));
        ATALAYA_ASSIGN_OR_RETURN(const auto recent, tracker->m_store->recent(o.recentEvents));
        tracker->m_recentEvents.assign(recent.begin(), recent.end());
        // Alerts that were firing when the server stopped stay firing: the first evaluation
        // resolves them if they no longer hold, instead of raising them a second time.
        ATALAYA_ASSIGN_OR_RETURN(const auto firing, tracker->m_store->openAlerts());
        std::lock_guard lock(tracker->m_modelsMutex);
        for (const SloAlertEvent& event : firing) {
            if (const auto rule = ruleIndexOf(event)) {
                tracker->stateFor(event.model)
                    .firing[static_cast<std::size_t>(event.objective)][*rule] = true;
            }
        }
    }
    if (!o.inferenceLog.empty()) {
        if (const Status restored = tracker->restoreHistory(); !restored.isOk()) {
            qCWarning(lcTelemetry, "SLO windows start empty: cannot read %s: %s",
                      o.inferenceLog.string().c_str(), restored.toString().c_str());
        }
    }
    tracker->evaluate();
    if (o.evaluationInterval.count() > 0)
        tracker->m_evaluator = std::thread([t = tracker.get()] { t->evaluationLoop(); });
    return tracker;
}

std::int64_t SloTracker::now() const {
    return m_options.clock ? m_options.clock() : systemUnixMs();
}

SloTracker::ModelState& SloTracker::stateFor(std::string_view model) {
    auto it = m_models.find(model);
    if (it == m_models.end()) {
        std::string name(model);
        auto state = std::make_unique<ModelState>(m_options.config.objectivesFor(name));
        it = m_models.emplace(std::move(name), std::move(state)).first;
    }
    return *it->second;
}

Status SloTracker::restoreHistory() {
    int longestDays = m_options.config.defaults.windowDays;
    for (const auto& [model, objectives] : m_options.config.models)
        longestDays = std::max(longestDays, objectives.windowDays);
    const std::int64_t span =
        std::max<std::int64_t>(longestDays * kDayMs, kSloLongestBurnWindowMinutes * kMinuteMs);
    ATALAYA_ASSIGN_OR_RETURN(
        const auto history, readSloHistory(m_options.inferenceLog, now() - span, m_options.config));
    std::lock_guard lock(m_modelsMutex);
    for (const SloHistoryMinute& minute : history) {
        ModelState& state = stateFor(minute.model);
        std::lock_guard countsLock(state.mutex);
        state.minutes.add(minute.timeMs, minute.counts);
        state.hours.add(minute.timeMs, minute.counts);
    }
    if (!history.empty()) {
        qCInfo(lcTelemetry, "SLO windows refilled from %zu rollup minutes of the inference log",
               history.size());
    }
    return Status::ok();
}

void SloTracker::record(InferenceRecord&& record) {
    const int status = record.httpStatus;
    // 4xx: the client's mistake, valid for neither objective (see SloObjective).
    if (!record.model.empty() && (status < 400 || status >= 500)) {
        const bool served = status < 400;
        ModelState* state = nullptr;
        {
            std::lock_guard lock(m_modelsMutex);
            state = &stateFor(record.model);
        }
        const bool fast = served && record.totalUs <= state->thresholdUs;
        SloCounts counts;
        counts.success = {.good = served ? 1U : 0U, .bad = served ? 0U : 1U};
        counts.latency = {.good = fast ? 1U : 0U, .bad = fast ? 0U : 1U};
        const std::int64_t timeMs = record.timeUnixMs > 0 ? record.timeUnixMs : now();
        std::lock_guard lock(state->mutex);
        state->minutes.add(timeMs, counts);
        state->hours.add(timeMs, counts);
    }
    if (m_options.downstream != nullptr)
        m_options.downstream->record(std::move(record));
}

InferenceSinkCounters SloTracker::counters() const {
    return m_options.downstream != nullptr ? m_options.downstream->counters()
                                           : InferenceSinkCounters{};
}

void SloTracker::evaluate() {
    const std::int64_t nowMs = now();
    std::vector<std::pair<std::string, ModelState*>> models;
    {
        std::lock_guard lock(m_modelsMutex);
        for (const auto& [name, state] : m_models)
            models.emplace_back(name, state.get());
    }
    static constexpr auto kSpans = burnSpans();
    std::vector<SloModelReport> reports;
    std::vector<SloAlertEvent> events;
    for (const auto& [name, state] : models) {
        std::array<SloCounts, kSpans.size()> burn;
        SloCounts window;
        {
            std::lock_guard lock(state->mutex);
            state->minutes.sums(nowMs, kSpans, burn);
            window = state->hours.sum(nowMs, state->hours.capacity());
        }
        SloModelReport& report = reports.emplace_back();
        report.model = name;
        report.objectives = state->objectives;
        for (std::size_t o = 0; o < kSloObjectives.size(); ++o) {
            SloObjectiveReport& objective = report.reports[o];
            objective.objective = kSloObjectives[o];
            objective.target = targetOf(state->objectives, objective.objective);
            objective.minRequests = static_cast<std::uint64_t>(state->objectives.minRequests);
            objective.window = tallyOf(window, objective.objective);
            for (std::size_t w = 0; w < kSpans.size(); ++w)
                objective.burnTallies[w] = tallyOf(burn[w], objective.objective);
            computeSloObjective(objective);
            for (std::size_t r = 0; r < kSloAlertRules.size(); ++r) {
                if (objective.firing[r] != state->firing[o][r]) {
                    state->firing[o][r] = objective.firing[r];
                    events.push_back(eventFor(nowMs, name, objective, r));
                }
            }
        }
    }
    {
        std::lock_guard lock(m_reportMutex);
        m_reports = std::move(reports);
    }
    publish(std::move(events));
}

void SloTracker::publish(std::vector<SloAlertEvent> events) {
    for (const SloAlertEvent& event : events) {
        qCWarning(lcTelemetry,
                  "SLO alert %s: model %s, %s objective, %s (burn rate %.2f over %s and %.2f "
                  "over %s, threshold %.1f)",
                  event.firing ? "FIRING" : "resolved", event.model.c_str(),
                  std::string(sloObjectiveName(event.objective)).c_str(),
                  std::string(sloSeverityName(event.severity)).c_str(), event.longBurnRate,
                  sloWindowName(event.longWindowMinutes).c_str(), event.shortBurnRate,
                  sloWindowName(event.shortWindowMinutes).c_str(), event.burnRateThreshold);
        if (m_store) {
            if (const Status stored = m_store->append(event); !stored.isOk()) {
                qCWarning(lcTelemetry, "SLO alert event not persisted: %s",
                          stored.toString().c_str());
            }
        }
    }
    std::lock_guard lock(m_reportMutex);
    for (SloAlertEvent& event : events)
        m_recentEvents.push_back(std::move(event));
    while (m_recentEvents.size() > m_options.recentEvents)
        m_recentEvents.pop_front();
}

std::vector<SloModelReport> SloTracker::reports() const {
    std::lock_guard lock(m_reportMutex);
    return m_reports;
}

std::vector<SloAlertEvent> SloTracker::recentEvents() const {
    std::lock_guard lock(m_reportMutex);
    return {m_recentEvents.begin(), m_recentEvents.end()};
}

std::size_t SloTracker::trackedModels() const {
    std::lock_guard lock(m_modelsMutex);
    return m_models.size();
}

void SloTracker::evaluationLoop() {
    nameCurrentThread("slo-evaluator");
    std::unique_lock lock(m_wakeMutex);
    for (;;) {
        if (m_wake.wait_for(lock, m_options.evaluationInterval, [this] { return m_stopping; }))
            return;
        lock.unlock();
        evaluate();
        lock.lock();
    }
}

void SloTracker::stop() {
    std::lock_guard stopLock(m_stopMutex);
    {
        std::lock_guard lock(m_wakeMutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_evaluator.joinable())
        m_evaluator.join();
}

}  // namespace atalaya
