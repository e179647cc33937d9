#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace atalaya {

struct LiveStatsSnapshot {
    std::int64_t requests = 0;
    std::int64_t errors = 0;
    std::int64_t batches = 0;
    double meanBatchSize = 0;
    double throughputRps = 0;
    std::optional<double> successRate;  // none without requests
    std::optional<double> p50Ms, p95Ms, p99Ms;
};

// Request outcomes and batch sizes of one model version over the last minute, in one-second
// slots with a log-scale latency histogram each (about 5% resolution), so percentiles cost
// O(buckets) and memory stays fixed however busy the model is.
//
// Thread-safe: recordRequest() from IO threads, recordBatch() from the inference thread,
// snapshot() from the health route.
class LiveStats {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr int kWindowSeconds = 60;
    static constexpr int kBuckets = 320;

    void recordRequest(std::chrono::microseconds latency, bool ok, Clock::time_point now = Clock::now());
    void recordBatch(int size, Clock::time_point now = Clock::now());
    LiveStatsSnapshot snapshot(Clock::time_point now = Clock::now()) const;

    static int bucketFor(std::chrono::microseconds latency);
    static double bucketUpperMs(int bucket);

private:
    struct Slot {
        std::int64_t second = -1;
        std::int64_t requests = 0;
        std::int64_t errors = 0;
        std::int64_t batches = 0;
        std::int64_t batchRows = 0;
        std::array<std::uint32_t, kBuckets> histogram{};
    };
    Slot& slotFor(Clock::time_point now);

    mutable std::mutex m_mutex;
    std::array<Slot, kWindowSeconds> m_slots;
};

}  // namespace atalaya
