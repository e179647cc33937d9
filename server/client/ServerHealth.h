#pragma once

#include <atalaya/Result.h>

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace atalaya::client {

// The GET /api/v1/health document (docs/api.md) as the console sees it. Plain values: copy them
// freely across threads.

enum class ServerStatus { Ok, Loading, Degraded, Unknown };

// Unknown keeps an older console usable against a newer server that adds a state.
enum class ModelState { Loading, Ready, Failed, Draining, Unloaded, Unknown };

struct LastMinuteStats {
    qint64 requests = 0;
    qint64 errors = 0;
    std::optional<double> successRate;  // empty when there were no requests in the last minute
    double throughputRps = 0.0;
    std::optional<double> p50Ms;  // latencies are empty when there were no requests either
    std::optional<double> p95Ms;
    std::optional<double> p99Ms;
    double meanBatchSize = 0.0;
};

struct ModelVersionHealth {
    QString name;
    qint64 version = 0;
    ModelState state = ModelState::Unknown;
    QString reason;  // why the version FAILED; empty otherwise
    double loadMs = 0.0;
    int queueDepth = 0;
    int inFlight = 0;
    int maxBatchSize = 0;
    LastMinuteStats lastMinute;
};

struct RuntimeInfo {
    QString device;
    QString blas;
    QString blasLibrary;
    int intraOpThreads = 0;
    int inferenceWorkers = 0;
    QStringList warnings;
};

struct ServerHealth {
    ServerStatus status = ServerStatus::Unknown;
    double uptimeSeconds = 0.0;
    QString serverVersion;
    QString address;  // host:port the server says it listens on
    RuntimeInfo runtime;
    QList<ModelVersionHealth> models;
};

// Parses the health document. Required: "status", "models", and each model's "name", "version"
// and "state"; every other field may be absent or null (it keeps its default), so a console
// survives a server that drops a metric. A field present with the wrong JSON type is an
// InvalidArgument error, never a silent zero; the message names its path, e.g.
// "models[1].queue_depth". Unknown fields are ignored: the server may add some.
Result<ServerHealth> parseServerHealth(const QByteArray& json);

QString serverStatusName(ServerStatus status);       // "ok", "loading", "degraded", "unknown"
QString modelStateName(ModelState state);            // "READY", ... as the API spells them
ModelState modelStateFromName(const QString& name);  // Unknown for a name it does not know

}  // namespace atalaya::client
