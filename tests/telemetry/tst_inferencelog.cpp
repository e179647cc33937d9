// The SQLite inference log: batched writes, drops instead of blocking, rollups that agree with
// the raw rows, retention, export, text capture policies and sampling. Real SQLite files in a
// temporary directory; every wait is bounded.
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "telemetry/CapturePolicy.h"
#include "telemetry/InferenceLog.h"
#include "telemetry/SqliteDatabase.h"

using namespace atalaya;
using Json = nlohmann::json;

Q_DECLARE_METATYPE(atalaya::TextCapture)
Q_DECLARE_METATYPE(atalaya::ExportFormat)

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kDayMs = 24 * 60 * kMinuteMs;
constexpr std::int64_t kNow = 1'780'000'020'000;  // a fixed "now", 20 s into a minute
constexpr std::chrono::milliseconds kWaitTimeout{20'000};

InferenceRecord makeRecord(const std::string& id, std::int64_t timeMs,
                           const std::string& model = "credit-risk", std::int64_t version = 1) {
    InferenceRecord r;
    r.timeUnixMs = timeMs;
    r.requestId = id;
    r.route = "predict";
    r.apiVersion = "v1";
    r.model = model;
    r.version = version;
    r.queueUs = 150;
    r.computeUs = 900;
    r.totalUs = 1200;
    r.batchSize = 4;
    r.instances = 1;
    r.label = "approve";
    r.score = 0.8125;
    r.predictionsJson = R"([{"label":"approve","score":0.8125}])";
    r.inputsJson = R"([{"age":41,"income":52000}])";
    return r;
}

std::int64_t queryInt(const std::filesystem::path& file, const std::string& sql) {
    auto db = SqliteDatabase::open(file, SqliteDatabase::Access::ReadOnly);
    if (!db.isOk())
        qFatal("%s", db.status().toString().c_str());
    auto value = db->queryInt(sql);
    if (!value.isOk())
        qFatal("%s", value.status().toString().c_str());
    return *value;
}

template <class Predicate>
bool waitUntil(Predicate done, std::chrono::milliseconds timeout = kWaitTimeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > until)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

// RFC 4180 fields of a whole CSV text (quoted fields may hold commas, quotes and newlines).
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(std::move(field));
            field.clear();
            rows.emplace_back();
            ++i;
        } else {
            field += c;
        }
    }
    if (rows.back().empty() && field.empty())
        rows.pop_back();
    return rows;
}

}  // namespace

class TestInferenceLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void schemaIsCreatedAndVersioned();
    void unusablePathIsAnOpenError();
    void writerBatchesRows();
    void fullQueueDropsInsteadOfBlocking();
    void rollupsMatchRawRows();
    void retentionDeletesOldRowsInChunks();
    void sizeBudgetDeletesOldestRowsFirst();
    void sizeRetentionKeepsServing();
    void exportRoundTrip_data();
    void exportRoundTrip();
    void textCapture_data();
    void textCapture();
    void samplingKeepsRollupsComplete();
    void stopIsIdempotentAndLaterRowsAreDropped();

private:
    InferenceLogOptions options() const;
    std::unique_ptr<InferenceLog> open(const InferenceLogOptions& options);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::filesystem::path m_file;
};

void TestInferenceLog::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_file = std::filesystem::path(m_dir->path().toStdString()) / "data" / "inference-log.sqlite";
}

void TestInferenceLog::cleanup() {
    m_dir.reset();
}

InferenceLogOptions TestInferenceLog::options() const {
    InferenceLogOptions options;
    options.file = m_file;
    options.flushInterval = std::chrono::milliseconds(20);
    options.queueCapacity = 100'000;
    // The writer's own retention pass sees a clock a month behind, so rows stamped around kNow
    // are only ever deleted by an explicit enforceRetention(kNow).
    options.clock = [] { return kNow - 30 * kDayMs; };
    return options;
}

std::unique_ptr<InferenceLog> TestInferenceLog::open(const InferenceLogOptions& options) {
    auto log = InferenceLog::open(options);
    if (!log.isOk())
        qFatal("open: %s", log.status().toString().c_str());
    return std::move(log).value();
}

