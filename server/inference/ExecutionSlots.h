#pragma once

#include <semaphore>

namespace atalaya {

// Caps how many forward passes run at once across all models, so batcher threads times
// LibTorch intra-op threads never exceed the cores (InferenceConfig::workers).
// Thread-safe.
class ExecutionSlots {
public:
    explicit ExecutionSlots(int slots) : m_semaphore(slots) {}

    class Lease {
    public:
        explicit Lease(ExecutionSlots& slots) : m_slots(slots) { m_slots.m_semaphore.acquire(); }
        ~Lease() { m_slots.m_semaphore.release(); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

    private:
        ExecutionSlots& m_slots;
    };

private:
    std::counting_semaphore<64> m_semaphore;
};

}  // namespace atalaya
