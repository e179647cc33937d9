#include "telemetry/InferenceLog.h"

#include <algorithm>
#include <iterator>
#include <limits>

#include "core/Logging.h"
#include "core/ThreadName.h"
#include "core/UnixTime.h"
#include "telemetry/DriftAlertTable.h"
#include "telemetry/InferenceLogStore.h"

namespace atalaya {
namespace {

constexpr std::int64_t kMinWalLimit = 64 * 1024;
constexpr std::int64_t kMaxWalLimit = 64 * 1024 * 1024;  // what the store sets without a budget

Status checkOptions(const InferenceLogOptions& options) {
    if (options.file.empty())
        return invalidArgument("inference log: no file", "invalid_config");
    if (options.queueCapacity == 0 || options.flushInterval.count() <= 0 ||
        options.retentionDays < 1 || options.retentionChunkRows < 1 || options.maxSizeBytes < 0 ||
        options.sizeCheckInterval.count() <= 0) {
        return invalidArgument(
            "inference log: queue capacity, flush interval, retention days and retention chunk "
            "must be positive",
            "invalid_config");
    }
    return Status::ok();
}

}  // namespace

// A retention run in progress on the writer thread, one chunk per writer turn so flushes keep
// their cadence: its tables in order, then the freed pages back to the file system.
//  - Age: everything older than the cutoff; raw rows, rollups, drift history.
//  - Size: the oldest rows, whatever their age, until the data fits the low-water mark. Raw rows
//    go first: they are nearly all of the file, and the charts read the rest. Drift history
//    (one row per feature per snapshot) goes before the rollups, which are the smallest and
//    what charts over days and the SLO windows after a restart are made of.
struct InferenceLog::RetentionPass {
    enum class Table { Rows, Rollups, DriftHistory, DriftAlerts, FreePages };
    static constexpr std::array kAgeOrder = {Table::Rows, Table::Rollups, Table::DriftHistory,
                                             Table::DriftAlerts, Table::FreePages};
    static constexpr std::array kSizeOrder = {Table::Rows, Table::DriftHistory, Table::Rollups,
                                              Table::DriftAlerts, Table::FreePages};
    RetentionReason reason = RetentionReason::Age;
    std::int64_t cutoffMs = 0;  // Age only
    std::size_t stage = 0;      // index into the reason's order
    RetentionReport report;
    std::vector<std::promise<Result<RetentionReport>>> waiters;

    Table table() const {
        return reason == RetentionReason::Age ? kAgeOrder[stage] : kSizeOrder[stage];
    }
    void skipToFreePages() { stage = kAgeOrder.size() - 1; }
    std::int64_t deletedRows() const {
        return report.rowsDeleted + report.rollupsDeleted + report.driftRowsDeleted +
               report.driftAlertsDeleted;
    }
    void finish(const Result<RetentionReport>& result) {
        for (auto& waiter : waiters)
            waiter.set_value(result);
        waiters.clear();
    }
};

std::int64_t inferenceLogWalLimit(std::int64_t maxSizeBytes) {
    if (maxSizeBytes <= 0)
        return kMaxWalLimit;
    return std::clamp(maxSizeBytes / 16, kMinWalLimit, kMaxWalLimit);
}

namespace {

// Pages one incremental_vacuum step moves, one step per writer turn: every moved page goes
// through the WAL, so a step stays within the WAL's bound (8 MiB at most, 64 KiB at least, at
// the default page size of 4 KiB).
int freePagesPerStep(std::int64_t maxSizeBytes) {
    return static_cast<int>(
        std::clamp<std::int64_t>(inferenceLogWalLimit(maxSizeBytes) / 4096, 16, 2048));
}

}  // namespace

InferenceLogOptions inferenceLogOptions(const ServerConfig& config) {
    const TelemetryConfig& telemetry = config.telemetry;
    InferenceLogOptions options;
    options.file = config.dataDir / "inference-log.sqlite";
    options.flushInterval = telemetry.flushInterval;
    options.queueCapacity = telemetry.queueCapacity;
    options.retentionDays = telemetry.retentionDays;
    options.policies = telemetry.models;
    options.maxSizeBytes = telemetry.maxSizeMb * 1024 * 1024;
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
    if (options.maxSizeBytes > 0)
        ATALAYA_RETURN_IF_ERROR(store->limitWal(inferenceLogWalLimit(options.maxSizeBytes)));
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

void InferenceLog::recordDriftAlert(const DriftAlert& alert) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping && m_alertQueue.size() < m_options.driftQueueCapacity) {
            m_alertQueue.push_back(alert);
            return;
        }
    }
    m_driftDropped.fetch_add(1, std::memory_order_relaxed);
}