void TestInferenceLog::schemaIsCreatedAndVersioned() {
    auto log = open(options());  // its directory does not exist yet
    QVERIFY(std::filesystem::exists(m_file));
    QCOMPARE(queryInt(m_file, "PRAGMA user_version"), 1);
    QCOMPARE(queryInt(m_file, "PRAGMA auto_vacuum"), 2);  // incremental
    QCOMPARE(queryInt(m_file,
                      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                      "('inference_log_time', 'inference_log_model_time')"),
             2);
    {
        auto db = SqliteDatabase::open(m_file, SqliteDatabase::Access::ReadOnly);
        QVERIFY(db.isOk());
        QCOMPARE(QString::fromStdString(*db->queryText("PRAGMA journal_mode")),
                 QStringLiteral("wal"));
    }
    log->stop();
    log.reset();
    log = open(options());  // an existing file of this version opens as it is
    log->stop();
    log.reset();

    {
        auto db = SqliteDatabase::open(m_file, SqliteDatabase::Access::ReadWrite);
        QVERIFY(db.isOk());
        QVERIFY(db->execute("PRAGMA user_version = 99").isOk());
    }
    const auto newer = InferenceLog::open(options());
    QVERIFY(!newer.isOk());
    QCOMPARE(newer.status().code(), StatusCode::FailedPrecondition);
    QCOMPARE(newer.status().reason(), std::string_view("schema_version"));
}

void TestInferenceLog::unusablePathIsAnOpenError() {
    const std::filesystem::path plainFile = m_dir->filePath(QStringLiteral("a-file")).toStdString();
    std::ofstream(plainFile) << "not a directory";
    InferenceLogOptions blocked = options();
    blocked.file = plainFile / "log.sqlite";
    const auto log = InferenceLog::open(blocked);
    QVERIFY(!log.isOk());
    QVERIFY2(log.status().message().find("a-file") != std::string::npos,
             log.status().toString().c_str());
}

void TestInferenceLog::writerBatchesRows() {
    InferenceLogOptions batched = options();
    batched.flushInterval = std::chrono::milliseconds(50);
    auto log = open(batched);
    constexpr int kRows = 2000;
    for (int i = 0; i < kRows; ++i)
        log->record(makeRecord("r-" + std::to_string(i), kNow + i));
    log->stop();

    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log"), kRows);
    QCOMPARE(log->rowsWritten(), std::uint64_t{kRows});
    QCOMPARE(log->droppedRows(), std::uint64_t{0});
    QCOMPARE(log->queueDepth(), std::size_t{0});
    qInfo("%d rows in %llu flushes, last took %lld us", kRows,
          static_cast<unsigned long long>(log->flushes()),
          static_cast<long long>(log->lastFlushDuration().count()));
    QVERIFY(log->flushes() >= 1);
    QVERIFY2(log->flushes() < std::uint64_t{kRows} / 10, "rows were not batched into transactions");
    QVERIFY(log->lastFlushDuration().count() > 0);
    // Every column as recorded.
    QCOMPARE(queryInt(m_file,
                      "SELECT COUNT(*) FROM inference_log WHERE request_id = 'r-7' AND "
                      "time_ms = " +
                          std::to_string(kNow + 7) +
                          " AND route = 'predict' AND api_version = 'v1' AND model = "
                          "'credit-risk' AND version = 1 AND http_status = 200 AND error_code "
                          "IS NULL AND queue_us = 150 AND compute_us = 900 AND total_us = 1200 "
                          "AND batch_size = 4 AND instances = 1 AND label = 'approve' AND "
                          "score = 0.8125 AND client IS NULL AND inputs = "
                          "'[{\"age\":41,\"income\":52000}]'"),
             1);
}

