#include "telemetry/Metrics.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <tuple>

#include "telemetry/MetricsHistogram.h"

namespace atalaya {
namespace {

using Type = PrometheusTextWriter::Type;

// Histogram observations are integers: microseconds for durations, rows for batch sizes.
constexpr double kMicrosecondsPerSecond = 1e6;

struct RequestKey {
    std::string route;
    std::string apiVersion;
    std::string model;
    std::int64_t version = 0;
    int code = 0;
};

struct ModelKey {
    std::string model;
    std::int64_t version = 0;
};

// Keys compare as tuples of views, so the hot path finds a series from a RequestSample's
// string_views without building (allocating) a key.
auto tieOf(const RequestKey& k) {
    return std::tuple<std::string_view, std::string_view, std::string_view, std::int64_t, int>(
        k.route, k.apiVersion, k.model, k.version, k.code);
}
auto tieOf(const RequestSample& s) {
    return std::tuple<std::string_view, std::string_view, std::string_view, std::int64_t, int>(
        s.route, s.apiVersion, s.model, s.version, s.httpStatus);
}
auto tieOf(const ModelKey& k) {
    return std::tuple<std::string_view, std::int64_t>(k.model, k.version);
}
std::string_view tieOf(const std::string& s) {
    return s;
}
std::string_view tieOf(std::string_view s) {
    return s;
}

struct ModelKeyView {
    std::string_view model;
    std::int64_t version;
};
auto tieOf(const ModelKeyView& k) {
    return std::tuple<std::string_view, std::int64_t>(k.model, k.version);
}

struct TieLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return tieOf(a) < tieOf(b);
    }
};

RequestKey toKey(const RequestSample& s) {
    return {std::string(s.route), std::string(s.apiVersion), std::string(s.model), s.version,
            s.httpStatus};
}
ModelKey toKey(const ModelKeyView& k) {
    return {std::string(k.model), k.version};
}
std::string toKey(std::string_view s) {
    return std::string(s);
}

// Series of one family, created on first use and never removed, so a reference to a value
// stays valid without the lock (std::map nodes do not move).
template <class Key, class Value>
class SeriesMap {
public:
    template <class View, class... Args>
    Value& get(const View& view, const Args&... args) {
        {
            std::shared_lock lock(m_mutex);
            if (const auto it = m_series.find(view); it != m_series.end())
                return it->second;
        }
        std::unique_lock lock(m_mutex);
        auto it = m_series.find(view);
        if (it == m_series.end())
            it = m_series.try_emplace(toKey(view), args...).first;
        return it->second;
    }

    template <class Function>
    void forEach(Function&& function) const {
        std::shared_lock lock(m_mutex);
        for (const auto& [key, value] : m_series)
            function(key, value);
    }

private:
    mutable std::shared_mutex m_mutex;
    std::map<Key, Value, TieLess> m_series;
};

struct ModelSeries {
    explicit ModelSeries(const MetricsHistogram::Bounds& latency,
                         const MetricsHistogram::Bounds& batch)
        : total(latency), queue(latency), compute(latency), batchSize(batch) {}
    MetricsHistogram total;
    MetricsHistogram queue;
    MetricsHistogram compute;
    MetricsHistogram batchSize;
};

using Counter = std::atomic<std::uint64_t>;

