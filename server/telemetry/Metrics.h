#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/PrometheusText.h"  // kPrometheusContentType, the scrape's Content-Type
#include "telemetry/SloGauges.h"
#include "telemetry/TelemetryGauges.h"

namespace atalaya {

struct MetricsOptions {
    // Upper bounds of atalaya_request_duration_seconds. Every SLO latency threshold should be one
    // of them, or the share of requests under it can only be interpolated.
    std::vector<double> latencyBucketsSeconds = {.001, .0025, .005, .01, .025, .05, .1,
                                                 .25,  .5,    1,    2.5, 5,    10};
    // Added to latencyBucketsSeconds (e.g. each model's SLO latency objective).
    std::vector<double> sloThresholdsSeconds{};
    // Upper bounds of atalaya_batch_size, in rows.
    std::vector<double> batchSizeBuckets = {1, 2, 4, 8, 16, 32, 64, 128};
    std::string buildVersion{};  // atalaya_build_info{version}; empty: this build's ATALAYA_VERSION
    // Rejection reasons exported at 0 before the first one happens, so rate() sees them.
    std::vector<std::string> knownRejectionReasons = {"queue_full", "deadline_exceeded",
                                                      "invalid_argument"};
};

// One answered request, as the request-completion path knows it. Plain fields, no ownership:
// the views need only live for the recordRequest() call.
//
// Every label value must come from a bounded set the server controls, never from the request:
// `route` is the route's name ("predict", "oip_infer"), not its path; `apiVersion` only a known
// one; `model` and `version` only a version the repository resolved (empty model otherwise, e.g.
// for a 404 on an unknown model), or any client could create series without end.
struct RequestSample {
    std::string_view route{};
    std::string_view apiVersion{};  // "v1", "v2"; empty for OIP routes
    std::string_view model{};
    std::int64_t version = 0;
    int httpStatus = 200;
    std::chrono::microseconds total{0};    // received until answered
    std::chrono::microseconds queue{0};    // submitted until its batch started
    std::chrono::microseconds compute{0};  // its batch's forward pass
    int batchSize = 0;                     // rows in that forward pass; 0 if it never ran one
};

// A model version's state, sampled when /metrics is scraped.
struct ModelVersionSample {
    std::string model{};
    std::int64_t version = 0;
    std::string state{};  // modelStateName(): "LOADING", "READY", ...
    int queueDepth = 0;
    int inFlight = 0;
    std::optional<double> loadSeconds{};  // none until its load finished
};

// One drift statistic of one feature (or "_predictions") of a model version, at scrape time.
// Feature names come from model.json, never from requests, so the series stay bounded.
struct DriftScoreSample {
    std::string model{};
    std::int64_t version = 0;
    std::string feature{};
    std::string statistic{};  // "psi", "ks", "ks_p_value", "jensen_shannon", ...
    double value = 0;
};

struct DriftVerdictSample {
    std::string model{};
    std::int64_t version = 0;
    bool drift = false;
    double windowSize = 0;
};

// What the scrape route samples at scrape time and hands to exposition(): gauges that live
// elsewhere (batchers, the repository, the inference log) rather than in this registry.
struct ScrapeContext {
    std::vector<ModelVersionSample> models{};
    // Every ModelState name, so atalaya_model_state exports 0 for the states a version is not
    // in. A state missing from this list is still exported, at 1.
    std::vector<std::string> modelStates = {"LOADING", "READY", "FAILED", "DRAINING", "UNLOADED"};
    std::uint64_t inferenceLogRowsDropped = 0;  // 0 while the log is off
    std::vector<DriftScoreSample> driftScores{};
    std::vector<DriftVerdictSample> driftVerdicts{};
    double uptimeSeconds = 0;
    std::vector<SloGaugeSample> slo{};  // the SLO tracker's last evaluation; empty while it is off
    std::optional<InferenceLogStorageSample> inferenceLog{};  // none while the log is off
    std::optional<DriftCountersSample> driftCounters{};       // none while the monitor is off
};

// The server's Prometheus metrics (docs/metrics.md lists them): counters and histograms recorded
// as requests finish, plus gauges sampled from a ScrapeContext, written in the text format 0.0.4.
//
// Thread-safe: recordRequest() and recordRejection() from any thread (IO threads, batchers);
// exposition() from any thread. A series is created the first time its labels are seen (one
// exclusive lock); after that recording takes a shared lock, a map lookup without allocation
// and relaxed atomic adds. Series are never removed: Prometheus counters live as long as the
// process, so unloaded versions keep their last values.
class Metrics {
public:
    explicit Metrics(MetricsOptions options = {});
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // atalaya_requests_total always; atalaya_request_duration_seconds{phase="total"} when the
    // sample names a model; phase="queue"/"compute" and atalaya_batch_size when it ran a batch.
    void recordRequest(const RequestSample& sample);

    // A request the server refused to serve (queue_full, deadline_exceeded, invalid_argument,
    // ...). `reason` is a Status reason token, a bounded set defined by the server.
    void recordRejection(std::string_view reason);

    std::string exposition(const ScrapeContext& context) const;

    // The bucket bounds in use, after merging SLO thresholds, sorting and dropping duplicates,
    // non-positive and non-finite values (and, for latencies, anything under a microsecond).
    std::vector<double> latencyBucketsSeconds() const;
    std::vector<double> batchSizeBuckets() const;

private:
    class Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace atalaya
