// The read side of the inference log for charts: percentile interpolation and step aggregation
// against hand-computed values, timeseries from the real writer's rollups, drift history written
// by the writer thread (and retention of it), the drift monitor's snapshot policy and its
// histogram, and the query thread's contract. Real SQLite files in a temporary directory.
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "telemetry/DriftMonitor.h"
#include "telemetry/InferenceLog.h"
#include "telemetry/RollupSeries.h"
#include "telemetry/StatsQueries.h"
#include "telemetry/StatsQueryThread.h"

using namespace atalaya;

Q_DECLARE_METATYPE(atalaya::LatencyBuckets)
Q_DECLARE_METATYPE(std::optional<double>)

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kDayMs = 24 * 60 * kMinuteMs;
constexpr std::int64_t kStart = 1'780'000'020'000 / kMinuteMs * kMinuteMs;  // a whole minute

// Buckets by upper bound in ms: 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, inf.
LatencyBuckets buckets(std::initializer_list<std::pair<std::size_t, std::int64_t>> counts) {
    LatencyBuckets b{};
    for (const auto& [index, n] : counts)
        b[index] = n;
    return b;
}

InferenceRecord record(std::int64_t timeMs, std::int64_t totalUs, int status = 200,
                       int batchSize = 1, std::int64_t version = 1, const char* api = "v1") {
    static std::atomic<int> counter{0};
    InferenceRecord r;
    r.timeUnixMs = timeMs;
    r.requestId = "r" + std::to_string(++counter);
    r.route = "predict";
    r.apiVersion = api;
    r.model = "m";
    r.version = version;
    r.httpStatus = status;
    r.totalUs = totalUs;
    r.batchSize = batchSize;
    r.instances = 1;
    return r;
}

std::unique_ptr<InferenceLog> openLog(const QTemporaryDir& dir) {
    InferenceLogOptions options;
    options.file = std::filesystem::path(dir.path().toStdString()) / "log.sqlite";
    options.flushInterval = std::chrono::milliseconds(20);
    // Long before the rows: the writer's own retention passes leave them alone.
    options.clock = [] { return kStart - 100 * kDayMs; };
    auto log = InferenceLog::open(options);
    if (!log.isOk())
        qFatal("%s", log.status().toString().c_str());
    return std::move(log).value();
}

SqliteDatabase readOnly(const InferenceLog& log) {
    auto db = SqliteDatabase::open(log.file(), SqliteDatabase::Access::ReadOnly);
    if (!db.isOk())
        qFatal("%s", db.status().toString().c_str());
    return std::move(db).value();
}

bool waitForRows(const InferenceLog& log, std::uint64_t rows) {
    for (int i = 0; i < 2000 && log.rowsWritten() < rows; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return log.rowsWritten() >= rows;
}

DriftSnapshot snapshot(std::int64_t timeMs, bool drift, double psiX) {
    DriftSnapshot s;
    s.timeUnixMs = timeMs;
    s.model = "m";
    s.version = 1;
    s.drift = drift;
    s.windowSize = 300;
    s.observationsSeen = 900;
    s.features = {{.name = "x",
                   .scores = {.psi = psiX,
                              .ksStatistic = 0.2,
                              .ksPValue = 0.001,
                              .jensenShannon = 0.05,
                              .wasserstein = 1.5,
                              .wassersteinNormalized = 0.75,
                              .drifted = drift}},
                  {.name = "y",
                   .scores = {.psi = 0.01,
                              .ksStatistic = 0.02,
                              .ksPValue = 0.9,
                              .jensenShannon = 0.001,
                              .wasserstein = 0.1,
                              .wassersteinNormalized = std::nullopt,
                              .drifted = false}}};
    return s;
}

// Two features; "x" on bins [0, 1), [1, 2); "y" on [0, 10), [10, 20).
const char* kReference = R"({"samples": 100,
  "features": {
    "x": {"type": "numeric", "mean": 1, "std": 0.5, "bin_edges": [0, 1, 2], "bin_fractions": [0.5, 0.5]},
    "y": {"type": "numeric", "mean": 10, "std": 5, "bin_edges": [0, 10, 20], "bin_fractions": [0.4, 0.6]}}})";

InferenceRecord driftRecord(double x, double y) {
    InferenceRecord r;
    r.model = "m";
    r.version = 1;
    r.inputsJson = nlohmann::json::array({{{"x", x}, {"y", y}}}).dump();
    return r;
}

}  // namespace

