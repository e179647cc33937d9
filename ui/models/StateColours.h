#pragma once

#include <QColor>
#include <utility>

#include "client/ServerHealth.h"

namespace atalaya::ui {

// Fill and text colour of a model version's state cell: light fills with dark text in the same
// hue, readable, and not the only cue, since the cell also spells the state. One palette for
// every page that shows states.
std::pair<QColor, QColor> modelStateColours(client::ModelState state);

}  // namespace atalaya::ui
