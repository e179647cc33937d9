#include "client/ServerHealth.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <cmath>
#include <limits>

namespace atalaya::client {

namespace {

enum class Presence { Required, Optional };

QString childPath(const QString& path, QStringView key) {
    return path.isEmpty() ? key.toString() : path + u'.' + key;
}

Status documentError(const QString& path, const QString& problem) {
    return invalidArgument(QString(u"health document: " + path + u": " + problem).toStdString(),
                           "bad_health_document");
}

// Fetches `key`; `found` is false when it is absent or null and that is allowed.
Status lookup(const QJsonObject& object, QStringView key, const QString& path, Presence presence,
              QJsonValue& value, bool& found) {
    value = object.value(key);
    found = !value.isUndefined() && !value.isNull();
    if (!found && presence == Presence::Required) {
        return documentError(childPath(path, key), QStringLiteral("missing"));
    }
    return Status::ok();
}

Status readString(const QJsonObject& object, QStringView key, const QString& path,
                  Presence presence, QString& out) {
    QJsonValue value;
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(lookup(object, key, path, presence, value, found));
    if (!found) {
        return Status::ok();
    }
    if (!value.isString()) {
        return documentError(childPath(path, key), QStringLiteral("expected a string"));
    }
    out = value.toString();
    return Status::ok();
}

Status readNumber(const QJsonObject& object, QStringView key, const QString& path,
                  std::optional<double>& out) {
    QJsonValue value;
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(lookup(object, key, path, Presence::Optional, value, found));
    if (!found) {
        out.reset();
        return Status::ok();
    }
    if (!value.isDouble()) {
        return documentError(childPath(path, key), QStringLiteral("expected a number"));
    }
    out = value.toDouble();
    return Status::ok();
}

Status readNumber(const QJsonObject& object, QStringView key, const QString& path, double& out) {
    std::optional<double> value;
    ATALAYA_RETURN_IF_ERROR(readNumber(object, key, path, value));
    if (value) {
        out = *value;
    }
    return Status::ok();
}

template <class Integer>
Status readInteger(const QJsonObject& object, QStringView key, const QString& path,
                   Presence presence, Integer& out) {
    QJsonValue value;
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(lookup(object, key, path, presence, value, found));
    if (!found) {
        return Status::ok();
    }
    const double number = value.toDouble();
    // JSON has one number type; a fractional or out-of-range count means a broken server.
    if (!value.isDouble() || std::trunc(number) != number ||
        number < static_cast<double>(std::numeric_limits<Integer>::min()) ||
        number >= static_cast<double>(std::numeric_limits<Integer>::max())) {
        return documentError(childPath(path, key), QStringLiteral("expected an integer"));
    }
    out = static_cast<Integer>(value.toInteger());
    return Status::ok();
}

Status readObject(const QJsonObject& object, QStringView key, const QString& path,
                  QJsonObject& out) {
    QJsonValue value;
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(lookup(object, key, path, Presence::Optional, value, found));
    if (found && !value.isObject()) {
        return documentError(childPath(path, key), QStringLiteral("expected an object"));
    }
    out = value.toObject();  // empty when absent, so every field inside keeps its default
    return Status::ok();
}

Status readStringList(const QJsonObject& object, QStringView key, const QString& path,
                      QStringList& out) {
    QJsonValue value;
    bool found = false;
    ATALAYA_RETURN_IF_ERROR(lookup(object, key, path, Presence::Optional, value, found));
    if (!found) {
        return Status::ok();
    }
    const QString here = childPath(path, key);
    if (!value.isArray()) {
        return documentError(here, QStringLiteral("expected an array of strings"));
    }
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            return documentError(here + u'[' + QString::number(i) + u']',
                                 QStringLiteral("expected a string"));
        }
        out.append(array.at(i).toString());
    }
    return Status::ok();
}

ServerStatus serverStatusFrom(const QString& text) {
    for (ServerStatus status : {ServerStatus::Ok, ServerStatus::Loading, ServerStatus::Degraded}) {
        if (text == serverStatusName(status)) {
            return status;
        }
    }
    return ServerStatus::Unknown;
}

ModelState modelStateFrom(const QString& text) {
    for (ModelState state : {ModelState::Loading, ModelState::Ready, ModelState::Failed,
                             ModelState::Draining, ModelState::Unloaded}) {
        if (text == modelStateName(state)) {
            return state;
        }
    }
    return ModelState::Unknown;
}

Status readLastMinute(const QJsonObject& object, const QString& path, LastMinuteStats& out) {
    ATALAYA_RETURN_IF_ERROR(
        readInteger(object, u"requests", path, Presence::Optional, out.requests));
    ATALAYA_RETURN_IF_ERROR(readInteger(object, u"errors", path, Presence::Optional, out.errors));
    ATALAYA_RETURN_IF_ERROR(readNumber(object, u"success_rate", path, out.successRate));
    ATALAYA_RETURN_IF_ERROR(readNumber(object, u"throughput_rps", path, out.throughputRps));
    ATALAYA_RETURN_IF_ERROR(readNumber(object, u"mean_batch_size", path, out.meanBatchSize));
    QJsonObject latency;
    ATALAYA_RETURN_IF_ERROR(readObject(object, u"latency_ms", path, latency));
    const QString latencyPath = childPath(path, u"latency_ms");
    ATALAYA_RETURN_IF_ERROR(readNumber(latency, u"p50", latencyPath, out.p50Ms));
    ATALAYA_RETURN_IF_ERROR(readNumber(latency, u"p95", latencyPath, out.p95Ms));
    ATALAYA_RETURN_IF_ERROR(readNumber(latency, u"p99", latencyPath, out.p99Ms));
    return Status::ok();
}

