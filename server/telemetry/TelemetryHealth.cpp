#include "telemetry/TelemetryHealth.h"

namespace atalaya {
namespace {

nlohmann::json countsJson(const RetentionCounts& counts) {
    return {{"rows", counts.rows},
            {"rollups", counts.rollups},
            {"drift_history", counts.driftHistory},
            {"drift_alerts", counts.driftAlerts}};
}

}  // namespace

nlohmann::json inferenceLogHealthJson(const InferenceLogStorage& storage) {
    return {{"size_bytes", storage.fileBytes + storage.walBytes},
            {"file_bytes", storage.fileBytes},
            {"wal_bytes", storage.walBytes},
            {"used_bytes", storage.usedBytes},
            {"max_size_bytes", storage.maxBytes},
            {"retention",
             {{"size_passes", storage.sizePasses},
              {"deleted",
               {{"age", countsJson(storage.deletedByAge)},
                {"size", countsJson(storage.deletedBySize)}}}}}};
}

nlohmann::json driftCountersJson(const DriftMonitorCounters& counters, const InferenceLog* log) {
    using nlohmann::json;
    return {{"records_applied", counters.recordsApplied},
            {"records_dropped", counters.recordsDropped},
            {"records_skipped", counters.recordsSkipped},
            {"snapshots_written", log != nullptr ? json(log->driftSnapshotsWritten()) : json()},
            {"snapshots_dropped", log != nullptr ? json(log->driftSnapshotsDropped()) : json()}};
}

}  // namespace atalaya