void TestInferenceLog::fullQueueDropsInsteadOfBlocking() {
    InferenceLogOptions tiny = options();
    tiny.queueCapacity = 16;
    tiny.flushInterval = std::chrono::milliseconds(10);
    tiny.busyTimeout = std::chrono::milliseconds(60'000);  // the writer waits for the lock
    auto log = open(tiny);

    // A second connection takes the write lock and keeps it: the writer's next flush waits.
    auto blocker = SqliteDatabase::open(m_file, SqliteDatabase::Access::ReadWrite);
    QVERIFY(blocker.isOk());
    QVERIFY(blocker->setBusyTimeout(std::chrono::milliseconds(10'000)).isOk());
    QVERIFY(blocker->execute("BEGIN IMMEDIATE").isOk());

    int recorded = 0;
    for (; recorded < 8; ++recorded)
        log->record(makeRecord("before-" + std::to_string(recorded), kNow));
    // The writer takes these 8 and then waits on the lock, so the queue behind it fills up.
    QVERIFY(waitUntil([&] { return log->counters().queueDepth == 8; }));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));

    constexpr int kBurst = 500;
    QElapsedTimer burst;
    burst.start();
    qint64 slowestNs = 0;
    for (int i = 0; i < kBurst; ++i, ++recorded) {
        QElapsedTimer call;
        call.start();
        log->record(makeRecord("burst-" + std::to_string(i), kNow));
        slowestNs = std::max(slowestNs, call.nsecsElapsed());
    }
    const qint64 burstMs = burst.elapsed();
    qInfo("%d records with the write lock held: %lld ms in all, slowest %lld us, %llu dropped",
          kBurst, burstMs, slowestNs / 1000, static_cast<unsigned long long>(log->droppedRows()));
    // Still holding the lock here, so record() cannot have waited for the disk; the bound only
    // turns a hang into a failure on a noisy machine.
    QVERIFY2(burstMs < 5'000, "record() waited while the database was locked");
    QCOMPARE(log->rowsWritten(), std::uint64_t{0});
    QVERIFY2(log->droppedRows() >= std::uint64_t{kBurst - 16}, "a full queue must drop rows");
    QCOMPARE(log->counters().rowsDropped, log->droppedRows());
    QVERIFY(log->counters().lastDropUnixMs != 0);

    QVERIFY(blocker->execute("COMMIT").isOk());
    QVERIFY(waitUntil([&] { return log->queueDepth() == 0; }));
    for (int i = 0; i < 10; ++i, ++recorded)
        log->record(makeRecord("after-" + std::to_string(i), kNow));
    log->stop();

    // Nothing is lost silently: each record was either written or counted as dropped.
    QCOMPARE(log->rowsWritten() + log->droppedRows(), std::uint64_t(recorded));
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log"),
             std::int64_t(log->rowsWritten()));
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log WHERE request_id LIKE 'after-%'"),
             10);
    QCOMPARE(
        queryInt(m_file, "SELECT COUNT(*) FROM inference_log WHERE request_id LIKE 'before-%'"), 8);
}

void TestInferenceLog::rollupsMatchRawRows() {
    auto log = open(options());
    const std::int64_t minute0 = (kNow / kMinuteMs) * kMinuteMs;
    const char* models[] = {"credit-risk", "sentiment"};
    const char* apis[] = {"v1", "v2", ""};
    const int statuses[] = {200, 200, 200, 500, 503, 504, 200};
    constexpr int kWaves = 3;
    constexpr int kPerWave = 700;
    int n = 0;
    for (int wave = 0; wave < kWaves; ++wave) {
        for (int i = 0; i < kPerWave; ++i, ++n) {
            InferenceRecord r =
                makeRecord("q-" + std::to_string(n), minute0 + (n * 257) % (3 * kMinuteMs),
                           models[n % 2], 1 + (n / 2) % 2);
            r.apiVersion = apis[n % 3];
            r.httpStatus = statuses[n % 7];
            r.errorCode = r.httpStatus == 200 ? "" : "model_error";
            r.totalUs =
                (static_cast<std::int64_t>(n) * 7919) % 7'000'000;  // 0 .. 7 s: every bucket
            r.queueUs = n % 1000;
            r.computeUs = (n * 31) % 5000;
            r.batchSize = 1 + n % 64;
            r.instances = 1 + n % 3;
            log->record(std::move(r));
        }
        // Separate flushes, so rollup rows are updated, not only inserted.
        QVERIFY(waitUntil([&] { return log->rowsWritten() == std::uint64_t(n); }));
    }
    log->stop();
    QVERIFY(log->flushes() >= kWaves);

    // The same aggregates, computed by SQL from the raw rows with the bucket bounds written out.
    const int bounds[] = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
    std::string buckets;
    std::string bucketColumns;
    int lower = -1;
    for (const int bound : bounds) {
        buckets += ", SUM(total_us > " + std::to_string(lower < 0 ? -1 : lower * 1000) +
                   " AND total_us <= " + std::to_string(bound * 1000) + ")";
        bucketColumns += ", bucket_le_" + std::to_string(bound) + "ms";
        lower = bound;
    }
    buckets += ", SUM(total_us > 5000000)";
    bucketColumns += ", bucket_inf";
    const std::string raw =
        "SELECT time_ms / 60000, model, version, COALESCE(api_version, ''), COUNT(*), "
        "SUM(http_status >= 400), SUM(total_us), SUM(queue_us), SUM(compute_us), "
        "SUM(batch_size), SUM(instances)" +
        buckets + " FROM inference_log GROUP BY 1, 2, 3, 4";
    const std::string rollup =
        "SELECT minute, model, version, api_version, requests, errors, latency_sum_us, "
        "queue_sum_us, compute_sum_us, batch_size_sum, instances_sum" +
        bucketColumns + " FROM inference_rollup_minute";
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM (" + raw + " EXCEPT " + rollup + ")"), 0);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM (" + rollup + " EXCEPT " + raw + ")"), 0);
    QCOMPARE(queryInt(m_file, "SELECT SUM(requests) FROM inference_rollup_minute"), n);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_rollup_minute"),
             3 * 2 * 2 * 3);  // minutes x models x versions x API versions
    QVERIFY(queryInt(m_file, "SELECT MIN(bucket_inf) FROM inference_rollup_minute") > 0);
}

