#pragma once

#include <QColor>
#include <array>

namespace atalaya::ui {

// The `index`-th colour of the console's line charts, cycling. Okabe–Ito: distinct and
// colour-blind-friendly; the theme's own palette gives p50 and p99 of one version unrelated
// colours.
inline QColor paletteColour(std::size_t index) {
    constexpr std::array<QRgb, 7> kPalette = {0x0072b2, 0xd55e00, 0x009e73, 0xcc79a7,
                                              0xe69f00, 0x56b4e9, 0x000000};
    return QColor(kPalette.at(index % kPalette.size()));
}

// One colour per model version across the rollout page's charts, so v2 is the same hue in the
// trend and in the prediction distribution, before and after it is promoted.
inline QColor versionColour(qint64 version) {
    return paletteColour(static_cast<std::size_t>(version < 0 ? -version : version));
}

}  // namespace atalaya::ui
