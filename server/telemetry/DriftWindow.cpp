#include "telemetry/DriftWindow.h"

#include <algorithm>
#include <cassert>

namespace atalaya {
namespace {

std::int32_t inRange(std::int32_t index, std::size_t bins) {
    return index >= 0 && static_cast<std::size_t>(index) < bins ? index
                                                                : DriftObservation::kMissing;
}

}  // namespace

DriftWindow::DriftWindow(DriftWindowLayout layout, std::size_t capacity)
    : m_layout(std::move(layout))
    , m_capacity(std::max<std::size_t>(1, capacity))
    , m_ring(m_capacity * stride(), DriftObservation::kMissing)
    , m_classCounts(m_layout.classes, 0)
    , m_scoreCounts(m_layout.scoreBins, 0) {
    for (const std::size_t bins : m_layout.featureBins)
        m_featureCounts.emplace_back(bins, 0);
}

void DriftWindow::count(const std::int32_t* slot, std::int64_t delta) {
    const std::size_t features = m_layout.featureBins.size();
    for (std::size_t f = 0; f < features; ++f) {
        if (slot[f] != DriftObservation::kMissing)
            m_featureCounts[f][static_cast<std::size_t>(slot[f])] += delta;
    }
    if (slot[features] != DriftObservation::kMissing)
        m_classCounts[static_cast<std::size_t>(slot[features])] += delta;
    if (slot[features + 1] != DriftObservation::kMissing)
        m_scoreCounts[static_cast<std::size_t>(slot[features + 1])] += delta;
}

void DriftWindow::add(const DriftObservation& observation) {
    const std::size_t features = m_layout.featureBins.size();
    std::int32_t* slot = m_ring.data() + m_next * stride();
    if (m_size == m_capacity)
        count(slot, -1);
    for (std::size_t f = 0; f < features; ++f) {
        slot[f] = f < observation.featureBins.size()
                      ? inRange(observation.featureBins[f], m_layout.featureBins[f])
                      : DriftObservation::kMissing;
    }
    slot[features] = inRange(observation.classIndex, m_layout.classes);
    slot[features + 1] = inRange(observation.scoreBin, m_layout.scoreBins);
    count(slot, +1);
    m_next = (m_next + 1) % m_capacity;
    m_size = std::min(m_size + 1, m_capacity);
    ++m_seen;
}

std::span<const std::int64_t> DriftWindow::featureCounts(std::size_t feature) const {
    assert(feature < m_featureCounts.size());
    return m_featureCounts[feature];
}

}  // namespace atalaya