void TestInferenceLog::retentionDeletesOldRowsInChunks() {
    InferenceLogOptions retained = options();
    retained.retentionDays = 1;
    retained.retentionChunkRows = 500;
    auto log = open(retained);
    const std::int64_t old = kNow - 3 * kDayMs;
    const std::int64_t recent = kNow - 3600 * 1000;
    for (int i = 0; i < 1200; ++i)
        log->record(makeRecord("old-" + std::to_string(i), old + i * 100));
    for (int i = 0; i < 300; ++i)
        log->record(makeRecord("new-" + std::to_string(i), recent + i * 100));
    QVERIFY(waitUntil([&] { return log->rowsWritten() == 1500; }));
    const std::int64_t oldMinutes =
        queryInt(m_file, "SELECT COUNT(*) FROM inference_rollup_minute WHERE minute < " +
                             std::to_string((kNow - kDayMs) / kMinuteMs));
    QVERIFY(oldMinutes >= 2);

    const auto report = log->enforceRetention(kNow);
    QVERIFY2(report.isOk(), report.status().toString().c_str());
    QCOMPARE(report->rowsDeleted, 1200);
    QCOMPARE(report->rollupsDeleted, oldMinutes);
    QVERIFY2(report->chunks >= 4, "1200 rows in chunks of 500 take 3 transactions, rollups 1 more");

    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log"), 300);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log WHERE request_id LIKE 'old-%'"),
             0);
    QCOMPARE(queryInt(m_file, "SELECT SUM(requests) FROM inference_rollup_minute"), 300);
    // Serving goes on meanwhile, and a second pass has nothing left to do.
    log->record(makeRecord("during", kNow));
    const auto again = log->enforceRetention(kNow);
    QVERIFY(again.isOk());
    QCOMPARE(again->rowsDeleted + again->rollupsDeleted, 0);
    log->stop();
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log"), 301);
}

namespace {

constexpr std::int64_t kBudget = 1 << 20;  // 1 MiB

// A row of about 700 bytes: 1 MiB holds about 1,500 of them.
InferenceRecord bulkyRecord(int i, std::int64_t timeMs) {
    InferenceRecord r = makeRecord("r-" + std::to_string(i), timeMs);
    r.inputsJson = Json::array({{{"age", i}, {"note", std::string(600, 'x')}}}).dump();
    return r;
}

// (page_count - freelist_count) x page_size on a connection of the test's own.
std::int64_t usedBytes(const std::filesystem::path& file) {
    return (queryInt(file, "PRAGMA page_count") - queryInt(file, "PRAGMA freelist_count")) *
           queryInt(file, "PRAGMA page_size");
}

std::int64_t onDisk(const std::filesystem::path& file) {
    std::error_code ec;
    const auto wal = std::filesystem::file_size(file.string() + "-wal", ec);
    return static_cast<std::int64_t>(std::filesystem::file_size(file)) +
           (ec ? 0 : static_cast<std::int64_t>(wal));
}

}  // namespace

