#include "telemetry/InferenceLogSchema.h"

#include <string>

namespace atalaya {
namespace {

std::string createStatements() {
    std::string sql = R"(
CREATE TABLE inference_log (
    id          INTEGER PRIMARY KEY,
    time_ms     INTEGER NOT NULL,
    request_id  TEXT NOT NULL,
    client      TEXT,
    route       TEXT NOT NULL,
    api_version TEXT,
    model       TEXT NOT NULL,
    version     INTEGER NOT NULL,
    http_status INTEGER NOT NULL,
    error_code  TEXT,
    queue_us    INTEGER NOT NULL,
    compute_us  INTEGER NOT NULL,
    total_us    INTEGER NOT NULL,
    batch_size  INTEGER NOT NULL,
    instances   INTEGER NOT NULL,
    label       TEXT,
    score       REAL,
    predictions TEXT,
    inputs      TEXT
);
CREATE INDEX inference_log_time ON inference_log (time_ms);
CREATE INDEX inference_log_model_time ON inference_log (model, version, time_ms);
CREATE INDEX inference_log_request ON inference_log (request_id);
CREATE TABLE inference_rollup_minute (
    minute         INTEGER NOT NULL,
    model          TEXT NOT NULL,
    version        INTEGER NOT NULL,
    api_version    TEXT NOT NULL,
    requests       INTEGER NOT NULL,
    errors         INTEGER NOT NULL,
    latency_sum_us INTEGER NOT NULL,
    queue_sum_us   INTEGER NOT NULL,
    compute_sum_us INTEGER NOT NULL,
    batch_size_sum INTEGER NOT NULL,
    instances_sum  INTEGER NOT NULL,
)";
    for (std::size_t b = 0; b < kLatencyBucketCount; ++b) {
        sql += "    " + latencyBucketColumn(b) + " INTEGER NOT NULL,\n";
    }
    sql += R"(    PRIMARY KEY (minute, model, version, api_version)
) WITHOUT ROWID;
CREATE INDEX inference_rollup_model_minute ON inference_rollup_minute (model, version, minute);
)";
    return sql;
}

}  // namespace

std::size_t latencyBucketFor(std::int64_t latencyUs) {
    for (std::size_t b = 0; b < kLatencyBucketBoundsMs.size(); ++b) {
        if (latencyUs <= kLatencyBucketBoundsMs[b] * 1000)
            return b;
    }
    return kLatencyBucketBoundsMs.size();
}

std::string latencyBucketColumn(std::size_t bucket) {
    if (bucket >= kLatencyBucketBoundsMs.size())
        return "bucket_inf";
    return "bucket_le_" + std::to_string(kLatencyBucketBoundsMs[bucket]) + "ms";
}

Status ensureInferenceLogSchema(SqliteDatabase& db) {
    // Exclusive: two servers pointed at one data directory must not both create the tables.
    ATALAYA_RETURN_IF_ERROR(db.execute("BEGIN EXCLUSIVE"));
    auto version = db.queryInt("PRAGMA user_version");
    Status status = version.status();
    if (version.isOk() && *version == 0) {
        status = db.execute(createStatements() + "PRAGMA user_version = " +
                            std::to_string(kInferenceLogSchemaVersion) + ";");
    } else if (version.isOk() && *version != kInferenceLogSchemaVersion) {
        status =
            Status(StatusCode::FailedPrecondition,
                   db.file().string() + " has inference log schema " + std::to_string(*version) +
                       "; this server knows " + std::to_string(kInferenceLogSchemaVersion),
                   "schema_version");
    }
    // A file made before the request id index existed gets it here (built once, at start): the
    // shadow comparison joins a shadow's row to its client's row by request id, which without
    // it scans the log once per shadow row. Request ids grow within a server run, so keeping
    // the index costs an append, not a random insert.
    if (status.isOk()) {
        status = db.execute(
            "CREATE INDEX IF NOT EXISTS inference_log_request ON inference_log (request_id);");
    }
    if (!status.isOk()) {
        (void)db.execute("ROLLBACK");
        return status;
    }
    return db.execute("COMMIT");
}

}  // namespace atalaya
