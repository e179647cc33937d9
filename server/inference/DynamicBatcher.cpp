#include "inference/DynamicBatcher.h"

#include <cstring>
#include <exception>

#include "core/Logging.h"
#include "core/ThreadName.h"

namespace atalaya {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

void finish(InferenceRequest& request, InferenceResult&& result) {
    if (request.onDone)
        request.onDone(std::move(result));
}

void fail(InferenceRequest& request, const Status& status) {
    InferenceResult result;
    result.status = status;
    finish(request, std::move(result));
}

// Concatenates input `index` of every request along dim 0 (one copy into the batch buffer).
HostTensor concatInputs(const std::vector<InferenceRequest>& batch, std::size_t index,
                        std::int64_t totalRows) {
    const HostTensor& first = batch.front().inputs[index];
    HostTensor merged;
    merged.type = first.type;
    merged.shape = first.shape;
    merged.shape[0] = totalRows;
    std::size_t bytes = 0;
    for (const auto& request : batch)
        bytes += request.inputs[index].data.size();
    merged.data.resize(bytes);
    std::size_t offset = 0;
    for (const auto& request : batch) {
        const auto& part = request.inputs[index].data;
        std::memcpy(merged.data.data() + offset, part.data(), part.size());
        offset += part.size();
    }
    return merged;
}

HostTensor sliceRows(const HostTensor& tensor, std::int64_t firstRow, std::int64_t rows) {
    HostTensor slice;
    slice.type = tensor.type;
    slice.shape = tensor.shape;
    slice.shape[0] = rows;
    const std::size_t rowBytes = tensor.rowBytes();
    const auto begin = tensor.data.begin() + static_cast<std::ptrdiff_t>(firstRow * rowBytes);
    slice.data.assign(begin, begin + static_cast<std::ptrdiff_t>(rows * rowBytes));
    return slice;
}

}  // namespace

DynamicBatcher::DynamicBatcher(std::string name, ModelRunner& runner, BatchingSpec spec,
                               ExecutionSlots& slots, LiveStats& stats)
    : m_name(std::move(name))
    , m_runner(runner)
    , m_spec(spec)
    , m_slots(slots)
    , m_stats(stats)
    , m_thread([this] { workerLoop(); }) {}

DynamicBatcher::~DynamicBatcher() {
    stop(Drain::Abort);
}

Status DynamicBatcher::submit(InferenceRequest&& request) {
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) {
            return Status(StatusCode::Unavailable, m_name + " is shutting down", "draining")
                .withRetryAfter(1);
        }
        if (static_cast<int>(m_queue.size()) >= m_spec.maxQueueSize) {
            return Status(StatusCode::ResourceExhausted,
                          m_name + " queue is full (" + std::to_string(m_spec.maxQueueSize) +
                              " requests)",
                          "queue_full")
                .withRetryAfter(1);
        }
        m_queuedRows += request.rows();
        m_queue.push_back(std::move(request));
        m_queueDepth.store(static_cast<int>(m_queue.size()), std::memory_order_relaxed);
        // The worker waits either for a first request or for a full batch (or its timer); a
        // wake-up for anything in between would only make it re-check and sleep again, and
        // under load that is a futex call per request.
        wake = m_queue.size() == 1 || m_queuedRows >= m_spec.maxBatchSize;
    }
    if (wake)
        m_wake.notify_one();
    return Status::ok();
}

void DynamicBatcher::stop(Drain drain) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_stopping = true;
            m_drain = drain;
        } else if (drain == Drain::Abort) {
            m_drain = Drain::Abort;
        }
    }
    m_wake.notify_all();
    if (m_thread.joinable() && m_thread.get_id() != std::this_thread::get_id())
        m_thread.join();
}

void DynamicBatcher::workerLoop() {
    nameCurrentThread("batch " + m_name);
    std::unique_lock lock(m_mutex);
    while (true) {
        auto batch = nextBatch(lock);
        if (batch.empty()) {
            if (m_stopping && (m_queue.empty() || m_drain == Drain::Abort))
                break;
            continue;
        }
        lock.unlock();
        execute(batch);
        lock.lock();
    }
    std::deque<InferenceRequest> abandoned;
    abandoned.swap(m_queue);
    m_queuedRows = 0;
    m_queueDepth.store(0);
    lock.unlock();
    for (auto& request : abandoned) {
        fail(request, Status(StatusCode::Unavailable, m_name + " was stopped", "draining"));
    }
}

