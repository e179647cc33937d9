#pragma once

#include "client/RolloutTypes.h"
#include "models/RowTableModel.h"

namespace atalaya::ui {

struct VersionRow {
    QString model;
    client::CatalogVersion version;
};

// One row per model version of the admin catalog (GET /api/v1/admin/models): its lifecycle
// state, since when and why, and its smoke-set result. Thread affinity: GUI thread.
class VersionTableModel : public RowTableModel<VersionRow> {
    Q_OBJECT

public:
    enum Column : int {
        ModelColumn,
        VersionColumn,
        StateColumn,
        SinceColumn,
        SmokeColumn,
        BreakingColumn,
        ReasonColumn,  // last: the long one, it stretches
        ColumnCount
    };

    using Row = VersionRow;

    explicit VersionTableModel(QObject* parent = nullptr) : RowTableModel(ColumnCount, parent) {}

    // Updates in place when the same versions come back in the same order (every refresh in
    // steady state), so the view keeps its selection.
    void setCatalog(const client::ModelCatalog& catalog);

    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;
};

}  // namespace atalaya::ui
