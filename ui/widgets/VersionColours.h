#pragma once

#include <QColor>
#include <array>

namespace atalaya::ui {

// One colour per model version across the rollout page's charts, so v2 is the same hue in the
// trend and in the prediction distribution, before and after it is promoted. Okabe–Ito:
// distinct and colour-blind-friendly, as the serving page's latency chart.
inline QColor versionColour(qint64 version) {
    constexpr std::array<QRgb, 7> kPalette = {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7,
                                              0xe69f00, 0x56b4e9, 0x000000};
    const auto index = static_cast<std::size_t>(version < 0 ? -version : version);
    return QColor(kPalette.at(index % kPalette.size()));
}

}  // namespace atalaya::ui