// Called with the lock held; returns an empty batch when there is nothing to run (yet).
std::vector<InferenceRequest> DynamicBatcher::nextBatch(std::unique_lock<std::mutex>& lock) {
    m_wake.wait(lock, [this] { return !m_queue.empty() || m_stopping; });
    if (m_queue.empty() || (m_stopping && m_drain == Drain::Abort))
        return {};

    const bool quiet = m_queue.size() == 1 && m_lastBatchRequests <= 1;
    if (!quiet && !m_stopping) {
        // Wait for company until the batch is full or the oldest request has waited long enough.
        const auto flushAt = m_queue.front().enqueuedAt + microseconds(m_spec.maxQueueDelayUs);
        m_wake.wait_until(lock, flushAt,
                          [this] { return m_stopping || m_queuedRows >= m_spec.maxBatchSize; });
        if (m_stopping && m_drain == Drain::Abort)
            return {};
    }
    expireOverdue(SteadyClock::now());

    std::vector<InferenceRequest> batch;
    std::int64_t rows = 0;
    while (!m_queue.empty()) {
        const std::int64_t next = m_queue.front().rows();
        // An oversized request rides alone rather than being refused.
        if (!batch.empty() && rows + next > m_spec.maxBatchSize)
            break;
        rows += next;
        m_queuedRows -= next;
        batch.push_back(std::move(m_queue.front()));
        m_queue.pop_front();
    }
    m_queueDepth.store(static_cast<int>(m_queue.size()), std::memory_order_relaxed);
    m_lastBatchRequests = static_cast<int>(batch.size());
    return batch;
}

void DynamicBatcher::expireOverdue(SteadyClock::time_point now) {
    for (auto it = m_queue.begin(); it != m_queue.end();) {
        if (it->deadline && *it->deadline <= now) {
            m_queuedRows -= it->rows();
            // The callback only hands the result to another thread, so calling it under the
            // lock is cheap and keeps queue accounting in one place.
            fail(*it,
                 Status(StatusCode::DeadlineExceeded,
                        "the request's deadline passed while it was queued", "deadline_exceeded"));
            it = m_queue.erase(it);
        } else {
            ++it;
        }
    }
}

void DynamicBatcher::execute(std::vector<InferenceRequest>& batch) {
    std::int64_t totalRows = 0;
    for (const auto& request : batch)
        totalRows += request.rows();
    m_inFlight.store(static_cast<int>(totalRows), std::memory_order_relaxed);

    std::vector<HostTensor> inputs;
    inputs.reserve(batch.front().inputs.size());
    for (std::size_t i = 0; i < batch.front().inputs.size(); ++i) {
        inputs.push_back(concatInputs(batch, i, totalRows));
    }

    const auto started = SteadyClock::now();
    Result<std::vector<HostTensor>> outputs = [&]() -> Result<std::vector<HostTensor>> {
        ExecutionSlots::Lease lease(m_slots);
        try {
            return m_runner.run(inputs);
        } catch (const std::exception& error) {
            return internalError(std::string("model raised: ") + error.what(), "model_error");
        }
    }();
    const auto computed = SteadyClock::now();
    const auto compute = duration_cast<microseconds>(computed - started);

    if (outputs.isOk()) {
        for (const auto& output : *outputs) {
            if (output.shape.empty() || output.shape[0] != totalRows) {
                outputs = internalError("model returned a batch of the wrong size", "bad_output");
                break;
            }
        }
    }
    if (!outputs.isOk()) {
        qCWarning(lcInference, "%s: batch of %lld rows failed: %s", m_name.c_str(),
                  static_cast<long long>(totalRows), outputs.status().toString().c_str());
    }

    m_stats.recordBatch(static_cast<int>(totalRows), computed);
    std::int64_t firstRow = 0;
    for (auto& request : batch) {
        InferenceResult result;
        result.timing = {.queue = duration_cast<microseconds>(started - request.enqueuedAt),
                         .compute = compute,
                         .batchSize = static_cast<int>(totalRows)};
        if (outputs.isOk()) {
            for (const auto& output : *outputs) {
                result.outputs.push_back(sliceRows(output, firstRow, request.rows()));
            }
        } else {
            result.status = outputs.status();
        }
        firstRow += request.rows();
        finish(request, std::move(result));
    }
    m_inFlight.store(0, std::memory_order_relaxed);
}

}  // namespace atalaya
