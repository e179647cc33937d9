#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace atalaya {

// Errors of a SQLite call as a Status; `what` says which call failed. The one place SQLite
// result codes are mapped (SqliteDatabase uses it too).
Status sqliteStatus(int resultCode, std::string_view message, std::string_view what);

// A prepared statement of a SqliteDatabase, finalized by the destructor. Prepare once, then
// bind / step / reset for every row: the SQL is compiled a single time.
//
// Indices follow SQLite: parameters from 1 (?1, ?2, ...), result columns from 0.
// Thread affinity: that of its connection; it must not outlive it.
class SqliteStatement {
public:
    enum class Step { Row, Done };

    explicit SqliteStatement(sqlite3_stmt* statement) : m_statement(statement) {}
    SqliteStatement(SqliteStatement&& other) noexcept;
    SqliteStatement& operator=(SqliteStatement&& other) noexcept;
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    ~SqliteStatement();

    // Text is copied by SQLite, so temporaries are fine.
    Status bindInt(int index, std::int64_t value);
    Status bindDouble(int index, double value);
    Status bindText(int index, std::string_view value);
    Status bindNull(int index);

    // Row: a result row is available through the column accessors until the next step/reset.
    Result<Step> step();
    // Makes the statement runnable again and clears its bindings.
    void reset();
    // For a statement that returns no rows (INSERT, UPDATE, DELETE): one step, then reset(),
    // whatever the step's outcome, so it is ready for the next bindings.
    Status run();

    int columnCount() const;
    std::string_view columnName(int column) const;
    bool isNull(int column) const;
    bool isInteger(int column) const;
    std::int64_t columnInt(int column) const;
    double columnDouble(int column) const;
    std::string_view columnText(int column) const;  // valid until the next step/reset

private:
    Status bindResult(int resultCode, int index) const;

    sqlite3_stmt* m_statement = nullptr;
};

}  // namespace atalaya
