#include "telemetry/InferenceLogStore.h"

#include <algorithm>
#include <array>
#include <compare>
#include <filesystem>

#include "core/UnixTime.h"
#include "telemetry/CapturePolicy.h"
#include "telemetry/DriftAlertTable.h"
#include "telemetry/InferenceLogSchema.h"

namespace atalaya {
namespace {

struct RollupKey {
    std::int64_t minute = 0;
    std::string model;
    std::int64_t version = 0;
    std::string apiVersion;
    auto operator<=>(const RollupKey&) const = default;
};

struct RollupCounts {
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::int64_t latencySumUs = 0;
    std::int64_t queueSumUs = 0;
    std::int64_t computeSumUs = 0;
    std::int64_t batchSizeSum = 0;
    std::int64_t instancesSum = 0;
    std::array<std::int64_t, kLatencyBucketCount> buckets{};

    void add(const InferenceRecord& record) {
        ++requests;
        errors += record.httpStatus >= 400 ? 1 : 0;
        latencySumUs += record.totalUs;
        queueSumUs += record.queueUs;
        computeSumUs += record.computeUs;
        batchSizeSum += record.batchSize;
        instancesSum += record.instances;
        ++buckets[latencyBucketFor(record.totalUs)];
    }
};

// Counters in the order of the rollup table's columns after the key.
constexpr std::array<const char*, 7> kRollupSums = {
    "requests",       "errors",         "latency_sum_us", "queue_sum_us",
    "compute_sum_us", "batch_size_sum", "instances_sum"};

std::string upsertRollupSql() {
    std::vector<std::string> columns(kRollupSums.begin(), kRollupSums.end());
    for (std::size_t b = 0; b < kLatencyBucketCount; ++b)
        columns.push_back(latencyBucketColumn(b));
    std::string names = "minute, model, version, api_version";
    std::string values = "?1, ?2, ?3, ?4";
    std::string updates;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        names += ", " + columns[i];
        values += ", ?" + std::to_string(i + 5);
        updates +=
            (i == 0 ? "" : ", ") + columns[i] + " = " + columns[i] + " + excluded." + columns[i];
    }
    return "INSERT INTO inference_rollup_minute (" + names + ") VALUES (" + values +
           ") ON CONFLICT (minute, model, version, api_version) DO UPDATE SET " + updates;
}

std::string insertRowSql() {
    std::string names;
    std::string values;
    for (std::size_t i = 0; i < kInferenceLogColumns.size(); ++i) {
        names += std::string(i == 0 ? "" : ", ") + kInferenceLogColumns[i];
        values += (i == 0 ? "?" : ", ?") + std::to_string(i + 1);
    }
    return "INSERT INTO inference_log (" + names + ") VALUES (" + values + ")";
}

Status bindOptionalText(SqliteStatement& statement, int index, const std::string& text) {
    return text.empty() ? statement.bindNull(index) : statement.bindText(index, text);
}

}  // namespace

Result<std::unique_ptr<InferenceLogStore>> InferenceLogStore::open(
    const std::filesystem::path& file, std::chrono::milliseconds busyTimeout,
    std::map<std::string, ModelLogPolicy> policies) {
    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(busyTimeout));
    // Only takes on a new, empty file (before journal_mode writes its first page); a no-op
    // later. INCREMENTAL lets retention hand freed pages back in small steps, never one long
    // VACUUM.
    ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA auto_vacuum = INCREMENTAL"));
    // WAL: readers (export, charts) never block the writer. synchronous=NORMAL: a commit is in
    // the WAL before it returns, so a killed process loses nothing committed (only a power cut
    // may lose the last commits), without an fsync per flush. journal_size_limit keeps the WAL
    // from staying at its high-water mark after a burst.
    ATALAYA_ASSIGN_OR_RETURN(const std::string mode, db.queryText("PRAGMA journal_mode = WAL"));
    if (mode != "wal") {
        return internalError("sqlite: " + file.string() + " cannot use WAL (journal_mode " + mode +
                             ")");
    }
    ATALAYA_RETURN_IF_ERROR(
        db.execute("PRAGMA synchronous = NORMAL; "
                   "PRAGMA journal_size_limit = 67108864;"));
    ATALAYA_RETURN_IF_ERROR(ensureInferenceLogSchema(db));
    ATALAYA_RETURN_IF_ERROR(ensureDriftHistorySchema(db));
    ATALAYA_RETURN_IF_ERROR(ensureDriftAlertSchema(db));
    std::unique_ptr<InferenceLogStore> store(
        new InferenceLogStore(std::move(db), std::move(policies)));
    ATALAYA_RETURN_IF_ERROR(store->prepareStatements());
    return store;
}

