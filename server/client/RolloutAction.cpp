#include "client/RolloutAction.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <utility>

namespace atalaya::client {

namespace {

RolloutAction ofKind(RolloutActionKind kind) {
    RolloutAction action;
    action.kind = kind;
    return action;
}

QJsonObject encodeGuard(const GuardRules& guard) {
    QJsonObject object;
    if (guard.maxErrorRate) {
        object.insert(u"max_error_rate", *guard.maxErrorRate);
    }
    if (guard.maxP99Ms) {
        object.insert(u"max_p99_ms", *guard.maxP99Ms);
    }
    if (guard.maxLabelShift) {
        object.insert(u"max_label_shift", *guard.maxLabelShift);
    }
    if (guard.minRequests) {
        object.insert(u"min_requests", *guard.minRequests);
    }
    return object;
}

}  // namespace

RolloutAction RolloutAction::pin(qint64 version) {
    RolloutAction action = ofKind(RolloutActionKind::Pin);
    action.version = version;
    return action;
}

RolloutAction RolloutAction::shadow(qint64 candidate) {
    RolloutAction action = ofKind(RolloutActionKind::Shadow);
    action.candidate = candidate;
    return action;
}

RolloutAction RolloutAction::canary(qint64 candidate, QList<double> steps,
                                    std::optional<qint64> stepIntervalS, GuardRules guard) {
    RolloutAction action = ofKind(RolloutActionKind::Canary);
    action.candidate = candidate;
    action.steps = std::move(steps);
    action.stepIntervalS = stepIntervalS;
    action.guard = guard;
    return action;
}

RolloutAction RolloutAction::step() {
    return ofKind(RolloutActionKind::Step);
}

RolloutAction RolloutAction::setWeight(double weight) {
    RolloutAction action = ofKind(RolloutActionKind::SetWeight);
    action.weight = weight;
    return action;
}

RolloutAction RolloutAction::promote() {
    return ofKind(RolloutActionKind::Promote);
}

RolloutAction RolloutAction::rollback() {
    return ofKind(RolloutActionKind::Rollback);
}

RolloutAction RolloutAction::deprecate(QDateTime sunset) {
    RolloutAction action = ofKind(RolloutActionKind::Deprecate);
    action.sunset = std::move(sunset);
    return action;
}

QString rolloutActionName(RolloutActionKind kind) {
    switch (kind) {
        case RolloutActionKind::Pin:
            return QStringLiteral("pin");
        case RolloutActionKind::Shadow:
            return QStringLiteral("shadow");
        case RolloutActionKind::Canary:
            return QStringLiteral("canary");
        case RolloutActionKind::Step:
            return QStringLiteral("step");
        case RolloutActionKind::SetWeight:
            return QStringLiteral("set_weight");
        case RolloutActionKind::Promote:
            return QStringLiteral("promote");
        case RolloutActionKind::Rollback:
            return QStringLiteral("rollback");
        case RolloutActionKind::Deprecate:
            return QStringLiteral("deprecate");
    }
    return {};
}

QByteArray encodeRolloutAction(const RolloutAction& action) {
    QJsonObject body{{QStringLiteral("action"), rolloutActionName(action.kind)}};
    switch (action.kind) {
        case RolloutActionKind::Pin:
            body.insert(u"version", action.version);
            break;
        case RolloutActionKind::Shadow:
            body.insert(u"candidate", action.candidate);
            break;
        case RolloutActionKind::Canary: {
            body.insert(u"candidate", action.candidate);
            if (!action.steps.isEmpty()) {
                QJsonArray steps;
                for (double step : action.steps) {
                    steps.append(step);
                }
                body.insert(u"steps", steps);
            }
            if (action.stepIntervalS) {
                body.insert(u"step_interval_s", *action.stepIntervalS);
            }
            if (!action.guard.isEmpty()) {
                body.insert(u"guard", encodeGuard(action.guard));
            }
            break;
        }
        case RolloutActionKind::SetWeight:
            body.insert(u"weight", action.weight);
            break;
        case RolloutActionKind::Deprecate:
            body.insert(u"sunset", action.sunset.toUTC().toString(Qt::ISODate));
            break;
        case RolloutActionKind::Step:
        case RolloutActionKind::Promote:
        case RolloutActionKind::Rollback:
            break;
    }
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

}  // namespace atalaya::client