// Sorted, unique, finite, positive bounds in integer units (`scale` units per exposed unit).
std::vector<std::int64_t> integerBounds(std::vector<double> values, double scale) {
    std::vector<std::int64_t> out;
    for (const double value : values) {
        if (!std::isfinite(value) || value <= 0)
            continue;
        const double scaled = std::round(value * scale);
        if (scaled < 1 || scaled > 9e18)
            continue;
        out.push_back(static_cast<std::int64_t>(scaled));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<double> exposedBounds(const std::vector<std::int64_t>& bounds, double scale) {
    std::vector<double> out;
    out.reserve(bounds.size());
    for (const std::int64_t bound : bounds)
        out.push_back(static_cast<double>(bound) / scale);
    return out;
}

std::string versionLabel(std::string_view model, std::int64_t version) {
    return model.empty() ? std::string() : std::to_string(version);
}

}  // namespace

class Metrics::Impl {
public:
    explicit Impl(MetricsOptions options);

    void writeRequests(PrometheusTextWriter& out) const;
    void writeDurations(PrometheusTextWriter& out) const;
    void writeBatchSizes(PrometheusTextWriter& out) const;
    void writeRejections(PrometheusTextWriter& out) const;
    static void writeScraped(PrometheusTextWriter& out, const ScrapeContext& context);

    const std::string m_buildVersion;
    const MetricsHistogram::Bounds m_latencyBoundsUs;
    const MetricsHistogram::Bounds m_batchBounds;
    const std::vector<double> m_latencyBoundsSeconds;  // m_latencyBoundsUs as exposed
    const std::vector<double> m_batchBoundsRows;

    SeriesMap<RequestKey, Counter> m_requests;
    SeriesMap<ModelKey, ModelSeries> m_models;
    SeriesMap<std::string, Counter> m_rejections;
};

Metrics::Impl::Impl(MetricsOptions options)
    : m_buildVersion(options.buildVersion.empty() ? ATALAYA_VERSION : options.buildVersion)
    , m_latencyBoundsUs(std::make_shared<const std::vector<std::int64_t>>([&] {
        auto seconds = options.latencyBucketsSeconds;
        seconds.insert(seconds.end(), options.sloThresholdsSeconds.begin(),
                       options.sloThresholdsSeconds.end());
        return integerBounds(std::move(seconds), kMicrosecondsPerSecond);
    }()))
    , m_batchBounds(std::make_shared<const std::vector<std::int64_t>>(
          integerBounds(options.batchSizeBuckets, 1)))
    , m_latencyBoundsSeconds(exposedBounds(*m_latencyBoundsUs, kMicrosecondsPerSecond))
    , m_batchBoundsRows(exposedBounds(*m_batchBounds, 1)) {
    for (const std::string& reason : options.knownRejectionReasons)
        m_rejections.get(std::string_view(reason));
}

void Metrics::Impl::writeRequests(PrometheusTextWriter& out) const {
    out.family("atalaya_requests_total", Type::Counter,
               "Answered API requests by route, API version, model version and HTTP status.");
    m_requests.forEach([&](const RequestKey& key, const Counter& count) {
        const std::string version = versionLabel(key.model, key.version);
        const std::string code = std::to_string(key.code);
        const PrometheusLabel labels[] = {{"route", key.route},
                                          {"api_version", key.apiVersion},
                                          {"model", key.model},
                                          {"version", version},
                                          {"code", code}};
        out.sample("atalaya_requests_total", labels, count.load(std::memory_order_relaxed));
    });
}

void Metrics::Impl::writeDurations(PrometheusTextWriter& out) const {
    out.family("atalaya_request_duration_seconds", Type::Histogram,
               "Request latency by phase: total (received to answered), queue (waiting for a "
               "batch), compute (the batch's forward pass).");
    m_models.forEach([&](const ModelKey& key, const ModelSeries& series) {
        const std::string version = std::to_string(key.version);
        const std::pair<std::string_view, const MetricsHistogram*> phases[] = {
            {"total", &series.total}, {"queue", &series.queue}, {"compute", &series.compute}};
        for (const auto& [phase, histogram] : phases) {
            const PrometheusLabel labels[] = {
                {"model", key.model}, {"version", version}, {"phase", phase}};
            const auto snapshot = histogram->snapshot();
            out.histogram("atalaya_request_duration_seconds", labels, m_latencyBoundsSeconds,
                          snapshot.counts,
                          static_cast<double>(snapshot.sum) / kMicrosecondsPerSecond);
        }
    });
}

void Metrics::Impl::writeBatchSizes(PrometheusTextWriter& out) const {
    out.family("atalaya_batch_size", Type::Histogram,
               "Rows in the forward pass each request rode in (observed once per request).");
    m_models.forEach([&](const ModelKey& key, const ModelSeries& series) {
        const std::string version = std::to_string(key.version);
        const PrometheusLabel labels[] = {{"model", key.model}, {"version", version}};
        const auto snapshot = series.batchSize.snapshot();
        out.histogram("atalaya_batch_size", labels, m_batchBoundsRows, snapshot.counts,
                      static_cast<double>(snapshot.sum));
    });
}

void Metrics::Impl::writeRejections(PrometheusTextWriter& out) const {
    out.family("atalaya_rejections_total", Type::Counter,
               "Requests refused before or instead of running, by reason.");
    m_rejections.forEach([&](const std::string& reason, const Counter& count) {
        const PrometheusLabel labels[] = {{"reason", reason}};
        out.sample("atalaya_rejections_total", labels, count.load(std::memory_order_relaxed));
    });
}

void Metrics::Impl::writeScraped(PrometheusTextWriter& out, const ScrapeContext& context) {
    const auto perVersion = [&](std::string_view name, Type type, std::string_view help,
                                auto value) {
        out.family(name, type, help);
        for (const ModelVersionSample& m : context.models) {
            const auto sampled = value(m);
            if (!sampled)
                continue;
            const std::string version = std::to_string(m.version);
            const PrometheusLabel labels[] = {{"model", m.model}, {"version", version}};
            out.sample(name, labels, *sampled);
        }
    };
    perVersion("atalaya_queue_depth", Type::Gauge,
               "Requests waiting in the version's batcher queue.",
               [](const ModelVersionSample& m) { return std::optional<double>(m.queueDepth); });
    perVersion("atalaya_in_flight", Type::Gauge,
               "Rows (instances) in the version's forward pass now running.",
               [](const ModelVersionSample& m) { return std::optional<double>(m.inFlight); });
    perVersion("atalaya_model_load_duration_seconds", Type::Gauge,
               "Time the version took to load and warm up.",
               [](const ModelVersionSample& m) { return m.loadSeconds; });

    out.family("atalaya_model_state", Type::Gauge,
               "1 for the state the model version is in, 0 for the others.");
    for (const ModelVersionSample& m : context.models) {
        const std::string version = std::to_string(m.version);
        const auto write = [&](std::string_view state, double value) {
            const PrometheusLabel labels[] = {
                {"model", m.model}, {"version", version}, {"state", state}};
            out.sample("atalaya_model_state", labels, value);
        };
        for (const std::string& state : context.modelStates)
            write(state, state == m.state ? 1 : 0);
        const auto& states = context.modelStates;
        if (std::find(states.begin(), states.end(), m.state) == states.end())
            write(m.state, 1);
    }

    out.family("atalaya_inference_log_rows_dropped_total", Type::Counter,
               "Inference log rows dropped because the writer could not keep up.");
    out.sample("atalaya_inference_log_rows_dropped_total", {}, context.inferenceLogRowsDropped);
    if (!context.driftVerdicts.empty()) {
        out.family("atalaya_drift_detected", Type::Gauge,
                   "1 while the version's live window differs from its training reference "
                   "(Benjamini-Hochberg over per-feature tests).");
        for (const DriftVerdictSample& v : context.driftVerdicts) {
            const std::string version = std::to_string(v.version);
            const PrometheusLabel labels[] = {{"model", v.model}, {"version", version}};
            out.sample("atalaya_drift_detected", labels, v.drift ? 1.0 : 0.0);
        }
        out.family("atalaya_drift_window_size", Type::Gauge,
                   "Observations in the version's drift window.");
        for (const DriftVerdictSample& v : context.driftVerdicts) {
            const std::string version = std::to_string(v.version);
            const PrometheusLabel labels[] = {{"model", v.model}, {"version", version}};
            out.sample("atalaya_drift_window_size", labels, v.windowSize);
        }
    }
    if (!context.driftScores.empty()) {
        out.family("atalaya_drift_score", Type::Gauge,
                   "Drift statistic of one feature (or _predictions) against the reference.");
        for (const DriftScoreSample& d : context.driftScores) {
            const std::string version = std::to_string(d.version);
            const PrometheusLabel labels[] = {{"model", d.model},
                                              {"version", version},
                                              {"feature", d.feature},
                                              {"statistic", d.statistic}};
            out.sample("atalaya_drift_score", labels, d.value);
        }
    }
    out.family("atalaya_uptime_seconds", Type::Gauge, "Seconds since the server started.");
    out.sample("atalaya_uptime_seconds", {}, context.uptimeSeconds);
}

Metrics::Metrics(MetricsOptions options) : d(std::make_unique<Impl>(std::move(options))) {}

Metrics::~Metrics() = default;

void Metrics::recordRequest(const RequestSample& sample) {
    d->m_requests.get(sample).fetch_add(1, std::memory_order_relaxed);
    if (sample.model.empty())
        return;
    ModelSeries& series = d->m_models.get(ModelKeyView{sample.model, sample.version},
                                          d->m_latencyBoundsUs, d->m_batchBounds);
    series.total.observe(sample.total.count());
    if (sample.batchSize <= 0)
        return;
    series.queue.observe(sample.queue.count());
    series.compute.observe(sample.compute.count());
    series.batchSize.observe(sample.batchSize);
}

void Metrics::recordRejection(std::string_view reason) {
    d->m_rejections.get(reason).fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::exposition(const ScrapeContext& context) const {
    PrometheusTextWriter out;
    out.family("atalaya_build_info", Type::Gauge, "Always 1; the labels describe this build.");
    const PrometheusLabel build[] = {{"version", d->m_buildVersion}};
    out.sample("atalaya_build_info", build, 1.0);
    d->writeRequests(out);
    d->writeDurations(out);
    d->writeBatchSizes(out);
    d->writeRejections(out);
    Impl::writeScraped(out, context);
    writeSloGauges(out, context.slo);
    writeInferenceLogGauges(out, context.inferenceLog);
    writeDriftCounters(out, context.driftCounters);
    return out.take();
}

std::vector<double> Metrics::latencyBucketsSeconds() const {
    return d->m_latencyBoundsSeconds;
}

std::vector<double> Metrics::batchSizeBuckets() const {
    return d->m_batchBoundsRows;
}

}  // namespace atalaya
