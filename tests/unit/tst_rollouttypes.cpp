// The console's typed view of the rollout admin API (docs/rollout.md): the parsers of its
// answers and the encoding of its actions.

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

#include "client/RolloutAction.h"
#include "client/RolloutTypes.h"

using atalaya::Result;
using atalaya::StatusCode;
using namespace atalaya::client;

namespace {

// The route object of docs/rollout.md, with one value chosen where it offers alternatives.
const QByteArray kRoute = R"({"api": "v2", "model": "credit-risk",
 "mode": "canary",
 "stable": 1, "candidate": 2,
 "weight": 0.25,
 "steps": [0.05, 0.25, 0.5, 1.0], "step_interval_s": 0, "next_step_at_ms": null,
 "guard": {"max_error_rate": 0.05, "max_p99_ms": 250, "max_label_shift": 0.2,
           "min_requests": 50},
 "deprecation": {"deprecated": true, "sunset_ms": 1798761600000},
 "stats": {"since_ms": 1767225600000,
           "stable":    {"requests": 300, "errors": 3, "error_rate": 0.01,
                         "error_rate_ci": [0.003, 0.029], "p50_ms": 0.4, "p99_ms": 1.9,
                         "label_share": {"approve": 0.7, "deny": 0.3}},
           "candidate": {"requests": 100, "errors": 0, "error_rate": 0.0,
                         "error_rate_ci": [0.0, 0.037], "p50_ms": 0.5, "p99_ms": 2.5,
                         "label_share": {"approve": 0.65, "deny": 0.35}},
           "shadow":    {"compared": 400, "agreement": 0.97, "agreement_ci": [0.95, 0.98],
                         "mean_abs_score_diff": 0.012}},
 "last_event": {"time_ms": 1767225660000, "api": "v2", "model": "credit-risk",
                "kind": "weight_changed", "from_version": 1, "to_version": 2, "weight": 0.25,
                "actor": "ops", "address": "127.0.0.1", "detail": {}}})";

// A route as a just-started server may send it: pinned, nothing optional.
const QByteArray kPinned = R"({"api": "v1", "model": "credit-risk", "mode": "pinned",
 "stable": 1, "candidate": null, "deprecation": null, "last_event": null})";

const QByteArray kAutoRollback = R"({"time_ms": 1767225720000, "api": "v2",
 "model": "credit-risk", "kind": "auto_rolled_back", "from_version": 3, "to_version": 2,
 "weight": 0.0, "actor": "guard", "address": "",
 "detail": {"rule": "max_error_rate", "value": 0.31, "limit": 0.05, "requests": 64}})";

QByteArray routes(const QByteArray& route) {
    return R"({"routes": [)" + route + "]}";
}

QByteArray catalogWith(const QByteArray& version) {
    return R"({"models": [{"name": "credit-risk", "versions": [)" + version + "]}]}";
}

void expectError(const atalaya::Status& status, const QString& mentions) {
    QCOMPARE(status.code(), StatusCode::InvalidArgument);
    const QString message = QString::fromStdString(status.message());
    QVERIFY2(message.contains(mentions), qPrintable(message));
}

}  // namespace

class TstRolloutTypes : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parseRollouts_data();
    void parseRollouts();
    void parseFullRoute();
    void parsePinnedRouteKeepsDefaults();
    void parseModels_data();
    void parseModels();
    void parseFullCatalog();
    void parseEvents_data();
    void parseEvents();
    void encodeAction_data();
    void encodeAction();
};

