#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "client/RolloutTypes.h"

namespace atalaya::ui {

// The rollout event history (GET /api/v1/admin/rollouts/events), newest first as the server
// sends it. An automatic rollback stands out (red fill) and spells its reason in the detail.
// Thread affinity: GUI thread.
class RolloutEventModel : public QAbstractTableModel {
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

    using QAbstractTableModel::QAbstractTableModel;

    void setEvents(QList<client::RolloutEvent> events);
    const QList<client::RolloutEvent>& events() const { return m_events; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<client::RolloutEvent> m_events;
};

}  // namespace atalaya::ui
