#include "client/RolloutTypes.h"

#include <array>

#include "client/JsonFields.h"

namespace atalaya::client {

namespace {

using Presence = JsonFields::Presence;

constexpr std::array kRouteModes = {RouteMode::Pinned, RouteMode::Shadow, RouteMode::Canary};
constexpr std::array kEventKinds = {
    RolloutEventKind::Pinned,         RolloutEventKind::ShadowStarted,
    RolloutEventKind::CanaryStarted,  RolloutEventKind::WeightChanged,
    RolloutEventKind::Promoted,       RolloutEventKind::RolledBack,
    RolloutEventKind::AutoRolledBack, RolloutEventKind::Deprecated,
    RolloutEventKind::Loaded,         RolloutEventKind::LoadFailed,
    RolloutEventKind::Unloaded};

// The enumerator whose API name is `text`, or `unknown`.
template <class Enum, std::size_t N, class NameOf>
Enum fromName(const QString& text, const std::array<Enum, N>& values, NameOf nameOf, Enum unknown) {
    for (Enum value : values) {
        if (text == nameOf(value)) {
            return value;
        }
    }
    return unknown;
}

Status readSmoke(const JsonFields& fields, SmokeResult& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"passed", Presence::Optional, out.passed));
    return fields.readInteger(u"total", Presence::Optional, out.total);
}

Status readVersion(const JsonFields& fields, CatalogVersion& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"version", Presence::Required, out.version));
    QString state;
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"state", Presence::Required, state));
    out.state = modelStateFromName(state);
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"reason", Presence::Optional, out.reason));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"since_ms", out.sinceMs));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"load_ms", out.loadMs));
    ATALAYA_RETURN_IF_ERROR(fields.readBool(u"breaking", out.breaking));
    SmokeResult smoke;
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(fields.readObject(
        u"smoke", Presence::Optional,
        [&smoke](const JsonFields& inner) { return readSmoke(inner, smoke); }, &found));
    if (found) {
        out.smoke = smoke;
    }
    return Status::ok();
}

Status readModel(const JsonFields& fields, CatalogModel& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"name", Presence::Required, out.name));
    return fields.readList(u"versions", Presence::Required, readVersion, out.versions);
}

Status readGuard(const JsonFields& fields, GuardRules& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"max_error_rate", out.maxErrorRate));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"max_p99_ms", out.maxP99Ms));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"max_label_shift", out.maxLabelShift));
    return fields.readInteger(u"min_requests", out.minRequests);
}

Status readDeprecation(const JsonFields& fields, Deprecation& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readBool(u"deprecated", out.deprecated));
    return fields.readInteger(u"sunset_ms", out.sunsetMs);
}

Status readVersionStats(const JsonFields& fields, VersionStats& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"requests", Presence::Optional, out.requests));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"errors", Presence::Optional, out.errors));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"error_rate", out.errorRate));
    ATALAYA_RETURN_IF_ERROR(fields.readInterval(u"error_rate_ci", out.errorRateCi));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p50_ms", out.p50Ms));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p99_ms", out.p99Ms));
    return fields.readNumberMap(u"label_share", out.labelShare);
}

Status readShadowStats(const JsonFields& fields, ShadowStats& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"compared", Presence::Optional, out.compared));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"agreement", out.agreement));
    ATALAYA_RETURN_IF_ERROR(fields.readInterval(u"agreement_ci", out.agreementCi));
    return fields.readNumber(u"mean_abs_score_diff", out.meanAbsScoreDiff);
}

// Reads the object at `key` with `read` into `out`, which stays empty when it is absent.
template <class T, class Read>
Status readOptionalObject(const JsonFields& fields, QStringView key, Read read,
                          std::optional<T>& out) {
    T value{};
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(fields.readObject(
        key, Presence::Optional, [&](const JsonFields& inner) { return read(inner, value); },
        &found));
    out = found ? std::optional<T>(std::move(value)) : std::nullopt;
    return Status::ok();
}

Status readRouteStats(const JsonFields& fields, RouteStats& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"since_ms", out.sinceMs));
    ATALAYA_RETURN_IF_ERROR(readOptionalObject(fields, u"stable", readVersionStats, out.stable));
    ATALAYA_RETURN_IF_ERROR(
        readOptionalObject(fields, u"candidate", readVersionStats, out.candidate));
    return readOptionalObject(fields, u"shadow", readShadowStats, out.shadow);
}

