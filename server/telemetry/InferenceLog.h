#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <array>
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
#include "telemetry/InferenceLogStore.h"
#include "telemetry/InferenceRecord.h"

namespace atalaya {

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
    // Budget of the main file + WAL in bytes; 0: unlimited. Past it the writer deletes the
    // oldest rows, retentionChunkRows per transaction, until the data fits kSizeLowWater of it.
    std::int64_t maxSizeBytes = 0;
    std::chrono::milliseconds sizeCheckInterval{5000};  // how often the writer measures it
};

// Share of maxSizeBytes a size pass deletes down to, so it does not start again at the next
// flush. The WAL's own bound (inferenceLogWalLimit) is kept free below it.
inline constexpr double kSizeLowWater = 0.9;
// The WAL a log with this budget keeps on disk between checkpoints: a 16th of the budget,
// between 64 KiB and SQLite's usual 64 MiB.
std::int64_t inferenceLogWalLimit(std::int64_t maxSizeBytes);

// <dataDir>/inference-log.sqlite and the telemetry settings of a server config.
InferenceLogOptions inferenceLogOptions(const ServerConfig& config);

struct RetentionReport {
    std::int64_t rowsDeleted = 0;
    std::int64_t rollupsDeleted = 0;
    std::int64_t driftRowsDeleted = 0;
    std::int64_t driftAlertsDeleted = 0;
    int chunks = 0;                  // delete transactions it took
    std::int64_t pagesReleased = 0;  // free pages handed back to the file system afterwards
};

// Rows retention deleted since start, per table.
struct RetentionCounts {
    std::uint64_t rows = 0;  // inference_log
    std::uint64_t rollups = 0;
    std::uint64_t driftHistory = 0;
    std::uint64_t driftAlerts = 0;
};

// What the database takes on disk and what retention deleted (health, /metrics).
struct InferenceLogStorage {
    std::int64_t fileBytes = 0;  // the main file now
    std::int64_t walBytes = 0;   // its -wal file now
    std::int64_t usedBytes = 0;  // pages holding data, at the writer's last measure
    std::int64_t maxBytes = 0;   // the budget; 0: unlimited
    RetentionCounts deletedByAge;
    RetentionCounts deletedBySize;
    std::uint64_t sizePasses = 0;  // times the budget was exceeded
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
//    it deletes rows older than retentionDays in chunks of retentionChunkRows, and every
//    sizeCheckInterval it measures the database: past maxSizeBytes it deletes the oldest rows,
//    chunk by chunk, until they fit again.
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
    // Queues a drift alert for drift_alerts, like recordDrift (same queue bound, same
    // counters: an alert is a snapshot that must survive a restart).
    void recordDriftAlert(const DriftAlert& alert);
    // The newest `limit` alerts kept, oldest first, from a read-only connection (any thread):
    // what a restarted drift monitor lists (DriftMonitorOptions::restoredAlerts).
    Result<std::vector<DriftAlert>> recentDriftAlerts(std::size_t limit) const;
    void stop();

    // Runs retention for `nowMs` on the writer thread, all chunks, and waits for it (tests,
    // admin). Unavailable once stopped.
    Result<RetentionReport> enforceRetention(std::int64_t nowMs);
    // Runs a size pass now, whatever the size check's schedule, and waits for it: deletes the
    // oldest rows until the data fits the budget's low-water mark (nothing when it already
    // does, or without a budget), then hands the freed pages back. Unavailable once stopped.
    Result<RetentionReport> enforceSizeLimit();
    // Any thread: file sizes from the file system, the rest from counters.
    InferenceLogStorage storage() const;

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
    enum class RetentionReason { Age, Size };
    struct RetentionRequest {
        RetentionReason reason = RetentionReason::Age;
        std::int64_t nowMs = 0;
        std::promise<Result<RetentionReport>> done;
    };
    struct RetentionPass;

    InferenceLog(InferenceLogOptions options, std::unique_ptr<InferenceLogStore> store);

    // Writer thread only, below.
    void writerLoop();
    void takeQueued(std::vector<InferenceRecord>& batch, std::vector<DriftSnapshot>& drift,
                    std::vector<DriftAlert>& alerts);
    void flush(std::vector<InferenceRecord>& batch, std::vector<DriftSnapshot>& drift,
               std::vector<DriftAlert>& alerts, bool final);
    void startRetention(std::vector<RetentionRequest>& requests,
                        std::optional<RetentionPass>& pass);
    void retentionStep(std::optional<RetentionPass>& pass);
    void releaseStep(std::optional<RetentionPass>& pass);
    void finishRetention(std::optional<RetentionPass>& pass);
    // Measures the store and publishes usedBytes; false when it cannot be measured.
    bool measure(InferenceLogStore::Size& size);
    bool overBudget();
    bool fitsLowWater();
    Result<RetentionReport> requestRetention(RetentionReason reason, std::int64_t nowMs);
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
    std::vector<DriftAlert> m_alertQueue;
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
    std::atomic<std::int64_t> m_usedBytes{0};
    std::atomic<std::uint64_t> m_sizePasses{0};
    // Rows deleted, [reason][table]: rows, rollups, drift history, drift alerts.
    std::array<std::array<std::atomic<std::uint64_t>, 4>, 2> m_deleted{};

    // Writer thread only.
    std::vector<RetentionRequest> m_waitingRetention;  // for a pass of the other reason to end
    std::uint64_t m_droppedReported = 0;
    Clock::time_point m_lastDropWarning{};
    Clock::time_point m_lastWriteWarning{};

    std::mutex m_stopMutex;  // makes stop() safe to call from two threads at once
    std::thread m_writer;    // last: starts after every member above exists
};

}  // namespace atalaya