Result<std::vector<DriftAlert>> InferenceLog::recentDriftAlerts(std::size_t limit) const {
    return readRecentDriftAlerts(m_options.file, limit);
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
    return requestRetention(RetentionReason::Age, nowMs);
}

Result<RetentionReport> InferenceLog::enforceSizeLimit() {
    return requestRetention(RetentionReason::Size, 0);
}

InferenceLogStorage InferenceLog::storage() const {
    const auto sizeOf = [](const std::filesystem::path& file) {
        std::error_code ec;
        const auto bytes = std::filesystem::file_size(file, ec);
        return ec ? std::int64_t{0} : static_cast<std::int64_t>(bytes);
    };
    const auto counts = [this](RetentionReason reason) {
        const auto& deleted = m_deleted[static_cast<std::size_t>(reason)];
        return RetentionCounts{.rows = deleted[0].load(std::memory_order_relaxed),
                               .rollups = deleted[1].load(std::memory_order_relaxed),
                               .driftHistory = deleted[2].load(std::memory_order_relaxed),
                               .driftAlerts = deleted[3].load(std::memory_order_relaxed)};
    };
    return {.fileBytes = sizeOf(m_options.file),
            .walBytes = sizeOf(m_options.file.string() + "-wal"),
            .usedBytes = m_usedBytes.load(std::memory_order_relaxed),
            .maxBytes = m_options.maxSizeBytes,
            .deletedByAge = counts(RetentionReason::Age),
            .deletedBySize = counts(RetentionReason::Size),
            .sizePasses = m_sizePasses.load(std::memory_order_relaxed)};
}

Result<RetentionReport> InferenceLog::requestRetention(RetentionReason reason, std::int64_t nowMs) {
    std::future<Result<RetentionReport>> done;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return Status(StatusCode::Unavailable, "inference log is stopped", "stopped");
        }
        RetentionRequest request{.reason = reason, .nowMs = nowMs, .done = {}};
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
    std::vector<DriftAlert> alerts;
    std::optional<RetentionPass> pass;
    auto nextFlush = Clock::now() + m_options.flushInterval;
    // The first pass soon after start: a server that was down for weeks comes back with old rows.
    auto nextRetention = Clock::now() + m_options.flushInterval;
    auto nextSizeCheck = Clock::now();
    for (;;) {
        bool stopping = false;
        bool flushDue = false;
        std::vector<RetentionRequest> requests;
        {
            std::unique_lock lock(m_mutex);
            // With retention chunks pending, take the next one at once unless a flush is due.
            const auto wakeAt =
                pass ? Clock::now() : std::min({nextFlush, nextRetention, nextSizeCheck});
            m_wake.wait_until(lock, wakeAt, [&] {
                return m_stopping || m_queue.size() >= m_wakeThreshold ||
                       !m_retentionRequests.empty();
            });
            stopping = m_stopping;
            requests.swap(m_retentionRequests);
            flushDue = stopping || Clock::now() >= nextFlush || m_queue.size() >= m_wakeThreshold;
            if (flushDue)
                takeQueued(batch, drift, alerts);
        }
        if (flushDue) {
            nextFlush = Clock::now() + m_options.flushInterval;
            flush(batch, drift, alerts, stopping);
        }
        warnAboutDrops();
        if (stopping) {
            const Status stopped(StatusCode::Unavailable, "inference log stopped", "stopped");
            if (pass)
                pass->finish(stopped);
            for (auto& request : requests)
                request.done.set_value(stopped);
            for (auto& request : m_waitingRetention)
                request.done.set_value(stopped);
            return;
        }
        startRetention(requests, pass);
        if (!pass && Clock::now() >= nextRetention) {
            pass.emplace();
            pass->cutoffMs = m_options.clock() - m_options.retentionDays * kDayMs;
            nextRetention = Clock::now() + m_options.retentionPeriod;
        }
        // Measured even without a budget: health and /metrics report the size.
        if (!pass && Clock::now() >= nextSizeCheck) {
            nextSizeCheck = Clock::now() + m_options.sizeCheckInterval;
            if (overBudget()) {
                m_sizePasses.fetch_add(1, std::memory_order_relaxed);
                pass.emplace();
                pass->reason = RetentionReason::Size;
            }
        }
        if (pass)
            retentionStep(pass);
    }
}