InferenceLogStore::InferenceLogStore(SqliteDatabase db,
                                     std::map<std::string, ModelLogPolicy> policies)
    : m_db(std::move(db)), m_policies(std::move(policies)) {}

Status InferenceLogStore::prepareStatements() {
    ATALAYA_ASSIGN_OR_RETURN(m_insertRow, m_db.prepare(insertRowSql()));
    ATALAYA_ASSIGN_OR_RETURN(m_upsertRollup, m_db.prepare(upsertRollupSql()));
    // Chunks oldest first through the time index, so each one is a short range scan.
    ATALAYA_ASSIGN_OR_RETURN(
        m_deleteRows,
        m_db.prepare("DELETE FROM inference_log WHERE id IN (SELECT id FROM inference_log "
                     "WHERE time_ms < ?1 ORDER BY time_ms LIMIT ?2)"));
    ATALAYA_ASSIGN_OR_RETURN(
        m_deleteRollups,
        m_db.prepare("DELETE FROM inference_rollup_minute WHERE (minute, model, version, "
                     "api_version) IN (SELECT minute, model, version, api_version FROM "
                     "inference_rollup_minute WHERE minute < ?1 ORDER BY minute LIMIT ?2)"));
    // OR REPLACE: a verdict change and the periodic snapshot may fall on the same millisecond.
    ATALAYA_ASSIGN_OR_RETURN(
        m_insertDrift,
        m_db.prepare("INSERT OR REPLACE INTO drift_history (model, version, time_ms, feature, " +
                     std::string(kDriftScoreColumns) +
                     ", drift, window_size, observations_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                     "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"));
    ATALAYA_ASSIGN_OR_RETURN(
        m_deleteDrift,
        m_db.prepare("DELETE FROM drift_history WHERE (model, version, time_ms, feature) IN "
                     "(SELECT model, version, time_ms, feature FROM drift_history WHERE time_ms "
                     "< ?1 ORDER BY time_ms LIMIT ?2)"));
    ATALAYA_ASSIGN_OR_RETURN(m_insertAlert, m_db.prepare(kInsertDriftAlertSql));
    ATALAYA_ASSIGN_OR_RETURN(
        m_deleteAlerts,
        m_db.prepare("DELETE FROM drift_alerts WHERE id IN (SELECT id FROM drift_alerts WHERE "
                     "time_ms < ?1 ORDER BY time_ms LIMIT ?2)"));
    return Status::ok();
}

const ModelLogPolicy& InferenceLogStore::policyFor(const std::string& model) const {
    const auto it = m_policies.find(model);
    return it != m_policies.end() ? it->second : m_defaultPolicy;
}

Result<std::int64_t> InferenceLogStore::write(const std::vector<InferenceRecord>& records,
                                              const std::vector<DriftSnapshot>& drift,
                                              const std::vector<DriftAlert>& alerts) {
    ATALAYA_RETURN_IF_ERROR(m_db.execute("BEGIN IMMEDIATE"));
    std::int64_t inserted = 0;
    Status status = writeInTransaction(records, inserted);
    for (std::size_t i = 0; status.isOk() && i < drift.size(); ++i)
        status = insertDrift(drift[i]);
    for (std::size_t i = 0; status.isOk() && i < alerts.size(); ++i) {
        status = bindDriftAlert(*m_insertAlert, alerts[i]);
        if (status.isOk())
            status = m_insertAlert->run();
        else
            m_insertAlert->reset();
    }
    if (!status.isOk()) {
        (void)m_db.execute("ROLLBACK");  // may fail if SQLite already rolled back; either way
        return status;
    }
    ATALAYA_RETURN_IF_ERROR(m_db.execute("COMMIT"));
    return inserted;
}

Status InferenceLogStore::writeInTransaction(const std::vector<InferenceRecord>& records,
                                             std::int64_t& inserted) {
    std::map<RollupKey, RollupCounts> rollups;
    for (const InferenceRecord& record : records) {
        const ModelLogPolicy& policy = policyFor(record.model);
        rollups[{unixMinuteOf(record.timeUnixMs), record.model, record.version, record.apiVersion}]
            .add(record);
        if (!isSampled(record.requestId, policy.sampleRate))
            continue;
        ATALAYA_RETURN_IF_ERROR(insertRow(record, policy));
        ++inserted;
    }
    SqliteStatement& upsert = *m_upsertRollup;
    for (const auto& [key, counts] : rollups) {
        ATALAYA_RETURN_IF_ERROR(upsert.bindInt(1, key.minute));
        ATALAYA_RETURN_IF_ERROR(upsert.bindText(2, key.model));
        ATALAYA_RETURN_IF_ERROR(upsert.bindInt(3, key.version));
        ATALAYA_RETURN_IF_ERROR(upsert.bindText(4, key.apiVersion));
        const std::array<std::int64_t, kRollupSums.size()> sums = {
            counts.requests,     counts.errors,       counts.latencySumUs, counts.queueSumUs,
            counts.computeSumUs, counts.batchSizeSum, counts.instancesSum};
        int index = 5;
        for (const std::int64_t sum : sums)
            ATALAYA_RETURN_IF_ERROR(upsert.bindInt(index++, sum));
        for (const std::int64_t n : counts.buckets)
            ATALAYA_RETURN_IF_ERROR(upsert.bindInt(index++, n));
        ATALAYA_RETURN_IF_ERROR(upsert.run());
    }
    return Status::ok();
}

Status InferenceLogStore::insertRow(const InferenceRecord& r, const ModelLogPolicy& policy) {
    SqliteStatement& s = *m_insertRow;
    ATALAYA_RETURN_IF_ERROR(s.bindInt(1, r.timeUnixMs));
    ATALAYA_RETURN_IF_ERROR(s.bindText(2, r.requestId));
    ATALAYA_RETURN_IF_ERROR(bindOptionalText(s, 3, r.client));
    ATALAYA_RETURN_IF_ERROR(s.bindText(4, r.route));
    ATALAYA_RETURN_IF_ERROR(bindOptionalText(s, 5, r.apiVersion));
    ATALAYA_RETURN_IF_ERROR(s.bindText(6, r.model));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(7, r.version));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(8, r.httpStatus));
    ATALAYA_RETURN_IF_ERROR(bindOptionalText(s, 9, r.errorCode));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(10, r.queueUs));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(11, r.computeUs));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(12, r.totalUs));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(13, r.batchSize));
    ATALAYA_RETURN_IF_ERROR(s.bindInt(14, r.instances));
    // A label is what makes the score meaningful; without one (an error, a regressor) both are
    // NULL.
    ATALAYA_RETURN_IF_ERROR(bindOptionalText(s, 15, r.label));
    ATALAYA_RETURN_IF_ERROR(r.label.empty() ? s.bindNull(16) : s.bindDouble(16, r.score));
    ATALAYA_RETURN_IF_ERROR(bindOptionalText(s, 17, r.predictionsJson));
    const std::string inputs = inputsText(r);
    if (inputs.empty()) {
        ATALAYA_RETURN_IF_ERROR(s.bindNull(18));
    } else if (const auto captured = captureInputs(inputs, policy)) {
        ATALAYA_RETURN_IF_ERROR(s.bindText(18, *captured));
    } else {
        ATALAYA_RETURN_IF_ERROR(s.bindNull(18));
    }
    return s.run();
}

