#pragma once

#include <nlohmann/json.hpp>

#include "telemetry/InferenceLog.h"

namespace atalaya {

// The "inference_log" section of /api/v1/health (docs/telemetry.md, "Retention"). Pure; any
// thread.
//   {"size_bytes", "file_bytes", "wal_bytes", "used_bytes", "max_size_bytes",
//    "retention": {"size_passes", "deleted": {"age"|"size": {"rows", "rollups",
//                                                           "drift_history"}}}}
nlohmann::json inferenceLogHealthJson(const InferenceLogStorage& storage);

}  // namespace atalaya
