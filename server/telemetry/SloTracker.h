#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/InferenceRecord.h"
#include "telemetry/SloReport.h"

namespace atalaya {

class SloEventStore;

struct SloTrackerOptions {
    SloConfig config{};
    // Gets every record after it was counted, moved on (not copied): the tracker sits in front
    // of the inference log and the drift monitor. Not owned; may be null.
    InferenceSink* downstream = nullptr;
    // <dataDir>/slo.sqlite: alert events are persisted there. Empty: kept in memory only.
    std::filesystem::path eventsFile{};
    // The inference log, whose per-minute rollups refill the windows at open. Empty: nothing
    // is restored.
    std::filesystem::path inferenceLog{};
    // How often the evaluation thread computes budgets, burn rates and alerts. 0: no thread;
    // the owner calls evaluate() (tests, with a fake clock).
    std::chrono::milliseconds evaluationInterval{1000};
    // Reported (objectives met, budget whole) from the start, before their first request.
    std::vector<std::string> models{};
    std::size_t recentEvents = 50;          // kept in memory for /api/v1/health
    std::function<std::int64_t()> clock{};  // wall clock in Unix ms; empty: the system clock
};

// Latency and success-rate SLOs per model, their error budgets and multiwindow burn-rate alerts
// (docs/telemetry.md, "SLOs").
//
// Counting: each model has a ring of per-minute buckets as long as the longest alert window
// (3 days) and a ring of per-hour buckets as long as its SLO window; record() adds one request
// to the current bucket of each, under the model's mutex (a map lookup and four additions).
// Memory is fixed per model (~200 KB with the default 30-day window), whatever the traffic.
//
// Thread affinity and ownership:
//  - record() and counters() from any thread (IO threads); record() never allocates after a
//    model's first request and never touches disk.
//  - One evaluation thread (unless evaluationInterval is 0) runs evaluate(): sums the windows,
//    updates the reports, and appends an event whenever an alert starts or stops firing: logged
//    at warning level and written to the event store, on this thread.
//  - reports(), recentEvents() from any thread: the last evaluation's snapshot.
//  - stop() from any thread; idempotent; the destructor calls it.
class SloTracker final : public InferenceSink {
public:
    // Opens the event store, reloads recent events and the alerts still firing at the last
    // stop, refills the windows from the inference log's rollups, evaluates once and starts the
    // evaluation thread. An unusable event store is an error; unreadable rollups only a warning.
    static Result<std::unique_ptr<SloTracker>> open(SloTrackerOptions options);
    ~SloTracker() override;
    SloTracker(const SloTracker&) = delete;
    SloTracker& operator=(const SloTracker&) = delete;

    void record(InferenceRecord&& record) override;
    InferenceSinkCounters counters() const override;  // the downstream sink's

    // One evaluation at the clock's now. Called by the evaluation thread; by hand only when
    // evaluationInterval is 0 (never concurrently with itself).
    void evaluate();

    std::vector<SloModelReport> reports() const;      // by model name
    std::vector<SloAlertEvent> recentEvents() const;  // oldest first
    std::size_t trackedModels() const;

    void stop();

private:
    struct ModelState;

    explicit SloTracker(SloTrackerOptions options);
    std::int64_t now() const;
    ModelState& stateFor(std::string_view model);  // m_modelsMutex held
    Status restoreHistory();
    void evaluationLoop();
    void publish(std::vector<SloAlertEvent> events);

    const SloTrackerOptions m_options;
    std::unique_ptr<SloEventStore> m_store;  // evaluation thread's once it runs

    mutable std::mutex m_modelsMutex;  // guards the map; each model's counts have their own
    std::map<std::string, std::unique_ptr<ModelState>, std::less<>> m_models;

    mutable std::mutex m_reportMutex;  // guards the two below
    std::vector<SloModelReport> m_reports;
    std::deque<SloAlertEvent> m_recentEvents;

    std::mutex m_stopMutex;
    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    bool m_stopping = false;  // guarded by m_wakeMutex
    std::thread m_evaluator;  // started by open() once the windows are refilled
};

}  // namespace atalaya
