#pragma once

#include <atalaya/Config.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/DriftHistory.h"
#include "telemetry/InferenceRecord.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya {

// The inference log's writing side: its own connection (WAL, synchronous=NORMAL, a busy
// timeout) and prepared statements, the schema made or checked on open.
//
// Thread affinity: one thread at a time. InferenceLog opens it on the caller's thread, so an
// unusable file is a start-up error, then only its writer thread touches it.
class InferenceLogStore {
public:
    static Result<std::unique_ptr<InferenceLogStore>> open(
        const std::filesystem::path& file, std::chrono::milliseconds busyTimeout,
        std::map<std::string, ModelLogPolicy> policies);

    // One transaction: a raw row for every record its model's policy samples (inputs captured
    // per policy) and the minute rollups of all of them, plus the drift snapshots (rows of
    // drift_history). Returns the raw rows inserted. On an error nothing was written and the
    // same records and snapshots may be written again.
    Result<std::int64_t> write(const std::vector<InferenceRecord>& records,
                               const std::vector<DriftSnapshot>& drift = {},
                               const std::vector<DriftAlert>& alerts = {});

    // Retention, one small transaction per call so the writer can flush in between: delete up to
    // `limit` raw rows with time_ms < cutoffMs, or rollup rows of minutes that ended by then.
    // Return how many went.
    Result<std::int64_t> deleteRowsBefore(std::int64_t cutoffMs, int limit);
    Result<std::int64_t> deleteRollupsBefore(std::int64_t cutoffMs, int limit);
    Result<std::int64_t> deleteDriftHistoryBefore(std::int64_t cutoffMs, int limit);
    Result<std::int64_t> deleteDriftAlertsBefore(std::int64_t cutoffMs, int limit);
    // Hands up to `pages` free pages back to the file system (auto_vacuum = INCREMENTAL).
    Status releaseFreePages(int pages);

    // What the database takes: pages holding data, the main file and the WAL beside it.
    struct Size {
        std::int64_t usedBytes = 0;  // (page_count - freelist_count) x page_size
        std::int64_t fileBytes = 0;  // page_count x page_size, free pages included
        std::int64_t walBytes = 0;   // the -wal file on disk, 0 when there is none
        std::int64_t freePages = 0;
    };
    Result<Size> size();
    // Keeps the WAL near `bytes`: checkpoints once it holds that much (wal_autocheckpoint) and
    // truncates it back to that size afterwards (journal_size_limit).
    Status limitWal(std::int64_t bytes);

    const ModelLogPolicy& policyFor(const std::string& model) const;

private:
    InferenceLogStore(SqliteDatabase db, std::map<std::string, ModelLogPolicy> policies);
    Status prepareStatements();
    Status insertRow(const InferenceRecord& record, const ModelLogPolicy& policy);
    Status writeInTransaction(const std::vector<InferenceRecord>& records, std::int64_t& inserted);
    Status insertDrift(const DriftSnapshot& snapshot);

    SqliteDatabase m_db;
    const std::map<std::string, ModelLogPolicy> m_policies;
    const ModelLogPolicy m_defaultPolicy;
    std::optional<SqliteStatement> m_insertRow;
    std::optional<SqliteStatement> m_upsertRollup;
    std::optional<SqliteStatement> m_deleteRows;
    std::optional<SqliteStatement> m_deleteRollups;
    std::optional<SqliteStatement> m_insertDrift;
    std::optional<SqliteStatement> m_deleteDrift;
    std::optional<SqliteStatement> m_insertAlert;
    std::optional<SqliteStatement> m_deleteAlerts;
};

}  // namespace atalaya
