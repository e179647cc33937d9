#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "telemetry/SloBucketRing.h"

namespace atalaya {

// One minute of one model's traffic as the SLO tracker counts it, rebuilt from the inference
// log's per-minute rollups so a restart does not reset the error budget.
struct SloHistoryMinute {
    std::int64_t timeMs = 0;  // the minute's start
    std::string model;
    SloCounts counts{};
};

// Which rollup latency bucket (index into kLatencyBucketBoundsMs) ends exactly at
// `thresholdMs`; none when the threshold falls inside a bucket, where the rollups cannot tell
// fast from slow requests.
std::optional<std::size_t> sloRollupBucketFor(double thresholdMs);

// The rollup minutes from `fromMs` on, per model (versions and API versions added up), oldest
// first, on a read-only connection of its own. A missing file is no history, not an error.
//
// The rollups are coarser than what the tracker counts live, so the restored counts are:
//  - success: bad = the rollup's errors. Those include 4xx answers, but a request that reached a
//    batcher was already validated, so in practice they are the 5xx the live count sees.
//  - latency: only when the model's threshold is a rollup bucket bound (50 ms is; see
//    sloRollupBucketFor), else left at 0. good = requests at or under the threshold minus every
//    error, since the rollups do not say how fast the errors were: a lower bound, so a restart
//    can only make the budget look spent sooner, never later.
// Any thread.
Result<std::vector<SloHistoryMinute>> readSloHistory(const std::filesystem::path& inferenceLog,
                                                     std::int64_t fromMs, const SloConfig& config);

}  // namespace atalaya
