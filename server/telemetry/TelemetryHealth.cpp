#include "telemetry/TelemetryHealth.h"

namespace atalaya {
namespace {

nlohmann::json countsJson(const RetentionCounts& counts) {
    return {
        {"rows", counts.rows}, {"rollups", counts.rollups}, {"drift_history", counts.driftHistory}};
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

}  // namespace atalaya
