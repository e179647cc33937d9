#pragma once

#include <QObject>
#include <QString>
#include <QUrl>
#include <optional>

#include "client/ServerHealth.h"
#include "client/StatsSeries.h"

namespace atalaya::client {

// The console's only view of a server: the admin HTTP API, whether the server is embedded in
// the console process (on loopback) or a remote atalaya-server. Nothing in ui/ may reach past
// it into server internals, so both cases run the same code.
//
// Every call is asynchronous and answers with exactly one signal: its own success signal or
// requestFailed() (the statistics calls: statsFailed(), see below). Later calls (keys, rollouts,
// stats series) follow the same shape: a `refreshX()`/`doX()` method plus an `xUpdated(const X&)`
// signal carrying a typed value.
//
// Thread affinity: create and call it from one thread (the GUI thread); signals are emitted
// on that thread.
class AdminClient : public QObject {
    Q_OBJECT

public:
    using QObject::QObject;

    virtual QUrl baseUrl() const = 0;

    // Fetches GET /api/v1/health. A call while the previous one is still pending may be
    // coalesced into it, so a slow server is not buried under a poller's requests.
    virtual void refreshHealth() = 0;

    // GET /api/v1/stats/...: the charts' data. Each call is one request, answered by its own
    // signal or by statsFailed() (not requestFailed(): a server without an inference log answers
    // these 503 and is still perfectly reachable). Times are Unix ms; `version` empty sums every
    // version of the model; `stepSeconds` is a multiple of 60.
    virtual void fetchTimeSeries(const QString& model, std::optional<qint64> version, qint64 fromMs,
                                 qint64 toMs, int stepSeconds) = 0;
    virtual void fetchDriftSeries(const QString& model, qint64 version, qint64 fromMs,
                                  qint64 toMs) = 0;
    virtual void fetchHistogram(const QString& model, qint64 version, const QString& feature) = 0;

Q_SIGNALS:
    void healthUpdated(const atalaya::client::ServerHealth& health);
    void timeSeriesUpdated(const atalaya::client::TimeSeries& series);
    void driftSeriesUpdated(const atalaya::client::DriftSeries& series);
    void histogramUpdated(const atalaya::client::FeatureHistogram& histogram);
    void statsFailed(const QString& message);

    // The server was unreachable, timed out, refused the request (HTTP error) or answered with
    // a document that does not parse. `message` is for people, not for matching.
    void requestFailed(const QString& message);
};

}  // namespace atalaya::client