Status readModel(const QJsonObject& object, const QString& path, ModelVersionHealth& out) {
    ATALAYA_RETURN_IF_ERROR(readString(object, u"name", path, Presence::Required, out.name));
    ATALAYA_RETURN_IF_ERROR(readInteger(object, u"version", path, Presence::Required, out.version));
    QString state;
    ATALAYA_RETURN_IF_ERROR(readString(object, u"state", path, Presence::Required, state));
    out.state = modelStateFrom(state);
    ATALAYA_RETURN_IF_ERROR(readString(object, u"reason", path, Presence::Optional, out.reason));
    ATALAYA_RETURN_IF_ERROR(readNumber(object, u"load_ms", path, out.loadMs));
    ATALAYA_RETURN_IF_ERROR(
        readInteger(object, u"queue_depth", path, Presence::Optional, out.queueDepth));
    ATALAYA_RETURN_IF_ERROR(
        readInteger(object, u"in_flight", path, Presence::Optional, out.inFlight));
    ATALAYA_RETURN_IF_ERROR(
        readInteger(object, u"max_batch_size", path, Presence::Optional, out.maxBatchSize));
    QJsonObject lastMinute;
    ATALAYA_RETURN_IF_ERROR(readObject(object, u"last_minute", path, lastMinute));
    return readLastMinute(lastMinute, childPath(path, u"last_minute"), out.lastMinute);
}

Status readRuntime(const QJsonObject& object, const QString& path, RuntimeInfo& out) {
    ATALAYA_RETURN_IF_ERROR(readString(object, u"device", path, Presence::Optional, out.device));
    ATALAYA_RETURN_IF_ERROR(readString(object, u"blas", path, Presence::Optional, out.blas));
    ATALAYA_RETURN_IF_ERROR(
        readString(object, u"blas_library", path, Presence::Optional, out.blasLibrary));
    ATALAYA_RETURN_IF_ERROR(
        readInteger(object, u"intra_op_threads", path, Presence::Optional, out.intraOpThreads));
    ATALAYA_RETURN_IF_ERROR(
        readInteger(object, u"inference_workers", path, Presence::Optional, out.inferenceWorkers));
    return readStringList(object, u"warnings", path, out.warnings);
}

Status readModels(const QJsonObject& root, QList<ModelVersionHealth>& out) {
    const QJsonValue value = root.value(u"models");
    if (value.isUndefined() || value.isNull()) {
        return documentError(QStringLiteral("models"), QStringLiteral("missing"));
    }
    if (!value.isArray()) {
        return documentError(QStringLiteral("models"), QStringLiteral("expected an array"));
    }
    const QJsonArray array = value.toArray();
    out.reserve(array.size());
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = u"models[" + QString::number(i) + u']';
        if (!array.at(i).isObject()) {
            return documentError(path, QStringLiteral("expected an object"));
        }
        ModelVersionHealth model;
        ATALAYA_RETURN_IF_ERROR(readModel(array.at(i).toObject(), path, model));
        out.append(std::move(model));
    }
    return Status::ok();
}

Status readHealth(const QJsonObject& root, ServerHealth& out) {
    const QString top;
    QString status;
    ATALAYA_RETURN_IF_ERROR(readString(root, u"status", top, Presence::Required, status));
    out.status = serverStatusFrom(status);
    ATALAYA_RETURN_IF_ERROR(readNumber(root, u"uptime_s", top, out.uptimeSeconds));
    QJsonObject server;
    ATALAYA_RETURN_IF_ERROR(readObject(root, u"server", top, server));
    ATALAYA_RETURN_IF_ERROR(readString(server, u"version", QStringLiteral("server"),
                                       Presence::Optional, out.serverVersion));
    ATALAYA_RETURN_IF_ERROR(
        readString(server, u"address", QStringLiteral("server"), Presence::Optional, out.address));
    QJsonObject runtime;
    ATALAYA_RETURN_IF_ERROR(readObject(root, u"runtime", top, runtime));
    ATALAYA_RETURN_IF_ERROR(readRuntime(runtime, QStringLiteral("runtime"), out.runtime));
    return readModels(root, out.models);
}

}  // namespace

Result<ServerHealth> parseServerHealth(const QByteArray& json) {
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return invalidArgument(QString(u"health document is not JSON: " + parseError.errorString() +
                                       u" at offset " + QString::number(parseError.offset))
                                   .toStdString(),
                               "bad_health_document");
    }
    if (!document.isObject()) {
        return invalidArgument("health document is not a JSON object", "bad_health_document");
    }
    ServerHealth health;
    ATALAYA_RETURN_IF_ERROR(readHealth(document.object(), health));
    return health;
}

QString serverStatusName(ServerStatus status) {
    switch (status) {
        case ServerStatus::Ok:
            return QStringLiteral("ok");
        case ServerStatus::Loading:
            return QStringLiteral("loading");
        case ServerStatus::Degraded:
            return QStringLiteral("degraded");
        case ServerStatus::Unknown:
            break;
    }
    return QStringLiteral("unknown");
}

QString modelStateName(ModelState state) {
    switch (state) {
        case ModelState::Loading:
            return QStringLiteral("LOADING");
        case ModelState::Ready:
            return QStringLiteral("READY");
        case ModelState::Failed:
            return QStringLiteral("FAILED");
        case ModelState::Draining:
            return QStringLiteral("DRAINING");
        case ModelState::Unloaded:
            return QStringLiteral("UNLOADED");
        case ModelState::Unknown:
            break;
    }
    return QStringLiteral("UNKNOWN");
}

}  // namespace atalaya::client
