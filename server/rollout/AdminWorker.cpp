#include "rollout/AdminWorker.h"

#include "core/ThreadName.h"

namespace atalaya::rollout {

AdminWorker::AdminWorker() : m_thread([this] { run(); }) {}

AdminWorker::~AdminWorker() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void AdminWorker::post(std::function<void()> job) {
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(std::move(job));
    }
    m_wake.notify_one();
}

void AdminWorker::run() {
    nameCurrentThread("admin-worker");
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
        if (m_jobs.empty())
            return;  // stopping, and nothing left to do
        auto job = std::move(m_jobs.front());
        m_jobs.pop_front();
        lock.unlock();
        job();
        lock.lock();
    }
}

}  // namespace atalaya::rollout
