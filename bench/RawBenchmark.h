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

// Which thread settings a raw measurement runs with: the server's (LibTorch intra-op and
// OpenBLAS threads as configureTorchRuntime() and the server left them), or one of each. The
// multi-threaded loop is unstable back to back (docs/benchmarks.md), so both are reported.
enum class RawThreads { Server, One };

struct RawModelResult {
    std::string model;
    std::int64_t version = 0;
    RawThreads threads = RawThreads::Server;
    int intraOpThreads = 0;  // as measured with
    int blasThreads = 0;     // 0: the BLAS does not tell
    std::vector<RawPoint> points;

    const RawPoint* best() const;  // highest samples/s
    const RawPoint* atBatch(int batchSize) const;
};

struct RawOptions {
    std::vector<int> batchSizes{1, 16, 64};
    Seconds warmUp{0.3};
    Seconds measure{1.5};
    RawThreads threads = RawThreads::Server;
};

// The model's own speed, without HTTP, JSON or batching: the same model.pt loaded through
// makeTorchRunnerFactory(), timed on the calling thread. It must run after the server has
// configured LibTorch's threads, and while the server is idle, or the two would compete for the
// cores. With RawThreads::One the calling thread's intra-op threads and OpenBLAS's (process-wide)
// are set to 1 for the measurement and put back after it.
Result<RawModelResult> measureRaw(const std::filesystem::path& repository,
                                  const ModelWorkload& workload, const RawOptions& options);

}  // namespace atalaya::bench
