#pragma once

#include <nlohmann/json.hpp>

#include "telemetry/DriftMonitor.h"
#include "telemetry/InferenceLog.h"

namespace atalaya {

// The "inference_log" section of /api/v1/health (docs/telemetry.md, "Retention"). Pure; any
// thread.
//   {"size_bytes", "file_bytes", "wal_bytes", "used_bytes", "max_size_bytes",
//    "retention": {"size_passes", "deleted": {"age"|"size": {"rows", "rollups",
//                                                           "drift_history", "drift_alerts"}}}}
nlohmann::json inferenceLogHealthJson(const InferenceLogStorage& storage);

// The "counters" of the "drift" section: the monitor's records and, when there is a log, the
// snapshots and alerts it kept or dropped (null without one: nothing is kept).
//   {"records_applied", "records_dropped", "records_skipped", "snapshots_written",
//    "snapshots_dropped"}
nlohmann::json driftCountersJson(const DriftMonitorCounters& counters, const InferenceLog* log);

}  // namespace atalaya
