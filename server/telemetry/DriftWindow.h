#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace atalaya {

// The shape of what a window counts: bins per feature, prediction classes, score bins (0 when
// the reference has no score bins).
struct DriftWindowLayout {
    std::vector<std::size_t> featureBins;
    std::size_t classes = 0;
    std::size_t scoreBins = 0;
};

// One instance as bin indices; kMissing where a value was absent or not a number.
struct DriftObservation {
    static constexpr std::int32_t kMissing = -1;
    std::vector<std::int32_t> featureBins;  // one per layout feature
    std::int32_t classIndex = kMissing;
    std::int32_t scoreBin = kMissing;
};

// A count-based sliding window over the last `capacity` observations of one model version,
// kept as bin counts that are updated incrementally: a ring buffer of the bin indices lets the
// observation that falls out be subtracted, so add() is O(features) and reading the counts is
// free. The counts always equal a recount of the observations in the ring.
// Thread affinity: none; the owner serialises access (DriftMonitor holds its state mutex).
class DriftWindow {
public:
    DriftWindow(DriftWindowLayout layout, std::size_t capacity);

    // Adds one observation, evicting the oldest when full. Indices out of range count as missing.
    void add(const DriftObservation& observation);

    std::size_t size() const { return m_size; }
    std::size_t capacity() const { return m_capacity; }
    std::uint64_t observationsSeen() const { return m_seen; }  // since construction
    const DriftWindowLayout& layout() const { return m_layout; }

    std::span<const std::int64_t> featureCounts(std::size_t feature) const;
    std::span<const std::int64_t> classCounts() const { return m_classCounts; }
    std::span<const std::int64_t> scoreCounts() const { return m_scoreCounts; }

private:
    std::size_t stride() const { return m_layout.featureBins.size() + 2; }
    void count(const std::int32_t* slot, std::int64_t delta);

    DriftWindowLayout m_layout;
    std::size_t m_capacity;
    std::vector<std::int32_t> m_ring;  // capacity * stride(): features, class, score per slot
    std::size_t m_next = 0;            // slot the next observation goes to
    std::size_t m_size = 0;
    std::uint64_t m_seen = 0;
    std::vector<std::vector<std::int64_t>> m_featureCounts;
    std::vector<std::int64_t> m_classCounts;
    std::vector<std::int64_t> m_scoreCounts;
};

}  // namespace atalaya
