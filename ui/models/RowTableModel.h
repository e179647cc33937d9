#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <algorithm>
#include <utility>

namespace atalaya::ui {

// What the console's table models share: one row per item of a list, a fixed set of columns,
// and replacing the list in place when the same items come back in the same order (every
// refresh in steady state), so the view keeps its selection and scroll position. A subclass
// adds data() and headerData().
//
// Thread affinity: GUI thread.
template <class Row>
class RowTableModel : public QAbstractTableModel {
public:
    RowTableModel(int columnCount, QObject* parent)
        : QAbstractTableModel(parent), m_columnCount(columnCount) {}

    const QList<Row>& rows() const { return m_rows; }

    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
    }
    int columnCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : m_columnCount;
    }

protected:
    // Replaces the rows: in place (dataChanged) when `sameItem` pairs the old rows with the new
    // ones in order, otherwise with a reset.
    template <class SameItem>
    void replaceRows(QList<Row> rows, SameItem sameItem) {
        if (std::equal(m_rows.begin(), m_rows.end(), rows.begin(), rows.end(), sameItem)) {
            m_rows = std::move(rows);
            if (!m_rows.isEmpty()) {
                Q_EMIT this->dataChanged(this->index(0, 0),
                                         this->index(rowCount() - 1, m_columnCount - 1));
            }
            return;
        }
        resetRows(std::move(rows));
    }

    void resetRows(QList<Row> rows) {
        this->beginResetModel();
        m_rows = std::move(rows);
        this->endResetModel();
    }

    void replaceRow(int row, Row value) {
        m_rows[row] = std::move(value);
        Q_EMIT this->dataChanged(this->index(row, 0), this->index(row, m_columnCount - 1));
    }

    // The row of the first item that `matches`, or -1.
    template <class Matches>
    int rowWhere(Matches matches) const {
        const auto found = std::find_if(m_rows.begin(), m_rows.end(), matches);
        return found == m_rows.end() ? -1 : static_cast<int>(found - m_rows.begin());
    }

    // The row `index` points at; nullptr when it points nowhere in this model.
    const Row* rowAt(const QModelIndex& index) const {
        return this->checkIndex(index, QAbstractItemModel::CheckIndexOption::IndexIsValid)
                   ? &m_rows.at(index.row())
                   : nullptr;
    }

private:
    QList<Row> m_rows;
    int m_columnCount;
};

}  // namespace atalaya::ui
