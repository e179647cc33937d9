#pragma once

#include <QAbstractTableModel>
#include <QList>

#include "client/RolloutTypes.h"

namespace atalaya::ui {

// One row per model version of the admin catalog (GET /api/v1/admin/models): its lifecycle
// state, since when and why, and its smoke-set result. Thread affinity: GUI thread.
class VersionTableModel : public QAbstractTableModel {
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

    struct Row {
        QString model;
        client::CatalogVersion version;
    };

    using QAbstractTableModel::QAbstractTableModel;

    // Updates in place when the same versions come back in the same order (every refresh in
    // steady state), so the view keeps its selection.
    void setCatalog(const client::ModelCatalog& catalog);
    const QList<Row>& rows() const { return m_rows; }
    // The row of `model` version `version`, or -1.
    int rowOf(const QString& model, qint64 version) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QList<Row> m_rows;
};

}  // namespace atalaya::ui
