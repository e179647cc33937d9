#include "stats/StatsJson.h"

#include <nlohmann/json.hpp>
#include <numeric>

namespace atalaya::stats {
namespace {

using nlohmann::json;

json optional(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

}  // namespace

std::string timeSeriesJson(const TimeSeries& series) {
    const TimeSeriesQuery& q = series.query;
    json points = json::array();
    for (const TimeSeriesPoint& p : series.points) {
        points.push_back(
            {{"time", p.startMs},
             {"requests", p.requests},
             {"errors", p.errors},
             {"error_rate", optional(p.errorRate)},
             {"throughput_rps", p.throughputRps},
             {"latency_ms",
              {{"p50", optional(p.p50Ms)}, {"p95", optional(p.p95Ms)}, {"p99", optional(p.p99Ms)}}},
             {"mean_batch_size", optional(p.meanBatchSize)}});
    }
    return json{{"model", q.model},
                {"version", q.version ? json(*q.version) : json(nullptr)},
                {"api_version", q.apiVersion.empty() ? json(nullptr) : json(q.apiVersion)},
                {"from", q.fromMs},
                {"to", q.toMs},
                {"step", q.stepMs / 1000},
                {"points", std::move(points)}}
        .dump();
}

std::string driftSeriesJson(const DriftSeries& series) {
    json verdicts = json::array();
    for (const DriftVerdictPoint& v : series.verdicts) {
        verdicts.push_back({{"time", v.timeMs},
                            {"drift", v.drift},
                            {"window_size", v.windowSize},
                            {"observations_seen", v.observationsSeen}});
    }
    json features = json::array();
    for (const DriftFeatureSeries& feature : series.features) {
        json points = json::array();
        for (const DriftScorePoint& p : feature.points) {
            const DriftScores& s = p.scores;
            points.push_back({{"time", p.timeMs},
                              {"psi", s.psi},
                              {"ks_statistic", s.ksStatistic},
                              {"ks_p_value", s.ksPValue},
                              {"jensen_shannon", s.jensenShannon},
                              {"wasserstein", s.wasserstein},
                              {"wasserstein_normalized", optional(s.wassersteinNormalized)},
                              {"drifted", s.drifted}});
        }
        features.push_back({{"name", feature.name}, {"points", std::move(points)}});
    }
    return json{{"model", series.query.model},    {"version", series.query.version},
                {"from", series.query.fromMs},    {"to", series.query.toMs},
                {"truncated", series.truncated},  {"verdicts", std::move(verdicts)},
                {"features", std::move(features)}}
        .dump();
}

std::string histogramJson(const std::string& model, std::int64_t version,
                          const FeatureHistogram& histogram, bool live) {
    const std::int64_t total = std::accumulate(histogram.currentCounts.begin(),
                                               histogram.currentCounts.end(), std::int64_t{0});
    return json{{"model", model},
                {"version", version},
                {"feature", histogram.feature},
                {"edges", histogram.edges},
                {"reference", histogram.referenceFractions},
                {"current", histogram.currentCounts},
                {"current_total", total},
                {"live", live}}
        .dump();
}

}  // namespace atalaya::stats
