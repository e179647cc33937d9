#include "models/ModelTableModel.h"

#include <QColor>
#include <optional>
#include <utility>

#include "models/StateColours.h"

namespace atalaya::ui {

using client::ModelState;
using client::ModelVersionHealth;

namespace {

const QString kMissing = QStringLiteral("–");  // no requests in the last minute

QString milliseconds(const std::optional<double>& value) {
    if (!value) {
        return kMissing;
    }
    return QString::number(*value, 'f', *value < 10.0 ? 2 : 1);
}

QString percent(const std::optional<double>& ratio) {
    return ratio ? QString::number(*ratio * 100.0, 'f', 1) + u" %" : kMissing;
}

QVariant displayText(const ModelVersionHealth& model, int column) {
    switch (column) {
        case ModelTableModel::NameColumn:
            return model.name;
        case ModelTableModel::VersionColumn:
            return model.version;
        case ModelTableModel::StateColumn:
            return client::modelStateName(model.state);
        case ModelTableModel::QueueColumn:
            return model.queueDepth;
        case ModelTableModel::InFlightColumn:
            return model.inFlight;
        case ModelTableModel::P50Column:
            return milliseconds(model.lastMinute.p50Ms);
        case ModelTableModel::P99Column:
            return milliseconds(model.lastMinute.p99Ms);
        case ModelTableModel::SuccessRateColumn:
            return percent(model.lastMinute.successRate);
        case ModelTableModel::ReasonColumn:
            return model.reason;
        default:
            return {};
    }
}

}  // namespace

void ModelTableModel::setModels(QList<ModelVersionHealth> models) {
    replaceRows(std::move(models), [](const ModelVersionHealth& a, const ModelVersionHealth& b) {
        return a.name == b.name && a.version == b.version;
    });
}

QVariant ModelTableModel::data(const QModelIndex& index, int role) const {
    const ModelVersionHealth* row = rowAt(index);
    if (row == nullptr) {
        return {};
    }
    const ModelVersionHealth& model = *row;
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return displayText(model, column);
        case Qt::ToolTipRole:
            if (column == StateColumn || column == ReasonColumn) {
                return model.reason.isEmpty() ? QVariant() : model.reason;
            }
            return {};
        case Qt::TextAlignmentRole:
            if (column == NameColumn || column == ReasonColumn) {
                return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
            }
            if (column == StateColumn) {
                return QVariant::fromValue(Qt::AlignCenter);
            }
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::BackgroundRole:
            return column == StateColumn ? QVariant(modelStateColours(model.state).first)
                                         : QVariant();
        case Qt::ForegroundRole:
            return column == StateColumn ? QVariant(modelStateColours(model.state).second)
                                         : QVariant();
        default:
            return {};
    }
}

QVariant ModelTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) {
        return {};
    }
    if (role == Qt::ToolTipRole && section >= P50Column && section <= SuccessRateColumn) {
        return tr("Over the last minute");
    }
    if (role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case NameColumn:
            return tr("Model");
        case VersionColumn:
            return tr("Version");
        case StateColumn:
            return tr("State");
        case QueueColumn:
            return tr("Queue");
        case InFlightColumn:
            return tr("In flight");
        case P50Column:
            return tr("p50 ms");
        case P99Column:
            return tr("p99 ms");
        case SuccessRateColumn:
            return tr("Success");
        case ReasonColumn:
            return tr("Reason");
        default:
            return {};
    }
}

}  // namespace atalaya::ui
