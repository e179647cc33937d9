#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace atalaya::rollout {

// One thread that runs the admin API's slow work in order: model loads (seconds), unloads
// (waiting for drains) and rollout actions (SQLite writes), so an IO thread only queues them.
// Jobs answer their own request when done.
//
// Thread-safe: post() from any thread. The destructor finishes the queued jobs, then joins.
class AdminWorker {
public:
    AdminWorker();
    ~AdminWorker();
    AdminWorker(const AdminWorker&) = delete;
    AdminWorker& operator=(const AdminWorker&) = delete;

    void post(std::function<void()> job);

private:
    void run();

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_jobs;
    bool m_stopping = false;
    std::thread m_thread;
};

}  // namespace atalaya::rollout
