#include "telemetry/TelemetryGauges.h"

namespace atalaya {

void writeInferenceLogGauges(PrometheusTextWriter& out,
                             const std::optional<InferenceLogStorageSample>& sample) {
    if (!sample)
        return;
    using Type = PrometheusTextWriter::Type;
    out.family("atalaya_inference_log_size_bytes", Type::Gauge,
               "The inference log's files on disk: the database and its write-ahead log.");
    const PrometheusLabel database[] = {{"file", "database"}};
    out.sample("atalaya_inference_log_size_bytes", database, sample->fileBytes);
    const PrometheusLabel wal[] = {{"file", "wal"}};
    out.sample("atalaya_inference_log_size_bytes", wal, sample->walBytes);
    out.family("atalaya_inference_log_used_bytes", Type::Gauge,
               "Pages of the inference log's database that hold data (free pages excluded).");
    out.sample("atalaya_inference_log_used_bytes", {}, sample->usedBytes);
    out.family("atalaya_inference_log_max_size_bytes", Type::Gauge,
               "The inference log's size budget (database + WAL); 0 when unlimited.");
    out.sample("atalaya_inference_log_max_size_bytes", {}, sample->maxBytes);
    out.family("atalaya_inference_log_retention_deleted_rows_total", Type::Counter,
               "Rows the inference log's retention deleted, by table and by reason: age "
               "(retention_days) or size (max_size_mb).");
    for (const auto& deleted : sample->deleted) {
        const PrometheusLabel labels[] = {{"table", deleted.table}, {"reason", deleted.reason}};
        out.sample("atalaya_inference_log_retention_deleted_rows_total", labels, deleted.rows);
    }
}

void writeDriftCounters(PrometheusTextWriter& out,
                        const std::optional<DriftCountersSample>& sample) {
    if (!sample)
        return;
    const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t value) {
        out.family(name, PrometheusTextWriter::Type::Counter, help);
        out.sample(name, {}, value);
    };
    counter("atalaya_drift_records_applied_total",
            "Successful answers the drift monitor added to a window.", sample->recordsApplied);
    counter("atalaya_drift_records_dropped_total",
            "Successful answers the drift monitor dropped because its queue was full.",
            sample->recordsDropped);
    counter("atalaya_drift_records_skipped_total",
            "Answers the drift monitor could not use: unreadable inputs, or a model version "
            "without reference statistics.",
            sample->recordsSkipped);
    counter("atalaya_drift_snapshots_written_total",
            "Drift history snapshots and alerts committed to the inference log.",
            sample->snapshotsWritten);
    counter("atalaya_drift_snapshots_dropped_total",
            "Drift history snapshots and alerts that could not be written: the log's queue was "
            "full, the log was off or stopped, or the last flush failed.",
            sample->snapshotsDropped);
}

}  // namespace atalaya
