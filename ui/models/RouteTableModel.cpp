#include "models/RouteTableModel.h"

#include <QColor>
#include <QDateTime>
#include <utility>

#include "models/RolloutText.h"

namespace atalaya::ui {

using client::RolloutRoute;
using client::RouteMode;

namespace {

QVariant displayText(const RolloutRoute& route, int column) {
    switch (column) {
        case RouteTableModel::ApiColumn:
            return route.api;
        case RouteTableModel::ModelColumn:
            return route.model;
        case RouteTableModel::ModeColumn:
            return route.deprecation && route.deprecation->deprecated
                       ? client::routeModeName(route.mode) + RouteTableModel::tr(" (deprecated)")
                       : client::routeModeName(route.mode);
        case RouteTableModel::StableColumn:
            return QString(u'v' + QString::number(route.stable));
        case RouteTableModel::CandidateColumn:
            return route.candidate ? QString(u'v' + QString::number(*route.candidate)) : QString();
        case RouteTableModel::WeightColumn:
            // A shadow's candidate answers no client, whatever its weight says.
            return route.mode == RouteMode::Canary ? rollout_text::percent(route.weight, 0)
                                                   : QString();
        case RouteTableModel::GuardColumn:
            return route.mode == RouteMode::Canary ? rollout_text::guardSummary(route.guard)
                                                   : QString();
        default:
            return {};
    }
}

QVariant modeColour(RouteMode mode) {
    switch (mode) {
        case RouteMode::Shadow:
            return QColor(0x0d, 0x47, 0xa1);
        case RouteMode::Canary:
            return QColor(0x7a, 0x4f, 0x01);
        case RouteMode::Pinned:
        case RouteMode::Unknown:
            break;
    }
    return {};
}

}  // namespace

void RouteTableModel::setRoutes(QList<RolloutRoute> routes) {
    replaceRows(std::move(routes), [](const RolloutRoute& a, const RolloutRoute& b) {
        return a.api == b.api && a.model == b.model;
    });
}

void RouteTableModel::updateRoute(const RolloutRoute& route) {
    const int row = rowOf(route.api, route.model);
    if (row >= 0) {
        replaceRow(row, route);
    }
}

int RouteTableModel::rowOf(const QString& api, const QString& model) const {
    return rowWhere(
        [&](const RolloutRoute& route) { return route.api == api && route.model == model; });
}

QVariant RouteTableModel::data(const QModelIndex& index, int role) const {
    const RolloutRoute* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    const RolloutRoute& route = *row;
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return displayText(route, column);
        case Qt::UserRole:
            return column == WeightColumn ? QVariant(route.weight) : QVariant();
        case Qt::ForegroundRole:
            return column == ModeColumn ? modeColour(route.mode) : QVariant();
        case Qt::ToolTipRole:
            if (column == ModeColumn && route.deprecation && route.deprecation->deprecated &&
                route.deprecation->sunsetMs) {
                return tr("Sunset %1")
                    .arg(QDateTime::fromMSecsSinceEpoch(*route.deprecation->sunsetMs)
                             .toString(Qt::ISODate));
            }
            return {};
        default:
            return {};
    }
}

QVariant RouteTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case ApiColumn:
            return tr("API");
        case ModelColumn:
            return tr("Model");
        case ModeColumn:
            return tr("Mode");
        case StableColumn:
            return tr("Stable");
        case CandidateColumn:
            return tr("Candidate");
        case WeightColumn:
            return tr("Weight");
        case GuardColumn:
            return tr("Guard");
        default:
            return {};
    }
}

}  // namespace atalaya::ui
