#include "ChartQueryBench.h"

#include <array>
#include <chrono>
#include <map>
#include <string>
#include <tuple>

#include "telemetry/InferenceLog.h"
#include "telemetry/InferenceLogSchema.h"
#include "telemetry/SqliteDatabase.h"
#include "telemetry/StatsQueries.h"
#include "core/UnixTime.h"

namespace atalaya::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Rollup {
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::int64_t latencySum = 0;
    std::int64_t batchSum = 0;
    std::array<std::int64_t, kLatencyBucketCount> buckets{};
};
using RollupKey = std::tuple<std::int64_t, std::int64_t, std::string>;  // minute, version, api

std::string rollupInsertSql() {
    std::string sql =
        "INSERT INTO inference_rollup_minute (minute, model, version, api_version, requests, "
        "errors, latency_sum_us, queue_sum_us, compute_sum_us, batch_size_sum, instances_sum";
    std::string values = "?1, 'credit-risk', ?2, ?3, ?4, ?5, ?6, 0, 0, ?7, ?4";
    for (std::size_t b = 0; b < kLatencyBucketCount; ++b) {
        sql += ", " + latencyBucketColumn(b);
        values += ", ?" + std::to_string(8 + b);
    }
    return sql + ") VALUES (" + values + ")";
}

// The raw rows and the rollups that describe them, in one transaction.
Status generate(SqliteDatabase& db, std::uint64_t requests, std::int64_t startMs,
                std::uint64_t& rollupRows) {
    ATALAYA_ASSIGN_OR_RETURN(
        SqliteStatement row,
        db.prepare("INSERT INTO inference_log (time_ms, request_id, route, api_version, model, "
                   "version, http_status, error_code, queue_us, compute_us, total_us, "
                   "batch_size, instances, label, score) VALUES (?1, ?2, 'predict', ?3, "
                   "'credit-risk', ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12)"));
    std::map<RollupKey, Rollup> rollups;
    std::uint64_t seed = 88172645463325252ULL;  // xorshift64: fast and reproducible
    ATALAYA_RETURN_IF_ERROR(db.execute("BEGIN"));
    for (std::uint64_t i = 0; i < requests; ++i) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        const std::int64_t timeMs =
            startMs + static_cast<std::int64_t>(i * static_cast<std::uint64_t>(kDayMs) / requests);
        const std::int64_t version = 1 + static_cast<std::int64_t>(i % 2);
        const std::string api = i % 4 < 2 ? "v1" : "v2";
        const bool error = i % 100 == 0;
        const std::int64_t latencyUs = 300 + static_cast<std::int64_t>(seed % 20'000);
        const int batch = 1 + static_cast<int>(seed % 8);
        ATALAYA_RETURN_IF_ERROR(row.bindInt(1, timeMs));
        ATALAYA_RETURN_IF_ERROR(row.bindText(2, "synthetic-" + std::to_string(i)));
        ATALAYA_RETURN_IF_ERROR(row.bindText(3, api));
        ATALAYA_RETURN_IF_ERROR(row.bindInt(4, version));
        ATALAYA_RETURN_IF_ERROR(row.bindInt(5, error ? 500 : 200));
        ATALAYA_RETURN_IF_ERROR(error ? row.bindText(6, "model_error") : row.bindNull(6));
        ATALAYA_RETURN_IF_ERROR(row.bindInt(7, latencyUs / 5));
        ATALAYA_RETURN_IF_ERROR(row.bindInt(8, latencyUs / 2));
        ATALAYA_RETURN_IF_ERROR(row.bindInt(9, latencyUs));
        ATALAYA_RETURN_IF_ERROR(row.bindInt(10, batch));
        ATALAYA_RETURN_IF_ERROR(error ? row.bindNull(11) : row.bindText(11, "approve"));
        ATALAYA_RETURN_IF_ERROR(error ? row.bindNull(12) : row.bindDouble(12, 0.8125));
        ATALAYA_RETURN_IF_ERROR(row.run());
        Rollup& rollup = rollups[{unixMinuteOf(timeMs), version, api}];
        ++rollup.requests;
        rollup.errors += error ? 1 : 0;
        rollup.latencySum += latencyUs;
        rollup.batchSum += batch;
        ++rollup.buckets[latencyBucketFor(latencyUs)];
    }
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement insert, db.prepare(rollupInsertSql()));
    for (const auto& [key, rollup] : rollups) {
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(1, std::get<0>(key)));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(2, std::get<1>(key)));
        ATALAYA_RETURN_IF_ERROR(insert.bindText(3, std::get<2>(key)));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(4, rollup.requests));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(5, rollup.errors));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(6, rollup.latencySum));
        ATALAYA_RETURN_IF_ERROR(insert.bindInt(7, rollup.batchSum));
        for (std::size_t b = 0; b < kLatencyBucketCount; ++b)
            ATALAYA_RETURN_IF_ERROR(insert.bindInt(8 + static_cast<int>(b), rollup.buckets[b]));
        ATALAYA_RETURN_IF_ERROR(insert.run());
    }
    rollupRows = rollups.size();
    return db.execute("COMMIT");
}

}  // namespace

Result<ChartFigures> measureChartQuery(const std::filesystem::path& dir, std::uint64_t requests,
                                       int runs) {
    const std::filesystem::path file = dir / "chart-bench.sqlite";
    {
        // The server's own schema and pragmas (WAL, incremental auto-vacuum).
        InferenceLogOptions options;
        options.file = file;
        ATALAYA_ASSIGN_OR_RETURN(auto log, InferenceLog::open(options));
        log->stop();
    }
    const std::int64_t startMs = unixMinuteOf(systemUnixMs() - kDayMs) * kMinuteMs;
    ChartFigures figures;
    figures.requests = requests;
    {
        ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                                 SqliteDatabase::open(file, SqliteDatabase::Access::ReadWrite));
        // Generation only: no fsync. The file stays in WAL mode, as the server keeps it.
        ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA synchronous = OFF"));
        const auto started = Clock::now();
        ATALAYA_RETURN_IF_ERROR(generate(db, requests, startMs, figures.rollupRows));
        ATALAYA_RETURN_IF_ERROR(db.execute("PRAGMA wal_checkpoint(TRUNCATE)"));
        figures.generateSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    }
    figures.fileBytes = std::filesystem::file_size(file);

    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase reader,
                             SqliteDatabase::open(file, SqliteDatabase::Access::ReadOnly));
    TimeSeriesQuery query;
    query.model = "credit-risk";
    query.fromMs = startMs;
    query.toMs = startMs + kDayMs;
    query.stepMs = kMinuteMs;
    for (int run = 0; run < runs; ++run) {
        const auto started = Clock::now();
        ATALAYA_ASSIGN_OR_RETURN(const TimeSeries series, queryTimeSeries(reader, query));
        figures.queryMs.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        figures.points = series.points.size();
        figures.answeredRequests = 0;
        for (const auto& point : series.points)
            figures.answeredRequests += static_cast<std::uint64_t>(point.requests);
    }
    return figures;
}

}  // namespace atalaya::bench
