#include "telemetry/SqliteStatement.h"

#include <sqlite3.h>

#include <utility>

namespace atalaya {

Status sqliteStatus(int resultCode, std::string_view message, std::string_view what) {
    std::string text = "sqlite: ";
    text.append(what).append(": ").append(message);
    switch (resultCode & 0xff) {  // the primary code of an extended one
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {StatusCode::Unavailable, std::move(text), "database_busy"};
        case SQLITE_FULL:
            return {StatusCode::ResourceExhausted, std::move(text), "disk_full"};
        case SQLITE_CANTOPEN:
            return {StatusCode::Unavailable, std::move(text), "cannot_open_database"};
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return {StatusCode::Internal, std::move(text), "database_corrupt"};
        default:
            return {StatusCode::Internal, std::move(text), "database_error"};
    }
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : m_statement(std::exchange(other.m_statement, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_statement = std::exchange(other.m_statement, nullptr);
    }
    return *this;
}

SqliteStatement::~SqliteStatement() {
    sqlite3_finalize(m_statement);
}

Status SqliteStatement::bindResult(int resultCode, int index) const {
    if (resultCode == SQLITE_OK)
        return Status::ok();
    return sqliteStatus(resultCode, sqlite3_errmsg(sqlite3_db_handle(m_statement)),
                        "bind ?" + std::to_string(index));
}

Status SqliteStatement::bindInt(int index, std::int64_t value) {
    return bindResult(sqlite3_bind_int64(m_statement, index, value), index);
}

Status SqliteStatement::bindDouble(int index, double value) {
    return bindResult(sqlite3_bind_double(m_statement, index, value), index);
}

Status SqliteStatement::bindText(int index, std::string_view value) {
    return bindResult(sqlite3_bind_text64(m_statement, index, value.data(), value.size(),
                                          SQLITE_TRANSIENT, SQLITE_UTF8),
                      index);
}

Status SqliteStatement::bindNull(int index) {
    return bindResult(sqlite3_bind_null(m_statement, index), index);
}

Result<SqliteStatement::Step> SqliteStatement::step() {
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return Step::Row;
    if (rc == SQLITE_DONE)
        return Step::Done;
    const char* sql = sqlite3_sql(m_statement);
    return sqliteStatus(rc, sqlite3_errmsg(sqlite3_db_handle(m_statement)),
                        std::string("step \"") + (sql != nullptr ? sql : "") + "\"");
}

void SqliteStatement::reset() {
    // sqlite3_reset repeats the last step's error, which step() has already reported.
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
}

Status SqliteStatement::run() {
    const auto stepped = step();
    reset();
    return stepped.status();
}

int SqliteStatement::columnCount() const {
    return sqlite3_column_count(m_statement);
}

std::string_view SqliteStatement::columnName(int column) const {
    const char* name = sqlite3_column_name(m_statement, column);
    return name != nullptr ? std::string_view(name) : std::string_view();
}

bool SqliteStatement::isNull(int column) const {
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

bool SqliteStatement::isInteger(int column) const {
    return sqlite3_column_type(m_statement, column) == SQLITE_INTEGER;
}

std::int64_t SqliteStatement::columnInt(int column) const {
    return sqlite3_column_int64(m_statement, column);
}

double SqliteStatement::columnDouble(int column) const {
    return sqlite3_column_double(m_statement, column);
}

std::string_view SqliteStatement::columnText(int column) const {
    // Text first, then its size: the documented order that avoids a second conversion.
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
    if (text == nullptr)
        return {};
    return {text, static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column))};
}

}  // namespace atalaya
