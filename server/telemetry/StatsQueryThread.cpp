#include "telemetry/StatsQueryThread.h"

#include "core/Logging.h"
#include "core/ThreadName.h"

namespace atalaya {

Result<std::unique_ptr<StatsQueryThread>> StatsQueryThread::open(StatsQueryThreadOptions options) {
    std::optional<SqliteDatabase> db;
    if (!options.file.empty()) {
        ATALAYA_ASSIGN_OR_RETURN(
            db, SqliteDatabase::open(options.file, SqliteDatabase::Access::ReadOnly));
        ATALAYA_RETURN_IF_ERROR(db->setBusyTimeout(options.busyTimeout));
    }
    return std::unique_ptr<StatsQueryThread>(
        new StatsQueryThread(std::move(options), std::move(db)));
}

StatsQueryThread::StatsQueryThread(StatsQueryThreadOptions options,
                                   std::optional<SqliteDatabase> db)
    : m_options(std::move(options)), m_db(std::move(db)), m_thread([this] { run(); }) {}

StatsQueryThread::~StatsQueryThread() {
    stop();
}

Status StatsQueryThread::post(Job job) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping && m_queue.size() < m_options.queueCapacity) {
            m_queue.push_back(std::move(job));
            m_wake.notify_one();
            return Status::ok();
        }
    }
    return Status(StatusCode::Unavailable, "too many statistics queries at once; retry shortly",
                  "stats_busy");
}

void StatsQueryThread::stop() {
    std::lock_guard stopLock(m_stopMutex);
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable())
        m_thread.join();
}

void StatsQueryThread::run() {
    nameCurrentThread("stats-query");
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_queue.empty())
                return;  // stopping, and everything accepted has run
            job = std::move(m_queue.front());
            m_queue.pop_front();
        }
        try {
            job(m_db ? &*m_db : nullptr);
        } catch (const std::exception& error) {
            // A job answers its own request; one that throws must not take the thread along.
            qCWarning(lcTelemetry, "stats query: %s", error.what());
        }
    }
}

}  // namespace atalaya