Status readEvent(const JsonFields& fields, RolloutEvent& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"time_ms", Presence::Required, out.timeMs));
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"kind", Presence::Required, out.kindName));
    out.kind = fromName(out.kindName, kEventKinds, rolloutEventKindName, RolloutEventKind::Unknown);
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"api", Presence::Optional, out.api));
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"model", Presence::Optional, out.model));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"from_version", out.fromVersion));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"to_version", out.toVersion));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"weight", out.weight));
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"actor", Presence::Optional, out.actor));
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"address", Presence::Optional, out.address));
    return fields.readRawObject(u"detail", out.detail);
}

Status readRoute(const JsonFields& fields, RolloutRoute& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"api", Presence::Required, out.api));
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"model", Presence::Required, out.model));
    QString mode;
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"mode", Presence::Required, mode));
    out.mode = fromName(mode, kRouteModes, routeModeName, RouteMode::Unknown);
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"stable", Presence::Required, out.stable));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"candidate", out.candidate));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"weight", out.weight));
    ATALAYA_RETURN_IF_ERROR(fields.readNumberList(u"steps", out.steps));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"step_interval_s", Presence::Optional, out.stepIntervalS));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"next_step_at_ms", out.nextStepAtMs));
    ATALAYA_RETURN_IF_ERROR(
        fields.readObject(u"guard", Presence::Optional,
                          [&out](const JsonFields& inner) { return readGuard(inner, out.guard); }));
    ATALAYA_RETURN_IF_ERROR(
        readOptionalObject(fields, u"deprecation", readDeprecation, out.deprecation));
    ATALAYA_RETURN_IF_ERROR(fields.readObject(
        u"stats", Presence::Optional,
        [&out](const JsonFields& inner) { return readRouteStats(inner, out.stats); }));
    return readOptionalObject(fields, u"last_event", readEvent, out.lastEvent);
}

// Parses `json` as one object read by `read` into a T.
template <class T, class Read>
Result<T> parseDocument(const QByteArray& json, const QString& document, Read read) {
    return JsonFields::parseAs<T>(json, document, "bad_rollout_document", read);
}

}  // namespace

Result<ModelCatalog> parseModelCatalog(const QByteArray& json) {
    return parseDocument<ModelCatalog>(
        json, QStringLiteral("models document"), [](const JsonFields& root, ModelCatalog& out) {
            return root.readList(u"models", Presence::Required, readModel, out.models);
        });
}

Result<CatalogVersion> parseCatalogVersion(const QByteArray& json) {
    return parseDocument<CatalogVersion>(json, QStringLiteral("version document"), readVersion);
}

Result<RolloutState> parseRolloutState(const QByteArray& json) {
    return parseDocument<RolloutState>(
        json, QStringLiteral("rollouts document"), [](const JsonFields& root, RolloutState& out) {
            return root.readList(u"routes", Presence::Required, readRoute, out.routes);
        });
}

Result<RolloutRoute> parseRolloutRoute(const QByteArray& json) {
    return parseDocument<RolloutRoute>(json, QStringLiteral("route document"), readRoute);
}

Result<QList<RolloutEvent>> parseRolloutEvents(const QByteArray& json) {
    return parseDocument<QList<RolloutEvent>>(
        json, QStringLiteral("events document"),
        [](const JsonFields& root, QList<RolloutEvent>& out) {
            return root.readList(u"events", Presence::Required, readEvent, out);
        });
}

QString routeModeName(RouteMode mode) {
    switch (mode) {
        case RouteMode::Pinned:
            return QStringLiteral("pinned");
        case RouteMode::Shadow:
            return QStringLiteral("shadow");
        case RouteMode::Canary:
            return QStringLiteral("canary");
        case RouteMode::Unknown:
            break;
    }
    return QStringLiteral("unknown");
}

QString rolloutEventKindName(RolloutEventKind kind) {
    switch (kind) {
        case RolloutEventKind::Pinned:
            return QStringLiteral("pinned");
        case RolloutEventKind::ShadowStarted:
            return QStringLiteral("shadow_started");
        case RolloutEventKind::CanaryStarted:
            return QStringLiteral("canary_started");
        case RolloutEventKind::WeightChanged:
            return QStringLiteral("weight_changed");
        case RolloutEventKind::Promoted:
            return QStringLiteral("promoted");
        case RolloutEventKind::RolledBack:
            return QStringLiteral("rolled_back");
        case RolloutEventKind::AutoRolledBack:
            return QStringLiteral("auto_rolled_back");
        case RolloutEventKind::Deprecated:
            return QStringLiteral("deprecated");
        case RolloutEventKind::Loaded:
            return QStringLiteral("loaded");
        case RolloutEventKind::LoadFailed:
            return QStringLiteral("load_failed");
        case RolloutEventKind::Unloaded:
            return QStringLiteral("unloaded");
        case RolloutEventKind::Unknown:
            break;
    }
    return QStringLiteral("unknown");
}

}  // namespace atalaya::client
