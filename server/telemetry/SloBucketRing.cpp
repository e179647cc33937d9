#include "telemetry/SloBucketRing.h"

#include <algorithm>

namespace atalaya {

SloCounts& SloCounts::operator+=(const SloCounts& other) {
    latency.good += other.latency.good;
    latency.bad += other.latency.bad;
    success.good += other.success.good;
    success.bad += other.success.bad;
    return *this;
}

SloBucketRing::SloBucketRing(std::int64_t bucketMs, std::size_t buckets)
    : m_bucketMs(std::max<std::int64_t>(bucketMs, 1)), m_slots(std::max<std::size_t>(buckets, 1)) {}

std::int64_t SloBucketRing::bucketOf(std::int64_t timeMs) const {
    return std::max<std::int64_t>(timeMs, 0) / m_bucketMs;
}

void SloBucketRing::add(std::int64_t timeMs, const SloCounts& counts) {
    const std::int64_t bucket = bucketOf(timeMs);
    Slot& slot = m_slots[static_cast<std::size_t>(bucket) % m_slots.size()];
    if (slot.bucket > bucket)
        return;
    if (slot.bucket < bucket)
        slot = Slot{.bucket = bucket, .counts = {}};
    slot.counts += counts;
}

SloCounts SloBucketRing::sum(std::int64_t nowMs, std::size_t buckets) const {
    SloCounts out;
    sums(nowMs, std::span(&buckets, 1), std::span(&out, 1));
    return out;
}

void SloBucketRing::sums(std::int64_t nowMs, std::span<const std::size_t> spans,
                         std::span<SloCounts> out) const {
    std::fill(out.begin(), out.end(), SloCounts{});
    const std::int64_t now = bucketOf(nowMs);
    for (const Slot& slot : m_slots) {
        if (slot.bucket < 0 || slot.bucket > now)
            continue;
        const auto age = static_cast<std::uint64_t>(now - slot.bucket);
        for (std::size_t i = 0; i < spans.size() && i < out.size(); ++i) {
            if (age < spans[i])
                out[i] += slot.counts;
        }
    }
}

}  // namespace atalaya
