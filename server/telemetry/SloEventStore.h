#pragma once

#include <atalaya/Result.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "telemetry/SloReport.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya {

// SLO alert events (firing, resolved) in <dataDir>/slo.sqlite, a file of their own:
//  - they are written by the SLO tracker's evaluation thread, a few a day at most, so they need
//    no batching writer, and the inference log's writer (which owns that file's only write
//    connection) stays about request rows;
//  - they must survive with the inference log off (telemetry.inference_log = false);
//  - the inference log's schema version stays the inference log's.
// Only the newest kMaxEvents are kept.
//
// Thread affinity: one thread at a time (opened on the caller's, then used by the tracker's
// evaluation thread).
class SloEventStore {
public:
    static constexpr std::int64_t kMaxEvents = 10'000;

    static Result<std::unique_ptr<SloEventStore>> open(const std::filesystem::path& file);

    Status append(const SloAlertEvent& event);
    // The newest `limit` events, oldest first.
    Result<std::vector<SloAlertEvent>> recent(std::size_t limit);
    // The alerts whose latest event is "firing": what was firing when the server stopped.
    Result<std::vector<SloAlertEvent>> openAlerts();

private:
    SloEventStore(SqliteDatabase db, SqliteStatement insert, SqliteStatement trim);
    Result<std::vector<SloAlertEvent>> query(std::string_view sql, std::int64_t limit);

    SqliteDatabase m_db;
    // Prepared once at open; declared after m_db, so finalized before it closes.
    SqliteStatement m_insert;
    SqliteStatement m_trim;  // keeps the newest kMaxEvents
};

}  // namespace atalaya
