#pragma once

#include "client/RolloutTypes.h"
#include "models/RowTableModel.h"

namespace atalaya::ui {

// The rollout event history (GET /api/v1/admin/rollouts/events), newest first as the server
// sends it. An automatic rollback stands out (red fill) and spells its reason in the detail.
// Thread affinity: GUI thread.
class RolloutEventModel : public RowTableModel<client::RolloutEvent> {
    Q_OBJECT

public:
    enum Column : int {
        TimeColumn,
        RouteColumn,
        KindColumn,
        VersionsColumn,
        WeightColumn,
        ActorColumn,
        DetailColumn,  // last: the long one, it stretches
        ColumnCount
    };

    explicit RolloutEventModel(QObject* parent = nullptr) : RowTableModel(ColumnCount, parent) {}

    void setEvents(QList<client::RolloutEvent> events);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
};

}  // namespace atalaya::ui
