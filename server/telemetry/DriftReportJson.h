#pragma once

#include <nlohmann/json.hpp>

#include "telemetry/DriftReport.h"

namespace atalaya {

// The JSON /api/v1/health and the stats routes give for drift (snake_case keys; optional
// statistics are null when they do not apply). Pure; any thread.
//   {"model", "version", "drift", "window": {"size", "capacity", "observations_seen",
//    "records_skipped", "min_samples"}, "alpha", "top_features": [...],
//    "features": [{"name", "count", "psi", "ks_statistic", "ks_p_value", "wasserstein",
//                  "wasserstein_normalized", "jensen_shannon", "drifted"}, ...],
//    "predictions": {"count", "classes": {"<label>": {"reference", "current"}}, "chi_square",
//                    "chi_square_p_value", "jensen_shannon", "score_psi", "drifted"} | null,
//    "error": "..." (only when the version is not monitored)}
nlohmann::json toJson(const DriftReport& report);
//   {"time_ms", "model", "version", "observations_seen", "top_features", "prediction_drift",
//    "features": [{"name", "ks_statistic", "ks_p_value", "psi", "jensen_shannon",
//                  "wasserstein_normalized"}, ...], "window_size", "alpha",
//    "prediction_chi_square_p_value"}
nlohmann::json toJson(const DriftAlert& alert);

}  // namespace atalaya
