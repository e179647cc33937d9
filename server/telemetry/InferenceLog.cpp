#include "telemetry/InferenceLog.h"

#include <algorithm>
#include <iterator>

#include "core/Logging.h"
#include "core/ThreadName.h"
#include "core/UnixTime.h"
#include "telemetry/InferenceLogStore.h"

namespace atalaya {
namespace {

constexpr int kFreePagesPerPass = 2048;  // 8 MiB at the default page size

Status checkOptions(const InferenceLogOptions& options) {
    if (options.file.empty())
        return invalidArgument("inference log: no file", "invalid_config");
    if (options.queueCapacity == 0 || options.flushInterval.count() <= 0 ||
        options.retentionDays < 1 || options.retentionChunkRows < 1) {
        return invalidArgument(
            "inference log: queue capacity, flush interval, retention days and retention chunk "
            "must be positive",
            "invalid_config");
    }
    return Status::ok();
}

}  // namespace

// A retention run in progress on the writer thread: raw rows first, then rollups, one chunk
// per writer turn so flushes keep their cadence.
struct InferenceLog::RetentionPass {
    enum class Table { Rows, Rollups, DriftHistory };
    std::int64_t cutoffMs = 0;
    Table table = Table::Rows;
    RetentionReport report;
    std::vector<std::promise<Result<RetentionReport>>> waiters;

    void finish(const Result<RetentionReport>& result) {
        for (auto& waiter : waiters)
            waiter.set_value(result);
        waiters.clear();
    }
};

InferenceLogOptions inferenceLogOptions(const ServerConfig& config) {
    const TelemetryConfig& telemetry = config.telemetry;
    InferenceLogOptions options;
    options.file = config.dataDir / "inference-log.sqlite";
    options.flushInterval = telemetry.flushInterval;
    options.queueCapacity = telemetry.queueCapacity;
    options.retentionDays = telemetry.retentionDays;
    options.policies = telemetry.models;
    return options;
}

Result<std::unique_ptr<InferenceLog>> InferenceLog::open(InferenceLogOptions options) {
    ATALAYA_RETURN_IF_ERROR(checkOptions(options));
    if (options.file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(options.file.parent_path(), ec);
        if (ec) {
            return Status(StatusCode::Unavailable,
                          "inference log: cannot create " + options.file.parent_path().string() +
                              ": " + ec.message(),
                          "cannot_open_database");
        }
    }
    if (!options.clock)
        options.clock = systemUnixMs;
    ATALAYA_ASSIGN_OR_RETURN(
        auto store, InferenceLogStore::open(options.file, options.busyTimeout, options.policies));
    return std::unique_ptr<InferenceLog>(new InferenceLog(std::move(options), std::move(store)));
}

InferenceLog::InferenceLog(InferenceLogOptions options, std::unique_ptr<InferenceLogStore> store)
    : m_options(std::move(options))
    , m_wakeThreshold(std::max<std::size_t>(1, m_options.queueCapacity / 2))
    , m_store(std::move(store))
    , m_writer([this] { writerLoop(); }) {
    // No reserve(queueCapacity): most servers never fill the queue, and the swap in takeQueued
    // hands the grown buffer back, so the queue stops reallocating after the first busy second.
}

InferenceLog::~InferenceLog() {
    stop();
}

void InferenceLog::record(InferenceRecord&& record) {
    bool queued = false;
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping && m_queue.size() < m_options.queueCapacity) {
            m_queue.push_back(std::move(record));
            m_pendingRows.fetch_add(1, std::memory_order_relaxed);
            queued = true;
            wake = m_queue.size() == m_wakeThreshold;
        }
    }
    if (wake)
        m_wake.notify_one();
    if (!queued) {
        // Counted only; the writer logs the warning, so an IO thread never writes to stderr.
        m_droppedRows.fetch_add(1, std::memory_order_relaxed);
        m_lastDropUnixMs.store(m_options.clock(), std::memory_order_relaxed);
    }
}

InferenceSinkCounters InferenceLog::counters() const {
    return {.rowsWritten = rowsWritten(),
            .rowsDropped = droppedRows(),
            .queueDepth = queueDepth(),
            .lastDropUnixMs = m_lastDropUnixMs.load(std::memory_order_relaxed)};
}

void InferenceLog::recordDrift(DriftSnapshot&& snapshot) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping && m_driftQueue.size() < m_options.driftQueueCapacity) {
            m_driftQueue.push_back(std::move(snapshot));
            return;
        }
    }
    m_driftDropped.fetch_add(1, std::memory_order_relaxed);
}

