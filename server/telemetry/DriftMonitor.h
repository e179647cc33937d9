#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "telemetry/DriftHistory.h"
#include "telemetry/DriftReport.h"
#include "telemetry/InferenceRecord.h"

namespace atalaya {

// A version's ModelMetadata::referenceJson, or nullopt when the version is unknown or has none.
using DriftReferenceLookup =
    std::function<std::optional<std::string>(const std::string& model, std::int64_t version)>;
// A version's feature names in column order (model.json inputs[0].features), to read instances
// sent as arrays; referenceJson cannot give it because nlohmann sorts object keys.
using DriftColumnLookup =
    std::function<std::vector<std::string>(const std::string& model, std::int64_t version)>;

struct DriftMonitorOptions {
    DriftReferenceLookup reference{};  // required
    DriftColumnLookup columns{};       // optional: without it array instances are not read
    std::size_t windowSize = 1000;     // observations (instances) per version
    DriftReportOptions report{};       // alpha 0.01, minSamples 200
    std::size_t queueCapacity = 8192;
    std::chrono::milliseconds wakeInterval{250};
    std::size_t maxAlerts = 256;            // oldest dropped beyond this
    std::size_t alertTopFeatures = 3;       // features an alert names
    std::function<std::int64_t()> clock{};  // wall clock in Unix ms; empty: the system clock
    // Where a version's report goes to be kept over time (the inference log's drift_history),
    // once its window holds report.minSamples observations: on the first such evaluation,
    // when its verdict changes (at most once per historyMinSpacing), and otherwise once per
    // historyInterval while traffic keeps changing the window. Called on the worker thread with
    // no lock of the monitor held; it must not block. Empty: no history.
    std::function<void(DriftSnapshot&&)> history{};
    std::chrono::milliseconds historyInterval = std::chrono::minutes(1);
    // A verdict that flaps near the threshold would otherwise write a snapshot per evaluation
    // (4 a second); a change waits until this long after the last snapshot.
    std::chrono::milliseconds historyMinSpacing = std::chrono::seconds(5);
    // Where each new alert goes to be kept (the inference log's drift_alerts). Called on the
    // worker thread with no lock of the monitor held; it must not block. Empty: memory only.
    std::function<void(const DriftAlert&)> alertSink{};
    // Alerts from before a restart (oldest first), listed by alerts() as if raised here.
    std::vector<DriftAlert> restoredAlerts{};
};

// A feature's reference bins next to the live window's counts in them (the drift chart's
// histogram overlay).
struct FeatureHistogram {
    std::string feature;
    std::vector<double> edges;                // bins + 1
    std::vector<double> referenceFractions;   // per bin, sums to 1
    std::vector<std::int64_t> currentCounts;  // per bin, the window's observations of the feature
};

struct DriftMonitorCounters {
    std::uint64_t recordsApplied = 0;  // records that reached a window
    std::uint64_t recordsDropped = 0;  // queue full, or recorded after stop()
    std::uint64_t recordsSkipped = 0;  // unreadable inputs, or a version without a reference
};

// Data and prediction drift per model version (docs/telemetry.md, "Drift"): a sliding window of
// the last `windowSize` instances, binned on the version's training reference, tested against it.
//
// Thread affinity and ownership:
//  - record() from any thread (IO threads): takes the record, queues it and returns; it never
//    parses JSON or waits. A full queue drops it and counts it. Records that are not successful
//    answers (httpStatus != 200) are ignored: they carry no prediction.
//  - One worker thread, woken every wakeInterval, parses the queued inputs, updates the windows
//    and evaluates each touched version; a verdict flipping to drift appends a DriftAlert. The
//    reference lookup runs on the worker, once per version (a failed lookup is not retried).
//  - report(), reports(), alerts(), driftCounters() from any thread: consistent snapshots.
//  - flush() from any thread except the worker: waits until everything recorded before it is
//    applied (tests, shutdown).
//  - stop() from any thread: applies what is queued and joins the worker. Idempotent; the
//    destructor calls it.
class DriftMonitor final : public InferenceSink {
public:
    explicit DriftMonitor(DriftMonitorOptions options);
    ~DriftMonitor() override;
    DriftMonitor(const DriftMonitor&) = delete;
    DriftMonitor& operator=(const DriftMonitor&) = delete;

    void record(InferenceRecord&& record) override;
    bool accepts(const InferenceRecord& record) const override { return record.httpStatus == 200; }
    // Model, version, status, the input values and predictions; the JSON text only when the
    // values are absent (DriftInputParser then reads it).
    InferenceRecord copyFor(const InferenceRecord& record) const override;
    void flush();
    void stop();

    // nullopt when no record of this version reached the worker yet.
    std::optional<DriftReport> report(const std::string& model, std::int64_t version) const;
    std::vector<DriftReport> reports() const;  // every version seen, by model then version
    std::vector<DriftAlert> alerts() const;    // oldest first
    // nullopt when the version has no window yet (no record reached the worker, or it is not
    // monitored) or no feature of that name ("text.length" for a text model).
    std::optional<FeatureHistogram> histogram(const std::string& model, std::int64_t version,
                                              const std::string& feature) const;
    DriftMonitorCounters driftCounters() const;

private:
    struct VersionState;
    using Key = std::pair<std::string, std::int64_t>;

    void workerLoop();
    void apply(std::vector<InferenceRecord>& batch);
    std::int64_t nowMs() const;
    VersionState& stateFor(const Key& key);                                 // worker thread
    DriftReport reportOf(const Key& key, const VersionState& state) const;  // m_stateMutex held
    // m_stateMutex held; appends to `history` the snapshot to keep, if one is due, and to
    // `raised` the alert of a verdict that flipped to drift.
    void evaluate(const Key& key, VersionState& state, std::vector<DriftSnapshot>& history,
                  std::vector<DriftAlert>& raised);

    const DriftMonitorOptions m_options;

    std::mutex m_queueMutex;  // guards the queue, the sequence numbers and m_stopping
    std::condition_variable m_wake;
    std::condition_variable m_applied;
    std::vector<InferenceRecord> m_queue;
    std::uint64_t m_enqueuedSeq = 0;
    std::uint64_t m_appliedSeq = 0;
    bool m_flushRequested = false;
    bool m_stopping = false;

    mutable std::mutex m_stateMutex;  // guards the three below; held for counting, never parsing
    std::map<Key, std::unique_ptr<VersionState>> m_versions;
    std::deque<DriftAlert> m_alerts;

    std::atomic<std::uint64_t> m_recordsApplied{0};
    std::atomic<std::uint64_t> m_recordsDropped{0};
    std::atomic<std::uint64_t> m_recordsSkipped{0};

    std::mutex m_stopMutex;
    std::thread m_worker;  // last: starts after every member above exists
};

}  // namespace atalaya
