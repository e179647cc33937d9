#include "telemetry/DriftReportJson.h"

namespace atalaya {
namespace {

using nlohmann::json;

json optionalNumber(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

json toJson(const FeatureDrift& feature) {
    return {{"name", feature.name},
            {"count", feature.count},
            {"psi", feature.psi},
            {"ks_statistic", feature.ksStatistic},
            {"ks_p_value", feature.ksPValue},
            {"wasserstein", feature.wasserstein},
            {"wasserstein_normalized", optionalNumber(feature.wassersteinNormalized)},
            {"jensen_shannon", feature.jensenShannon},
            {"drifted", feature.drifted}};
}

json toJson(const PredictionDrift& predictions) {
    json classes = json::object();
    for (std::size_t i = 0; i < predictions.classes.size(); ++i) {
        classes[predictions.classes[i]] = {
            {"reference", predictions.referenceFractions.at(i)},
            {"current",
             i < predictions.currentFractions.size() ? predictions.currentFractions[i] : 0.0}};
    }
    return {{"count", predictions.count},
            {"classes", std::move(classes)},
            {"chi_square", predictions.chiSquare},
            {"chi_square_p_value", predictions.chiSquarePValue},
            {"jensen_shannon", predictions.jensenShannon},
            {"score_psi", optionalNumber(predictions.scorePsi)},
            {"drifted", predictions.drifted}};
}

}  // namespace

json toJson(const DriftReport& report) {
    json features = json::array();
    for (const auto& feature : report.features)
        features.push_back(toJson(feature));
    json out = {{"model", report.model},
                {"version", report.version},
                {"drift", report.drift},
                {"alpha", report.alpha},
                {"window",
                 {{"size", report.windowSize},
                  {"capacity", report.windowCapacity},
                  {"observations_seen", report.observationsSeen},
                  {"records_skipped", report.recordsSkipped},
                  {"min_samples", report.minSamples}}},
                {"top_features", report.topFeatures(report.features.size())},
                {"features", std::move(features)},
                {"predictions", report.predictions ? toJson(*report.predictions) : json(nullptr)}};
    if (!report.error.empty())
        out["error"] = report.error;
    return out;
}

json toJson(const DriftAlert& alert) {
    json features = json::array();
    for (const DriftAlertFeature& f : alert.features) {
        features.push_back({{"name", f.name},
                            {"ks_statistic", f.ksStatistic},
                            {"ks_p_value", f.ksPValue},
                            {"psi", f.psi},
                            {"jensen_shannon", f.jensenShannon},
                            {"wasserstein_normalized", optionalNumber(f.wassersteinNormalized)}});
    }
    return {{"time_ms", alert.timeUnixMs},
            {"model", alert.model},
            {"version", alert.version},
            {"observations_seen", alert.observationsSeen},
            {"top_features", alert.topFeatures},
            {"prediction_drift", alert.predictionDrift},
            {"features", std::move(features)},
            {"window_size", alert.windowSize},
            {"alpha", alert.alpha},
            {"prediction_chi_square_p_value", optionalNumber(alert.predictionChiSquarePValue)}};
}

}  // namespace atalaya