void InferenceLog::stop() {
    std::lock_guard stopLock(m_stopMutex);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_writer.joinable())
        m_writer.join();
}

Result<RetentionReport> InferenceLog::enforceRetention(std::int64_t nowMs) {
    std::future<Result<RetentionReport>> done;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return Status(StatusCode::Unavailable, "inference log is stopped", "stopped");
        }
        RetentionRequest request{.nowMs = nowMs, .done = {}};
        done = request.done.get_future();
        m_retentionRequests.push_back(std::move(request));
    }
    m_wake.notify_one();
    return done.get();
}

Status InferenceLog::exportRange(std::int64_t fromMs, std::int64_t toMs, ExportFormat format,
                                 std::ostream& out) const {
    return exportInferenceLog(m_options.file, fromMs, toMs, format, out);
}

void InferenceLog::writerLoop() {
    nameCurrentThread("log-writer");
    std::vector<InferenceRecord> batch;
    std::vector<DriftSnapshot> drift;
    std::optional<RetentionPass> pass;
    auto nextFlush = Clock::now() + m_options.flushInterval;
    // The first pass soon after start: a server that was down for weeks comes back with old rows.
    auto nextRetention = Clock::now() + m_options.flushInterval;
    for (;;) {
        bool stopping = false;
        bool flushDue = false;
        std::vector<RetentionRequest> requests;
        {
            std::unique_lock lock(m_mutex);
            // With retention chunks pending, take the next one at once unless a flush is due.
            const auto wakeAt = pass ? Clock::now() : std::min(nextFlush, nextRetention);
            m_wake.wait_until(lock, wakeAt, [&] {
                return m_stopping || m_queue.size() >= m_wakeThreshold ||
                       !m_retentionRequests.empty();
            });
            stopping = m_stopping;
            requests.swap(m_retentionRequests);
            flushDue = stopping || Clock::now() >= nextFlush || m_queue.size() >= m_wakeThreshold;
            if (flushDue)
                takeQueued(batch, drift);
        }
        if (flushDue) {
            nextFlush = Clock::now() + m_options.flushInterval;
            flush(batch, drift, stopping);
        }
        warnAboutDrops();
        if (stopping) {
            if (pass)
                pass->finish(Status(StatusCode::Unavailable, "inference log stopped", "stopped"));
            for (auto& request : requests) {
                request.done.set_value(
                    Status(StatusCode::Unavailable, "inference log stopped", "stopped"));
            }
            return;
        }
        for (auto& request : requests) {
            // Retention is idempotent: a request joins the pass in progress with the later cutoff.
            const std::int64_t cutoff = request.nowMs - m_options.retentionDays * kDayMs;
            if (!pass) {
                pass.emplace();
                pass->cutoffMs = cutoff;
            }
            pass->cutoffMs = std::max(pass->cutoffMs, cutoff);
            pass->table = RetentionPass::Table::Rows;
            pass->waiters.push_back(std::move(request.done));
        }
        if (!pass && Clock::now() >= nextRetention) {
            pass.emplace();
            pass->cutoffMs = m_options.clock() - m_options.retentionDays * kDayMs;
            nextRetention = Clock::now() + m_options.retentionPeriod;
        }
        if (pass)
            retentionStep(pass);
    }
}

// Moves the queue into `batch`. After a failed flush the batch still holds its rows; new ones
// join it up to the queue capacity, so memory stays bounded while the disk is unavailable.
void InferenceLog::takeQueued(std::vector<InferenceRecord>& batch,
                              std::vector<DriftSnapshot>& drift) {
    const std::size_t driftRoom =
        m_options.driftQueueCapacity - std::min(m_options.driftQueueCapacity, drift.size());
    const std::size_t driftTaken = std::min(driftRoom, m_driftQueue.size());
    std::move(m_driftQueue.begin(), m_driftQueue.begin() + static_cast<std::ptrdiff_t>(driftTaken),
              std::back_inserter(drift));
    m_driftDropped.fetch_add(m_driftQueue.size() - driftTaken, std::memory_order_relaxed);
    m_driftQueue.clear();
    if (batch.empty()) {
        batch.swap(m_queue);  // m_queue gets the batch's empty buffer, capacity and all
        return;
    }
    const std::size_t room =
        m_options.queueCapacity - std::min(m_options.queueCapacity, batch.size());
    const std::size_t taken = std::min(room, m_queue.size());
    std::move(m_queue.begin(), m_queue.begin() + static_cast<std::ptrdiff_t>(taken),
              std::back_inserter(batch));
    countDropped(m_queue.size() - taken);
    m_queue.clear();
}