void TestInferenceLog::sizeBudgetDeletesOldestRowsFirst() {
    InferenceLogOptions budgeted = options();
    budgeted.maxSizeBytes = kBudget;
    budgeted.retentionChunkRows = 200;
    budgeted.sizeCheckInterval = std::chrono::hours(1);  // only the explicit pass below runs
    auto log = open(budgeted);
    constexpr int kRows = 6000;  // about 4 MiB
    const std::int64_t start = kNow - 10 * kMinuteMs;
    const auto timeOf = [&](std::int64_t i) { return start + i * 50; };
    for (int i = 0; i < kRows; ++i)
        log->record(bulkyRecord(i, timeOf(i)));
    QVERIFY(waitUntil([&] { return log->rowsWritten() == kRows; }));
    const std::int64_t before = usedBytes(m_file);
    const std::int64_t rollups = queryInt(m_file, "SELECT COUNT(*) FROM inference_rollup_minute");
    QVERIFY2(before > 3 * kBudget, std::to_string(before).c_str());

    const auto report = log->enforceSizeLimit();
    QVERIFY2(report.isOk(), report.status().toString().c_str());
    const std::int64_t deleted = report->rowsDeleted;
    const std::int64_t kept = queryInt(m_file, "SELECT COUNT(*) FROM inference_log");
    qInfo(
        "size pass: %lld of %d rows deleted in %d chunks, %lld pages released; data %lld -> "
        "%lld bytes, budget %lld",
        static_cast<long long>(deleted), kRows, report->chunks,
        static_cast<long long>(report->pagesReleased), static_cast<long long>(before),
        static_cast<long long>(usedBytes(m_file)), static_cast<long long>(kBudget));
    QVERIFY(deleted > 0);
    QCOMPARE(kept, kRows - deleted);
    QVERIFY2(report->chunks >= deleted / 200, "deleted in chunks of 200 rows");
    // The oldest went first: what is left is exactly the newest rows.
    QCOMPARE(queryInt(m_file, "SELECT MIN(time_ms) FROM inference_log"), timeOf(deleted));
    QCOMPARE(queryInt(m_file, "SELECT MAX(time_ms) FROM inference_log"), timeOf(kRows - 1));
    // Rollups are kept: deleting raw rows was enough.
    QCOMPARE(report->rollupsDeleted, 0);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_rollup_minute"), rollups);
    QCOMPARE(queryInt(m_file, "SELECT SUM(requests) FROM inference_rollup_minute"), kRows);
    // Under the low-water mark, and the freed pages went back to the file system.
    QVERIFY(usedBytes(m_file) <= static_cast<std::int64_t>(kBudget * kSizeLowWater));
    QVERIFY(report->pagesReleased > 0);
    QCOMPARE(queryInt(m_file, "PRAGMA freelist_count"), 0);
    const InferenceLogStorage storage = log->storage();
    QCOMPARE(storage.deletedBySize.rows, static_cast<std::uint64_t>(deleted));
    QCOMPARE(storage.deletedByAge.rows, std::uint64_t{0});
    QCOMPARE(storage.maxBytes, kBudget);
    QCOMPARE(storage.usedBytes, usedBytes(m_file));

    // A pass with the data under its budget deletes nothing.
    const auto again = log->enforceSizeLimit();
    QVERIFY(again.isOk());
    QCOMPARE(again->rowsDeleted, 0);
    // The next flush restarts the WAL and truncates it to its bound: the files on disk fit too.
    log->record(bulkyRecord(kRows, timeOf(kRows)));
    log->stop();
    qInfo("on disk after the next flush: %lld bytes", static_cast<long long>(onDisk(m_file)));
    QVERIFY2(onDisk(m_file) <= kBudget, std::to_string(onDisk(m_file)).c_str());
}