Status InferenceLogStore::insertDrift(const DriftSnapshot& snapshot) {
    SqliteStatement& s = *m_insertDrift;
    for (const DriftSnapshot::Feature& feature : snapshot.features) {
        ATALAYA_RETURN_IF_ERROR(s.bindText(1, snapshot.model));
        ATALAYA_RETURN_IF_ERROR(s.bindInt(2, snapshot.version));
        ATALAYA_RETURN_IF_ERROR(s.bindInt(3, snapshot.timeUnixMs));
        ATALAYA_RETURN_IF_ERROR(s.bindText(4, feature.name));
        ATALAYA_RETURN_IF_ERROR(bindDriftScores(s, 5, feature.scores));
        ATALAYA_RETURN_IF_ERROR(s.bindInt(12, snapshot.drift ? 1 : 0));
        ATALAYA_RETURN_IF_ERROR(s.bindInt(13, snapshot.windowSize));
        ATALAYA_RETURN_IF_ERROR(
            s.bindInt(14, static_cast<std::int64_t>(snapshot.observationsSeen)));
        ATALAYA_RETURN_IF_ERROR(s.run());
    }
    return Status::ok();
}

Result<std::int64_t> InferenceLogStore::deleteRowsBefore(std::int64_t cutoffMs, int limit) {
    ATALAYA_RETURN_IF_ERROR(m_deleteRows->bindInt(1, cutoffMs));
    ATALAYA_RETURN_IF_ERROR(m_deleteRows->bindInt(2, limit));
    ATALAYA_RETURN_IF_ERROR(m_deleteRows->run());
    return m_db.changes();
}

