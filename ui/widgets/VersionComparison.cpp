#include "widgets/VersionComparison.h"

#include <QGridLayout>
#include <QLabel>
#include <QProgressBar>
#include <cmath>

#include "models/RolloutText.h"

namespace atalaya::ui {

namespace {

QLabel* valueLabel(const QString& objectName) {
    auto* label = new QLabel(QStringLiteral("–"));
    label->setObjectName(objectName);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return label;
}

}  // namespace

VersionComparison::VersionComparison(QWidget* parent) : QWidget(parent) {
    m_stable = makeColumn(QStringLiteral("stable"));
    m_candidate = makeColumn(QStringLiteral("candidate"));

    m_weight = new QProgressBar;
    m_weight->setObjectName(QStringLiteral("candidateWeight"));
    m_weight->setRange(0, 1000);
    m_weight->setFormat(tr("no canary"));
    m_weight->setValue(0);

    m_agreement = new QLabel(QStringLiteral("–"));
    m_agreement->setObjectName(QStringLiteral("shadowAgreement"));
    m_agreement->setWordWrap(true);
    m_fromLog = new QLabel(QStringLiteral("–"));
    m_fromLog->setObjectName(QStringLiteral("shadowFromLog"));
    m_fromLog->setWordWrap(true);
    m_fromLog->setToolTip(
        tr("The shadow's answers paired with the clients' in the inference log since the stage "
           "began; latency is socket-to-answer for the stable version, queue and forward pass "
           "for the shadow"));
    m_nextStep = new QLabel;
    m_nextStep->setObjectName(QStringLiteral("nextStep"));

    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    const QStringList rows = {tr("Version"), tr("Requests"), tr("Error rate [95 % CI]"), tr("p50"),
                              tr("p99")};
    grid->addWidget(new QLabel(tr("<b>Stable</b>")), 0, 1, Qt::AlignRight);
    grid->addWidget(new QLabel(tr("<b>Candidate</b>")), 0, 2, Qt::AlignRight);
    for (int row = 0; row < rows.size(); ++row) {
        grid->addWidget(new QLabel(rows.at(row)), row + 1, 0);
    }
    int column = 1;
    for (const Column& side : {m_stable, m_candidate}) {
        int row = 1;
        for (QLabel* label : {side.version, side.requests, side.errorRate, side.p50, side.p99}) {
            grid->addWidget(label, row++, column);
        }
        ++column;
    }
    const int below = static_cast<int>(rows.size()) + 1;
    grid->addWidget(new QLabel(tr("Candidate weight")), below, 0);
    grid->addWidget(m_weight, below, 1, 1, 2);
    grid->addWidget(m_nextStep, below + 1, 1, 1, 2);
    grid->addWidget(new QLabel(tr("Shadow agreement")), below + 2, 0);
    grid->addWidget(m_agreement, below + 2, 1, 1, 2);
    grid->addWidget(new QLabel(tr("… from the log")), below + 3, 0);
    grid->addWidget(m_fromLog, below + 3, 1, 1, 2);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(2, 1);
    grid->setRowStretch(below + 3, 1);
}

VersionComparison::Column VersionComparison::makeColumn(const QString& role) {
    return {valueLabel(role + u"Version"), valueLabel(role + u"Requests"),
            valueLabel(role + u"ErrorRate"), valueLabel(role + u"P50"), valueLabel(role + u"P99")};
}

void VersionComparison::showStats(const Column& column, const QString& version,
                                  const std::optional<client::VersionStats>& stats) {
    column.version->setText(version);
    if (!stats) {
        for (QLabel* label : {column.requests, column.errorRate, column.p50, column.p99}) {
            label->setText(QStringLiteral("–"));
        }
        return;
    }
    column.requests->setText(tr("%1 (%2 errors)").arg(stats->requests).arg(stats->errors));
    column.errorRate->setText(rollout_text::percentWithCi(stats->errorRate, stats->errorRateCi));
    column.p50->setText(rollout_text::milliseconds(stats->p50Ms));
    column.p99->setText(rollout_text::milliseconds(stats->p99Ms));
}

void VersionComparison::setRoute(const std::optional<client::RolloutRoute>& route) {
    if (!route) {
        showStats(m_stable, QStringLiteral("–"), std::nullopt);
        showStats(m_candidate, QStringLiteral("–"), std::nullopt);
        m_weight->setValue(0);
        m_weight->setFormat(tr("no canary"));
        m_agreement->setText(QStringLiteral("–"));
        m_nextStep->clear();
        return;
    }
    showStats(m_stable, u'v' + QString::number(route->stable), route->stats.stable);
    showStats(m_candidate,
              route->candidate ? u'v' + QString::number(*route->candidate) : QStringLiteral("–"),
              route->candidate ? route->stats.candidate : std::nullopt);

    const bool canary = route->mode == client::RouteMode::Canary;
    m_weight->setValue(canary ? static_cast<int>(std::lround(route->weight * 1000.0)) : 0);
    m_weight->setFormat(canary ? rollout_text::percent(route->weight) : tr("no canary"));
    m_nextStep->setText(
        route->nextStepAtMs
            ? tr("next step at %1").arg(rollout_text::timeOfDay(route->nextStepAtMs))
            : QString());

    const std::optional<client::ShadowStats>& shadow = route->stats.shadow;
    if (!shadow || shadow->compared == 0) {
        m_agreement->setText(route->mode == client::RouteMode::Shadow
                                 ? tr("no requests compared yet")
                                 : QStringLiteral("–"));
        return;
    }
    QString text = tr("%1 of %2 compared")
                       .arg(rollout_text::percentWithCi(shadow->agreement, shadow->agreementCi))
                       .arg(shadow->compared);
    if (shadow->meanAbsScoreDiff) {
        text += tr(" · mean |Δ score| %1").arg(*shadow->meanAbsScoreDiff, 0, 'g', 3);
    }
    m_agreement->setText(text);
}

void VersionComparison::setShadowFromLog(const std::optional<client::ShadowPair>& pair) {
    if (!pair) {
        m_fromLog->setText(QStringLiteral("–"));
        return;
    }
    if (pair->compared == 0) {
        m_fromLog->setText(
            pair->candidateErrors > 0
                ? tr("no answers to compare (%1 shadow errors)").arg(pair->candidateErrors)
                : tr("no requests logged yet"));
        return;
    }
    QString text = tr("%1 of %2 compared")
                       .arg(rollout_text::percentWithCi(pair->agreement, pair->agreementCi))
                       .arg(pair->compared);
    if (pair->meanAbsScoreDiff) {
        text += tr(" · mean |Δ score| %1").arg(*pair->meanAbsScoreDiff, 0, 'g', 3);
    }
    if (pair->candidateErrors > 0) {
        text += tr(" · %1 shadow errors").arg(pair->candidateErrors);
    }
    text += tr("\np50 v%1 %2, v%3 %4 · p99 v%1 %5, v%3 %6")
                .arg(pair->stableVersion)
                .arg(rollout_text::milliseconds(pair->stableLatency.p50Ms))
                .arg(pair->candidateVersion)
                .arg(rollout_text::milliseconds(pair->candidateLatency.p50Ms))
                .arg(rollout_text::milliseconds(pair->stableLatency.p99Ms))
                .arg(rollout_text::milliseconds(pair->candidateLatency.p99Ms));
    m_fromLog->setText(text);
}

}  // namespace atalaya::ui
