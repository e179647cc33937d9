#include "models/StateColours.h"

namespace atalaya::ui {

std::pair<QColor, QColor> modelStateColours(client::ModelState state) {
    switch (state) {
        case client::ModelState::Ready:
            return {QColor(0xd7, 0xf0, 0xd8), QColor(0x1b, 0x5e, 0x20)};
        case client::ModelState::Loading:
            return {QColor(0xff, 0xf1, 0xc4), QColor(0x7a, 0x4f, 0x01)};
        case client::ModelState::Draining:
            return {QColor(0xd6, 0xe8, 0xfa), QColor(0x0d, 0x47, 0xa1)};
        case client::ModelState::Failed:
            return {QColor(0xfb, 0xd3, 0xd3), QColor(0xa1, 0x12, 0x12)};
        case client::ModelState::Unloaded:
        case client::ModelState::Unknown:
            break;
    }
    return {QColor(0xe6, 0xe6, 0xe6), QColor(0x42, 0x42, 0x42)};
}

}  // namespace atalaya::ui
