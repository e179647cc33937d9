#include "telemetry/DriftMonitor.h"

#include <algorithm>

#include "core/Logging.h"
#include "core/ThreadName.h"
#include "core/UnixTime.h"
#include "telemetry/DriftInputParser.h"
#include "telemetry/DriftReference.h"
#include "telemetry/DriftWindow.h"

namespace atalaya {

struct DriftMonitor::VersionState {
    std::shared_ptr<const DriftReference> reference;  // null: not monitored (see error)
    std::optional<DriftInputParser> parser;
    std::optional<DriftWindow> window;
    std::string error;
    std::uint64_t skipped = 0;
    bool drifting = false;
    bool touched = false;             // got observations since the last evaluate()
    std::optional<bool> keptVerdict;  // of the last snapshot handed to options.history
    std::int64_t keptAtMs = 0;
};

DriftMonitor::DriftMonitor(DriftMonitorOptions options)
    : m_options(std::move(options))
    , m_alerts(m_options.restoredAlerts.end() -
                   static_cast<std::ptrdiff_t>(
                       std::min(m_options.maxAlerts, m_options.restoredAlerts.size())),
               m_options.restoredAlerts.end())
    , m_worker([this] { workerLoop(); }) {}

DriftMonitor::~DriftMonitor() {
    stop();
}

void DriftMonitor::record(InferenceRecord&& record) {
    if (!accepts(record))
        return;
    {
        std::lock_guard lock(m_queueMutex);
        if (!m_stopping && m_queue.size() < m_options.queueCapacity) {
            m_queue.push_back(std::move(record));
            ++m_enqueuedSeq;
            return;
        }
    }
    m_recordsDropped.fetch_add(1, std::memory_order_relaxed);
}

InferenceRecord DriftMonitor::copyFor(const InferenceRecord& record) const {
    InferenceRecord copy;
    copy.model = record.model;
    copy.version = record.version;
    copy.httpStatus = record.httpStatus;
    copy.label = record.label;
    copy.score = record.score;
    copy.inputValues = record.inputValues;
    copy.instancePredictions = record.instancePredictions;
    if (!record.inputValues) {
        copy.inputsJson = record.inputsJson;
        copy.requestDocument = record.requestDocument;
        copy.instancesNode = record.instancesNode;
    }
    if (record.instancePredictions.empty())
        copy.predictionsJson = record.predictionsJson;
    return copy;
}

void DriftMonitor::flush() {
    std::unique_lock lock(m_queueMutex);
    const std::uint64_t target = m_enqueuedSeq;
    m_flushRequested = true;
    m_wake.notify_one();
    // After stop() nothing is enqueued and the worker's last pass applied the rest, so this
    // cannot wait forever.
    m_applied.wait(lock, [&] { return m_appliedSeq >= target; });
}

void DriftMonitor::stop() {
    std::lock_guard stopLock(m_stopMutex);
    {
        std::lock_guard lock(m_queueMutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_worker.joinable())
        m_worker.join();
}

void DriftMonitor::workerLoop() {
    nameCurrentThread("drift-monitor");
    std::vector<InferenceRecord> batch;
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock lock(m_queueMutex);
            m_wake.wait_for(lock, m_options.wakeInterval,
                            [this] { return m_stopping || m_flushRequested; });
            m_flushRequested = false;
            stopping = m_stopping;
            batch.swap(m_queue);
        }
        const std::size_t taken = batch.size();
        apply(batch);
        batch.clear();
        {
            std::lock_guard lock(m_queueMutex);
            m_appliedSeq += taken;
        }
        m_applied.notify_all();
        if (stopping)
            return;
    }
}

DriftMonitor::VersionState& DriftMonitor::stateFor(const Key& key) {
    {
        std::lock_guard lock(m_stateMutex);
        if (const auto it = m_versions.find(key); it != m_versions.end())
            return *it->second;
    }
    // The lookups may call into the model repository: no lock of ours is held around them.
    auto state = std::make_unique<VersionState>();
    const auto json =
        m_options.reference ? m_options.reference(key.first, key.second) : std::nullopt;
    if (!json || json->empty()) {
        state->error = "no reference statistics for this version";
    } else if (auto parsed = parseDriftReference(*json); !parsed.isOk()) {
        state->error = parsed.status().message();
        qCWarning(lcTelemetry, "drift: %s version %lld not monitored: %s", key.first.c_str(),
                  static_cast<long long>(key.second), state->error.c_str());
    } else {
        state->reference = std::make_shared<const DriftReference>(std::move(parsed).value());
        const auto columns = m_options.columns ? m_options.columns(key.first, key.second)
                                               : std::vector<std::string>{};
        state->parser.emplace(state->reference, columns);
        state->window.emplace(state->parser->layout(), m_options.windowSize);
    }
    std::lock_guard lock(m_stateMutex);
    return *m_versions.emplace(key, std::move(state)).first->second;
}

