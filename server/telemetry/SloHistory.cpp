#include "telemetry/SloHistory.h"

#include <array>
#include <cmath>

#include "telemetry/InferenceLogSchema.h"
#include "telemetry/SqliteDatabase.h"
#include "core/UnixTime.h"

namespace atalaya {
namespace {

std::string historySql() {
    std::string sql = "SELECT minute, model, SUM(requests), SUM(errors)";
    for (std::size_t b = 0; b < kLatencyBucketCount; ++b)
        sql += ", SUM(" + latencyBucketColumn(b) + ")";
    sql +=
        " FROM inference_rollup_minute WHERE minute >= ?1 GROUP BY minute, model "
        "ORDER BY minute, model";
    return sql;
}

std::uint64_t nonNegative(std::int64_t value) {
    return value > 0 ? static_cast<std::uint64_t>(value) : 0;
}

}  // namespace

std::optional<std::size_t> sloRollupBucketFor(double thresholdMs) {
    for (std::size_t b = 0; b < kLatencyBucketBoundsMs.size(); ++b) {
        if (std::abs(static_cast<double>(kLatencyBucketBoundsMs[b]) - thresholdMs) < 1e-9)
            return b;
    }
    return std::nullopt;
}

Result<std::vector<SloHistoryMinute>> readSloHistory(const std::filesystem::path& inferenceLog,
                                                     std::int64_t fromMs, const SloConfig& config) {
    std::vector<SloHistoryMinute> minutes;
    std::error_code error;
    if (!std::filesystem::exists(inferenceLog, error))
        return minutes;
    ATALAYA_ASSIGN_OR_RETURN(SqliteDatabase db,
                             SqliteDatabase::open(inferenceLog, SqliteDatabase::Access::ReadOnly));
    ATALAYA_RETURN_IF_ERROR(db.setBusyTimeout(std::chrono::seconds(5)));
    ATALAYA_ASSIGN_OR_RETURN(SqliteStatement select, db.prepare(historySql()));
    ATALAYA_RETURN_IF_ERROR(select.bindInt(1, unixMinuteOf(fromMs)));
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
        if (step == SqliteStatement::Step::Done)
            break;
        SloHistoryMinute minute;
        minute.timeMs = select.columnInt(0) * kMinuteMs;
        minute.model = std::string(select.columnText(1));
        const std::uint64_t requests = nonNegative(select.columnInt(2));
        const std::uint64_t errors = std::min(requests, nonNegative(select.columnInt(3)));
        minute.counts.success = {.good = requests - errors, .bad = errors};

        const SloObjectives& objectives = config.objectivesFor(minute.model);
        if (const auto last = sloRollupBucketFor(objectives.latencyThresholdMs)) {
            std::uint64_t fast = 0;
            for (std::size_t b = 0; b <= *last; ++b)
                fast += nonNegative(select.columnInt(4 + static_cast<int>(b)));
            const std::uint64_t good =
                std::min(fast, requests) > errors ? std::min(fast, requests) - errors : 0;
            minute.counts.latency = {.good = good, .bad = requests - good};
        }
        minutes.push_back(std::move(minute));
    }
    return minutes;
}

}  // namespace atalaya
