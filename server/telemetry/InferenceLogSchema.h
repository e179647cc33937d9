#pragma once

#include <array>
#include <cstdint>

#include "telemetry/SqliteDatabase.h"

namespace atalaya {

// The inference log's tables (docs/telemetry.md):
//   inference_log            one row per logged request (sampled), the raw material for export
//   inference_rollup_minute  per (minute, model, version, api_version): counts, sums and a fixed
//                            latency histogram, for every request whatever the sampling
// The version lives in PRAGMA user_version; a file of a newer version is refused, not altered.
inline constexpr int kInferenceLogSchemaVersion = 1;

// Upper bounds of the rollup latency buckets, in milliseconds, plus one unbounded bucket. The
// counts are not cumulative: a request lands in the first bucket whose bound >= its latency.
inline constexpr std::array<std::int64_t, 12> kLatencyBucketBoundsMs = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000};
inline constexpr std::size_t kLatencyBucketCount = kLatencyBucketBoundsMs.size() + 1;

std::size_t latencyBucketFor(std::int64_t latencyUs);
// "bucket_le_1ms", ..., "bucket_le_5000ms", "bucket_inf"
std::string latencyBucketColumn(std::size_t bucket);

// The exported columns of inference_log, in order (the CSV header).
inline constexpr std::array<const char*, 18> kInferenceLogColumns = {
    "time_ms",    "request_id",  "client",     "route",    "api_version", "model",
    "version",    "http_status", "error_code", "queue_us", "compute_us",  "total_us",
    "batch_size", "instances",   "label",      "score",    "predictions", "inputs"};

// On the writer connection at open: creates the tables (a new file) or checks the version.
Status ensureInferenceLogSchema(SqliteDatabase& db);

}  // namespace atalaya
