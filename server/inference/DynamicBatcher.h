#pragma once

#include "inference/ExecutionSlots.h"
#include "inference/InferenceRequest.h"
#include "inference/LiveStats.h"
#include "inference/ModelMetadata.h"
#include "inference/ModelRunner.h"

#include <atalaya/Server.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace atalaya {

// Merges concurrent requests for one model version into forward passes of up to
// maxBatchSize rows, on a thread of its own.
//
// Policy: a batch leaves as soon as it is full, or when its oldest request has waited
// maxQueueDelayUs. A lone request on a quiet batcher (the previous batch held one request) runs
// at once, so light traffic pays no batching delay. Requests whose deadline passed while queued
// are answered DeadlineExceeded and never run. A failing forward pass fails only its own requests.
//
// Thread affinity: submit() from any thread; onDone callbacks run on this batcher's thread.
class DynamicBatcher {
public:
    DynamicBatcher(std::string name, ModelRunner& runner, BatchingSpec spec,
                   ExecutionSlots& slots, LiveStats& stats);
    ~DynamicBatcher();  // stop(Drain::Abort)
    DynamicBatcher(const DynamicBatcher&) = delete;
    DynamicBatcher& operator=(const DynamicBatcher&) = delete;

    // If Ok, the batcher owns the request and will call its onDone exactly once. Otherwise
    // (queue full: ResourceExhausted "queue_full"; stopping: Unavailable) onDone is never called.
    Status submit(InferenceRequest&& request);

    // Drain::Wait runs what is queued first; Drain::Abort answers it Unavailable. Either way
    // the batch already running completes. Idempotent.
    void stop(Drain drain);

    bool isStopping() const {
        std::lock_guard lock(m_mutex);
        return m_stopping;
    }
    int queueDepth() const { return m_queueDepth.load(std::memory_order_relaxed); }
    int inFlight() const { return m_inFlight.load(std::memory_order_relaxed); }
    const BatchingSpec& spec() const { return m_spec; }

private:
    void workerLoop();
    std::vector<InferenceRequest> nextBatch(std::unique_lock<std::mutex>& lock);
    void execute(std::vector<InferenceRequest>& batch);
    void expireOverdue(SteadyClock::time_point now);

    const std::string m_name;
    ModelRunner& m_runner;
    const BatchingSpec m_spec;
    ExecutionSlots& m_slots;
    LiveStats& m_stats;

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<InferenceRequest> m_queue;
    std::int64_t m_queuedRows = 0;
    bool m_stopping = false;
    Drain m_drain = Drain::Wait;
    int m_lastBatchRequests = 0;

    std::atomic<int> m_queueDepth{0};
    std::atomic<int> m_inFlight{0};
    std::thread m_thread;  // last: starts after every member above exists
};

}  // namespace atalaya
