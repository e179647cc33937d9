#include "widgets/RolloutControls.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

namespace atalaya::ui {

using client::RolloutAction;
using client::RouteMode;

namespace {

// The server's default steps (docs/rollout.md), shown so the operator sees what they change.
const QString kDefaultSteps = QStringLiteral("0.05, 0.25, 0.5, 1");

QString stepsText(const QList<double>& steps) {
    QStringList parts;
    for (double step : steps) {
        parts.append(QString::number(step));
    }
    return parts.join(QStringLiteral(", "));
}

// Weights in (0, 1], increasing: anything else is refused here rather than by the server.
std::optional<QList<double>> parseSteps(const QString& text) {
    QList<double> steps;
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    for (const QString& part : text.split(separators, Qt::SkipEmptyParts)) {
        bool ok = false;
        const double step = part.toDouble(&ok);
        if (!ok || step <= 0.0 || step > 1.0 || (!steps.isEmpty() && step <= steps.last())) {
            return std::nullopt;
        }
        steps.append(step);
    }
    return steps;
}

QPushButton* makeButton(const QString& text, const QString& objectName, const QString& tip) {
    auto* button = new QPushButton(text);
    button->setObjectName(objectName);
    button->setToolTip(tip);
    return button;
}

std::optional<double> unlessZero(double value) {
    return value > 0.0 ? std::optional<double>(value) : std::nullopt;
}

}  // namespace

RolloutControls::RolloutControls(QWidget* parent) : QWidget(parent) {
    m_routeLabel = new QLabel(tr("Select a route"));
    m_routeLabel->setObjectName(QStringLiteral("selectedRoute"));
    QFont bold = m_routeLabel->font();
    bold.setBold(true);
    m_routeLabel->setFont(bold);

    m_candidate = new QComboBox;
    m_candidate->setObjectName(QStringLiteral("candidateVersion"));
    m_candidate->setToolTip(tr("READY versions of the route's model other than the stable one"));

    m_shadow = makeButton(tr("Shadow"), QStringLiteral("shadowButton"),
                          tr("The candidate gets a copy of each request; clients keep the "
                             "stable version's answers"));
    m_canary = makeButton(tr("Start canary"), QStringLiteral("canaryButton"),
                          tr("The first step's share of clients goes to the candidate"));
    m_step = makeButton(tr("Step"), QStringLiteral("stepButton"),
                        tr("The next step's weight; after the last one, promote"));
    m_promote = makeButton(tr("Promote"), QStringLiteral("promoteButton"),
                           tr("The candidate becomes the stable version, pinned"));
    m_rollback = makeButton(tr("Rollback"), QStringLiteral("rollbackButton"),
                            tr("Weight 0, back to pinned on the stable version"));

    connect(m_shadow, &QPushButton::clicked, this, [this] {
        if (const auto version = candidate()) {
            Q_EMIT actionRequested(RolloutAction::shadow(*version));
        }
    });
    connect(m_canary, &QPushButton::clicked, this, &RolloutControls::requestCanary);
    connect(m_step, &QPushButton::clicked, this,
            [this] { Q_EMIT actionRequested(RolloutAction::step()); });
    connect(m_promote, &QPushButton::clicked, this,
            [this] { Q_EMIT actionRequested(RolloutAction::promote()); });
    connect(m_rollback, &QPushButton::clicked, this,
            [this] { Q_EMIT actionRequested(RolloutAction::rollback()); });
    connect(m_candidate, &QComboBox::currentIndexChanged, this, &RolloutControls::updateButtons);

    auto* candidateRow = new QHBoxLayout;
    candidateRow->addWidget(new QLabel(tr("Candidate")));
    candidateRow->addWidget(m_candidate, 1);

    auto* buttons = new QHBoxLayout;
    for (QPushButton* button : {m_shadow, m_canary, m_step, m_promote, m_rollback}) {
        buttons->addWidget(button);
    }

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_routeLabel);
    layout->addLayout(candidateRow);
    layout->addWidget(createCanaryBox());
    layout->addLayout(buttons);
    layout->addStretch(1);
    updateButtons();
}

QWidget* RolloutControls::createCanaryBox() {
    m_steps = new QLineEdit(kDefaultSteps);
    m_steps->setObjectName(QStringLiteral("canarySteps"));
    m_steps->setToolTip(tr("Shares of clients on the candidate, increasing, up to 1"));

    m_interval = new QSpinBox;
    m_interval->setObjectName(QStringLiteral("stepInterval"));
    m_interval->setRange(0, 24 * 3600);
    m_interval->setSuffix(tr(" s"));
    m_interval->setSpecialValueText(tr("manual"));

    m_maxErrorRate = new QDoubleSpinBox;
    m_maxErrorRate->setObjectName(QStringLiteral("guardMaxErrorRate"));
    m_maxErrorRate->setRange(0.0, 100.0);
    m_maxErrorRate->setDecimals(1);
    m_maxErrorRate->setSuffix(tr(" %"));
    m_maxErrorRate->setValue(5.0);

    m_maxP99 = new QDoubleSpinBox;
    m_maxP99->setObjectName(QStringLiteral("guardMaxP99"));
    m_maxP99->setRange(0.0, 600000.0);
    m_maxP99->setDecimals(0);
    m_maxP99->setSuffix(tr(" ms"));
    m_maxP99->setValue(250.0);

    m_maxLabelShift = new QDoubleSpinBox;
    m_maxLabelShift->setObjectName(QStringLiteral("guardMaxLabelShift"));
    m_maxLabelShift->setRange(0.0, 1.0);
    m_maxLabelShift->setDecimals(2);
    m_maxLabelShift->setSingleStep(0.05);
    m_maxLabelShift->setValue(0.2);

    m_minRequests = new QSpinBox;
    m_minRequests->setObjectName(QStringLiteral("guardMinRequests"));
    m_minRequests->setRange(0, 10'000'000);
    m_minRequests->setValue(50);

    for (QAbstractSpinBox* box :
         std::initializer_list<QAbstractSpinBox*>{m_maxErrorRate, m_maxP99, m_maxLabelShift}) {
        box->setSpecialValueText(tr("off"));
    }
    m_minRequests->setSpecialValueText(tr("none"));

    auto* box = new QGroupBox(tr("Canary"));
    auto* form = new QFormLayout(box);
    form->addRow(tr("Steps"), m_steps);
    form->addRow(tr("Step interval"), m_interval);
    form->addRow(tr("Roll back if error rate >"), m_maxErrorRate);
    form->addRow(tr("… or p99 >"), m_maxP99);
    form->addRow(tr("… or label shift >"), m_maxLabelShift);
    form->addRow(tr("Judge after requests"), m_minRequests);
    return box;
}

