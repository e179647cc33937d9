#include "admin/AuditTrail.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/UnixTime.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_unix_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail_json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time_unix_ms);
)sql";

}  // namespace

class AuditTrail::Impl {
public:
    explicit Impl(SqliteDatabase db) : m_db(std::move(db)) {}

    Status record(const AuditEntry& entry) {
        if (entry.action.empty())
            return invalidArgument("an audit entry needs an action", "invalid_audit_entry");
        const auto detail = nlohmann::json::parse(entry.detailJson, nullptr, false);
        if (!detail.is_object())
            return invalidArgument("an audit entry's detail must be a JSON object",
                                   "invalid_audit_entry");
        std::lock_guard lock(m_mutex);
        if (!m_insert) {
            ATALAYA_ASSIGN_OR_RETURN(
                m_insert, m_db.prepare("INSERT INTO audit(time_unix_ms, actor, address, action, "
                                       "target, detail_json) VALUES(?1,?2,?3,?4,?5,?6)"));
        }
        SqliteStatement& insert = *m_insert;
        insert.reset();
        ATALAYA_RETURN_IF_ERROR(
            insert.bindInt(1, entry.timeUnixMs != 0 ? entry.timeUnixMs : systemUnixMs()));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(2, entry.actor));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(3, entry.address));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(4, entry.action));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(5, entry.target));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(6, entry.detailJson));
        return insert.run();
    }

    Result<std::vector<AuditEntry>> recent(std::size_t limit, std::optional<std::int64_t> since) {
        std::lock_guard lock(m_mutex);
        ATALAYA_ASSIGN_OR_RETURN(
            auto select,
            m_db.prepare("SELECT time_unix_ms, actor, address, action, target, detail_json "
                         "FROM audit WHERE time_unix_ms >= ?1 ORDER BY id DESC LIMIT ?2"));
        ATALAYA_RETURN_IF_ERROR(select.bindInt(1, since.value_or(0)));
        ATALAYA_RETURN_IF_ERROR(
            select.bindInt(2, static_cast<std::int64_t>(std::min(limit, kMaxRecent))));
        std::vector<AuditEntry> entries;
        while (true) {
            ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
            if (step == SqliteStatement::Step::Done)
                break;
            entries.push_back({.timeUnixMs = select.columnInt(0),
                               .actor = std::string(select.columnText(1)),
                               .address = std::string(select.columnText(2)),
                               .action = std::string(select.columnText(3)),
                               .target = std::string(select.columnText(4)),
                               .detailJson = std::string(select.columnText(5))});
        }
        return entries;
    }

private:
    std::mutex m_mutex;
    SqliteDatabase m_db;
    std::optional<SqliteStatement> m_insert;  // prepared once; must die before m_db
};

Result<std::unique_ptr<AuditTrail>> AuditTrail::open(const std::filesystem::path& path) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    ATALAYA_ASSIGN_OR_RETURN(auto db,
                             SqliteDatabase::open(path, SqliteDatabase::Access::ReadWrite));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::milliseconds(5000)));
    // Who changed what is nobody else's business on the box. Set before WAL mode: SQLite gives
    // the -wal and -shm files the database file's permissions.
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
    ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA journal_mode=WAL"));
    ATALAYA_RETURN_IF_ERROR(db.execute(kSchema));
    return std::unique_ptr<AuditTrail>(new AuditTrail(std::make_unique<Impl>(std::move(db))));
}

AuditTrail::AuditTrail(std::unique_ptr<Impl> impl) : d(std::move(impl)) {}
AuditTrail::~AuditTrail() = default;

Status AuditTrail::record(const AuditEntry& entry) {
    return d->record(entry);
}

Result<std::vector<AuditEntry>> AuditTrail::recent(std::size_t limit,
                                                   std::optional<std::int64_t> sinceUnixMs) {
    return d->recent(limit, sinceUnixMs);
}

}  // namespace atalaya