void InferenceLog::flush(std::vector<InferenceRecord>& batch, std::vector<DriftSnapshot>& drift,
                         bool final) {
    if (batch.empty() && drift.empty())
        return;
    const auto started = Clock::now();
    const auto written = m_store->write(batch, drift);
    if (written.isOk()) {
        m_driftWritten.fetch_add(drift.size(), std::memory_order_relaxed);
        drift.clear();
        const auto took =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
        m_lastFlushUs.store(took.count(), std::memory_order_relaxed);
        m_flushes.fetch_add(1, std::memory_order_relaxed);
        m_rowsWritten.fetch_add(batch.size(), std::memory_order_relaxed);
        m_pendingRows.fetch_sub(batch.size(), std::memory_order_relaxed);
        batch.clear();
        return;
    }
    if (final) {
        qCWarning(lcTelemetry, "inference log: %zu rows lost at shutdown: %s", batch.size(),
                  written.status().toString().c_str());
        countDropped(batch.size());
        batch.clear();
        m_driftDropped.fetch_add(drift.size(), std::memory_order_relaxed);
        drift.clear();
        return;
    }
    // Kept for the next flush: a busy or full disk is usually a passing condition.
    if (mayWarn(m_lastWriteWarning)) {
        qCWarning(lcTelemetry, "inference log: cannot write %zu rows, will retry: %s", batch.size(),
                  written.status().toString().c_str());
    }
}

void InferenceLog::retentionStep(std::optional<RetentionPass>& pass) {
    const int chunk = m_options.retentionChunkRows;
    using Table = RetentionPass::Table;
    auto deleted = pass->table == Table::Rows ? m_store->deleteRowsBefore(pass->cutoffMs, chunk)
                   : pass->table == Table::Rollups
                       ? m_store->deleteRollupsBefore(pass->cutoffMs, chunk)
                       : m_store->deleteDriftHistoryBefore(pass->cutoffMs, chunk);
    if (!deleted.isOk()) {
        // Given up until the next period: retention is never urgent enough to fight for a lock.
        if (mayWarn(m_lastWriteWarning)) {
            qCWarning(lcTelemetry, "inference log retention: %s",
                      deleted.status().toString().c_str());
        }
        pass->finish(deleted.status());
        pass.reset();
        return;
    }
    ++pass->report.chunks;
    RetentionReport& report = pass->report;
    (pass->table == Table::Rows      ? report.rowsDeleted
     : pass->table == Table::Rollups ? report.rollupsDeleted
                                     : report.driftRowsDeleted) += *deleted;
    if (*deleted >= chunk)
        return;  // more of the same next turn
    if (pass->table != Table::DriftHistory) {
        pass->table = pass->table == Table::Rows ? Table::Rollups : Table::DriftHistory;
        return;
    }
    if (report.rowsDeleted + report.rollupsDeleted + report.driftRowsDeleted > 0) {
        const Status released = m_store->releaseFreePages(kFreePagesPerPass);
        if (!released.isOk()) {
            qCWarning(lcTelemetry, "inference log: %s", released.toString().c_str());
        }
        qCInfo(lcTelemetry,
               "inference log retention: %lld rows, %lld rollup rows, %lld drift history rows "
               "deleted",
               static_cast<long long>(report.rowsDeleted),
               static_cast<long long>(report.rollupsDeleted),
               static_cast<long long>(report.driftRowsDeleted));
    }
    pass->finish(pass->report);
    pass.reset();
}

void InferenceLog::countDropped(std::size_t rows) {
    if (rows == 0)
        return;
    m_droppedRows.fetch_add(rows, std::memory_order_relaxed);
    m_pendingRows.fetch_sub(rows, std::memory_order_relaxed);
    m_lastDropUnixMs.store(m_options.clock(), std::memory_order_relaxed);
}

bool InferenceLog::mayWarn(Clock::time_point& last) const {
    const auto now = Clock::now();
    if (last != Clock::time_point{} && now - last < m_options.dropWarningInterval)
        return false;
    last = now;
    return true;
}

void InferenceLog::warnAboutDrops() {
    const std::uint64_t dropped = droppedRows();
    if (dropped == m_droppedReported || !mayWarn(m_lastDropWarning))
        return;
    qCWarning(lcTelemetry,
              "inference log: %llu rows dropped (%llu in all): the writer cannot keep up with "
              "the queue of %zu rows",
              static_cast<unsigned long long>(dropped - m_droppedReported),
              static_cast<unsigned long long>(dropped), m_options.queueCapacity);
    m_droppedReported = dropped;
}

}  // namespace atalaya
