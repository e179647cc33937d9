// DriftMonitor's contract apart from the statistics (tst_driftharness covers those): what it
// ignores, what it counts, lazy reference lookup, alerts, stop(), and the JSON for health;
// FanOutSink hands each record to every sink.
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <nlohmann/json.hpp>

#include "telemetry/DriftMonitor.h"
#include "telemetry/DriftReportJson.h"
#include "telemetry/FanOutSink.h"
#include "telemetry/InferenceLog.h"
#include "telemetry/TelemetryHealth.h"

using namespace atalaya;

namespace {

// Two features; "x" on bins [0, 1), [1, 2); "y" on [0, 10), [10, 20).
const char* kReference = R"({"samples": 100,
  "features": {
    "x": {"type": "numeric", "mean": 1, "std": 0.5, "bin_edges": [0, 1, 2], "bin_fractions": [0.5, 0.5]},
    "y": {"type": "numeric", "mean": 10, "std": 5, "bin_edges": [0, 10, 20], "bin_fractions": [0.5, 0.5]}},
  "predictions": {"class_fractions": {"a": 0.5, "b": 0.5},
                  "score": {"bin_edges": [0.5, 0.75, 1.0], "bin_fractions": [0.5, 0.5]}}})";

InferenceRecord request(double x, double y, const char* label, int status = 200) {
    InferenceRecord record;
    record.model = "m";
    record.version = 1;
    record.httpStatus = status;
    record.inputsJson = nlohmann::json::array({{{"x", x}, {"y", y}}}).dump();
    record.label = label;
    record.score = 0.9;
    return record;
}

struct CountingSink final : InferenceSink {
    std::atomic<int> records{0};
    void record(InferenceRecord&&) override { ++records; }
    InferenceSinkCounters counters() const override { return {.rowsWritten = 7}; }
};

// Keeps what it was handed, to see which sink got a copy and which the original.
struct KeepingSink final : InferenceSink {
    std::vector<InferenceRecord> kept;
    void record(InferenceRecord&& record) override { kept.push_back(std::move(record)); }
};

struct RefusingSink final : InferenceSink {
    std::atomic<int> records{0};
    void record(InferenceRecord&&) override { ++records; }
    bool accepts(const InferenceRecord&) const override { return false; }
};

}  // namespace

class TestDriftMonitor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ignoresFailuresAndUnknownVersions();
    void alertWhenTheVerdictFlips();
    void alertsAreKeptAndListedAfterARestart();
    void recordAfterStopIsDropped();
    void fullQueueDropsAndCounts();
    void reportAsJson();
    void fanOutGivesEverySinkTheRecord();
    void fanOutSkipsASinkThatDoesNotAcceptTheRecord();
    void fanOutHandsTheDriftMonitorOnlyWhatItReads();
};

void TestDriftMonitor::ignoresFailuresAndUnknownVersions() {
    std::atomic<int> lookups{0};
    DriftMonitorOptions options;
    options.reference = [&](const std::string& model, std::int64_t version) {
        ++lookups;
        return model == "m" && version == 1 ? std::optional<std::string>(kReference) : std::nullopt;
    };
    DriftMonitor monitor(options);
    monitor.record(request(0.5, 5, "a"));
    monitor.record(request(0.5, 5, "a", 500));  // no prediction: ignored
    auto other = request(0.5, 5, "a");
    other.version = 2;  // no reference: counted as skipped, reported with an error
    monitor.record(std::move(other));
    auto garbage = request(0.5, 5, "a");
    garbage.inputsJson = "{";
    monitor.record(std::move(garbage));
    monitor.record(request(1.5, 15, "b"));
    monitor.flush();

    const auto report = monitor.report("m", 1);
    QVERIFY(report);
    QCOMPARE(report->windowSize, std::size_t{2});
    QCOMPARE(report->recordsSkipped, std::uint64_t{1});
    QVERIFY(!report->drift);  // 2 < minSamples
    const auto unmonitored = monitor.report("m", 2);
    QVERIFY(unmonitored && !unmonitored->error.empty());
    QVERIFY(!monitor.report("m", 3));
    QCOMPARE(monitor.reports().size(), std::size_t{2});
    QCOMPARE(lookups.load(), 2);  // once per version, not per record
    const auto counters = monitor.driftCounters();
    QCOMPARE(counters.recordsApplied, std::uint64_t{2});
    QCOMPARE(counters.recordsSkipped, std::uint64_t{2});
}

