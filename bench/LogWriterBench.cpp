#include "LogWriterBench.h"

#include <chrono>
#include <random>
#include <thread>

#include "telemetry/InferenceLog.h"
#include "core/UnixTime.h"

namespace atalaya::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A pool of distinct records, so the producer only copies: no formatting in the timed loop.
std::vector<InferenceRecord> recordPool(std::size_t size) {
    std::mt19937 random(7);
    std::uniform_int_distribution<int> age(18, 90);
    std::uniform_int_distribution<int> income(6000, 450000);
    std::uniform_int_distribution<int> latencyUs(300, 4000);
    std::vector<InferenceRecord> pool(size);
    for (std::size_t i = 0; i < size; ++i) {
        InferenceRecord& r = pool[i];
        r.route = "predict";
        r.apiVersion = i % 2 ? "v1" : "v2";
        r.model = "credit-risk";
        r.version = i % 2 ? 1 : 2;
        r.httpStatus = i % 100 == 0 ? 400 : 200;
        r.totalUs = latencyUs(random);
        r.queueUs = r.totalUs / 5;
        r.computeUs = r.totalUs / 2;
        r.batchSize = 1 + static_cast<int>(i % 8);
        r.instances = 1;
        r.label = i % 3 ? "approve" : "decline";
        r.score = 0.8125;
        r.predictionsJson = R"([{"label":")" + r.label + R"(","score":0.8125}])";
        r.inputsJson = R"([{"age":)" + std::to_string(age(random)) + R"(,"income":)" +
                       std::to_string(income(random)) +
                       R"(,"debt_ratio":0.31,"credit_history_years":12,"num_open_accounts":4,)"
                       R"("num_late_payments":0,"loan_amount":12000,"loan_term_months":36,)"
                       R"("employment_years":6.5,"savings":15000}])";
    }
    return pool;
}

}  // namespace

Result<WriterFigures> measureWriter(const std::filesystem::path& dir, std::uint64_t records) {
    InferenceLogOptions options;
    options.file = dir / "writer-bench.sqlite";
    ATALAYA_ASSIGN_OR_RETURN(auto log, InferenceLog::open(options));
    const std::vector<InferenceRecord> pool = recordPool(4096);
    const auto started = Clock::now();
    for (std::uint64_t i = 0; i < records; ++i) {
        while (log->queueDepth() >= options.queueCapacity)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        InferenceRecord record = pool[i % pool.size()];
        record.requestId = "bench-" + std::to_string(i);
        record.timeUnixMs = systemUnixMs();
        log->record(std::move(record));
    }
    while (log->rowsWritten() + log->droppedRows() < records)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    WriterFigures figures;
    figures.records = records;
    figures.committed = log->rowsWritten();
    figures.dropped = log->droppedRows();
    figures.seconds = seconds;
    figures.rowsPerSecond = static_cast<double>(figures.committed) / seconds;
    figures.flushes = log->flushes();
    log->stop();
    return figures;
}

}  // namespace atalaya::bench
