#include "telemetry/SqliteDatabase.h"

#include <sqlite3.h>

#include <algorithm>
#include <climits>
#include <utility>

namespace atalaya {

Result<SqliteDatabase> SqliteDatabase::open(const std::filesystem::path& file, Access access) {
    const int flags = SQLITE_OPEN_NOMUTEX |
                      (access == Access::ReadOnly ? SQLITE_OPEN_READONLY
                                                  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        // sqlite3_open_v2 hands out a handle even on failure, for its error message.
        Status status = sqliteStatus(rc, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc),
                                     "open " + file.string());
        sqlite3_close(db);
        return status;
    }
    sqlite3_extended_result_codes(db, 1);
    return SqliteDatabase(db, file);
}

SqliteDatabase::SqliteDatabase(sqlite3* db, std::filesystem::path file)
    : m_db(db), m_file(std::move(file)) {}

SqliteDatabase::SqliteDatabase(SqliteDatabase&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_file(std::move(other.m_file)) {}

SqliteDatabase& SqliteDatabase::operator=(SqliteDatabase&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_file = std::move(other.m_file);
    }
    return *this;
}

// close_v2: statements still alive (a bug elsewhere) keep the connection until finalized,
// instead of the close failing and leaking it.
SqliteDatabase::~SqliteDatabase() {
    sqlite3_close_v2(m_db);
}

Status SqliteDatabase::execute(std::string_view sql) {
    const std::string text(sql);  // sqlite3_exec needs a terminated string
    char* error = nullptr;
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &error);
    if (rc == SQLITE_OK)
        return Status::ok();
    Status status = sqliteStatus(rc, error != nullptr ? error : sqlite3_errmsg(m_db),
                                 "execute \"" + text + "\"");
    sqlite3_free(error);
    return status;
}

Result<SqliteStatement> SqliteDatabase::prepare(std::string_view sql) {
    if (sql.size() > INT_MAX)
        return invalidArgument("sqlite: statement too long");
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (rc != SQLITE_OK) {
        return sqliteStatus(rc, sqlite3_errmsg(m_db), "prepare \"" + std::string(sql) + "\"");
    }
    return SqliteStatement(statement);
}

Result<std::int64_t> SqliteDatabase::queryInt(std::string_view sql) {
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement statement, prepare(sql));
    ATALAYA_ASSIGN_OR_RETURN(const auto step, statement.step());
    if (step != SqliteStatement::Step::Row) {
        return internalError("sqlite: \"" + std::string(sql) + "\" returned no row");
    }
    return statement.columnInt(0);
}

Result<std::string> SqliteDatabase::queryText(std::string_view sql) {
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement statement, prepare(sql));
    ATALAYA_ASSIGN_OR_RETURN(const auto step, statement.step());
    if (step != SqliteStatement::Step::Row) {
        return internalError("sqlite: \"" + std::string(sql) + "\" returned no row");
    }
    return std::string(statement.columnText(0));
}

Status SqliteDatabase::setBusyTimeout(std::chrono::milliseconds timeout) {
    const auto ms = static_cast<int>(std::min<std::int64_t>(timeout.count(), INT_MAX));
    const int rc = sqlite3_busy_timeout(m_db, ms);
    return rc == SQLITE_OK ? Status::ok() : sqliteStatus(rc, sqlite3_errmsg(m_db), "busy_timeout");
}

std::int64_t SqliteDatabase::changes() const {
    return sqlite3_changes64(m_db);
}

}  // namespace atalaya
