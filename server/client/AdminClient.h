#pragma once

#include <QObject>
#include <QString>
#include <QUrl>
#include <optional>

#include "client/RolloutAction.h"
#include "client/RolloutTypes.h"
#include "client/ServerHealth.h"
#include "client/StatsSeries.h"

namespace atalaya::client {

// The console's only view of a server: the admin HTTP API, whether the server is embedded in
// the console process (on loopback) or a remote atalaya-server. Nothing in ui/ may reach past
// it into server internals, so both cases run the same code.
//
// Every call is asynchronous and answers with exactly one signal: its own success signal or
// requestFailed(), which names the call that failed, so each listener takes only its own
// failures (a refused rollout action says nothing about whether the server is reachable). Later
// calls (keys...) follow the same shape: a `refreshX()`/`doX()` method plus an
// `xUpdated(const X&)` signal carrying a typed value, and a Call of their own.
//
// Thread affinity: create and call it from one thread (the GUI thread); signals are emitted
// on that thread.
class AdminClient : public QObject {
    Q_OBJECT

public:
    // Which call a requestFailed() answers.
    enum class Call {
        Health,
        Stats,  // the stats fetches below; a server without an inference log answers them 503
        Models,
        Rollouts,
        RolloutEvents,
        LoadVersion,
        UnloadVersion,
        RolloutAction,
    };
    Q_ENUM(Call)

    using QObject::QObject;

    virtual QUrl baseUrl() const = 0;

    // Fetches GET /api/v1/health. A call while the previous one is still pending may be
    // coalesced into it, so a slow server is not buried under a poller's requests.
    virtual void refreshHealth() = 0;

    // GET /api/v1/stats/...: the charts' data. Each call is one request, answered by its own
    // signal or by requestFailed(Call::Stats). Times are Unix ms; `version` empty sums every
    // version of the model; `stepSeconds` is a multiple of 60.
    virtual void fetchTimeSeries(const QString& model, std::optional<qint64> version, qint64 fromMs,
                                 qint64 toMs, int stepSeconds) = 0;
    virtual void fetchDriftSeries(const QString& model, qint64 version, qint64 fromMs,
                                  qint64 toMs) = 0;
    virtual void fetchHistogram(const QString& model, qint64 version, const QString& feature) = 0;
    // GET /api/v1/stats/shadow: `candidate` shadowing on route `api` since `fromMs`, from the
    // log; shadowComparisonUpdated or requestFailed(Call::Stats).
    virtual void fetchShadowComparison(const QString& model, const QString& api, qint64 candidate,
                                       qint64 fromMs) = 0;

    // Rollouts (docs/rollout.md). Each answers with the signal named beside it. The refreshes
    // coalesce like refreshHealth(); the changes never do.
    enum class BreakingChange { Refuse, Confirm };  // Confirm sends "confirm_breaking": true

    virtual void refreshModels() = 0;                  // modelsUpdated
    virtual void refreshRollouts() = 0;                // rolloutsUpdated
    virtual void refreshRolloutEvents(int limit) = 0;  // rolloutEventsUpdated
    // versionChanged once the version is READY (a load validates and warms it up first).
    virtual void loadVersion(const QString& model, qint64 version, BreakingChange breaking) = 0;
    virtual void unloadVersion(const QString& model, qint64 version) = 0;  // versionChanged
    // rolloutActionDone with the route as the action left it.
    virtual void applyRolloutAction(const QString& api, const QString& model,
                                    const atalaya::client::RolloutAction& action) = 0;

Q_SIGNALS:
    void healthUpdated(const atalaya::client::ServerHealth& health);
    void timeSeriesUpdated(const atalaya::client::TimeSeries& series);
    void driftSeriesUpdated(const atalaya::client::DriftSeries& series);
    void histogramUpdated(const atalaya::client::FeatureHistogram& histogram);
    void shadowComparisonUpdated(const atalaya::client::ShadowComparison& comparison);

    void modelsUpdated(const atalaya::client::ModelCatalog& catalog);
    void rolloutsUpdated(const atalaya::client::RolloutState& rollouts);
    void rolloutEventsUpdated(const QList<atalaya::client::RolloutEvent>& events);  // newest first
    void versionChanged(const QString& model, const atalaya::client::CatalogVersion& version);
    void rolloutActionDone(const atalaya::client::RolloutRoute& route);  // the route after it
    // The one exception to "exactly one signal": a load the server refused with an error
    // document also reports its machine-readable `code` (e.g. "breaking_change", which the
    // operator may confirm), just before requestFailed() reports the same failure for people.
    void versionLoadRefused(const QString& model, qint64 version, const QString& code,
                            const QString& message);

    // `call` failed: the server was unreachable, timed out, refused the request (HTTP error) or
    // answered with a document that does not parse. `message` is for people, not for matching.
    void requestFailed(const QString& message, atalaya::client::AdminClient::Call call);
};

}  // namespace atalaya::client
