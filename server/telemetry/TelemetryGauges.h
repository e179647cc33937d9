#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/PrometheusText.h"

namespace atalaya {

// The inference log's database at scrape time (InferenceLog::storage(), as plain numbers: this
// library does not link the log).
struct InferenceLogStorageSample {
    struct Deleted {
        std::string table{};   // "inference_log", "inference_rollup_minute", "drift_history"
        std::string reason{};  // "age", "size"
        std::uint64_t rows = 0;
    };
    double fileBytes = 0;
    double walBytes = 0;
    double usedBytes = 0;
    double maxBytes = 0;  // 0: unlimited
    std::vector<Deleted> deleted{};
};

// atalaya_inference_log_size_bytes{file}, _used_bytes, _max_size_bytes and
// _retention_deleted_rows_total{table, reason} (docs/metrics.md). Nothing while the log is off.
void writeInferenceLogGauges(PrometheusTextWriter& out,
                             const std::optional<InferenceLogStorageSample>& sample);

}  // namespace atalaya