void TstRolloutTypes::parseRollouts_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("errorMentions");  // empty: it parses

    QTest::newRow("documented route") << routes(kRoute) << QString();
    QTest::newRow("pinned route, optional fields null") << routes(kPinned) << QString();
    QTest::newRow("no routes") << QByteArray(R"({"routes": []})") << QString();
    QTest::newRow("unknown mode kept as unknown")
        << routes(R"({"api": "v1", "model": "m", "mode": "mirror", "stable": 1})") << QString();
    QTest::newRow("unknown fields ignored")
        << routes(R"({"api": "v1", "model": "m", "mode": "pinned", "stable": 1, "x": [1]})")
        << QString();
    QTest::newRow("stats without candidate")
        << routes(R"({"api": "v1", "model": "m", "mode": "pinned", "stable": 1,
                      "stats": {"stable": {"requests": 5}, "candidate": null}})")
        << QString();

    QTest::newRow("missing routes") << QByteArray("{}") << "routes";
    QTest::newRow("routes is an object") << QByteArray(R"({"routes": {}})") << "routes";
    QTest::newRow("route is a string") << routes(R"("v1")") << "routes[0]";
    QTest::newRow("missing api") << routes(R"({"model": "m", "mode": "pinned", "stable": 1})")
                                 << "routes[0].api";
    QTest::newRow("missing stable")
        << routes(R"({"api": "v1", "model": "m", "mode": "pinned"})") << "routes[0].stable";
    QTest::newRow("stable is a string")
        << routes(R"({"api": "v1", "model": "m", "mode": "pinned", "stable": "1"})")
        << "routes[0].stable";
    QTest::newRow("candidate is fractional")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1, "candidate": 1.5})")
        << "routes[0].candidate";
    QTest::newRow("weight is a string")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1, "weight": "25%"})")
        << "routes[0].weight";
    QTest::newRow("step is a string")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1,
                      "steps": [0.1, "half"]})")
        << "routes[0].steps[1]";
    QTest::newRow("guard rule is a string")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1,
                      "guard": {"max_p99_ms": "fast"}})")
        << "routes[0].guard.max_p99_ms";
    QTest::newRow("deprecated is a number")
        << routes(R"({"api": "v1", "model": "m", "mode": "pinned", "stable": 1,
                      "deprecation": {"deprecated": 1}})")
        << "routes[0].deprecation.deprecated";
    QTest::newRow("interval with one bound")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1,
                      "stats": {"stable": {"error_rate_ci": [0.1]}}})")
        << "routes[0].stats.stable.error_rate_ci";
    QTest::newRow("interval upside down")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1,
                      "stats": {"shadow": {"agreement_ci": [0.9, 0.8]}}})")
        << "routes[0].stats.shadow.agreement_ci";
    QTest::newRow("label share is a string")
        << routes(R"({"api": "v1", "model": "m", "mode": "canary", "stable": 1,
                      "stats": {"candidate": {"label_share": {"approve": "most"}}}})")
        << "routes[0].stats.candidate.label_share.approve";
    QTest::newRow("last event without kind")
        << routes(R"({"api": "v1", "model": "m", "mode": "pinned", "stable": 1,
                      "last_event": {"time_ms": 1}})")
        << "routes[0].last_event.kind";
    QTest::newRow("not JSON") << QByteArray("<html>502</html>") << "not JSON";
    QTest::newRow("truncated") << routes(kRoute).left(80) << "not JSON";
    QTest::newRow("array root") << QByteArray("[]") << "not a JSON object";
}

void TstRolloutTypes::parseRollouts() {
    QFETCH(QByteArray, json);
    QFETCH(QString, errorMentions);

    const Result<RolloutState> parsed = parseRolloutState(json);
    QCOMPARE(parsed.isOk(), errorMentions.isEmpty());
    if (!parsed.isOk()) {
        expectError(parsed.status(), errorMentions);
    }
}

