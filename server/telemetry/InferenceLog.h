#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <iosfwd>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/DriftHistory.h"
#include "telemetry/InferenceLogExport.h"
#include "telemetry/InferenceRecord.h"

namespace atalaya {

class InferenceLogStore;

struct InferenceLogOptions {
    std::filesystem::path file;  // created, with its directory, when missing
    std::chrono::milliseconds flushInterval{200};
    std::size_t queueCapacity = 65536;
    int retentionDays = 30;
    std::map<std::string, ModelLogPolicy> policies;  // by model; others get ModelLogPolicy{}
    // How long a flush waits for another connection's write lock before it is retried later.
    std::chrono::milliseconds busyTimeout{5000};
    std::chrono::milliseconds retentionPeriod = std::chrono::minutes(10);
    int retentionChunkRows = 5000;  // rows deleted per transaction: short enough to not stall
    std::chrono::milliseconds dropWarningInterval{10'000};  // at most one drop warning per
    std::size_t driftQueueCapacity = 1024;  // drift snapshots waiting for the writer
    std::function<std::int64_t()> clock;    // wall clock in Unix ms; empty: the system clock
};

// <dataDir>/inference-log.sqlite and the telemetry settings of a server config.
InferenceLogOptions inferenceLogOptions(const ServerConfig& config);

struct RetentionReport {
    std::int64_t rowsDeleted = 0;
    std::int64_t rollupsDeleted = 0;
    std::int64_t driftRowsDeleted = 0;
    int chunks = 0;  // transactions it took
};

// The SQLite inference log (docs/telemetry.md): one row per answered inference request plus
// per-minute rollups, and the drift monitor's snapshots (drift_history), written in batches by
// a thread of its own.
//
// Thread affinity and ownership:
//  - record() and counters() from any thread, concurrently. record() takes the record, puts
//    it in a bounded in-memory queue and returns; it never waits on disk. A full queue drops the
//    row and counts it (droppedRows); the request it describes is not affected.
//  - The writer thread owns the write connection. It wakes every flushInterval, or as soon as
//    the queue is half full, and commits everything queued in one transaction. Between flushes
//    it deletes rows older than retentionDays in chunks of retentionChunkRows.
//  - exportRange() from any thread, on a read-only connection of its own.
//  - stop() from any thread: commits what is queued, joins the writer. Idempotent; the
//    destructor calls it. Rows recorded after it are dropped.
// Crash safety: a commit survives kill -9, so what a killed process loses is what was still
// queued: at most the rows of the last flush interval (plus the flush then in progress).
class InferenceLog final : public InferenceSink {
public:
    // Opens (creating when needed) the database and starts the writer. An unusable file or a
    // schema from a newer server is an error here, not later on the writer thread.
    static Result<std::unique_ptr<InferenceLog>> open(InferenceLogOptions options);
    ~InferenceLog() override;
    InferenceLog(const InferenceLog&) = delete;
    InferenceLog& operator=(const InferenceLog&) = delete;

    void record(InferenceRecord&& record) override;
    InferenceSinkCounters counters() const override;
    // Queues a drift snapshot for drift_history; committed with the next flush. Any thread,
    // never waits on disk; a full drift queue (or a stopped log) drops it and counts it.
    void recordDrift(DriftSnapshot&& snapshot);
    std::uint64_t driftSnapshotsWritten() const {
        return m_driftWritten.load(std::memory_order_relaxed);
    }
    std::uint64_t driftSnapshotsDropped() const {
        return m_driftDropped.load(std::memory_order_relaxed);
    }
    void stop();

    // Runs retention for `nowMs` on the writer thread, all chunks, and waits for it (tests,
    // admin). Unavailable once stopped.
    Result<RetentionReport> enforceRetention(std::int64_t nowMs);

    // Raw rows with fromMs <= time_ms < toMs (see exportInferenceLog).
    Status exportRange(std::int64_t fromMs, std::int64_t toMs, ExportFormat format,
                       std::ostream& out) const;

    // Requests committed (each with its rollup, and its raw row when sampled).
    std::uint64_t rowsWritten() const { return m_rowsWritten.load(std::memory_order_relaxed); }
    std::uint64_t droppedRows() const { return m_droppedRows.load(std::memory_order_relaxed); }
    std::uint64_t flushes() const { return m_flushes.load(std::memory_order_relaxed); }
    std::chrono::microseconds lastFlushDuration() const {
        return std::chrono::microseconds(m_lastFlushUs.load(std::memory_order_relaxed));
    }
    // Recorded and neither committed nor dropped yet.
    std::size_t queueDepth() const { return m_pendingRows.load(std::memory_order_relaxed); }
    const std::filesystem::path& file() const { return m_options.file; }

private:
    using Clock = std::chrono::steady_clock;
    struct RetentionRequest {
        std::int64_t nowMs = 0;
        std::promise<Result<RetentionReport>> done;
    };
    struct RetentionPass;

    InferenceLog(InferenceLogOptions options, std::unique_ptr<InferenceLogStore> store);

    // Writer thread only, below.
    void writerLoop();
    void takeQueued(std::vector<InferenceRecord>& batch, std::vector<DriftSnapshot>& drift);
    void flush(std::vector<InferenceRecord>& batch, std::vector<DriftSnapshot>& drift, bool final);
    void retentionStep(std::optional<RetentionPass>& pass);
    void warnAboutDrops();
    bool mayWarn(Clock::time_point& last) const;
    void countDropped(std::size_t rows);

    const InferenceLogOptions m_options;
    const std::size_t m_wakeThreshold;
    std::unique_ptr<InferenceLogStore> m_store;  // the writer thread's, once it runs

    mutable std::mutex m_mutex;  // guards the three below; never held across disk work
    std::condition_variable m_wake;
    std::vector<InferenceRecord> m_queue;
    std::vector<DriftSnapshot> m_driftQueue;
    std::vector<RetentionRequest> m_retentionRequests;
    bool m_stopping = false;

    std::atomic<std::uint64_t> m_rowsWritten{0};
    std::atomic<std::uint64_t> m_droppedRows{0};
    std::atomic<std::uint64_t> m_flushes{0};
    std::atomic<std::int64_t> m_lastFlushUs{0};
    std::atomic<std::size_t> m_pendingRows{0};
    std::atomic<std::int64_t> m_lastDropUnixMs{0};
    std::atomic<std::uint64_t> m_driftWritten{0};
    std::atomic<std::uint64_t> m_driftDropped{0};

    // Writer thread only.
    std::uint64_t m_droppedReported = 0;
    Clock::time_point m_lastDropWarning{};
    Clock::time_point m_lastWriteWarning{};

    std::mutex m_stopMutex;  // makes stop() safe to call from two threads at once
    std::thread m_writer;    // last: starts after every member above exists
};

}  // namespace atalaya