Result<std::int64_t> InferenceLogStore::deleteRollupsBefore(std::int64_t cutoffMs, int limit) {
    // A minute goes once all of it is older than the cutoff.
    ATALAYA_RETURN_IF_ERROR(m_deleteRollups->bindInt(1, unixMinuteOf(cutoffMs)));
    ATALAYA_RETURN_IF_ERROR(m_deleteRollups->bindInt(2, limit));
    ATALAYA_RETURN_IF_ERROR(m_deleteRollups->run());
    return m_db.changes();
}

Result<std::int64_t> InferenceLogStore::deleteDriftHistoryBefore(std::int64_t cutoffMs, int limit) {
    ATALAYA_RETURN_IF_ERROR(m_deleteDrift->bindInt(1, cutoffMs));
    ATALAYA_RETURN_IF_ERROR(m_deleteDrift->bindInt(2, limit));
    ATALAYA_RETURN_IF_ERROR(m_deleteDrift->run());
    return m_db.changes();
}

Result<InferenceLogStore::Size> InferenceLogStore::size() {
    ATALAYA_ASSIGN_OR_RETURN(const std::int64_t pageSize, m_db.queryInt("PRAGMA page_size"));
    ATALAYA_ASSIGN_OR_RETURN(const std::int64_t pages, m_db.queryInt("PRAGMA page_count"));
    ATALAYA_ASSIGN_OR_RETURN(const std::int64_t freePages, m_db.queryInt("PRAGMA freelist_count"));
    std::error_code ec;
    const auto wal = std::filesystem::file_size(m_db.file().string() + "-wal", ec);
    return Size{.usedBytes = (pages - freePages) * pageSize,
                .fileBytes = pages * pageSize,
                .walBytes = ec ? 0 : static_cast<std::int64_t>(wal),
                .freePages = freePages};
}

Status InferenceLogStore::limitWal(std::int64_t bytes) {
    ATALAYA_ASSIGN_OR_RETURN(const std::int64_t pageSize, m_db.queryInt("PRAGMA page_size"));
    const std::int64_t pages =
        std::max<std::int64_t>(1, bytes / std::max<std::int64_t>(1, pageSize));
    return m_db.execute("PRAGMA wal_autocheckpoint = " + std::to_string(pages) +
                        "; PRAGMA journal_size_limit = " + std::to_string(bytes) + ";");
}

Result<std::int64_t> InferenceLogStore::deleteDriftAlertsBefore(std::int64_t cutoffMs, int limit) {
    ATALAYA_RETURN_IF_ERROR(m_deleteAlerts->bindInt(1, cutoffMs));
    ATALAYA_RETURN_IF_ERROR(m_deleteAlerts->bindInt(2, limit));
    ATALAYA_RETURN_IF_ERROR(m_deleteAlerts->run());
    return m_db.changes();
}

Status InferenceLogStore::releaseFreePages(int pages) {
    // incremental_vacuum returns a row per page freed; stepping it to the end does the work.
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement vacuum, m_db.prepare("PRAGMA incremental_vacuum(" +
                                                                  std::to_string(pages) + ")"));
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const auto step, vacuum.step());
        if (step == SqliteStatement::Step::Done)
            return Status::ok();
    }
}

}  // namespace atalaya
