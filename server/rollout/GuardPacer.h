#pragma once

#include <atomic>
#include <cstdint>

namespace atalaya::rollout {

// Keeps a rollout's candidate within reach of its guard, whatever the request rate.
//
// The guard judges on its own thread (docs/rollout.md, "Guard"). Besides its timer, it is woken
// once the candidate has `every` outcomes it has not judged yet, and the candidate's canary
// share is held back while it has 2 x `every` of them: a guard that has not caught up yet (a
// starved thread on a busy machine) cannot let a broken candidate answer without bound. So a
// candidate that fails every request reaches at most
//     min_requests + 2 x every + (requests already in flight at the candidate)
// requests before it is rolled back: the last judgement before the trip saw fewer than
// min_requests outcomes, and no more than 2 x every could follow it.
//
// One per route and rollout stage. Thread-safe, lock-free: countOutcome() and admits() on IO
// threads for every candidate request, judged() on the guard thread.
class GuardPacer {
public:
    explicit GuardPacer(std::int64_t every) : m_every(every < 1 ? 1 : every) {}

    // One outcome of the candidate (after it is in the route's scoreboard). True when the guard
    // should judge again: `every` outcomes or more since its last judgement.
    bool countOutcome() {
        const std::int64_t seen = m_outcomes.fetch_add(1, std::memory_order_relaxed) + 1;
        return seen - m_judged.load(std::memory_order_relaxed) >= m_every;
    }

    // May one more request go to the candidate of a canary? False counts it as held back: it
    // goes to the stable version instead, until the guard has judged.
    bool admits() {
        if (m_outcomes.load(std::memory_order_relaxed) <
            m_judged.load(std::memory_order_relaxed) + 2 * m_every) {
            return true;
        }
        m_heldBack.fetch_add(1, std::memory_order_relaxed);
        return false;
    }

    // The candidate outcomes counted so far. The guard reads it before it takes the scoreboard's
    // snapshot, which then holds at least these.
    std::int64_t outcomes() const { return m_outcomes.load(std::memory_order_relaxed); }

    // The guard judged the first `outcomes` outcomes and did not trip.
    void judged(std::int64_t outcomes) { m_judged.store(outcomes, std::memory_order_relaxed); }

    // Canary requests sent to the stable version because the guard had not caught up.
    std::int64_t heldBack() const { return m_heldBack.load(std::memory_order_relaxed); }

private:
    const std::int64_t m_every;
    std::atomic<std::int64_t> m_outcomes{0};
    std::atomic<std::int64_t> m_judged{0};
    std::atomic<std::int64_t> m_heldBack{0};
};

}  // namespace atalaya::rollout