// Requests join the pass in progress when it has their reason (retention is idempotent; an age
// request brings the later cutoff and starts the tables over), else wait for it to end.
void InferenceLog::startRetention(std::vector<RetentionRequest>& requests,
                                  std::optional<RetentionPass>& pass) {
    std::move(requests.begin(), requests.end(), std::back_inserter(m_waitingRetention));
    requests.clear();
    auto& waiting = m_waitingRetention;
    for (auto it = waiting.begin(); it != waiting.end();) {
        if (pass && pass->reason != it->reason) {
            ++it;
            continue;
        }
        if (!pass) {
            pass.emplace();
            pass->reason = it->reason;
            pass->cutoffMs = std::numeric_limits<std::int64_t>::min();
        }
        if (it->reason == RetentionReason::Age) {
            pass->cutoffMs = std::max(pass->cutoffMs, it->nowMs - m_options.retentionDays * kDayMs);
            pass->stage = 0;
        }
        pass->waiters.push_back(std::move(it->done));
        it = waiting.erase(it);
    }
}

// Moves the queue into `batch`. After a failed flush the batch still holds its rows; new ones
// join it up to the queue capacity, so memory stays bounded while the disk is unavailable.
void InferenceLog::takeQueued(std::vector<InferenceRecord>& batch,
                              std::vector<DriftSnapshot>& drift, std::vector<DriftAlert>& alerts) {
    // Alerts are few (one per verdict flip) and recordDriftAlert bounds their queue already.
    std::move(m_alertQueue.begin(), m_alertQueue.end(), std::back_inserter(alerts));
    m_alertQueue.clear();
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
                         std::vector<DriftAlert>& alerts, bool final) {
    if (batch.empty() && drift.empty() && alerts.empty())
        return;
    const auto started = Clock::now();
    const auto written = m_store->write(batch, drift, alerts);
    if (written.isOk()) {
        m_driftWritten.fetch_add(drift.size() + alerts.size(), std::memory_order_relaxed);
        drift.clear();
        alerts.clear();
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
        m_driftDropped.fetch_add(drift.size() + alerts.size(), std::memory_order_relaxed);
        drift.clear();
        alerts.clear();
        return;
    }
    // Kept for the next flush: a busy or full disk is usually a passing condition.
    if (mayWarn(m_lastWriteWarning)) {
        qCWarning(lcTelemetry, "inference log: cannot write %zu rows, will retry: %s", batch.size(),
                  written.status().toString().c_str());
    }
}