void DriftMonitor::apply(std::vector<InferenceRecord>& batch) {
    std::vector<Key> touched;
    for (const auto& record : batch) {
        const Key key{record.model, record.version};
        VersionState& state = stateFor(key);  // worker-owned: stays valid, never erased
        Result<std::vector<DriftObservation>> observations =
            state.parser ? state.parser->parse(record)
                         : Result<std::vector<DriftObservation>>(invalidArgument("not monitored"));
        std::lock_guard lock(m_stateMutex);
        if (!observations.isOk()) {
            ++state.skipped;
            m_recordsSkipped.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        for (const auto& observation : *observations)
            state.window->add(observation);
        m_recordsApplied.fetch_add(1, std::memory_order_relaxed);
        if (!state.touched)
            touched.push_back(key);
        state.touched = true;
    }
    std::vector<DriftSnapshot> history;
    std::vector<DriftAlert> raised;
    {
        std::lock_guard lock(m_stateMutex);
        for (const auto& key : touched)
            evaluate(key, *m_versions.at(key), history, raised);
    }
    for (auto& snapshot : history)
        m_options.history(std::move(snapshot));
    if (m_options.alertSink) {
        for (const auto& alert : raised)
            m_options.alertSink(alert);
    }
}

std::int64_t DriftMonitor::nowMs() const {
    return m_options.clock ? m_options.clock() : systemUnixMs();
}

void DriftMonitor::evaluate(const Key& key, VersionState& state,
                            std::vector<DriftSnapshot>& history, std::vector<DriftAlert>& raised) {
    state.touched = false;
    const DriftReport report = reportOf(key, state);
    const std::int64_t now = nowMs();
    // Only windows a verdict can be drawn from: the scores of a handful of observations are
    // noise (a PSI of 5 after three requests), and a chart of them would open with a false spike
    // after every restart.
    if (m_options.history && report.error.empty() && !report.features.empty() &&
        report.windowSize >= report.minSamples &&
        (!state.keptVerdict || now - state.keptAtMs >= m_options.historyInterval.count() ||
         (*state.keptVerdict != report.drift &&
          now - state.keptAtMs >= m_options.historyMinSpacing.count()))) {
        history.push_back(driftSnapshotOf(report, now));
        state.keptVerdict = report.drift;
        state.keptAtMs = now;
    }
    if (report.drift && !state.drifting) {
        DriftAlert alert;
        alert.timeUnixMs = now;
        alert.model = key.first;
        alert.version = key.second;
        alert.observationsSeen = report.observationsSeen;
        alert.topFeatures = report.topFeatures(m_options.alertTopFeatures);
        alert.predictionDrift = report.predictions && report.predictions->drifted;
        for (const std::string& name : alert.topFeatures) {
            for (const FeatureDrift& f : report.features) {
                if (f.name == name) {
                    alert.features.push_back({.name = f.name,
                                              .ksStatistic = f.ksStatistic,
                                              .ksPValue = f.ksPValue,
                                              .psi = f.psi,
                                              .jensenShannon = f.jensenShannon,
                                              .wassersteinNormalized = f.wassersteinNormalized});
                }
            }
        }
        alert.windowSize = static_cast<std::int64_t>(report.windowSize);
        alert.alpha = report.alpha;
        if (report.predictions)
            alert.predictionChiSquarePValue = report.predictions->chiSquarePValue;
        raised.push_back(alert);
        m_alerts.push_back(std::move(alert));
        while (m_alerts.size() > m_options.maxAlerts)
            m_alerts.pop_front();
    }
    state.drifting = report.drift;
}

DriftReport DriftMonitor::reportOf(const Key& key, const VersionState& state) const {
    DriftReport report;
    if (state.reference && state.window) {
        report = computeDriftReport(*state.reference, *state.window, m_options.report);
    } else {
        report.alpha = m_options.report.alpha;
        report.minSamples = m_options.report.minSamples;
        report.error = state.error;
    }
    report.model = key.first;
    report.version = key.second;
    report.recordsSkipped = state.skipped;
    return report;
}

std::optional<DriftReport> DriftMonitor::report(const std::string& model,
                                                std::int64_t version) const {
    std::lock_guard lock(m_stateMutex);
    const auto it = m_versions.find(Key{model, version});
    if (it == m_versions.end())
        return std::nullopt;
    return reportOf(it->first, *it->second);
}

std::vector<DriftReport> DriftMonitor::reports() const {
    std::lock_guard lock(m_stateMutex);
    std::vector<DriftReport> all;
    all.reserve(m_versions.size());
    for (const auto& [key, state] : m_versions)
        all.push_back(reportOf(key, *state));
    return all;
}

std::optional<FeatureHistogram> DriftMonitor::histogram(const std::string& model,
                                                        std::int64_t version,
                                                        const std::string& feature) const {
    std::lock_guard lock(m_stateMutex);
    const auto it = m_versions.find(Key{model, version});
    if (it == m_versions.end() || !it->second->reference || !it->second->window)
        return std::nullopt;
    const DriftReference& reference = *it->second->reference;
    const DriftWindow& window = *it->second->window;
    const auto found = reference.windowFeature(feature);
    if (!found)
        return std::nullopt;
    const auto counts = window.featureCounts(found->index);
    return FeatureHistogram{.feature = feature,
                            .edges = found->bins->edges,
                            .referenceFractions = found->bins->fractions,
                            .currentCounts = {counts.begin(), counts.end()}};
}

std::vector<DriftAlert> DriftMonitor::alerts() const {
    std::lock_guard lock(m_stateMutex);
    return {m_alerts.begin(), m_alerts.end()};
}

DriftMonitorCounters DriftMonitor::driftCounters() const {
    return {.recordsApplied = m_recordsApplied.load(std::memory_order_relaxed),
            .recordsDropped = m_recordsDropped.load(std::memory_order_relaxed),
            .recordsSkipped = m_recordsSkipped.load(std::memory_order_relaxed)};
}

}  // namespace atalaya
