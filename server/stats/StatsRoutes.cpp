#include "stats/StatsRoutes.h"

#include <limits>

#include "core/UnixTime.h"
#include "inference/ModelRepository.h"
#include "stats/QueryString.h"
#include "stats/ShadowComparison.h"
#include "stats/StatsJson.h"
#include "telemetry/DriftMonitor.h"
#include "telemetry/DriftReference.h"
#include "telemetry/StatsQueries.h"
#include "telemetry/StatsQueryThread.h"

namespace atalaya::stats {
namespace {

constexpr std::int64_t kMaxTimeMs = std::numeric_limits<std::int64_t>::max() / 4;

Status logOff() {
    return Status(StatusCode::Unavailable, "the inference log is off (telemetry.inference_log)",
                  "inference_log_off");
}

// The reference bins of `feature` with zero current counts, from the version's model.json:
// what the overlay shows before any traffic reached the drift monitor.
Result<FeatureHistogram> referenceOnly(const ModelVersion& version, const std::string& feature) {
    // The loader writes the metadata before it publishes any state past Loading.
    if (version.state() == ModelState::Loading) {
        return Status(StatusCode::Unavailable, "this model version is still loading",
                      "model_not_ready");
    }
    const std::string& json = version.metadata().referenceJson;
    if (json.empty()) {
        return notFound("this model version has no reference statistics in model.json",
                        "no_reference");
    }
    ATALAYA_ASSIGN_OR_RETURN(const DriftReference reference, parseDriftReference(json));
    const auto found = reference.windowFeature(feature);
    if (!found)
        return notFound("no reference for feature \"" + feature + "\"", "feature_not_found");
    return FeatureHistogram{.feature = feature,
                            .edges = found->bins->edges,
                            .referenceFractions = found->bins->fractions,
                            .currentCounts = std::vector<std::int64_t>(found->bins->size(), 0)};
}

}  // namespace

StatsRoutes::StatsRoutes(StatsRoutesOptions options) : m_options(std::move(options)) {}

std::vector<http::RouteEntry> StatsRoutes::routes() {
    const auto A = http::Access::Metrics;
    return {
        {{"GET", "/api/v1/stats/timeseries", A}, [this](auto& call) { serveTimeSeries(call); }},
        {{"GET", "/api/v1/stats/drift", A}, [this](auto& call) { serveDrift(call); }},
        {{"GET", "/api/v1/stats/histogram", A}, [this](auto& call) { serveHistogram(call); }},
        {{"GET", "/api/v1/stats/shadow", A}, [this](auto& call) { serveShadow(call); }},
    };
}

std::int64_t StatsRoutes::nowMs() const {
    return m_options.clock ? m_options.clock() : systemUnixMs();
}

Result<StatsRoutes::Target> StatsRoutes::targetOf(const QueryString& query,
                                                  bool versionRequired) const {
    const auto model = query.text("model");
    if (!model || model->empty())
        return invalidArgument("the model parameter is required", "missing_parameter");
    ATALAYA_ASSIGN_OR_RETURN(const auto version,
                             query.integer("version", 1, kMaxTimeMs, "bad_version"));
    Target target{.model = *model, .version = nullptr};
    bool known = false;
    // Every registered version counts, READY or not: a failed or unloaded version still has
    // the history of its traffic.
    for (auto& candidate : m_options.models->versions()) {
        if (candidate->model() != *model)
            continue;
        known = true;
        if (version ? candidate->version() == *version
                    : versionRequired &&
                          (!target.version || candidate->version() > target.version->version())) {
            target.version = candidate;
        }
    }
    if (!known)
        return notFound("unknown model \"" + *model + "\"", "model_not_found");
    if (version && !target.version) {
        return notFound("model \"" + *model + "\" has no version " + std::to_string(*version),
                        "version_not_found");
    }
    return target;
}

Result<std::pair<std::int64_t, std::int64_t>> StatsRoutes::rangeOf(const QueryString& query) const {
    ATALAYA_ASSIGN_OR_RETURN(const auto to, query.integer("to", 0, kMaxTimeMs, "bad_range"));
    const std::int64_t toMs = to ? *to : nowMs();
    ATALAYA_ASSIGN_OR_RETURN(const auto from, query.integer("from", 0, kMaxTimeMs, "bad_range"));
    const std::int64_t fromMs = from ? *from : std::max<std::int64_t>(0, toMs - kHourMs);
    if (fromMs >= toMs)
        return invalidArgument("from must be before to", "bad_range");
    return std::pair(fromMs, toMs);
}

void StatsRoutes::post(const http::ApiCallPtr& call, std::function<void(SqliteDatabase*)> job) {
    const Status posted = m_options.queries->post([call, job = std::move(job)](SqliteDatabase* db) {
        try {
            job(db);
        } catch (const std::exception& error) {
            call->fail(internalError(std::string("stats query: ") + error.what(), "internal"));
        }
    });
    if (!posted.isOk())
        call->fail(posted);
}

template <class Run, class ToJson>
void StatsRoutes::answerFromLog(const http::ApiCallPtr& call, Run run, ToJson toJson) {
    post(call, [call, run = std::move(run), toJson = std::move(toJson)](SqliteDatabase* db) {
        if (db == nullptr)
            return call->fail(logOff());
        auto result = run(*db);
        if (!result.isOk())
            return call->fail(result.status());
        call->reply(http::jsonResponse(200, toJson(*result)));
    });
}

void StatsRoutes::serveTimeSeries(const http::ApiCallPtr& call) {
    auto query = QueryString::parse(call->request.target,
                                    {"model", "version", "api_version", "from", "to", "step"});
    if (!query.isOk())
        return call->fail(query.status());
    auto target = targetOf(*query, false);
    if (!target.isOk())
        return call->fail(target.status());
    auto range = rangeOf(*query);
    if (!range.isOk())
        return call->fail(range.status());
    const auto step = query->integer("step", 60, kMaxTimeMs / 1000, "bad_step");
    if (!step.isOk())
        return call->fail(step.status());
    TimeSeriesQuery request;
    request.model = target->model;
    if (target->version)
        request.version = target->version->version();
    request.apiVersion = query->text("api_version").value_or("");
    // Rounded down to its minute: buckets are made of whole rollup minutes.
    request.fromMs = range->first / kMinuteMs * kMinuteMs;
    request.toMs = range->second;
    request.stepMs = step->value_or(60) * 1000;
    if (const Status checked = checkTimeSeriesQuery(request); !checked.isOk())
        return call->fail(checked);
    answerFromLog(
        call, [request](SqliteDatabase& db) { return queryTimeSeries(db, request); },
        [](const auto& series) { return timeSeriesJson(series); });
}

void StatsRoutes::serveDrift(const http::ApiCallPtr& call) {
    auto query = QueryString::parse(call->request.target, {"model", "version", "from", "to"});
    if (!query.isOk())
        return call->fail(query.status());
    auto target = targetOf(*query, true);
    if (!target.isOk())
        return call->fail(target.status());
    auto range = rangeOf(*query);
    if (!range.isOk())
        return call->fail(range.status());
    const DriftSeriesQuery request{.model = target->model,
                                   .version = target->version->version(),
                                   .fromMs = range->first,
                                   .toMs = range->second};
    answerFromLog(
        call, [request](SqliteDatabase& db) { return queryDriftSeries(db, request); },
        [](const auto& series) { return driftSeriesJson(series); });
}

void StatsRoutes::serveHistogram(const http::ApiCallPtr& call) {
    auto query = QueryString::parse(call->request.target, {"model", "version", "feature"});
    if (!query.isOk())
        return call->fail(query.status());
    auto target = targetOf(*query, true);
    if (!target.isOk())
        return call->fail(target.status());
    const auto feature = query->text("feature");
    if (!feature || feature->empty())
        return call->fail(
            invalidArgument("the feature parameter is required", "missing_parameter"));
    // On the query thread too: parsing a reference is JSON work the IO thread should not do.
    post(call, [call, version = target->version, feature = *feature,
                drift = m_options.drift](SqliteDatabase*) {
        std::optional<FeatureHistogram> live;
        if (drift != nullptr)
            live = drift->histogram(version->model(), version->version(), feature);
        auto histogram =
            live ? Result<FeatureHistogram>(std::move(*live)) : referenceOnly(*version, feature);
        if (!histogram.isOk())
            return call->fail(histogram.status());
        call->reply(http::jsonResponse(200, histogramJson(version->model(), version->version(),
                                                          *histogram, live.has_value())));
    });
}

// `version` names the shadow (candidate) version; absent: every shadow of the model.
void StatsRoutes::serveShadow(const http::ApiCallPtr& call) {
    auto query =
        QueryString::parse(call->request.target, {"model", "api_version", "version", "from", "to"});
    if (!query.isOk())
        return call->fail(query.status());
    auto target = targetOf(*query, false);
    if (!target.isOk())
        return call->fail(target.status());
    auto range = rangeOf(*query);
    if (!range.isOk())
        return call->fail(range.status());
    ShadowComparisonQuery request{.model = target->model,
                                  .apiVersion = query->text("api_version"),
                                  .candidate = std::nullopt,
                                  .fromMs = range->first,
                                  .toMs = range->second};
    if (target->version)
        request.candidate = target->version->version();
    answerFromLog(
        call, [request](SqliteDatabase& db) { return queryShadowComparison(db, request); },
        [](const auto& comparison) { return shadowComparisonJson(comparison); });
}

}  // namespace atalaya::stats
