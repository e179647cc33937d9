#include "models/RolloutEventModel.h"

#include <QColor>
#include <QDateTime>
#include <QFont>
#include <algorithm>
#include <utility>

#include "models/RolloutText.h"

namespace atalaya::ui {

using client::RolloutEvent;
using client::RolloutEventKind;

namespace {

bool isFailure(const RolloutEvent& event) {
    return event.kind == RolloutEventKind::AutoRolledBack ||
           event.kind == RolloutEventKind::LoadFailed;
}

QVariant displayText(const RolloutEvent& event, int column) {
    switch (column) {
        case RolloutEventModel::TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(event.timeMs)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        case RolloutEventModel::RouteColumn:
            return event.api.isEmpty() ? event.model : QString(event.api + u' ' + event.model);
        case RolloutEventModel::KindColumn:
            return event.kindName;
        case RolloutEventModel::VersionsColumn:
            return rollout_text::versions(event.fromVersion, event.toVersion);
        case RolloutEventModel::WeightColumn:
            return event.weight ? rollout_text::percent(event.weight, 0) : QString();
        case RolloutEventModel::ActorColumn:
            return event.address.isEmpty() ? event.actor
                                           : QString(event.actor + u" (" + event.address + u')');
        case RolloutEventModel::DetailColumn:
            return rollout_text::detail(event.detail);
        default:
            return {};
    }
}

}  // namespace

void RolloutEventModel::setEvents(QList<RolloutEvent> events) {
    const bool same = std::equal(rows().begin(), rows().end(), events.begin(), events.end(),
                                 [](const RolloutEvent& a, const RolloutEvent& b) {
                                     return a.timeMs == b.timeMs && a.kindName == b.kindName &&
                                            a.api == b.api && a.model == b.model;
                                 });
    if (same) {
        return;  // the history only grows; an unchanged one needs no repaint
    }
    resetRows(std::move(events));
}

QVariant RolloutEventModel::data(const QModelIndex& index, int role) const {
    const RolloutEvent* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    const RolloutEvent& event = *row;
    switch (role) {
        case Qt::DisplayRole:
            return displayText(event, index.column());
        case Qt::ToolTipRole:
            return index.column() == DetailColumn ? displayText(event, DetailColumn) : QVariant();
        case Qt::BackgroundRole:
            return isFailure(event) ? QVariant(QColor(0xfb, 0xd3, 0xd3)) : QVariant();
        case Qt::ForegroundRole:
            return isFailure(event) ? QVariant(QColor(0xa1, 0x12, 0x12)) : QVariant();
        case Qt::FontRole:
            if (isFailure(event) && index.column() == KindColumn) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        default:
            return {};
    }
}

QVariant RolloutEventModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case TimeColumn:
            return tr("Time");
        case RouteColumn:
            return tr("Route");
        case KindColumn:
            return tr("Event");
        case VersionsColumn:
            return tr("Versions");
        case WeightColumn:
            return tr("Weight");
        case ActorColumn:
            return tr("By");
        case DetailColumn:
            return tr("Detail");
        default:
            return {};
    }
}

}  // namespace atalaya::ui