void TestDriftMonitor::alertWhenTheVerdictFlips() {
    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    options.windowSize = 400;
    options.clock = [] { return std::int64_t{1234}; };
    DriftMonitor monitor(options);
    for (int i = 0; i < 400; ++i)  // matches the reference exactly
        monitor.record(request(i % 2 ? 0.5 : 1.5, i % 2 ? 5 : 15, i % 2 ? "a" : "b"));
    monitor.flush();
    QVERIFY(!monitor.report("m", 1)->drift);
    QVERIFY(monitor.alerts().empty());
    for (int i = 0; i < 400; ++i)  // y all in its upper bin; x and the classes unchanged
        monitor.record(request(i % 2 ? 0.5 : 1.5, 15, i % 2 ? "a" : "b"));
    monitor.flush();
    const auto report = monitor.report("m", 1);
    QVERIFY(report->drift);
    QCOMPARE(report->features.front().name, std::string("y"));
    QVERIFY(report->features.front().drifted);
    QVERIFY(!report->features.back().drifted);
    QCOMPARE(*report->features.front().wassersteinNormalized,
             report->features.front().wasserstein / 5);
    const auto alerts = monitor.alerts();
    QCOMPARE(alerts.size(), std::size_t{1});  // one flip, however many checks stay drifted
    QCOMPARE(alerts.front().timeUnixMs, std::int64_t{1234});
    QCOMPARE(alerts.front().topFeatures, (std::vector<std::string>{"y"}));
}

// The same flip with the inference log behind the monitor: the alert, with its features' scores
// and the verdict's numbers, goes to drift_alerts, comes back from a reopened log, is listed by
// a new monitor, and goes with age retention.
void TestDriftMonitor::alertsAreKeptAndListedAfterARestart() {
    constexpr std::int64_t kAt = 1'780'000'000'000;
    QTemporaryDir dir;
    InferenceLogOptions logOptions;
    logOptions.file = dir.filePath(QStringLiteral("log.sqlite")).toStdString();
    logOptions.flushInterval = std::chrono::milliseconds(20);
    logOptions.clock = [] { return kAt; };
    auto log = InferenceLog::open(logOptions);
    QVERIFY2(log.isOk(), log.status().toString().c_str());

    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    options.windowSize = 400;
    options.clock = [] { return kAt; };
    options.alertSink = [&](const DriftAlert& alert) { (*log)->recordDriftAlert(alert); };
    DriftAlert raised;
    {
        DriftMonitor monitor(options);
        for (int i = 0; i < 400; ++i)
            monitor.record(request(i % 2 ? 0.5 : 1.5, i % 2 ? 5 : 15, i % 2 ? "a" : "b"));
        monitor.flush();
        for (int i = 0; i < 400; ++i)
            monitor.record(request(i % 2 ? 0.5 : 1.5, 15, i % 2 ? "a" : "b"));
        monitor.stop();
        QCOMPARE(monitor.alerts().size(), std::size_t{1});
        raised = monitor.alerts().front();
    }
    QCOMPARE(raised.features.size(), std::size_t{1});
    QCOMPARE(raised.features.front().name, std::string("y"));
    QVERIFY(raised.features.front().ksStatistic > 0.4);
    QCOMPARE(raised.windowSize, std::int64_t{400});
    QCOMPARE(raised.alpha, 0.01);
    QVERIFY(raised.predictionChiSquarePValue.has_value());
    (*log)->stop();
    QCOMPARE((*log)->driftSnapshotsWritten(), std::uint64_t{1});
    log->reset();

    // Restart: the log reopens the same file and gives the alert back, every number as raised.
    auto reopened = InferenceLog::open(logOptions);
    QVERIFY(reopened.isOk());
    const auto kept = (*reopened)->recentDriftAlerts(256);
    QVERIFY2(kept.isOk(), kept.status().toString().c_str());
    QCOMPARE(kept->size(), std::size_t{1});
    const DriftAlert& back = kept->front();
    QCOMPARE(back.timeUnixMs, kAt);
    QCOMPARE(back.model, std::string("m"));
    QCOMPARE(back.version, std::int64_t{1});
    QCOMPARE(back.observationsSeen, raised.observationsSeen);
    QCOMPARE(back.topFeatures, raised.topFeatures);
    QCOMPARE(back.predictionDrift, raised.predictionDrift);
    QCOMPARE(back.features.front().ksStatistic, raised.features.front().ksStatistic);
    QCOMPARE(back.features.front().ksPValue, raised.features.front().ksPValue);
    QCOMPARE(back.features.front().psi, raised.features.front().psi);
    QVERIFY(back.features.front().wassersteinNormalized ==
            raised.features.front().wassersteinNormalized);
    QCOMPARE(back.windowSize, raised.windowSize);
    QVERIFY(back.predictionChiSquarePValue == raised.predictionChiSquarePValue);

    // A monitor started with them lists them, newest maxAlerts only.
    DriftMonitorOptions restarted = options;
    restarted.alertSink = nullptr;
    DriftAlert older = back;
    older.timeUnixMs = kAt - 1000;
    restarted.restoredAlerts = {older, older, back};
    restarted.maxAlerts = 2;
    DriftMonitor monitor(restarted);
    const auto listed = monitor.alerts();
    QCOMPARE(listed.size(), std::size_t{2});
    QCOMPARE(listed.back().timeUnixMs, kAt);
    const auto json = toJson(listed.back());
    QVERIFY(json.at("features")[0].at("name") == "y");
    QVERIFY(json.at("features")[0].at("ks_statistic").get<double>() > 0.4);
    QVERIFY(json.at("window_size") == 400);

    // Age retention deletes them with the rest.
    const auto retention = (*reopened)->enforceRetention(kAt + 31 * 24 * 3600 * 1000LL);
    QVERIFY(retention.isOk());
    QCOMPARE(retention->driftAlertsDeleted, std::int64_t{1});
    QCOMPARE((*reopened)->storage().deletedByAge.driftAlerts, std::uint64_t{1});
    QCOMPARE((*reopened)->recentDriftAlerts(256)->size(), std::size_t{0});
}