void TestInferenceLog::sizeRetentionKeepsServing() {
    InferenceLogOptions budgeted = options();
    budgeted.maxSizeBytes = kBudget;
    budgeted.retentionChunkRows = 100;
    budgeted.sizeCheckInterval = std::chrono::milliseconds(10);
    budgeted.queueCapacity = 5000;  // 4x smaller than what goes through it
    auto log = open(budgeted);
    constexpr int kRows = 20'000;  // about 14 MiB through a 1 MiB budget
    const std::int64_t start = kNow - 10 * kMinuteMs;
    const auto timeOf = [&](std::int64_t i) { return start + i * 20; };
    QElapsedTimer timer;
    timer.start();
    std::size_t deepest = 0;
    for (int i = 0; i < kRows; ++i) {
        log->record(bulkyRecord(i, timeOf(i)));
        deepest = std::max(deepest, log->queueDepth());
        if (i % 100 == 99)  // a producer at about 10,000 rows/s at most
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    QVERIFY(waitUntil([&] { return log->rowsWritten() + log->droppedRows() == kRows; }));
    QVERIFY(waitUntil([&] { return usedBytes(m_file) <= kBudget; }));
    log->stop();  // a pass in progress ends here; the counters stay readable
    const InferenceLogStorage storage = log->storage();
    const std::int64_t kept = queryInt(m_file, "SELECT COUNT(*) FROM inference_log");
    qInfo(
        "%d rows in %lld ms, deepest queue %zu of 5000, %llu size passes deleted %llu rows; %lld "
        "kept, %lld bytes of data",
        kRows, static_cast<long long>(timer.elapsed()), deepest,
        static_cast<unsigned long long>(storage.sizePasses),
        static_cast<unsigned long long>(storage.deletedBySize.rows), static_cast<long long>(kept),
        static_cast<long long>(usedBytes(m_file)));
    // Every record was accepted and committed while the passes ran.
    QCOMPARE(log->droppedRows(), std::uint64_t{0});
    QCOMPARE(log->rowsWritten(), std::uint64_t{kRows});
    // One pass goes on as long as new rows keep the data over the low-water mark.
    QVERIFY(storage.sizePasses >= 1);
    QVERIFY(storage.deletedBySize.rows > std::uint64_t{kRows / 2});
    QCOMPARE(static_cast<std::uint64_t>(kept) + storage.deletedBySize.rows, std::uint64_t{kRows});
    QCOMPARE(queryInt(m_file, "SELECT MIN(time_ms) FROM inference_log"), timeOf(kRows - kept));
    QCOMPARE(queryInt(m_file, "SELECT MAX(time_ms) FROM inference_log"), timeOf(kRows - 1));
    QCOMPARE(queryInt(m_file, "SELECT SUM(requests) FROM inference_rollup_minute"), kRows);
    QVERIFY(usedBytes(m_file) <= kBudget);
}

void TestInferenceLog::exportRoundTrip_data() {
    QTest::addColumn<ExportFormat>("format");
    QTest::addColumn<bool>("afterStop");
    QTest::newRow("csv while writing") << ExportFormat::Csv << false;
    QTest::newRow("jsonl while writing") << ExportFormat::JsonLines << false;
    QTest::newRow("csv after stop") << ExportFormat::Csv << true;
    QTest::newRow("jsonl after stop") << ExportFormat::JsonLines << true;
}

void TestInferenceLog::exportRoundTrip() {
    QFETCH(ExportFormat, format);
    QFETCH(bool, afterStop);
    auto log = open(options());
    const std::string inputs = R"([{"note":"say \"hi\", then\nleave","age":41}])";
    for (int i = -5; i < 35; ++i) {  // 30 rows in [kNow, kNow + 30 s), 5 before, 5 after
        InferenceRecord r = makeRecord("x" + std::to_string(i + 5), kNow + i * 1000);
        r.inputsJson = inputs;
        if (i % 10 == 3) {  // a failed request: no prediction
            r.httpStatus = 500;
            r.errorCode = "model_error";
            r.label.clear();
            r.predictionsJson.clear();
        }
        log->record(std::move(r));
    }
    QVERIFY(waitUntil([&] { return log->rowsWritten() == 40; }));
    if (afterStop)
        log->stop();

    std::ostringstream out;
    const Status exported = log->exportRange(kNow, kNow + 30'000, format, out);
    QVERIFY2(exported.isOk(), exported.toString().c_str());
    const std::string text = out.str();

    if (format == ExportFormat::Csv) {
        const auto rows = parseCsv(text);
        QCOMPARE(rows.size(), std::size_t{31});
        QCOMPARE(QString::fromStdString(text.substr(0, text.find("\r\n"))),
                 QStringLiteral("time_ms,request_id,client,route,api_version,model,version,"
                                "http_status,error_code,queue_us,compute_us,total_us,batch_size,"
                                "instances,label,score,predictions,inputs"));
        const auto& first = rows[1];
        QCOMPARE(first.size(), std::size_t{18});
        QCOMPARE(first[0], std::to_string(kNow));
        QCOMPARE(first[1], std::string("x5"));
        QCOMPARE(first[2], std::string());  // client: NULL
        QCOMPARE(first[15], std::string("0.8125"));
        QCOMPARE(first[17], inputs);  // quotes, commas and the escaped newline survive
        QCOMPARE(rows[4][7], std::string("500"));
        QCOMPARE(rows[4][14], std::string());  // no label
        QCOMPARE(rows.back()[1], std::string("x34"));
    } else {
        std::istringstream lines(text);
        std::vector<Json> rows;
        for (std::string line; std::getline(lines, line);) {
            rows.push_back(Json::parse(line, nullptr, false));
            QVERIFY2(!rows.back().is_discarded(), line.c_str());
        }
        QCOMPARE(rows.size(), std::size_t{30});
        QCOMPARE(rows.front()["request_id"].get<std::string>(), std::string("x5"));
        QCOMPARE(rows.front()["time_ms"].get<std::int64_t>(), kNow);
        QCOMPARE(rows.front()["score"].get<double>(), 0.8125);
        QVERIFY(rows.front()["client"].is_null());
        QVERIFY(rows.front()["inputs"] == Json::parse(inputs));  // a JSON value, not a string
        QCOMPARE(rows.front()["predictions"][0]["label"].get<std::string>(),
                 std::string("approve"));
        QCOMPARE(rows[3]["http_status"].get<int>(), 500);
        QVERIFY(rows[3]["label"].is_null() && rows[3]["score"].is_null());
        QVERIFY(rows[3]["predictions"].is_null());
    }
}

