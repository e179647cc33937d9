#pragma once

#include "client/ServerHealth.h"
#include "models/RowTableModel.h"

namespace atalaya::ui {

// One row per model version from the health document, in the server's order.
class ModelTableModel : public RowTableModel<client::ModelVersionHealth> {
    Q_OBJECT

public:
    enum Column : int {
        NameColumn,
        VersionColumn,
        StateColumn,
        QueueColumn,
        InFlightColumn,
        P50Column,
        P99Column,
        SuccessRateColumn,
        ReasonColumn,  // last: it is the one that may be long, and it stretches
        ColumnCount
    };

    explicit ModelTableModel(QObject* parent = nullptr) : RowTableModel(ColumnCount, parent) {}

    // Updates in place (dataChanged) when the same versions come back in the same order, which
    // is every poll in steady state: a reset each second would drop the view's selection.
    void setModels(QList<client::ModelVersionHealth> models);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
};

}  // namespace atalaya::ui
