#include "http/HealthReport.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "core/UnixTime.h"

namespace atalaya::http {
namespace {

using nlohmann::json;

json optionalNumber(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

json versionHealth(ModelVersion& version) {
    const ModelState state = version.state();
    const auto stats = version.stats().snapshot();
    const auto loadTime = version.loadDuration();
    const bool running = state == ModelState::Ready || state == ModelState::Draining;
    return {
        {"name", version.model()},
        {"version", version.version()},
        {"state", modelStateName(state)},
        {"reason", version.reason()},
        {"load_ms", loadTime ? json(loadTime->count()) : json(nullptr)},
        {"queue_depth", running ? version.batcher().queueDepth() : 0},
        {"in_flight", running ? version.batcher().inFlight() : 0},
        {"max_batch_size", running ? version.metadata().batching.maxBatchSize : 0},
        {"last_minute",
         {{"requests", stats.requests},
          {"errors", stats.errors},
          {"success_rate", optionalNumber(stats.successRate)},
          {"throughput_rps", stats.throughputRps},
          {"latency_ms",
           {{"p50", optionalNumber(stats.p50Ms)},
            {"p95", optionalNumber(stats.p95Ms)},
            {"p99", optionalNumber(stats.p99Ms)}}},
          {"mean_batch_size", stats.meanBatchSize}}},
    };
}

constexpr std::int64_t kRecentDropMs = 60'000;

// "telemetry" of the health body; a drop in the last minute also becomes a runtime warning.
json telemetryHealth(const InferenceSink* sink, std::vector<std::string>& warnings) {
    const InferenceSinkCounters counters =
        sink != nullptr ? sink->counters() : InferenceSinkCounters{};
    const auto nowMs = systemUnixMs();
    if (counters.lastDropUnixMs != 0 && nowMs - counters.lastDropUnixMs < kRecentDropMs) {
        warnings.push_back("the inference log dropped rows in the last minute (" +
                           std::to_string(counters.rowsDropped) +
                           " since start): its writer cannot keep up with the disk");
    }
    return {{"inference_log", sink != nullptr},
            {"rows_written", counters.rowsWritten},
            {"rows_dropped", counters.rowsDropped},
            {"queue_depth", counters.queueDepth}};
}

}  // namespace

std::string encodeHealth(const ModelRepository& models, const RuntimeReport& runtime,
                         const TrafficRouter& routing, const std::string& address,
                         double uptimeSeconds, const InferenceSink* sink,
                         const std::vector<HealthSection>& sections) {
    json list = json::array();
    bool loading = false;
    bool failed = false;
    for (const auto& version : models.versions()) {
        loading = loading || version->state() == ModelState::Loading;
        failed = failed || version->state() == ModelState::Failed;
        list.push_back(versionHealth(*version));
    }
    const char* status = failed ? "degraded" : (loading ? "loading" : "ok");
    std::vector<std::string> warnings = runtime.warnings;
    json telemetry = telemetryHealth(sink, warnings);
    json body = {
        {"status", status},
        {"uptime_s", uptimeSeconds},
        {"server", {{"version", ATALAYA_VERSION}, {"address", address}}},
        {"runtime",
         {{"device", runtime.device},
          {"torch_version", runtime.torchVersion},
          {"blas", runtime.blas.kind},
          {"blas_library", runtime.blas.library},
          {"blas_threads", runtime.blas.threads},
          {"intra_op_threads", runtime.intraOpThreads},
          {"inference_workers", runtime.inferenceWorkers},
          {"warnings", std::move(warnings)}}},
        {"models", std::move(list)},
        {"api_versions", routing.pins()},
        {"telemetry", std::move(telemetry)},
    };
    for (const auto& section : sections)
        body[section.name] = section.build();
    return body.dump();
}

std::string encodeReadiness(const ModelRepository& models, bool& ready) {
    ready = models.allReady();
    if (ready)
        return R"({"status":"ready"})";
    json waiting = json::array();
    for (const auto& version : models.versionsNotReady()) {
        waiting.push_back({{"name", version->model()},
                           {"version", version->version()},
                           {"state", modelStateName(version->state())}});
    }
    return json{{"status", "not_ready"}, {"not_ready", std::move(waiting)}}.dump();
}

}  // namespace atalaya::http