class TestStatsQueries : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void quantile_data();
    void quantile();
    void stepAggregationSumsWholeMinutes();
    void timeSeriesFromTheWritersRollups();
    void timeSeriesFiltersVersionAndApi();
    void rangeAndStepAreChecked_data();
    void rangeAndStepAreChecked();
    void driftHistoryWrittenByTheWriterAndRetained();
    void driftSeriesKeepsTheLatestWhenTruncated();
    void monitorKeepsSnapshotsOnFlipAndInterval();
    void monitorHistogramCountsTheWindow();
    void queryThreadRunsEveryAcceptedJob();
};

void TestStatsQueries::quantile_data() {
    QTest::addColumn<LatencyBuckets>("counts");
    QTest::addColumn<double>("q");
    QTest::addColumn<std::optional<double>>("expected");

    // 2 in (0, 1], 2 in (1, 2]: rank 2 ends bucket 0 -> 0 + 1 * 2/2.
    QTest::newRow("median at a bucket edge")
        << buckets({{0, 2}, {1, 2}}) << 0.5 << std::optional(1.0);
    // rank 3.8: 1.8 into the 2 of (1, 2] -> 1 + 1 * 1.8/2.
    QTest::newRow("p95 inside a bucket") << buckets({{0, 2}, {1, 2}}) << 0.95 << std::optional(1.9);
    // 1, 1, 1, 2 in (0,1], (1,2], (2,5], (5,10]: rank 2.5 -> 2 + 3 * 0.5/1.
    QTest::newRow("interpolated across a wide bucket")
        << buckets({{0, 1}, {1, 1}, {2, 1}, {3, 2}}) << 0.5 << std::optional(3.5);
    // 10 in (100, 250]: rank 9.9 -> 100 + 150 * 9.9/10.
    QTest::newRow("p99 of one bucket") << buckets({{7, 10}}) << 0.99 << std::optional(248.5);
    // 99 fast, 1 beyond 5 s: rank 99.5 lands in the unbounded bucket -> its lower bound.
    QTest::newRow("unbounded bucket reports 5000")
        << buckets({{0, 99}, {12, 1}}) << 0.995 << std::optional(5000.0);
    QTest::newRow("empty") << LatencyBuckets{} << 0.5 << std::optional<double>();
}

void TestStatsQueries::quantile() {
    QFETCH(LatencyBuckets, counts);
    QFETCH(double, q);
    QFETCH(std::optional<double>, expected);
    const auto value = latencyQuantileMs(counts, q);
    QCOMPARE(value.has_value(), expected.has_value());
    if (expected)
        QVERIFY2(std::abs(*value - *expected) < 1e-9, qPrintable(QString::number(*value)));
}

void TestStatsQueries::stepAggregationSumsWholeMinutes() {
    // Five minutes from kStart at a 2-minute step: buckets [0,2), [2,4), [4,5) minutes.
    RollupSeries series(kStart, kStart + 5 * kMinuteMs, 2 * kMinuteMs);
    QCOMPARE(series.size(), std::size_t{3});
    const std::int64_t m0 = kStart / kMinuteMs;
    series.add({.minute = m0,
                .requests = 3,
                .errors = 1,
                .batchSizeSum = 6,
                .buckets = buckets({{0, 3}})});
    series.add({.minute = m0 + 1,
                .requests = 1,
                .errors = 0,
                .batchSizeSum = 4,
                .buckets = buckets({{1, 1}})});
    series.add({.minute = m0 + 4,
                .requests = 2,
                .errors = 2,
                .batchSizeSum = 2,
                .buckets = buckets({{12, 2}})});
    series.add({.minute = m0 + 5, .requests = 100});  // past `to`: ignored
    series.add({.minute = m0 - 1, .requests = 100});  // before `from`: ignored
    const auto points = series.points();
    QCOMPARE(points.size(), std::size_t{3});
    QCOMPARE(points[0].startMs, kStart);
    QCOMPARE(points[0].requests, std::int64_t{4});
    QCOMPARE(points[0].errors, std::int64_t{1});
    QCOMPARE(*points[0].errorRate, 0.25);
    QCOMPARE(points[0].throughputRps, 4.0 / 120.0);
    QCOMPARE(*points[0].meanBatchSize, 10.0 / 4.0);
    QCOMPARE(*points[0].p50Ms, 2.0 / 3.0);  // rank 2 of 3 in (0, 1]
    QCOMPARE(points[1].startMs, kStart + 2 * kMinuteMs);
    QCOMPARE(points[1].requests, std::int64_t{0});
    QVERIFY(!points[1].errorRate && !points[1].p50Ms && !points[1].meanBatchSize);
    QCOMPARE(points[2].requests, std::int64_t{2});
    QCOMPARE(*points[2].errorRate, 1.0);
    QCOMPARE(*points[2].p99Ms, 5000.0);
}

