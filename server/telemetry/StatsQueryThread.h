#pragma once

#include <atalaya/Result.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "telemetry/SqliteDatabase.h"

namespace atalaya {

struct StatsQueryThreadOptions {
    // The inference-log database, opened read-only; empty when the log is off (jobs then get a
    // null connection).
    std::filesystem::path file;
    std::size_t queueCapacity = 64;
    std::chrono::milliseconds busyTimeout{2000};
};

// The thread the stats routes query on, with its own read-only connection to the inference log,
// so a slow chart query never stalls an HTTP IO thread nor the log's writer (WAL: readers and
// the writer do not block each other).
//
// Thread affinity and ownership:
//  - post() from any thread: queues the job and returns; a full queue (or a stopped thread) is
//    Unavailable "stats_busy" and the job is not run. Jobs run one at a time, in order, on the
//    query thread, and own the connection while they run.
//  - stop() from any thread: runs what is queued, then joins. Idempotent; the destructor calls
//    it. A job that was accepted is always run, so a request handed over is always answered.
class StatsQueryThread {
public:
    using Job = std::function<void(SqliteDatabase* db)>;

    // The file must exist (the inference log, opened first, creates it).
    static Result<std::unique_ptr<StatsQueryThread>> open(StatsQueryThreadOptions options);
    ~StatsQueryThread();
    StatsQueryThread(const StatsQueryThread&) = delete;
    StatsQueryThread& operator=(const StatsQueryThread&) = delete;

    Status post(Job job);
    void stop();

private:
    StatsQueryThread(StatsQueryThreadOptions options, std::optional<SqliteDatabase> db);
    void run();

    const StatsQueryThreadOptions m_options;
    std::optional<SqliteDatabase> m_db;  // the query thread's once it runs

    std::mutex m_mutex;  // guards the two below
    std::condition_variable m_wake;
    std::deque<Job> m_queue;
    bool m_stopping = false;

    std::mutex m_stopMutex;
    std::thread m_thread;  // last: starts after every member above exists
};

}  // namespace atalaya
