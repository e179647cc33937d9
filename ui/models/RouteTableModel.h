#pragma once

#include "client/RolloutTypes.h"
#include "models/RowTableModel.h"

namespace atalaya::ui {

// One row per route (API version × model) of GET /api/v1/admin/rollouts: its mode, versions,
// the candidate's weight and the guard that can roll it back. Thread affinity: GUI thread.
class RouteTableModel : public RowTableModel<client::RolloutRoute> {
    Q_OBJECT

public:
    enum Column : int {
        ApiColumn,
        ModelColumn,
        ModeColumn,
        StableColumn,
        CandidateColumn,
        WeightColumn,  // Qt::UserRole holds the weight as a double in 0..1
        GuardColumn,   // last: the long one, it stretches
        ColumnCount
    };

    explicit RouteTableModel(QObject* parent = nullptr) : RowTableModel(ColumnCount, parent) {}

    // Updates in place when the same routes come back in the same order, so the view keeps its
    // selection.
    void setRoutes(QList<client::RolloutRoute> routes);
    // Replaces the route with the same api and model (an action's answer), if it is shown.
    void updateRoute(const client::RolloutRoute& route);

    int rowOf(const QString& api, const QString& model) const;  // -1 when absent

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
};

}  // namespace atalaya::ui
