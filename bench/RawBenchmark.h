#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "CpuMeter.h"
#include "LatencySummary.h"
#include "Workload.h"

namespace atalaya::bench {

using Seconds = std::chrono::duration<double>;

struct RawPoint {
    int batchSize = 0;
    std::int64_t iterations = 0;
    double samplesPerSecond = 0;
    LatencySummary forward;  // one runner->run() call
    CpuShare cpu;            // during the measured runs
};

struct RawModelResult {
    std::string model;
    std::int64_t version = 0;
    std::vector<RawPoint> points;

    const RawPoint* best() const;  // highest samples/s
    const RawPoint* atBatch(int batchSize) const;
};

struct RawOptions {
    std::vector<int> batchSizes{1, 16, 64};
    Seconds warmUp{0.3};
    Seconds measure{1.5};
};

// The model's own speed, without HTTP, JSON or batching: the same model.pt loaded through
// makeTorchRunnerFactory(), timed on the calling thread. LibTorch's thread settings are
// process-wide, so this must run after the server has configured them, and while the server
// is idle, or the two would compete for the cores.
Result<RawModelResult> measureRaw(const std::filesystem::path& repository,
                                  const ModelWorkload& workload, const RawOptions& options);

}  // namespace atalaya::bench
