#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <optional>

#include "client/RolloutTypes.h"

namespace atalaya::client {

enum class RolloutActionKind { Pin, Shadow, Canary, Step, SetWeight, Promote, Rollback, Deprecate };

// One change to a route's traffic policy: the body of POST /api/v1/admin/rollouts/{api}/{model}
// (docs/rollout.md, "Actions"). Build it with the named constructors, which set the fields
// their action uses; the others are not sent. Plain value.
struct RolloutAction {
    RolloutActionKind kind = RolloutActionKind::Step;
    qint64 version = 0;    // pin
    qint64 candidate = 0;  // shadow, canary
    QList<double> steps;   // canary; empty sends none, so the server's default applies
    std::optional<qint64> stepIntervalS;  // canary; 0: manual steps; empty: server default
    GuardRules guard;                     // canary; absent rules are not sent
    double weight = 0.0;                  // set_weight, 0..1
    QDateTime sunset;                     // deprecate

    static RolloutAction pin(qint64 version);
    static RolloutAction shadow(qint64 candidate);
    static RolloutAction canary(qint64 candidate, QList<double> steps,
                                std::optional<qint64> stepIntervalS, GuardRules guard);
    static RolloutAction step();
    static RolloutAction setWeight(double weight);
    static RolloutAction promote();
    static RolloutAction rollback();
    static RolloutAction deprecate(QDateTime sunset);
};

QString rolloutActionName(RolloutActionKind kind);  // "pin", "set_weight", ... as the API
// The JSON body, e.g. {"action":"canary","candidate":2,"steps":[0.05,0.5,1],"guard":{...}};
// the sunset is sent as RFC 3339 in UTC.
QByteArray encodeRolloutAction(const RolloutAction& action);

}  // namespace atalaya::client