void TstRolloutTypes::parseFullRoute() {
    const Result<RolloutRoute> parsed = parseRolloutRoute(kRoute);
    QVERIFY2(parsed.isOk(), parsed.status().message().c_str());
    const RolloutRoute& route = *parsed;
    QCOMPARE(route.api, QStringLiteral("v2"));
    QCOMPARE(route.model, QStringLiteral("credit-risk"));
    QCOMPARE(route.mode, RouteMode::Canary);
    QCOMPARE(route.stable, 1);
    QCOMPARE(route.candidate, std::optional<qint64>(2));
    QCOMPARE(route.weight, 0.25);
    QCOMPARE(route.steps, (QList<double>{0.05, 0.25, 0.5, 1.0}));
    QCOMPARE(route.stepIntervalS, 0);
    QVERIFY(!route.nextStepAtMs);
    QCOMPARE(route.guard.maxErrorRate, std::optional<double>(0.05));
    QCOMPARE(route.guard.maxP99Ms, std::optional<double>(250));
    QCOMPARE(route.guard.maxLabelShift, std::optional<double>(0.2));
    QCOMPARE(route.guard.minRequests, std::optional<qint64>(50));
    QVERIFY(route.deprecation && route.deprecation->deprecated);
    QCOMPARE(route.deprecation->sunsetMs, std::optional<qint64>(1798761600000));

    QCOMPARE(route.stats.sinceMs, std::optional<qint64>(1767225600000));
    QVERIFY(route.stats.stable && route.stats.candidate && route.stats.shadow);
    const VersionStats& stable = *route.stats.stable;
    QCOMPARE(stable.requests, 300);
    QCOMPARE(stable.errors, 3);
    QCOMPARE(stable.errorRate, std::optional<double>(0.01));
    QCOMPARE(stable.errorRateCi, std::optional<Interval>(Interval(0.003, 0.029)));
    QCOMPARE(stable.p50Ms, std::optional<double>(0.4));
    QCOMPARE(stable.p99Ms, std::optional<double>(1.9));
    QCOMPARE(stable.labelShare.value(QStringLiteral("approve")), 0.7);
    QCOMPARE(stable.labelShare.value(QStringLiteral("deny")), 0.3);
    QCOMPARE(route.stats.candidate->requests, 100);
    QCOMPARE(route.stats.candidate->p99Ms, std::optional<double>(2.5));
    const ShadowStats& shadow = *route.stats.shadow;
    QCOMPARE(shadow.compared, 400);
    QCOMPARE(shadow.agreement, std::optional<double>(0.97));
    QCOMPARE(shadow.agreementCi, std::optional<Interval>(Interval(0.95, 0.98)));
    QCOMPARE(shadow.meanAbsScoreDiff, std::optional<double>(0.012));

    QVERIFY(route.lastEvent);
    QCOMPARE(route.lastEvent->kind, RolloutEventKind::WeightChanged);
    QCOMPARE(route.lastEvent->weight, std::optional<double>(0.25));
    QCOMPARE(route.lastEvent->actor, QStringLiteral("ops"));
}

void TstRolloutTypes::parsePinnedRouteKeepsDefaults() {
    const Result<RolloutRoute> parsed = parseRolloutRoute(kPinned);
    QVERIFY2(parsed.isOk(), parsed.status().message().c_str());
    QCOMPARE(parsed->mode, RouteMode::Pinned);
    QVERIFY(!parsed->candidate);
    QCOMPARE(parsed->weight, 0.0);
    QVERIFY(parsed->steps.isEmpty());
    QVERIFY(parsed->guard.isEmpty());
    QVERIFY(!parsed->deprecation);
    QVERIFY(!parsed->stats.stable && !parsed->stats.candidate && !parsed->stats.shadow);
    QVERIFY(!parsed->lastEvent);
}

void TstRolloutTypes::parseModels_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("errorMentions");

    QTest::newRow("documented version")
        << catalogWith(R"({"version": 2, "state": "READY", "reason": "", "since_ms": 1767225600000,
                           "load_ms": 41.5, "breaking": false, "smoke": {"passed": 4, "total": 4}})")
        << QString();
    QTest::newRow("only the required fields")
        << catalogWith(R"({"version": 3, "state": "LOADING"})") << QString();
    QTest::newRow("unknown state kept as unknown")
        << catalogWith(R"({"version": 3, "state": "WARMING"})") << QString();
    QTest::newRow("no models") << QByteArray(R"({"models": []})") << QString();

    QTest::newRow("missing models") << QByteArray("{}") << "models";
    QTest::newRow("model without versions")
        << QByteArray(R"({"models": [{"name": "m"}]})") << "models[0].versions";
    QTest::newRow("model without name")
        << QByteArray(R"({"models": [{"versions": []}]})") << "models[0].name";
    QTest::newRow("version without state")
        << catalogWith(R"({"version": 3})") << "models[0].versions[0].state";
    QTest::newRow("breaking is a string")
        << catalogWith(R"({"version": 3, "state": "READY", "breaking": "no"})")
        << "models[0].versions[0].breaking";
    QTest::newRow("smoke is a number")
        << catalogWith(R"({"version": 3, "state": "READY", "smoke": 4})")
        << "models[0].versions[0].smoke";
    QTest::newRow("smoke total is fractional")
        << catalogWith(R"({"version": 3, "state": "READY", "smoke": {"total": 2.5}})")
        << "models[0].versions[0].smoke.total";
}

