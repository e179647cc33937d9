#include "client/ServerHealth.h"

#include "client/JsonFields.h"

namespace atalaya::client {

namespace {

using Presence = JsonFields::Presence;

ServerStatus serverStatusFrom(const QString& text) {
    for (ServerStatus status : {ServerStatus::Ok, ServerStatus::Loading, ServerStatus::Degraded}) {
        if (text == serverStatusName(status)) {
            return status;
        }
    }
    return ServerStatus::Unknown;
}

Status readLatency(const JsonFields& fields, LastMinuteStats& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p50", out.p50Ms));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p95", out.p95Ms));
    return fields.readNumber(u"p99", out.p99Ms);
}

Status readLastMinute(const JsonFields& fields, LastMinuteStats& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"requests", Presence::Optional, out.requests));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"errors", Presence::Optional, out.errors));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"success_rate", out.successRate));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"throughput_rps", out.throughputRps));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"mean_batch_size", out.meanBatchSize));
    return fields.readObject(u"latency_ms", Presence::Optional,
                             [&out](const JsonFields& inner) { return readLatency(inner, out); });
}

Status readModel(const JsonFields& fields, ModelVersionHealth& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"name", Presence::Required, out.name));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"version", Presence::Required, out.version));
    QString state;
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"state", Presence::Required, state));
    out.state = modelStateFromName(state);
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"reason", Presence::Optional, out.reason));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"load_ms", out.loadMs));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"queue_depth", Presence::Optional, out.queueDepth));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"in_flight", Presence::Optional, out.inFlight));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"max_batch_size", Presence::Optional, out.maxBatchSize));
    return fields.readObject(u"last_minute", Presence::Optional, [&out](const JsonFields& inner) {
        return readLastMinute(inner, out.lastMinute);
    });
}

Status readServer(const JsonFields& fields, ServerHealth& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"version", Presence::Optional, out.serverVersion));
    return fields.readString(u"address", Presence::Optional, out.address);
}

Status readRuntime(const JsonFields& fields, RuntimeInfo& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"device", Presence::Optional, out.device));
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"blas", Presence::Optional, out.blas));
    ATALAYA_RETURN_IF_ERROR(
        fields.readString(u"blas_library", Presence::Optional, out.blasLibrary));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"intra_op_threads", Presence::Optional, out.intraOpThreads));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"inference_workers", Presence::Optional, out.inferenceWorkers));
    return fields.readStringList(u"warnings", out.warnings);
}

Status readHealth(const JsonFields& root, ServerHealth& out) {
    QString status;
    ATALAYA_RETURN_IF_ERROR(root.readString(u"status", Presence::Required, status));
    out.status = serverStatusFrom(status);
    ATALAYA_RETURN_IF_ERROR(root.readNumber(u"uptime_s", out.uptimeSeconds));
    ATALAYA_RETURN_IF_ERROR(
        root.readObject(u"server", Presence::Optional,
                        [&out](const JsonFields& inner) { return readServer(inner, out); }));
    ATALAYA_RETURN_IF_ERROR(root.readObject(
        u"runtime", Presence::Optional,
        [&out](const JsonFields& inner) { return readRuntime(inner, out.runtime); }));
    return root.readList(u"models", Presence::Required, readModel, out.models);
}

}  // namespace

Result<ServerHealth> parseServerHealth(const QByteArray& json) {
    return JsonFields::parseAs<ServerHealth>(json, QStringLiteral("health document"),
                                             "bad_health_document", readHealth);
}

ModelState modelStateFromName(const QString& name) {
    for (ModelState state : {ModelState::Loading, ModelState::Ready, ModelState::Failed,
                             ModelState::Draining, ModelState::Unloaded}) {
        if (name == modelStateName(state)) {
            return state;
        }
    }
    return ModelState::Unknown;
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
