#include "stats/ShadowComparison.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "rollout/Confidence.h"
#include "telemetry/SqliteDatabase.h"

namespace atalaya::stats {

using nlohmann::json;

namespace {

// Nearest rank, as the scoreboard's exact counterpart would give: the smallest value with at
// least q of the values at or below it.
double quantileMs(std::vector<std::int64_t>& us, double q) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(us.size())));
    const std::size_t index = std::clamp<std::size_t>(rank, 1, us.size()) - 1;
    std::nth_element(us.begin(), us.begin() + static_cast<std::ptrdiff_t>(index), us.end());
    return static_cast<double>(us[index]) / 1000.0;
}

LatencySummary summarize(std::vector<std::int64_t>& us) {
    if (us.empty())
        return {};
    double sum = 0;
    for (const std::int64_t value : us)
        sum += static_cast<double>(value);
    return {.meanMs = sum / static_cast<double>(us.size()) / 1000.0,
            .p50Ms = quantileMs(us, 0.5),
            .p99Ms = quantileMs(us, 0.99)};
}

json optional(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

json latencyJson(const LatencySummary& latency) {
    return {{"mean_ms", optional(latency.meanMs)},
            {"p50_ms", optional(latency.p50Ms)},
            {"p99_ms", optional(latency.p99Ms)}};
}

}  // namespace

Result<ShadowComparison> queryShadowComparison(SqliteDatabase& db,
                                               const ShadowComparisonQuery& query) {
    if (query.toMs <= query.fromMs)
        return invalidArgument("from must be before to", "bad_range");
    // The client's row of a request is found through the (request_id) index: one lookup per
    // shadow row, however much traffic the window holds.
    ATALAYA_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db.prepare(
            "SELECT s.api_version, c.version, s.version, s.http_status, c.label, s.label, "
            "c.score, s.score, c.total_us, s.total_us FROM inference_log AS s "
            "JOIN inference_log AS c ON c.request_id = s.request_id AND c.model = s.model "
            "AND c.route = 'predict' AND c.http_status = 200 "
            "WHERE s.route = 'shadow' AND s.model = ?1 AND s.time_ms >= ?2 AND s.time_ms < ?3 "
            "AND (?4 IS NULL OR s.api_version = ?4) AND (?5 IS NULL OR s.version = ?5) "
            "ORDER BY s.time_ms DESC LIMIT ?6"));
    ATALAYA_RETURN_IF_ERROR(select.bindText(1, query.model));
    ATALAYA_RETURN_IF_ERROR(select.bindInt(2, query.fromMs));
    ATALAYA_RETURN_IF_ERROR(select.bindInt(3, query.toMs));
    ATALAYA_RETURN_IF_ERROR(query.apiVersion ? select.bindText(4, *query.apiVersion)
                                             : select.bindNull(4));
    ATALAYA_RETURN_IF_ERROR(query.candidate ? select.bindInt(5, *query.candidate)
                                            : select.bindNull(5));
    ATALAYA_RETURN_IF_ERROR(select.bindInt(6, kMaxShadowRows + 1));

    struct Pair {
        ShadowPairStats stats;
        std::vector<std::int64_t> stableUs;
        std::vector<std::int64_t> candidateUs;
    };
    std::map<std::tuple<std::string, std::int64_t, std::int64_t>, Pair> pairs;
    ShadowComparison comparison;
    comparison.query = query;
    std::int64_t rows = 0;
    for (;;) {
        ATALAYA_ASSIGN_OR_RETURN(const auto step, select.step());
        if (step == SqliteStatement::Step::Done)
            break;
        if (++rows > kMaxShadowRows) {
            comparison.truncated = true;
            break;
        }
        std::string api(select.isNull(0) ? std::string_view() : select.columnText(0));
        Pair& pair = pairs[std::tuple(api, select.columnInt(1), select.columnInt(2))];
        ShadowPairStats& stats = pair.stats;
        stats.apiVersion = std::move(api);
        stats.stableVersion = select.columnInt(1);
        stats.candidateVersion = select.columnInt(2);
        if (select.columnInt(3) != 200) {
            ++stats.candidateErrors;
            continue;
        }
        ++stats.compared;
        stats.agreed += select.columnText(4) == select.columnText(5) ? 1 : 0;
        stats.sumAbsScoreDiff += std::abs(select.columnDouble(6) - select.columnDouble(7));
        pair.stableUs.push_back(select.columnInt(8));
        pair.candidateUs.push_back(select.columnInt(9));
    }
    for (auto& [key, pair] : pairs) {
        pair.stats.stable = summarize(pair.stableUs);
        pair.stats.candidate = summarize(pair.candidateUs);
        comparison.pairs.push_back(std::move(pair.stats));
    }
    return comparison;
}

std::string shadowComparisonJson(const ShadowComparison& comparison) {
    json pairs = json::array();
    for (const ShadowPairStats& p : comparison.pairs) {
        const auto [low, high] = rollout::wilsonInterval(p.agreed, p.compared);
        const bool any = p.compared > 0;
        const auto n = static_cast<double>(p.compared);
        pairs.push_back(
            {{"api_version", p.apiVersion},
             {"stable_version", p.stableVersion},
             {"candidate_version", p.candidateVersion},
             {"compared", p.compared},
             {"agreement", any ? json(static_cast<double>(p.agreed) / n) : json(nullptr)},
             {"agreement_ci", {low, high}},
             {"mean_abs_score_diff", any ? json(p.sumAbsScoreDiff / n) : json(nullptr)},
             {"candidate_errors", p.candidateErrors},
             {"stable_latency", latencyJson(p.stable)},
             {"candidate_latency", latencyJson(p.candidate)}});
    }
    const ShadowComparisonQuery& q = comparison.query;
    return json{{"model", q.model},
                {"api_version", q.apiVersion ? json(*q.apiVersion) : json(nullptr)},
                {"version", q.candidate ? json(*q.candidate) : json(nullptr)},
                {"from_ms", q.fromMs},
                {"to_ms", q.toMs},
                {"truncated", comparison.truncated},
                {"pairs", std::move(pairs)}}
        .dump();
}

}  // namespace atalaya::stats
