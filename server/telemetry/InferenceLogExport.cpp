#include "telemetry/InferenceLogExport.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "telemetry/InferenceLogSchema.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya {
namespace {

using nlohmann::json;

std::string selectSql() {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < kInferenceLogColumns.size(); ++i) {
        sql += std::string(i == 0 ? "" : ", ") + kInferenceLogColumns[i];
    }
    return sql + " FROM inference_log WHERE time_ms >= ?1 AND time_ms < ?2 ORDER BY time_ms, id";
}

bool isJsonColumn(std::string_view name) {
    return name == "predictions" || name == "inputs";
}

// Doubles in their shortest round-trip form, so an export re-imports to the same bits.
void appendNumber(std::string& line, const SqliteStatement& row, int column) {
    if (row.isInteger(column)) {
        line += std::to_string(row.columnInt(column));
        return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, row.columnDouble(column));
    line.append(buffer, result.ptr);
}

void appendCsvField(std::string& line, std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
        line += text;
        return;
    }
    line += '"';
    for (const char c : text) {
        if (c == '"')
            line += '"';
        line += c;
    }
    line += '"';
}

void appendJsonString(std::string& line, std::string_view text) {
    line += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
}

void appendCsvRow(std::string& line, const SqliteStatement& row) {
    for (int c = 0; c < row.columnCount(); ++c) {
        if (c > 0)
            line += ',';
        if (row.isNull(c))
            continue;
        const std::string_view name = kInferenceLogColumns[static_cast<std::size_t>(c)];
        if (name == "score") {
            appendNumber(line, row, c);
        } else {
            appendCsvField(line, row.columnText(c));
        }
    }
    line += "\r\n";
}

void appendJsonRow(std::string& line, const SqliteStatement& row) {
    line += '{';
    for (int c = 0; c < row.columnCount(); ++c) {
        const std::string_view name = kInferenceLogColumns[static_cast<std::size_t>(c)];
        if (c > 0)
            line += ',';
        appendJsonString(line, name);
        line += ':';
        if (row.isNull(c)) {
            line += "null";
        } else if (isJsonColumn(name)) {
            // Stored as JSON text by the writer; spliced as is unless it is somehow not JSON.
            const std::string_view text = row.columnText(c);
            if (json::accept(text)) {
                line += text;
            } else {
                appendJsonString(line, text);
            }
        } else if (row.isInteger(c) || name == "score") {
            appendNumber(line, row, c);
        } else {
            appendJsonString(line, row.columnText(c));
        }
    }
    line += "}\n";
}

}  // namespace

Status exportInferenceLog(const std::filesystem::path& file, std::int64_t fromMs, std::int64_t toMs,
                          ExportFormat format, std::ostream& out) {
    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadOnly));
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement rows, db.prepare(selectSql()));
    ATALAYA_RETURN_IF_ERROR(rows.bindInt(1, fromMs));
    ATALAYA_RETURN_IF_ERROR(rows.bindInt(2, toMs));

    std::string line;
    if (format == ExportFormat::Csv) {
        for (std::size_t i = 0; i < kInferenceLogColumns.size(); ++i) {
            line += std::string(i == 0 ? "" : ",") + kInferenceLogColumns[i];
        }
        out << line << "\r\n";
    }
    // The whole export is one read transaction: a consistent snapshot however long it takes.
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const auto step, rows.step());
        if (step == SqliteStatement::Step::Done)
            break;
        line.clear();
        if (format == ExportFormat::Csv) {
            appendCsvRow(line, rows);
        } else {
            appendJsonRow(line, rows);
        }
        out << line;
        if (!out)
            return internalError("export: the output stream failed", "export_failed");
    }
    out.flush();
    if (!out)
        return internalError("export: the output stream failed", "export_failed");
    return Status::ok();
}

}  // namespace atalaya