void TstRolloutTypes::parseModels() {
    QFETCH(QByteArray, json);
    QFETCH(QString, errorMentions);

    const Result<ModelCatalog> parsed = parseModelCatalog(json);
    QCOMPARE(parsed.isOk(), errorMentions.isEmpty());
    if (!parsed.isOk()) {
        expectError(parsed.status(), errorMentions);
    }
}

void TstRolloutTypes::parseFullCatalog() {
    const Result<ModelCatalog> parsed = parseModelCatalog(R"({"models": [
        {"name": "credit-risk", "versions": [
            {"version": 1, "state": "READY", "reason": "", "since_ms": 1767225600000,
             "load_ms": 41.5, "breaking": false, "smoke": {"passed": 4, "total": 4}},
            {"version": 3, "state": "FAILED", "reason": "smoke 2/4: expected approve, got deny",
             "since_ms": 1767225700000, "load_ms": 12.0, "breaking": true,
             "smoke": {"passed": 2, "total": 4}}]}]})");
    QVERIFY2(parsed.isOk(), parsed.status().message().c_str());
    QCOMPARE(parsed->models.size(), 1);
    const CatalogModel& model = parsed->models.at(0);
    QCOMPARE(model.name, QStringLiteral("credit-risk"));
    QCOMPARE(model.versions.size(), 2);
    const CatalogVersion& ready = model.versions.at(0);
    QCOMPARE(ready.version, 1);
    QCOMPARE(ready.state, ModelState::Ready);
    QCOMPARE(ready.sinceMs, std::optional<qint64>(1767225600000));
    QCOMPARE(ready.loadMs, std::optional<double>(41.5));
    QVERIFY(!ready.breaking);
    const CatalogVersion& failed = model.versions.at(1);
    QCOMPARE(failed.state, ModelState::Failed);
    QCOMPARE(failed.reason, QStringLiteral("smoke 2/4: expected approve, got deny"));
    QVERIFY(failed.breaking);
    QVERIFY(failed.smoke);
    QCOMPARE(failed.smoke->passed, 2);
    QCOMPARE(failed.smoke->total, 4);

    // A load or unload answers with one version object.
    const Result<CatalogVersion> unloaded =
        parseCatalogVersion(R"({"version": 3, "state": "UNLOADED", "reason": "unloaded by ops"})");
    QVERIFY(unloaded.isOk());
    QCOMPARE(unloaded->state, ModelState::Unloaded);
    QVERIFY(!unloaded->smoke);
}

void TstRolloutTypes::parseEvents_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("errorMentions");

    QTest::newRow("automatic rollback")
        << QByteArray(R"({"events": [)" + kAutoRollback + "]}") << QString();
    QTest::newRow("model-level event without api")
        << QByteArray(R"({"events": [{"time_ms": 5, "model": "m", "kind": "loaded",
                                      "to_version": 3, "api": null, "detail": null}]})")
        << QString();
    QTest::newRow("unknown kind kept")
        << QByteArray(R"({"events": [{"time_ms": 5, "kind": "x"}]})") << QString();
    QTest::newRow("missing events") << QByteArray("{}") << "events";
    QTest::newRow("missing time") << QByteArray(R"({"events": [{"kind": "promoted"}]})")
                                  << "events[0].time_ms";
    QTest::newRow("detail is a string")
        << QByteArray(R"({"events": [{"time_ms": 5, "kind": "promoted", "detail": "ok"}]})")
        << "events[0].detail";
    QTest::newRow("weight is a string")
        << QByteArray(R"({"events": [{"time_ms": 5, "kind": "promoted", "weight": "1"}]})")
        << "events[0].weight";
}