void TestStatsQueries::timeSeriesFromTheWritersRollups() {
    QTemporaryDir dir;
    auto log = openLog(dir);
    // Minute 0: 0.5, 1.5, 3 ms, one of them a 500. Minute 1: 7 ms twice in batches of 4.
    // Minute 3: 30 ms. Across two flushes, so rollup upserts add up.
    log->record(record(kStart + 1'000, 500));
    log->record(record(kStart + 2'000, 1'500, 500));
    QVERIFY(waitForRows(*log, 2));
    log->record(record(kStart + 59'999, 3'000));
    log->record(record(kStart + kMinuteMs, 7'000, 200, 4));
    log->record(record(kStart + kMinuteMs + 5, 7'000, 200, 4));
    log->record(record(kStart + 3 * kMinuteMs, 30'000));
    QVERIFY(waitForRows(*log, 6));

    SqliteDatabase db = readOnly(*log);
    TimeSeriesQuery query;
    query.model = "m";
    query.fromMs = kStart;
    query.toMs = kStart + 4 * kMinuteMs;
    query.stepMs = 2 * kMinuteMs;
    const auto series = queryTimeSeries(db, query);
    QVERIFY2(series.isOk(), series.status().toString().c_str());
    QCOMPARE(series->points.size(), std::size_t{2});
    const TimeSeriesPoint& first = series->points[0];
    QCOMPARE(first.requests, std::int64_t{5});  // the raw rows of minutes 0 and 1
    QCOMPARE(first.errors, std::int64_t{1});
    QCOMPARE(*first.meanBatchSize, (1.0 + 1 + 1 + 4 + 4) / 5);
    // Buckets 1, 1, 1, 2 in (0,1], (1,2], (2,5], (5,10]: p50 rank 2.5 -> 3.5 ms; p95 rank 4.75
    // -> 5 + 5 * 1.75/2.
    QCOMPARE(*first.p50Ms, 3.5);
    QCOMPARE(*first.p95Ms, 9.375);
    QCOMPARE(first.throughputRps, 5.0 / 120);
    QCOMPARE(series->points[1].requests, std::int64_t{1});
    QCOMPARE(*series->points[1].p50Ms, 25.0 + 25.0 * 0.5);  // one in (25, 50]
}

void TestStatsQueries::timeSeriesFiltersVersionAndApi() {
    QTemporaryDir dir;
    auto log = openLog(dir);
    log->record(record(kStart, 1'000, 200, 1, 1, "v1"));
    log->record(record(kStart, 1'000, 200, 1, 2, "v2"));
    log->record(record(kStart, 1'000, 200, 1, 2, "v2"));
    log->record(record(kStart, 1'000, 200, 1, 2, ""));  // OIP
    QVERIFY(waitForRows(*log, 4));
    SqliteDatabase db = readOnly(*log);
    auto count = [&](std::optional<std::int64_t> version, std::string api) {
        const auto series = queryTimeSeries(db, {.model = "m",
                                                 .version = version,
                                                 .apiVersion = std::move(api),
                                                 .fromMs = kStart,
                                                 .toMs = kStart + kMinuteMs,
                                                 .stepMs = kMinuteMs});
        return series.isOk() ? series->points.at(0).requests : std::int64_t{-1};
    };
    QCOMPARE(count(std::nullopt, ""), std::int64_t{4});
    QCOMPARE(count(1, ""), std::int64_t{1});
    QCOMPARE(count(2, ""), std::int64_t{3});
    QCOMPARE(count(2, "v2"), std::int64_t{2});
    QCOMPARE(count(std::nullopt, "v1"), std::int64_t{1});
}

void TestStatsQueries::rangeAndStepAreChecked_data() {
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<qint64>("step");
    QTest::addColumn<QString>("reason");
    QTest::newRow("ok") << qint64(kStart) << qint64(kStart + kDayMs) << qint64(60'000) << "ok";
    QTest::newRow("2000 points") << qint64(kStart) << qint64(kStart + 2000 * kMinuteMs)
                                 << qint64(60'000) << "ok";
    QTest::newRow("2001 points") << qint64(kStart) << qint64(kStart + 2000 * kMinuteMs + 1)
                                 << qint64(60'000) << "too_many_points";
    QTest::newRow("step not minutes")
        << qint64(kStart) << qint64(kStart + kDayMs) << qint64(90'000) << "bad_step";
    QTest::newRow("step zero") << qint64(kStart) << qint64(kStart + kDayMs) << qint64(0)
                               << "bad_step";
    QTest::newRow("reversed") << qint64(kStart) << qint64(kStart) << qint64(60'000) << "bad_range";
    QTest::newRow("from mid-minute")
        << qint64(kStart + 1) << qint64(kStart + kDayMs) << qint64(60'000) << "bad_range";
}

void TestStatsQueries::rangeAndStepAreChecked() {
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(qint64, step);
    QFETCH(QString, reason);
    TimeSeriesQuery query;
    query.model = "m";
    query.fromMs = from;
    query.toMs = to;
    query.stepMs = step;
    const Status status = checkTimeSeriesQuery(query);
    QCOMPARE(QString::fromStdString(std::string(status.reason())), reason);
}

void TestStatsQueries::driftHistoryWrittenByTheWriterAndRetained() {
    QTemporaryDir dir;
    auto log = openLog(dir);
    const std::int64_t old = kStart - 40 * kDayMs;  // beyond the 30-day retention
    log->recordDrift(snapshot(old, false, 0.01));
    log->recordDrift(snapshot(kStart, false, 0.02));
    log->recordDrift(snapshot(kStart + kMinuteMs, true, 0.4));
    for (int i = 0; i < 2000 && log->driftSnapshotsWritten() < 3; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    QCOMPARE(log->driftSnapshotsWritten(), std::uint64_t{3});

    SqliteDatabase db = readOnly(*log);
    auto series = queryDriftSeries(
        db, {.model = "m", .version = 1, .fromMs = kStart, .toMs = kStart + kDayMs});
    QVERIFY2(series.isOk(), series.status().toString().c_str());
    QCOMPARE(series->verdicts.size(), std::size_t{2});
    QCOMPARE(series->verdicts[0].timeMs, kStart);
    QVERIFY(!series->verdicts[0].drift);
    QVERIFY(series->verdicts[1].drift);
    QCOMPARE(series->verdicts[1].windowSize, std::int64_t{300});
    QCOMPARE(series->features.size(), std::size_t{2});
    QCOMPARE(series->features[0].name, std::string("x"));
    QCOMPARE(series->features[0].points.size(), std::size_t{2});
    QCOMPARE(series->features[0].points[1].scores.psi, 0.4);
    QVERIFY(series->features[0].points[1].scores.drifted);
    QCOMPARE(*series->features[0].points[1].scores.wassersteinNormalized, 0.75);
    QVERIFY(!series->features[1].points[0].scores.wassersteinNormalized);
    QVERIFY(!series->truncated);

    const auto retention = log->enforceRetention(kStart);
    QVERIFY(retention.isOk());
    QCOMPARE(retention->driftRowsDeleted, std::int64_t{2});  // the old snapshot's two features
    auto all =
        queryDriftSeries(db, {.model = "m", .version = 1, .fromMs = 0, .toMs = kStart + kDayMs});
    QCOMPARE(all->verdicts.size(), std::size_t{2});
}

void TestStatsQueries::driftSeriesKeepsTheLatestWhenTruncated() {
    QTemporaryDir dir;
    auto log = openLog(dir);
    const int snapshots = static_cast<int>(kMaxSeriesPoints) + 5;
    for (int i = 0; i < snapshots; ++i) {
        log->recordDrift(snapshot(kStart + i * 1000, false, 0.01 * i));
        // In chunks smaller than the drift queue.
        for (int wait = 0;
             wait < 2000 && i % 500 == 499 && log->driftSnapshotsWritten() < std::uint64_t(i + 1);
             ++wait) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    for (int i = 0; i < 2000 && log->driftSnapshotsWritten() < std::uint64_t(snapshots); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    QCOMPARE(log->driftSnapshotsWritten(), std::uint64_t(snapshots));
    SqliteDatabase db = readOnly(*log);
    auto series = queryDriftSeries(
        db, {.model = "m", .version = 1, .fromMs = kStart, .toMs = kStart + kDayMs});
    QVERIFY(series.isOk());
    QVERIFY(series->truncated);
    QCOMPARE(series->verdicts.size(), std::size_t(kMaxSeriesPoints));
    QCOMPARE(series->verdicts.front().timeMs, kStart + 5 * 1000);
    QCOMPARE(series->verdicts.back().timeMs, kStart + (snapshots - 1) * 1000);
    QCOMPARE(series->features[0].points.size(), std::size_t(kMaxSeriesPoints));
}

void TestStatsQueries::monitorKeepsSnapshotsOnFlipAndInterval() {
    std::atomic<std::int64_t> now{kStart};
    std::mutex mutex;
    std::vector<DriftSnapshot> kept;
    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    options.windowSize = 400;
    options.clock = [&] { return now.load(); };
    options.history = [&](DriftSnapshot&& s) {
        std::lock_guard lock(mutex);
        kept.push_back(std::move(s));
    };
    DriftMonitor monitor(options);
    // y follows its reference (2 of 5 below 10); x too unless `shifted` puts it all below 1.
    auto feed = [&](int n, bool shifted) {
        for (int i = 0; i < n; ++i)
            monitor.record(driftRecord(shifted || i % 2 ? 0.5 : 1.5, i % 5 < 2 ? 5 : 15));
        monitor.flush();
    };
    feed(150, false);  // below min_samples (200): nothing kept
    {
        std::lock_guard lock(mutex);
        QCOMPARE(kept.size(), std::size_t{0});
    }
    feed(250, false);  // no drift; the first evaluation of a full enough window is kept
    now += 10'000;
    feed(10, false);  // same verdict 10 s later: not kept
    now += 60'000;
    feed(10, false);  // a minute after the last snapshot: kept
    now += 1'000;
    feed(400, true);  // the verdict flips, 1 s after the last snapshot: not yet
    {
        std::lock_guard lock(mutex);
        QCOMPARE(kept.size(), std::size_t{2});
    }
    now += 5'000;
    feed(10, true);  // still drifting, 6 s after the last snapshot: the change is kept
    std::lock_guard lock(mutex);
    QCOMPARE(kept.size(), std::size_t{3});
    QCOMPARE(kept[0].timeUnixMs, kStart);
    QVERIFY(!kept[0].drift);
    QCOMPARE(kept[0].features.size(), std::size_t{2});
    QVERIFY(kept[0].windowSize >= 200);
    QCOMPARE(kept[1].timeUnixMs, kStart + 70'000);
    QVERIFY(!kept[1].drift);
    QCOMPARE(kept[2].timeUnixMs, kStart + 76'000);
    QVERIFY(kept[2].drift);
    QCOMPARE(kept[2].features.front().name, std::string("x"));  // ranked by KS
    QVERIFY(kept[2].features.front().scores.drifted);
}

void TestStatsQueries::monitorHistogramCountsTheWindow() {
    DriftMonitorOptions options;
    options.reference = [](const std::string&, std::int64_t) {
        return std::optional<std::string>(kReference);
    };
    options.windowSize = 10;
    DriftMonitor monitor(options);
    QVERIFY(!monitor.histogram("m", 1, "y"));  // no window before the first record
    for (int i = 0; i < 12; ++i)
        monitor.record(driftRecord(0.5, i < 9 ? 5 : 15));  // the window keeps the last 10
    monitor.flush();
    const auto histogram = monitor.histogram("m", 1, "y");
    QVERIFY(histogram);
    QCOMPARE(histogram->edges, (std::vector<double>{0, 10, 20}));
    QCOMPARE(histogram->referenceFractions, (std::vector<double>{0.4, 0.6}));
    QCOMPARE(histogram->currentCounts, (std::vector<std::int64_t>{7, 3}));
    QVERIFY(!monitor.histogram("m", 1, "z"));
}

void TestStatsQueries::queryThreadRunsEveryAcceptedJob() {
    auto thread = StatsQueryThread::open({.file = {}, .queueCapacity = 2});
    QVERIFY(thread.isOk());
    std::promise<void> release;
    std::shared_future<void> gate = release.get_future().share();
    std::atomic<int> ran{0};
    std::atomic<bool> sawNullDb{false};
    const auto job = [&](SqliteDatabase* db) {
        gate.wait();
        sawNullDb = db == nullptr;
        ++ran;
    };
    QVERIFY((*thread)->post(job).isOk());  // running, blocked on the gate
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    QVERIFY((*thread)->post(job).isOk());
    QVERIFY((*thread)->post(job).isOk());
    const Status full = (*thread)->post(job);
    QCOMPARE(full.code(), StatusCode::Unavailable);
    QCOMPARE(std::string(full.reason()), std::string("stats_busy"));
    release.set_value();
    (*thread)->stop();  // runs what was accepted
    QCOMPARE(ran.load(), 3);
    QVERIFY(sawNullDb.load());
    QCOMPARE((*thread)->post(job).code(), StatusCode::Unavailable);
}

QTEST_GUILESS_MAIN(TestStatsQueries)
#include "tst_statsqueries.moc"
