#include "client/StatsSeries.h"

#include "client/JsonFields.h"

namespace atalaya::client {
namespace {

using Presence = JsonFields::Presence;

constexpr char kReason[] = "bad_stats_document";

Status readLatency(const JsonFields& fields, TimeSeriesPoint& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p50", out.p50Ms));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p95", out.p95Ms));
    return fields.readNumber(u"p99", out.p99Ms);
}

Status readTimeSeriesPoint(const JsonFields& fields, TimeSeriesPoint& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"time", Presence::Required, out.timeMs));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"requests", Presence::Required, out.requests));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"errors", Presence::Required, out.errors));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"error_rate", out.errorRate));
    ATALAYA_RETURN_IF_ERROR(
        fields.readNumber(u"throughput_rps", Presence::Required, out.throughputRps));
    ATALAYA_RETURN_IF_ERROR(
        fields.readObject(u"latency_ms", Presence::Optional,
                          [&out](const JsonFields& inner) { return readLatency(inner, out); }));
    return fields.readNumber(u"mean_batch_size", out.meanBatchSize);
}

Status readTimeSeries(const JsonFields& root, TimeSeries& out) {
    ATALAYA_RETURN_IF_ERROR(root.readString(u"model", Presence::Required, out.model));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"version", out.version));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"from", Presence::Required, out.fromMs));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"to", Presence::Required, out.toMs));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"step", Presence::Required, out.stepSeconds));
    return root.readList(u"points", Presence::Required, readTimeSeriesPoint, out.points);
}

Status readVerdict(const JsonFields& fields, DriftVerdictPoint& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"time", Presence::Required, out.timeMs));
    ATALAYA_RETURN_IF_ERROR(fields.readBool(u"drift", Presence::Required, out.drift));
    return fields.readInteger(u"window_size", Presence::Required, out.windowSize);
}

Status readScorePoint(const JsonFields& fields, DriftScorePoint& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"time", Presence::Required, out.timeMs));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"psi", Presence::Required, out.psi));
    ATALAYA_RETURN_IF_ERROR(
        fields.readNumber(u"ks_statistic", Presence::Required, out.ksStatistic));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"ks_p_value", Presence::Required, out.ksPValue));
    ATALAYA_RETURN_IF_ERROR(
        fields.readNumber(u"jensen_shannon", Presence::Required, out.jensenShannon));
    ATALAYA_RETURN_IF_ERROR(
        fields.readNumber(u"wasserstein_normalized", out.wassersteinNormalized));
    return fields.readBool(u"drifted", Presence::Required, out.drifted);
}

Status readFeature(const JsonFields& fields, DriftFeatureSeries& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"name", Presence::Required, out.name));
    return fields.readList(u"points", Presence::Required, readScorePoint, out.points);
}

Status readDriftSeries(const JsonFields& root, DriftSeries& out) {
    ATALAYA_RETURN_IF_ERROR(root.readString(u"model", Presence::Required, out.model));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"version", Presence::Required, out.version));
    ATALAYA_RETURN_IF_ERROR(
        root.readList(u"verdicts", Presence::Required, readVerdict, out.verdicts));
    return root.readList(u"features", Presence::Required, readFeature, out.features);
}

Status readHistogram(const JsonFields& root, FeatureHistogram& out) {
    ATALAYA_RETURN_IF_ERROR(root.readString(u"model", Presence::Required, out.model));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"version", Presence::Required, out.version));
    ATALAYA_RETURN_IF_ERROR(root.readString(u"feature", Presence::Required, out.feature));
    ATALAYA_RETURN_IF_ERROR(root.readNumberList(u"edges", Presence::Required, out.edges));
    ATALAYA_RETURN_IF_ERROR(
        root.readNumberList(u"reference", Presence::Required, out.referenceFractions));
    QList<double> current;
    ATALAYA_RETURN_IF_ERROR(root.readNumberList(u"current", Presence::Required, current));
    for (const double count : current) {
        out.currentCounts.append(static_cast<qint64>(count));
    }
    ATALAYA_RETURN_IF_ERROR(root.readBool(u"live", Presence::Required, out.live));
    if (out.referenceFractions.size() != out.currentCounts.size() ||
        out.edges.size() != out.referenceFractions.size() + 1) {
        return invalidArgument("histogram: edges, reference and current do not agree in size",
                               kReason);
    }
    return Status::ok();
}

Status readShadowLatency(const JsonFields& fields, ShadowLatency& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"mean_ms", out.meanMs));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"p50_ms", out.p50Ms));
    return fields.readNumber(u"p99_ms", out.p99Ms);
}

Status readShadowPair(const JsonFields& fields, ShadowPair& out) {
    ATALAYA_RETURN_IF_ERROR(fields.readString(u"api_version", Presence::Required, out.api));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"stable_version", Presence::Required, out.stableVersion));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"candidate_version", Presence::Required, out.candidateVersion));
    ATALAYA_RETURN_IF_ERROR(fields.readInteger(u"compared", Presence::Required, out.compared));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"agreement", out.agreement));
    ATALAYA_RETURN_IF_ERROR(fields.readInterval(u"agreement_ci", out.agreementCi));
    ATALAYA_RETURN_IF_ERROR(fields.readNumber(u"mean_abs_score_diff", out.meanAbsScoreDiff));
    ATALAYA_RETURN_IF_ERROR(
        fields.readInteger(u"candidate_errors", Presence::Required, out.candidateErrors));
    ATALAYA_RETURN_IF_ERROR(fields.readObject(
        u"stable_latency", Presence::Optional,
        [&out](const JsonFields& inner) { return readShadowLatency(inner, out.stableLatency); }));
    return fields.readObject(
        u"candidate_latency", Presence::Optional,
        [&out](const JsonFields& inner) { return readShadowLatency(inner, out.candidateLatency); });
}

Status readShadowComparison(const JsonFields& root, ShadowComparison& out) {
    ATALAYA_RETURN_IF_ERROR(root.readString(u"model", Presence::Required, out.model));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"from_ms", Presence::Required, out.fromMs));
    ATALAYA_RETURN_IF_ERROR(root.readInteger(u"to_ms", Presence::Required, out.toMs));
    return root.readList(u"pairs", Presence::Required, readShadowPair, out.pairs);
}

}  // namespace

Result<ShadowComparison> parseShadowComparison(const QByteArray& json) {
    return JsonFields::parseAs<ShadowComparison>(json, QStringLiteral("shadow comparison"), kReason,
                                                 readShadowComparison);
}

Result<TimeSeries> parseTimeSeries(const QByteArray& json) {
    return JsonFields::parseAs<TimeSeries>(json, QStringLiteral("timeseries"), kReason,
                                           readTimeSeries);
}

Result<DriftSeries> parseDriftSeries(const QByteArray& json) {
    return JsonFields::parseAs<DriftSeries>(json, QStringLiteral("drift series"), kReason,
                                            readDriftSeries);
}

Result<FeatureHistogram> parseFeatureHistogram(const QByteArray& json) {
    return JsonFields::parseAs<FeatureHistogram>(json, QStringLiteral("histogram"), kReason,
                                                 readHistogram);
}

}  // namespace atalaya::client