void InferenceLog::retentionStep(std::optional<RetentionPass>& pass) {
    using Table = RetentionPass::Table;
    if (pass->reason == RetentionReason::Size && pass->table() != Table::FreePages &&
        fitsLowWater()) {
        pass->skipToFreePages();
    }
    const Table table = pass->table();
    if (table == Table::FreePages) {
        releaseStep(pass);
        return;
    }
    const int chunk = m_options.retentionChunkRows;
    // A size pass deletes the oldest rows whatever their age.
    const std::int64_t cutoff = pass->reason == RetentionReason::Age
                                    ? pass->cutoffMs
                                    : std::numeric_limits<std::int64_t>::max();
    auto deleted = table == Table::Rows           ? m_store->deleteRowsBefore(cutoff, chunk)
                   : table == Table::Rollups      ? m_store->deleteRollupsBefore(cutoff, chunk)
                   : table == Table::DriftHistory ? m_store->deleteDriftHistoryBefore(cutoff, chunk)
                                                  : m_store->deleteDriftAlertsBefore(cutoff, chunk);
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
    const std::size_t column = static_cast<std::size_t>(table);  // Rows 0 ... DriftAlerts 3
    std::array<std::int64_t*, 4> columns = {&report.rowsDeleted, &report.rollupsDeleted,
                                            &report.driftRowsDeleted, &report.driftAlertsDeleted};
    *columns[column] += *deleted;
    m_deleted[static_cast<std::size_t>(pass->reason)][column].fetch_add(
        static_cast<std::uint64_t>(*deleted), std::memory_order_relaxed);
    if (*deleted < chunk)
        ++pass->stage;  // nothing left of this table to delete
}

// One incremental_vacuum step per writer turn until no free page is left (or a step frees
// none: a file made without auto_vacuum cannot shrink, and its free pages are reused instead).
void InferenceLog::releaseStep(std::optional<RetentionPass>& pass) {
    InferenceLogStore::Size before;
    if (pass->deletedRows() == 0 || !measure(before) || before.freePages == 0) {
        finishRetention(pass);
        return;
    }
    const Status released = m_store->releaseFreePages(freePagesPerStep(m_options.maxSizeBytes));
    InferenceLogStore::Size after;
    if (!released.isOk() || !measure(after) || after.freePages >= before.freePages) {
        if (!released.isOk())
            qCWarning(lcTelemetry, "inference log: %s", released.toString().c_str());
        finishRetention(pass);
        return;
    }
    pass->report.pagesReleased += before.freePages - after.freePages;
}

void InferenceLog::finishRetention(std::optional<RetentionPass>& pass) {
    const RetentionReport& report = pass->report;
    if (pass->deletedRows() > 0) {
        qCInfo(lcTelemetry,
               "inference log %s retention: %lld rows, %lld rollup rows, %lld drift history rows, "
               "%lld drift alerts deleted, %lld pages released",
               pass->reason == RetentionReason::Age ? "age" : "size",
               static_cast<long long>(report.rowsDeleted),
               static_cast<long long>(report.rollupsDeleted),
               static_cast<long long>(report.driftRowsDeleted),
               static_cast<long long>(report.driftAlertsDeleted),
               static_cast<long long>(report.pagesReleased));
    }
    pass->finish(report);
    pass.reset();
}

bool InferenceLog::measure(InferenceLogStore::Size& size) {
    auto measured = m_store->size();
    if (!measured.isOk()) {
        if (mayWarn(m_lastWriteWarning)) {
            qCWarning(lcTelemetry, "inference log size: %s", measured.status().toString().c_str());
        }
        return false;
    }
    size = *measured;
    m_usedBytes.store(size.usedBytes, std::memory_order_relaxed);
    return true;
}

// The data and the WAL as they are now, against the budget.
bool InferenceLog::overBudget() {
    InferenceLogStore::Size size;
    return measure(size) && m_options.maxSizeBytes > 0 &&
           size.usedBytes + size.walBytes > m_options.maxSizeBytes;
}

// The data against the low-water mark less the WAL's bound. Not the WAL as it is now: the
// deletes themselves grow it until the next checkpoint, and it never shrinks below its bound
// by deleting rows.
bool InferenceLog::fitsLowWater() {
    InferenceLogStore::Size size;
    if (!measure(size))
        return true;  // nothing to measure against: stop rather than delete blindly
    const auto lowWater =
        static_cast<std::int64_t>(static_cast<double>(m_options.maxSizeBytes) * kSizeLowWater);
    return m_options.maxSizeBytes <= 0 ||
           size.usedBytes <= lowWater - inferenceLogWalLimit(m_options.maxSizeBytes);
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
