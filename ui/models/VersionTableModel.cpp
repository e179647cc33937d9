#include "models/VersionTableModel.h"

#include <QColor>
#include <utility>

#include "models/RolloutText.h"
#include "models/StateColours.h"

namespace atalaya::ui {

namespace {

QVariant displayText(const VersionTableModel::Row& row, int column) {
    const client::CatalogVersion& version = row.version;
    switch (column) {
        case VersionTableModel::ModelColumn:
            return row.model;
        case VersionTableModel::VersionColumn:
            return version.version;
        case VersionTableModel::StateColumn:
            return client::modelStateName(version.state);
        case VersionTableModel::SinceColumn:
            return rollout_text::timeOfDay(version.sinceMs);
        case VersionTableModel::SmokeColumn:
            return version.smoke ? QStringLiteral("%1/%2")
                                       .arg(version.smoke->passed)
                                       .arg(version.smoke->total)
                                 : QStringLiteral("–");
        case VersionTableModel::BreakingColumn:
            return version.breaking ? VersionTableModel::tr("breaking") : QString();
        case VersionTableModel::ReasonColumn:
            return version.reason;
        default:
            return {};
    }
}

}  // namespace

void VersionTableModel::setCatalog(const client::ModelCatalog& catalog) {
    QList<Row> rows;
    for (const client::CatalogModel& model : catalog.models) {
        for (const client::CatalogVersion& version : model.versions) {
            rows.append({model.name, version});
        }
    }
    replaceRows(std::move(rows), [](const Row& a, const Row& b) {
        return a.model == b.model && a.version.version == b.version.version;
    });
}

QVariant VersionTableModel::data(const QModelIndex& index, int role) const {
    const Row* found = rowAt(index);
    if (found == nullptr) {
        return {};
    }
    const Row& row = *found;
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return displayText(row, column);
        case Qt::ToolTipRole:
            if (column == StateColumn || column == ReasonColumn) {
                return row.version.reason.isEmpty() ? QVariant() : row.version.reason;
            }
            if (column == BreakingColumn && row.version.breaking) {
                return tr(
                    "Inputs, outputs or labels differ from the default version: only "
                    "reachable on an API version of its own");
            }
            return {};
        case Qt::BackgroundRole:
            return column == StateColumn ? QVariant(modelStateColours(row.version.state).first)
                                         : QVariant();
        case Qt::ForegroundRole:
            return column == StateColumn ? QVariant(modelStateColours(row.version.state).second)
                                         : QVariant();
        default:
            return {};
    }
}

QVariant VersionTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case ModelColumn:
            return tr("Model");
        case VersionColumn:
            return tr("Version");
        case StateColumn:
            return tr("State");
        case SinceColumn:
            return tr("Since");
        case SmokeColumn:
            return tr("Smoke");
        case BreakingColumn:
            return tr("Change");
        case ReasonColumn:
            return tr("Reason");
        default:
            return {};
    }
}

}  // namespace atalaya::ui
