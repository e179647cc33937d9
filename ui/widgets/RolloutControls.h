#pragma once

#include <QList>
#include <QString>
#include <QWidget>
#include <optional>

#include "client/RolloutAction.h"
#include "client/RolloutTypes.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace atalaya::ui {

// The actions on one route: a candidate version, the canary's steps, step interval and guard
// rules, and the Shadow / Start canary / Step / Promote / Rollback buttons, each enabled only
// when its action makes sense in the route's mode. It only turns the operator's input into a
// typed action; the page sends it. Thread affinity: GUI thread.
class RolloutControls : public QWidget {
    Q_OBJECT

public:
    explicit RolloutControls(QWidget* parent = nullptr);

    // Shows `route` (none: everything disabled) with the catalog's `versions` of its model as
    // candidates. The form is filled from the route only when another route is shown, so a
    // refresh never overwrites what the operator is typing.
    void setRoute(const std::optional<client::RolloutRoute>& route,
                  const QList<client::CatalogVersion>& versions);

Q_SIGNALS:
    void actionRequested(const atalaya::client::RolloutAction& action);
    void inputRejected(const QString& message);  // e.g. steps that do not parse

private:
    QWidget* createCanaryBox();
    void fillCandidates(const client::RolloutRoute& route,
                        const QList<client::CatalogVersion>& versions);
    void fillForm(const client::RolloutRoute& route);
    void updateButtons();
    std::optional<qint64> candidate() const;
    void requestCanary();

    std::optional<client::RolloutRoute> m_route;
    QString m_shownKey;  // "api/model" of the route the form was filled from

    QLabel* m_routeLabel = nullptr;
    QComboBox* m_candidate = nullptr;
    QLineEdit* m_steps = nullptr;
    QSpinBox* m_interval = nullptr;
    QDoubleSpinBox* m_maxErrorRate = nullptr;   // percent; 0 is off
    QDoubleSpinBox* m_maxP99 = nullptr;         // ms; 0 is off
    QDoubleSpinBox* m_maxLabelShift = nullptr;  // 0 is off
    QSpinBox* m_minRequests = nullptr;          // 0 is off
    QPushButton* m_shadow = nullptr;
    QPushButton* m_canary = nullptr;
    QPushButton* m_step = nullptr;
    QPushButton* m_promote = nullptr;
    QPushButton* m_rollback = nullptr;
};

}  // namespace atalaya::ui
