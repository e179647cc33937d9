#pragma once

#include <atalaya/Result.h>

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <optional>
#include <utility>

#include "client/ServerHealth.h"

namespace atalaya::client {

// The documents of the rollout admin API (docs/rollout.md) as the console sees them. Plain
// values: copy them freely across threads. Times are Unix milliseconds, as the API sends them.

using Interval = std::pair<double, double>;  // [low, high], e.g. a 95 % confidence interval

// --- GET /api/v1/admin/models ---

struct SmokeResult {
    qint64 passed = 0;
    qint64 total = 0;
};

struct CatalogVersion {
    qint64 version = 0;
    ModelState state = ModelState::Unknown;
    QString reason;
    std::optional<qint64> sinceMs;  // when it entered `state`
    std::optional<double> loadMs;
    bool breaking = false;  // its inputs, outputs or labels differ from the default version's
    std::optional<SmokeResult> smoke;
};

struct CatalogModel {
    QString name;
    QList<CatalogVersion> versions;
};

struct ModelCatalog {
    QList<CatalogModel> models;
};

// --- GET /api/v1/admin/rollouts ---

// Unknown keeps an older console usable against a newer server that adds a mode or a kind.
enum class RouteMode { Pinned, Shadow, Canary, Unknown };

enum class RolloutEventKind {
    Pinned,
    ShadowStarted,
    CanaryStarted,
    WeightChanged,
    Promoted,
    RolledBack,
    AutoRolledBack,
    Deprecated,
    Loaded,
    LoadFailed,
    Unloaded,
    Unknown
};

// A canary's automatic rollback rules; an absent rule is not checked.
struct GuardRules {
    std::optional<double> maxErrorRate;
    std::optional<double> maxP99Ms;
    std::optional<double> maxLabelShift;
    std::optional<qint64> minRequests;  // no verdict before the candidate has seen this many

    bool isEmpty() const { return !maxErrorRate && !maxP99Ms && !maxLabelShift && !minRequests; }
};

struct Deprecation {
    bool deprecated = false;
    std::optional<qint64> sunsetMs;
};

// One side of a route's traffic since the rollout started.
struct VersionStats {
    qint64 requests = 0;
    qint64 errors = 0;
    std::optional<double> errorRate;  // empty before the first request
    std::optional<Interval> errorRateCi;
    std::optional<double> p50Ms;
    std::optional<double> p99Ms;
    QMap<QString, double> labelShare;  // label -> share of the answers, summing to about 1
};

struct ShadowStats {
    qint64 compared = 0;
    std::optional<double> agreement;  // share of compared requests with the same label
    std::optional<Interval> agreementCi;
    std::optional<double> meanAbsScoreDiff;
};

struct RouteStats {
    std::optional<qint64> sinceMs;
    std::optional<VersionStats> stable;
    std::optional<VersionStats> candidate;
    std::optional<ShadowStats> shadow;
};

struct RolloutEvent {
    qint64 timeMs = 0;
    QString api;  // empty for model-level events (loaded, unloaded...)
    QString model;
    RolloutEventKind kind = RolloutEventKind::Unknown;
    QString kindName;  // as the server spelled it, so an unknown kind still reads
    std::optional<qint64> fromVersion;
    std::optional<qint64> toVersion;
    std::optional<double> weight;
    QString actor;  // the admin key's name, or "guard" for an automatic rollback
    QString address;
    QJsonObject detail;  // free-form; for auto_rolled_back the rule and the numbers
};

// The traffic policy of one API version for one model.
struct RolloutRoute {
    QString api;
    QString model;
    RouteMode mode = RouteMode::Unknown;
    qint64 stable = 0;
    std::optional<qint64> candidate;  // empty when pinned
    double weight = 0.0;              // share of clients on the candidate (canary)
    QList<double> steps;
    qint64 stepIntervalS = 0;  // 0: steps are manual
    std::optional<qint64> nextStepAtMs;
    GuardRules guard;
    std::optional<Deprecation> deprecation;
    RouteStats stats;
    std::optional<RolloutEvent> lastEvent;
};

struct RolloutState {
    QList<RolloutRoute> routes;
};

// Parsers of the answers of docs/rollout.md. Required: the fields that identify a thing (model
// "name" and "versions", a version's "version" and "state", a route's "api", "model", "mode"
// and "stable", an event's "time_ms" and "kind"); every other field may be absent or null and
// keeps its default. A field of the wrong JSON type is an InvalidArgument error naming its
// path; unknown fields are ignored.
Result<ModelCatalog> parseModelCatalog(const QByteArray& json);
Result<CatalogVersion> parseCatalogVersion(const QByteArray& json);  // a load/unload answer
Result<RolloutState> parseRolloutState(const QByteArray& json);
Result<RolloutRoute> parseRolloutRoute(const QByteArray& json);  // a rollout action's answer
Result<QList<RolloutEvent>> parseRolloutEvents(const QByteArray& json);

QString routeModeName(RouteMode mode);                // "pinned", ... as the API spells them
QString rolloutEventKindName(RolloutEventKind kind);  // "auto_rolled_back", ...

}  // namespace atalaya::client
