#include "RawBenchmark.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "inference/BlasInfo.h"
#include "torch/TorchModelRunner.h"

namespace atalaya::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Distinct input sets cycled through, so no single batch gets special treatment by caches.
constexpr int kInputVariants = 4;

// The thread settings of one raw measurement, put back as they were when it ends.
class ScopedThreads {
public:
    explicit ScopedThreads(RawThreads threads)
        : m_intraOp(torchRuntimeInfo().intraOpThreads)
        , m_blas(detectBlas().threads)
        , m_changed(threads == RawThreads::One) {
        if (!m_changed)
            return;
        setTorchIntraOpThreads(1);
        setBlasThreads(1);
    }
    ~ScopedThreads() {
        if (!m_changed)
            return;
        setTorchIntraOpThreads(m_intraOp);
        if (m_blas > 0)  // 0: the BLAS does not tell, so it was never changed either
            setBlasThreads(m_blas);
    }
    ScopedThreads(const ScopedThreads&) = delete;
    ScopedThreads& operator=(const ScopedThreads&) = delete;

private:
    const int m_intraOp;
    const int m_blas;
    const bool m_changed;
};

Result<RawPoint> measureBatch(ModelRunner& runner, const ModelWorkload& workload, int batchSize,
                              const RawOptions& options) {
    std::vector<std::vector<HostTensor>> inputs;
    for (int v = 0; v < kInputVariants; ++v)
        inputs.push_back(makeRawInputs(workload, batchSize, v));

    const auto timedRun = [&](std::int64_t iteration) -> Result<double> {
        const auto& batch = inputs[static_cast<std::size_t>(iteration % kInputVariants)];
        const auto started = Clock::now();
        auto outputs = runner.run(batch);
        const auto elapsed = std::chrono::duration<double, std::milli>(Clock::now() - started);
        if (!outputs.isOk())
            return outputs.status();
        return elapsed.count();
    };

    const auto warmUpEnd = Clock::now() + options.warmUp;
    for (std::int64_t i = 0; i < 5 || Clock::now() < warmUpEnd; ++i) {
        ATALAYA_RETURN_IF_ERROR(timedRun(i).status());
    }

    std::vector<double> samples;
    const CpuSample cpuBefore = sampleCpu();
    const auto started = Clock::now();
    const auto end = started + options.measure;
    for (std::int64_t i = 0; i < 10 || Clock::now() < end; ++i) {
        ATALAYA_ASSIGN_OR_RETURN(const double ms, timedRun(i));
        samples.push_back(ms);
    }
    const Seconds elapsed = Clock::now() - started;
    const CpuShare cpu = cpuShareBetween(cpuBefore, sampleCpu());

    RawPoint point;
    point.batchSize = batchSize;
    point.iterations = static_cast<std::int64_t>(samples.size());
    point.samplesPerSecond = static_cast<double>(point.iterations) * batchSize / elapsed.count();
    point.forward = summarize(std::move(samples));
    point.cpu = cpu;
    return point;
}

}  // namespace

const RawPoint* RawModelResult::best() const {
    const auto it = std::max_element(
        points.begin(), points.end(),
        [](const auto& a, const auto& b) { return a.samplesPerSecond < b.samplesPerSecond; });
    return it == points.end() ? nullptr : &*it;
}

const RawPoint* RawModelResult::atBatch(int batchSize) const {
    const auto it = std::find_if(points.begin(), points.end(),
                                 [&](const RawPoint& p) { return p.batchSize == batchSize; });
    return it == points.end() ? nullptr : &*it;
}

Result<RawModelResult> measureRaw(const std::filesystem::path& repository,
                                  const ModelWorkload& workload, const RawOptions& options) {
    const auto file = repository / workload.model / std::to_string(workload.version) / "model.pt";
    auto factory = makeTorchRunnerFactory();
    ATALAYA_ASSIGN_OR_RETURN(auto runner, factory->load(file, RunnerOptions{}));

    const ScopedThreads threads(options.threads);
    RawModelResult result{.model = workload.model,
                          .version = workload.version,
                          .threads = options.threads,
                          .intraOpThreads = torchRuntimeInfo().intraOpThreads,
                          .blasThreads = detectBlas().threads,
                          .points = {}};
    for (const int batchSize : options.batchSizes) {
        ATALAYA_ASSIGN_OR_RETURN(auto point, measureBatch(*runner, workload, batchSize, options));
        result.points.push_back(std::move(point));
    }
    return result;
}

}  // namespace atalaya::bench
