#pragma once

#include <atalaya/Result.h>

#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

#include "telemetry/DriftReport.h"

namespace atalaya {

class SqliteDatabase;
class SqliteStatement;

// drift_alerts in the inference-log database: one row per DriftAlert, so the alerts of before a
// restart are still listed after it (docs/telemetry.md, "Drift alerts"). Like drift_history, a
// table beside the schema-1 tables (CREATE TABLE IF NOT EXISTS): an older server ignores it.
//   id, time_ms, model, version, observations_seen, window_size, alpha, prediction_drift,
//   prediction_chi_square_p_value (NULL without predictions), features (JSON, rank order:
//   [{"name", "ks_statistic", "ks_p_value", "psi", "jensen_shannon",
//     "wasserstein_normalized"}])
// On the writer connection at open.
Status ensureDriftAlertSchema(SqliteDatabase& db);

// The INSERT that bindDriftAlert() fills (prepare it once on the writer connection).
inline constexpr std::string_view kInsertDriftAlertSql =
    "INSERT INTO drift_alerts (time_ms, model, version, observations_seen, window_size, alpha, "
    "prediction_drift, prediction_chi_square_p_value, features) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7, ?8, ?9)";
Status bindDriftAlert(SqliteStatement& insert, const DriftAlert& alert);

// The newest `limit` alerts, oldest first, from a read-only connection of its own (any thread;
// WAL: it never blocks the writer). A file without the table has none.
Result<std::vector<DriftAlert>> readRecentDriftAlerts(const std::filesystem::path& file,
                                                      std::size_t limit);

}  // namespace atalaya