void TestDriftMonitor::recordAfterStopIsDropped() {
    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    options.wakeInterval = std::chrono::hours(1);  // only stop() drains the queue
    DriftMonitor monitor(options);
    monitor.record(request(0.5, 5, "a"));
    monitor.stop();
    QCOMPARE(monitor.report("m", 1)->windowSize, std::size_t{1});  // applied on the way out
    monitor.record(request(0.5, 5, "a"));
    monitor.flush();  // returns after stop
    monitor.stop();   // idempotent
    QCOMPARE(monitor.driftCounters().recordsDropped, std::uint64_t{1});
}

// A queue of 4 that the worker does not drain until flush(): 6 of 10 records are dropped and
// counted; unreadable inputs are skipped and counted; snapshots and alerts the log cannot take
// (stopped) are counted too. All of it in the health section's "counters".
void TestDriftMonitor::fullQueueDropsAndCounts() {
    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    options.queueCapacity = 4;
    options.wakeInterval = std::chrono::hours(1);
    DriftMonitor monitor(options);
    for (int i = 0; i < 10; ++i)
        monitor.record(request(0.5, 5, "a"));
    QCOMPARE(monitor.driftCounters().recordsDropped, std::uint64_t{6});
    monitor.flush();
    auto garbage = request(0.5, 5, "a");
    garbage.inputsJson = "[";
    monitor.record(std::move(garbage));
    monitor.flush();
    const DriftMonitorCounters counters = monitor.driftCounters();
    QCOMPARE(counters.recordsApplied, std::uint64_t{4});
    QCOMPARE(counters.recordsDropped, std::uint64_t{6});
    QCOMPARE(counters.recordsSkipped, std::uint64_t{1});

    QTemporaryDir dir;
    InferenceLogOptions logOptions;
    logOptions.file = dir.filePath(QStringLiteral("log.sqlite")).toStdString();
    auto log = InferenceLog::open(logOptions);
    QVERIFY(log.isOk());
    (*log)->stop();
    DriftSnapshot snapshot;
    snapshot.model = "m";
    DriftAlert alert;
    alert.model = "m";
    (*log)->recordDrift(std::move(snapshot));
    (*log)->recordDriftAlert(alert);
    QCOMPARE((*log)->driftSnapshotsDropped(), std::uint64_t{2});

    const auto json = driftCountersJson(counters, log->get());
    QVERIFY(json.at("records_applied") == 4);
    QVERIFY(json.at("records_dropped") == 6);
    QVERIFY(json.at("records_skipped") == 1);
    QVERIFY(json.at("snapshots_written") == 0);
    QVERIFY(json.at("snapshots_dropped") == 2);
    QVERIFY(driftCountersJson(counters, nullptr).at("snapshots_dropped").is_null());
}

