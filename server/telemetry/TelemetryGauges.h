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
        std::string table{};   // "inference_log", "inference_rollup_minute", "drift_history",
                               // "drift_alerts"
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

// The drift monitor's work that was done and that was not (DriftMonitorCounters, plus the drift
// snapshots and alerts the log kept or dropped).
struct DriftCountersSample {
    std::uint64_t recordsApplied = 0;
    std::uint64_t recordsDropped = 0;  // its queue was full
    std::uint64_t recordsSkipped = 0;  // unreadable inputs, or a version without a reference
    std::uint64_t snapshotsWritten = 0;
    std::uint64_t snapshotsDropped = 0;  // the log's drift queue was full, or a flush failed
};

// atalaya_drift_records_{applied,dropped,skipped}_total and
// atalaya_drift_snapshots_{written,dropped}_total. Nothing while the monitor is off.
void writeDriftCounters(PrometheusTextWriter& out,
                        const std::optional<DriftCountersSample>& sample);

}  // namespace atalaya
