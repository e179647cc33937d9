#include "telemetry/SloEventStore.h"

#include <algorithm>
#include <string>

namespace atalaya {
namespace {

constexpr std::string_view kSchema = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS slo_alert_event (
    id                  INTEGER PRIMARY KEY,
    time_ms             INTEGER NOT NULL,
    model               TEXT NOT NULL,
    objective           TEXT NOT NULL,  -- 'latency' | 'success'
    severity            TEXT NOT NULL,  -- 'page' | 'ticket'
    state               TEXT NOT NULL,  -- 'firing' | 'resolved'
    long_window_min     INTEGER NOT NULL,
    short_window_min    INTEGER NOT NULL,
    burn_rate_threshold REAL NOT NULL,
    long_burn_rate      REAL NOT NULL,
    short_burn_rate     REAL NOT NULL
);
PRAGMA user_version = 1;
)sql";

constexpr std::string_view kColumns =
    "time_ms, model, objective, severity, state, long_window_min, short_window_min, "
    "burn_rate_threshold, long_burn_rate, short_burn_rate";

SloAlertEvent eventFrom(const SqliteStatement& row) {
    SloAlertEvent event;
    event.timeUnixMs = row.columnInt(0);
    event.model = std::string(row.columnText(1));
    event.objective = row.columnText(2) == sloObjectiveName(SloObjective::Success)
                          ? SloObjective::Success
                          : SloObjective::Latency;
    event.severity = row.columnText(3) == sloSeverityName(SloSeverity::Ticket) ? SloSeverity::Ticket
                                                                               : SloSeverity::Page;
    event.firing = row.columnText(4) == "firing";
    event.longWindowMinutes = static_cast<int>(row.columnInt(5));
    event.shortWindowMinutes = static_cast<int>(row.columnInt(6));
    event.burnRateThreshold = row.columnDouble(7);
    event.longBurnRate = row.columnDouble(8);
    event.shortBurnRate = row.columnDouble(9);
    return event;
}

}  // namespace

Result<std::unique_ptr<SloEventStore>> SloEventStore::open(const std::filesystem::path& file) {
    if (!file.parent_path().empty()) {
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
    }
    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::seconds(5)));
    ATALAYA_ASSIGN_OR_RETURN(const std::int64_t version, db.queryInt("PRAGMA user_version"));
    if (version > 1) {
        return Status(StatusCode::FailedPrecondition,
                      file.string() + " has SLO event schema " + std::to_string(version) +
                          "; this server knows 1",
                      "schema_version");
    }
    ATALAYA_RETURN_IF_ERROR(db.execute(kSchema));
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement insert,
                             db.prepare("INSERT INTO slo_alert_event (" + std::string(kColumns) +
                                        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
    // Events are rare; this keeps a runaway flapping alert from growing the file for ever.
    ATALAYA_ASSIGN_OR_RETURN(
        SqliteStatement trim,
        db.prepare("DELETE FROM slo_alert_event WHERE id <= (SELECT MAX(id) FROM "
                   "slo_alert_event) - " +
                   std::to_string(kMaxEvents)));
    return std::unique_ptr<SloEventStore>(
        new SloEventStore(std::move(db), std::move(insert), std::move(trim)));
}

SloEventStore::SloEventStore(SqliteDatabase db, SqliteStatement insert, SqliteStatement trim)
    : m_db(std::move(db)), m_insert(std::move(insert)), m_trim(std::move(trim)) {}

Status SloEventStore::append(const SloAlertEvent& event) {
    SqliteStatement& insert = m_insert;
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(1, event.timeUnixMs));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(2, event.model));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(3, sloObjectiveName(event.objective)));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(4, sloSeverityName(event.severity)));
    ATALAYA_RETURN_IF_ERROR(insert.bindText(5, event.firing ? "firing" : "resolved"));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(6, event.longWindowMinutes));
    ATALAYA_RETURN_IF_ERROR(insert.bindInt(7, event.shortWindowMinutes));
    ATALAYA_RETURN_IF_ERROR(insert.bindDouble(8, event.burnRateThreshold));
    ATALAYA_RETURN_IF_ERROR(insert.bindDouble(9, event.longBurnRate));
    ATALAYA_RETURN_IF_ERROR(insert.bindDouble(10, event.shortBurnRate));
    ATALAYA_RETURN_IF_ERROR(insert.run());
    return m_trim.run();
}

Result<std::vector<SloAlertEvent>> SloEventStore::query(std::string_view sql, std::int64_t limit) {
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement select, m_db.prepare(sql));
    ATALAYA_RETURN_IF_ERROR(select.bindInt(1, limit));
    std::vector<SloAlertEvent> events;
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
        if (step == SqliteStatement::Step::Done)
            break;
        events.push_back(eventFrom(select));
    }
    return events;
}

Result<std::vector<SloAlertEvent>> SloEventStore::recent(std::size_t limit) {
    ATALAYA_ASSIGN_OR_RETURN(
        auto events,
        query("SELECT " + std::string(kColumns) + " FROM slo_alert_event ORDER BY id DESC LIMIT ?1",
              static_cast<std::int64_t>(limit)));
    std::reverse(events.begin(), events.end());
    return events;
}

Result<std::vector<SloAlertEvent>> SloEventStore::openAlerts() {
    return query("SELECT " + std::string(kColumns) +
                     " FROM slo_alert_event WHERE id IN (SELECT MAX(id) FROM slo_alert_event "
                     "GROUP BY model, objective, severity, long_window_min, short_window_min) "
                     "AND state = 'firing' ORDER BY id LIMIT ?1",
                 kMaxEvents);
}

}  // namespace atalaya