void TestDriftMonitor::reportAsJson() {
    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    DriftMonitor monitor(options);
    monitor.record(request(0.5, 5, "a"));
    monitor.flush();
    const auto json = toJson(*monitor.report("m", 1));
    QVERIFY(json.at("model") == "m");
    QVERIFY(json.at("version") == 1);
    QVERIFY(json.at("drift") == false);
    QVERIFY(json.at("window").at("size") == 1);
    QVERIFY(json.at("features").size() == std::size_t{2});
    QVERIFY(json.at("features")[0].contains("ks_p_value"));
    QVERIFY(json.at("predictions").at("classes").at("a").at("current") == 1.0);
    QVERIFY(json.at("predictions").at("score_psi").is_number());
    QVERIFY(!json.contains("error"));
    DriftAlert alert;
    alert.timeUnixMs = 5;
    alert.model = "m";
    alert.topFeatures = {"y"};
    QVERIFY(toJson(alert).at("top_features")[0] == "y");
}

void TestDriftMonitor::fanOutGivesEverySinkTheRecord() {
    CountingSink first;
    CountingSink second;
    FanOutSink fanOut({&first, &second});
    fanOut.record(request(0.5, 5, "a"));
    QCOMPARE(first.records.load(), 1);
    QCOMPARE(second.records.load(), 1);
    QCOMPARE(fanOut.counters().rowsWritten, std::uint64_t{7});
}

void TestDriftMonitor::fanOutSkipsASinkThatDoesNotAcceptTheRecord() {
    CountingSink first;
    RefusingSink refusing;
    CountingSink last;
    FanOutSink fanOut({&first, &refusing, &last});
    fanOut.record(request(0.5, 5, "a"));
    QCOMPARE(first.records.load(), 1);
    QCOMPARE(refusing.records.load(), 0);
    QCOMPARE(last.records.load(), 1);
    // The drift monitor accepts only what it keeps: successful answers.
    DriftMonitor monitor(DriftMonitorOptions{});
    QVERIFY(monitor.accepts(request(0.5, 5, "a")));
    QVERIFY(!monitor.accepts(request(0.5, 5, "a", 500)));
}

// The drift monitor goes first in the server's fan-out and is handed its copyFor(): the
// values, predictions and routing fields, not the JSON texts the log stores.
void TestDriftMonitor::fanOutHandsTheDriftMonitorOnlyWhatItReads() {
    DriftMonitor monitor(DriftMonitorOptions{});
    InferenceRecord original = request(0.5, 5, "a");
    original.requestId = "r-1";
    original.predictionsJson = R"([{"label":"a","score":0.9}])";
    auto values = std::make_shared<InstanceValues>();
    values->columns = 2;
    values->numbers = {0.5, 5};
    original.inputValues = values;
    original.instancePredictions = {{"a", 0.9}};

    const InferenceRecord slim = monitor.copyFor(original);
    QCOMPARE(slim.model, original.model);
    QCOMPARE(slim.version, original.version);
    QCOMPARE(slim.httpStatus, 200);
    QVERIFY(slim.inputValues == values);
    QCOMPARE(slim.instancePredictions.size(), std::size_t{1});
    QVERIFY(slim.inputsJson.empty());
    QVERIFY(slim.predictionsJson.empty());
    QVERIFY(slim.requestId.empty());
    // Without values the monitor falls back to the JSON text, so the copy keeps it.
    original.inputValues = nullptr;
    original.instancePredictions.clear();
    const InferenceRecord fallback = monitor.copyFor(original);
    QCOMPARE(fallback.inputsJson, original.inputsJson);
    QCOMPARE(fallback.predictionsJson, original.predictionsJson);

    // A fan-out hands each earlier sink its copyFor() and the last one the original.
    KeepingSink first;
    KeepingSink last;
    FanOutSink fanOut({&first, &last});
    fanOut.record(InferenceRecord(original));
    QCOMPARE(first.kept.size(), std::size_t{1});
    QCOMPARE(last.kept.size(), std::size_t{1});
    QCOMPARE(last.kept.front().requestId, std::string("r-1"));
}

QTEST_GUILESS_MAIN(TestDriftMonitor)
#include "tst_driftmonitor.moc"
