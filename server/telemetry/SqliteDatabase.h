#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "telemetry/SqliteStatement.h"

struct sqlite3;

namespace atalaya {

// One SQLite connection, closed by the destructor. Errors come back as Status (SQLITE_BUSY as
// Unavailable "database_busy", SQLITE_FULL as ResourceExhausted "disk_full", others Internal).
//
// Thread affinity: one thread at a time (opened SQLITE_OPEN_NOMUTEX). A connection may move to
// another thread once its first user is done with it, e.g. opened on the caller's thread and
// then handed to a writer thread; statements prepared on it follow it.
class SqliteDatabase {
public:
    enum class Access { ReadWrite, ReadOnly };  // ReadWrite creates the file when missing

    static Result<SqliteDatabase> open(const std::filesystem::path& file, Access access);

    SqliteDatabase(SqliteDatabase&& other) noexcept;
    SqliteDatabase& operator=(SqliteDatabase&& other) noexcept;
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;
    ~SqliteDatabase();

    // Runs one or more statements that return no rows (DDL, PRAGMA setters, BEGIN/COMMIT).
    Status execute(std::string_view sql);
    Result<SqliteStatement> prepare(std::string_view sql);

    // The first column of the first row of `sql`, e.g. "PRAGMA user_version".
    Result<std::int64_t> queryInt(std::string_view sql);
    Result<std::string> queryText(std::string_view sql);

    // How long a statement waits for another connection's lock before failing "database_busy".
    Status setBusyTimeout(std::chrono::milliseconds timeout);

    // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
    std::int64_t changes() const;
    const std::filesystem::path& file() const { return m_file; }

private:
    SqliteDatabase(sqlite3* db, std::filesystem::path file);

    sqlite3* m_db = nullptr;
    std::filesystem::path m_file;
};

}  // namespace atalaya