void TstRolloutTypes::parseEvents() {
    QFETCH(QByteArray, json);
    QFETCH(QString, errorMentions);

    const Result<QList<RolloutEvent>> parsed = parseRolloutEvents(json);
    QCOMPARE(parsed.isOk(), errorMentions.isEmpty());
    if (!parsed.isOk()) {
        expectError(parsed.status(), errorMentions);
        return;
    }
    if (QByteArray(QTest::currentDataTag()) == "automatic rollback") {
        const RolloutEvent& event = parsed->at(0);
        QCOMPARE(event.kind, RolloutEventKind::AutoRolledBack);
        QCOMPARE(event.kindName, QStringLiteral("auto_rolled_back"));
        QCOMPARE(event.fromVersion, std::optional<qint64>(3));
        QCOMPARE(event.toVersion, std::optional<qint64>(2));
        QCOMPARE(event.actor, QStringLiteral("guard"));
        QCOMPARE(event.detail.value(u"rule").toString(), QStringLiteral("max_error_rate"));
        QCOMPARE(event.detail.value(u"value").toDouble(), 0.31);
    }
    if (QByteArray(QTest::currentDataTag()) == "unknown kind kept") {
        QCOMPARE(parsed->at(0).kind, RolloutEventKind::Unknown);
        QCOMPARE(parsed->at(0).kindName, QStringLiteral("x"));
    }
}

void TstRolloutTypes::encodeAction_data() {
    QTest::addColumn<RolloutAction>("action");
    QTest::addColumn<QByteArray>("expected");

    GuardRules guard;
    guard.maxErrorRate = 0.05;
    guard.minRequests = 50;

    QTest::newRow("pin") << RolloutAction::pin(1) << QByteArray(R"({"action":"pin","version":1})");
    QTest::newRow("shadow") << RolloutAction::shadow(2)
                            << QByteArray(R"({"action":"shadow","candidate":2})");
    QTest::newRow("canary with server defaults")
        << RolloutAction::canary(2, {}, std::nullopt, {})
        << QByteArray(R"({"action":"canary","candidate":2})");
    QTest::newRow("canary with steps, interval and guard")
        << RolloutAction::canary(2, {0.1, 0.5, 1.0}, 30, guard)
        << QByteArray(R"({"action":"canary","candidate":2,)"
                      R"("guard":{"max_error_rate":0.05,"min_requests":50},)"
                      R"("step_interval_s":30,"steps":[0.1,0.5,1]})");
    QTest::newRow("step") << RolloutAction::step() << QByteArray(R"({"action":"step"})");
    QTest::newRow("set weight") << RolloutAction::setWeight(0.5)
                                << QByteArray(R"({"action":"set_weight","weight":0.5})");
    QTest::newRow("promote") << RolloutAction::promote() << QByteArray(R"({"action":"promote"})");
    QTest::newRow("rollback") << RolloutAction::rollback()
                              << QByteArray(R"({"action":"rollback"})");
    QTest::newRow("deprecate, sunset in UTC")
        << RolloutAction::deprecate(QDateTime(QDate(2027, 1, 1), QTime(1, 0), QTimeZone(3600)))
        << QByteArray(R"({"action":"deprecate","sunset":"2027-01-01T00:00:00Z"})");
}

void TstRolloutTypes::encodeAction() {
    QFETCH(RolloutAction, action);
    QFETCH(QByteArray, expected);
    // QJsonObject writes keys in sorted order, so the compact text is stable.
    QCOMPARE(encodeRolloutAction(action), expected);
}

QTEST_GUILESS_MAIN(TstRolloutTypes)

#include "tst_rollouttypes.moc"