void TestInferenceLog::textCapture_data() {
    QTest::addColumn<TextCapture>("capture");
    QTest::addColumn<int>("truncateChars");
    QTest::addColumn<QString>("inputs");
    QTest::addColumn<QString>("stored");  // JSON, compared as values; "" = NULL

    const QString text = QStringLiteral(R"(["héllo wörld","ab"])");
    QTest::newRow("full") << TextCapture::Full << 0 << text << text;
    QTest::newRow("truncated counts code points, not bytes")
        << TextCapture::Truncated << 5 << text << QStringLiteral(R"(["héllo","ab"])");
    QTest::newRow("hashed: SHA-256 hex")
        << TextCapture::Hashed << 0 << text
        << QStringLiteral(R"(["a1003f7d04a4115711d0b48a2eaf1359ce565d2d2a6fd65098dfcffadeeef59f",)"
                          R"("fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603"])");
    QTest::newRow("off") << TextCapture::Off << 0 << text << QStringLiteral("[null,null]");
    QTest::newRow("numbers are features, kept")
        << TextCapture::Off << 0 << QStringLiteral(R"([{"age":41,"income":52000}])")
        << QStringLiteral(R"([{"age":41,"income":52000}])");
    QTest::newRow("OIP input names are keys, kept")
        << TextCapture::Hashed << 0 << QStringLiteral(R"({"text":["great film"]})")
        << QStringLiteral(
               R"({"text":["e17a8fb0647e5e2850df30b948b1d8cd2fc4cb69eabb845c873cb1dda213fee8"]})");
    QTest::newRow("not JSON and not full: nothing")
        << TextCapture::Truncated << 3 << QStringLiteral("raw text") << QString();
    QTest::newRow("not JSON, full: as sent")
        << TextCapture::Full << 0 << QStringLiteral("raw text") << QStringLiteral("raw text");
}