void RolloutControls::setRoute(const std::optional<client::RolloutRoute>& route,
                               const QList<client::CatalogVersion>& versions) {
    m_route = route;
    if (!route) {
        m_shownKey.clear();
        m_routeLabel->setText(tr("Select a route"));
        m_candidate->clear();
        updateButtons();
        return;
    }
    m_routeLabel->setText(
        tr("%1 %2: %3").arg(route->api, route->model, client::routeModeName(route->mode)));
    fillCandidates(*route, versions);
    const QString key = route->api + u'/' + route->model;
    if (key != m_shownKey) {
        m_shownKey = key;
        fillForm(*route);
    }
    updateButtons();
}

void RolloutControls::fillCandidates(const client::RolloutRoute& route,
                                     const QList<client::CatalogVersion>& versions) {
    QList<qint64> choices;
    for (const client::CatalogVersion& version : versions) {
        if (version.version != route.stable && version.state == client::ModelState::Ready) {
            choices.append(version.version);
        }
    }
    if (route.candidate && !choices.contains(*route.candidate)) {
        choices.append(*route.candidate);
    }
    std::sort(choices.begin(), choices.end());

    // The operator's choice survives refreshes; the default is the route's candidate, else the
    // newest version.
    std::optional<qint64> keep = candidate();
    if (!keep || !choices.contains(*keep)) {
        keep = route.candidate
                   ? route.candidate
                   : (choices.isEmpty() ? std::nullopt : std::optional<qint64>(choices.last()));
    }
    QList<qint64> shown;
    for (int i = 0; i < m_candidate->count(); ++i) {
        shown.append(m_candidate->itemData(i).toLongLong());
    }
    if (shown != choices) {
        const QSignalBlocker blocker(m_candidate);
        m_candidate->clear();
        for (qint64 version : choices) {
            m_candidate->addItem(u'v' + QString::number(version), version);
        }
    }
    if (keep) {
        m_candidate->setCurrentIndex(m_candidate->findData(*keep));
    }
}

void RolloutControls::fillForm(const client::RolloutRoute& route) {
    if (route.mode != RouteMode::Canary) {
        return;  // a pinned or shadow route has no canary settings to show; keep the defaults
    }
    m_steps->setText(route.steps.isEmpty() ? kDefaultSteps : stepsText(route.steps));
    m_interval->setValue(static_cast<int>(route.stepIntervalS));
    m_maxErrorRate->setValue(route.guard.maxErrorRate.value_or(0.0) * 100.0);
    m_maxP99->setValue(route.guard.maxP99Ms.value_or(0.0));
    m_maxLabelShift->setValue(route.guard.maxLabelShift.value_or(0.0));
    m_minRequests->setValue(static_cast<int>(route.guard.minRequests.value_or(0)));
}

std::optional<qint64> RolloutControls::candidate() const {
    if (m_candidate->currentIndex() < 0) {
        return std::nullopt;
    }
    return m_candidate->currentData().toLongLong();
}

void RolloutControls::updateButtons() {
    const bool known = m_route && m_route->mode != RouteMode::Unknown;
    const bool hasCandidate = known && m_route->candidate.has_value();
    const bool canChoose = known && candidate().has_value();
    m_shadow->setEnabled(canChoose && m_route->mode != RouteMode::Canary);
    m_canary->setEnabled(canChoose && m_route->mode != RouteMode::Canary);
    m_step->setEnabled(known && m_route->mode == RouteMode::Canary);
    m_promote->setEnabled(hasCandidate);
    m_rollback->setEnabled(hasCandidate);
}

void RolloutControls::requestCanary() {
    const std::optional<qint64> version = candidate();
    if (!version) {
        return;
    }
    const std::optional<QList<double>> steps = parseSteps(m_steps->text());
    if (!steps) {
        Q_EMIT inputRejected(
            tr("Canary steps must be increasing shares in (0, 1], e.g. %1").arg(kDefaultSteps));
        return;
    }
    client::GuardRules guard;
    if (const auto rate = unlessZero(m_maxErrorRate->value())) {
        guard.maxErrorRate = *rate / 100.0;
    }
    guard.maxP99Ms = unlessZero(m_maxP99->value());
    guard.maxLabelShift = unlessZero(m_maxLabelShift->value());
    if (m_minRequests->value() > 0) {
        guard.minRequests = m_minRequests->value();
    }
    Q_EMIT actionRequested(RolloutAction::canary(*version, *steps, m_interval->value(), guard));
}

}  // namespace atalaya::ui
