#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "telemetry/SloReport.h"

namespace atalaya {

// Good and bad counts of both objectives in one bucket of time.
struct SloCounts {
    SloTally latency{};
    SloTally success{};
    SloCounts& operator+=(const SloCounts& other);
};

// The last `buckets` buckets of `bucketMs` each (minutes for the burn-rate windows, hours for
// the SLO window), in a fixed ring: memory does not grow with traffic or uptime. A bucket is
// numbered timeMs / bucketMs; its slot is that number modulo the ring size, and the slot
// remembers which bucket it holds, so a slot left over from an earlier lap is cleared when
// reused and never counted in a sum. Nothing has to roll over on a timer.
//
// Not thread-safe: the owner locks.
class SloBucketRing {
public:
    SloBucketRing(std::int64_t bucketMs, std::size_t buckets);

    // Adds to the bucket holding timeMs. Ignored when the ring has already moved a full lap
    // past it (too old to be in any window).
    void add(std::int64_t timeMs, const SloCounts& counts);

    // Sum over the `buckets` buckets ending with the one holding nowMs (the current, partial
    // bucket and the buckets-1 before it). Buckets after nowMs are not counted.
    SloCounts sum(std::int64_t nowMs, std::size_t buckets) const;
    // The same for several spans at once, in one pass over the ring: out[i] for spans[i].
    void sums(std::int64_t nowMs, std::span<const std::size_t> spans,
              std::span<SloCounts> out) const;

    std::size_t capacity() const { return m_slots.size(); }
    std::int64_t bucketMs() const { return m_bucketMs; }

private:
    struct Slot {
        std::int64_t bucket = -1;  // which bucket the counts belong to; -1: never used
        SloCounts counts{};
    };

    std::int64_t bucketOf(std::int64_t timeMs) const;

    const std::int64_t m_bucketMs;
    std::vector<Slot> m_slots;
};

}  // namespace atalaya