void TestInferenceLog::textCapture() {
    QFETCH(TextCapture, capture);
    QFETCH(int, truncateChars);
    QFETCH(QString, inputs);
    QFETCH(QString, stored);
    InferenceLogOptions policy = options();
    policy.policies["sentiment"] = {.textCapture = capture,
                                    .truncateChars = static_cast<std::size_t>(truncateChars),
                                    .sampleRate = 1.0};
    auto log = open(policy);
    InferenceRecord r = makeRecord("t", kNow, "sentiment");
    r.inputsJson = inputs.toStdString();
    log->record(std::move(r));
    InferenceRecord other = makeRecord("u", kNow, "credit-risk");  // no policy: full
    other.inputsJson = inputs.toStdString();
    log->record(std::move(other));
    log->stop();

    auto db = SqliteDatabase::open(m_file, SqliteDatabase::Access::ReadOnly);
    QVERIFY(db.isOk());
    auto row = db->prepare("SELECT inputs FROM inference_log WHERE request_id = ?1");
    QVERIFY(row.isOk());
    QVERIFY(row->bindText(1, "t").isOk());
    QVERIFY(row->step().isOk());
    if (stored.isEmpty()) {
        QVERIFY(row->isNull(0));
    } else if (stored.startsWith(u'[') || stored.startsWith(u'{')) {
        const Json got = Json::parse(row->columnText(0), nullptr, false);
        QVERIFY2(got == Json::parse(stored.toStdString()), std::string(row->columnText(0)).c_str());
    } else {
        QCOMPARE(QString::fromStdString(std::string(row->columnText(0))), stored);
    }
    row->reset();
    QVERIFY(row->bindText(1, "u").isOk());
    QVERIFY(row->step().isOk());
    QCOMPARE(QString::fromStdString(std::string(row->columnText(0))), inputs);
}

void TestInferenceLog::samplingKeepsRollupsComplete() {
    InferenceLogOptions sampled = options();
    sampled.policies["credit-risk"] = {.sampleRate = 0.25};
    sampled.policies["silent"] = {.sampleRate = 0.0};
    auto log = open(sampled);
    int expectedRaw = 0;
    for (int i = 0; i < 800; ++i) {
        const std::string id = "id-" + std::to_string(i);
        expectedRaw += isSampled(id, 0.25) ? 1 : 0;
        QCOMPARE(isSampled(id, 0.25), isSampled(id, 0.25));  // by the id, not by chance
        log->record(makeRecord(id, kNow + i, "credit-risk"));
    }
    for (int i = 0; i < 100; ++i)
        log->record(makeRecord("s-" + std::to_string(i), kNow + i, "sentiment"));
    for (int i = 0; i < 50; ++i)
        log->record(makeRecord("z-" + std::to_string(i), kNow + i, "silent"));
    log->stop();

    qInfo("credit-risk at 0.25: %d of 800 requests kept a raw row", expectedRaw);
    QVERIFY(expectedRaw > 120 && expectedRaw < 280);  // ~200; the hash spreads sequential ids
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log WHERE model = 'credit-risk'"),
             expectedRaw);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log WHERE model = 'sentiment'"), 100);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log WHERE model = 'silent'"), 0);
    QCOMPARE(
        queryInt(m_file,
                 "SELECT SUM(requests) FROM inference_rollup_minute WHERE model = 'credit-risk'"),
        800);
    QCOMPARE(
        queryInt(m_file,
                 "SELECT SUM(requests) FROM inference_rollup_minute WHERE model = 'sentiment'"),
        100);
    QCOMPARE(queryInt(m_file,
                      "SELECT SUM(requests) FROM inference_rollup_minute WHERE model = 'silent'"),
             50);
    QCOMPARE(log->rowsWritten(), std::uint64_t{950});  // requests committed, sampled or not
}

void TestInferenceLog::stopIsIdempotentAndLaterRowsAreDropped() {
    auto log = open(options());
    log->record(makeRecord("a", kNow));
    log->stop();
    log->stop();
    QCOMPARE(log->rowsWritten(), std::uint64_t{1});
    log->record(makeRecord("late", kNow));
    QCOMPARE(log->droppedRows(), std::uint64_t{1});
    const auto retention = log->enforceRetention(kNow);
    QVERIFY(!retention.isOk());
    QCOMPARE(retention.status().code(), StatusCode::Unavailable);
    QCOMPARE(queryInt(m_file, "SELECT COUNT(*) FROM inference_log"), 1);
}

QTEST_GUILESS_MAIN(TestInferenceLog)
#include "tst_inferencelog.moc"
