#include <cstdio>
#include <utility>

#include "Report.h"

namespace atalaya::bench {
namespace {

const HttpPoint* findHttp(const BenchReport& report, std::string_view target, int concurrency) {
    for (const auto& point : report.http) {
        if (point.target == target && point.concurrency == concurrency)
            return &point;
    }
    return nullptr;
}

const RawModelResult* findRaw(const BenchReport& report, std::string_view model,
                              RawThreads threads) {
    for (const auto& raw : report.raw) {
        if (raw.model == model && raw.threads == threads)
            return &raw;
    }
    return nullptr;
}

// The fastest raw point of a model over every row (each batch size, each thread setting).
std::pair<const RawModelResult*, const RawPoint*> bestRaw(const BenchReport& report,
                                                          std::string_view model) {
    std::pair<const RawModelResult*, const RawPoint*> best{nullptr, nullptr};
    for (const auto& raw : report.raw) {
        const RawPoint* point = raw.model == model ? raw.best() : nullptr;
        if (point && (!best.second || point->samplesPerSecond > best.second->samplesPerSecond))
            best = {&raw, point};
    }
    return best;
}

template <class... Args>
std::string format(const char* pattern, Args... args) {
    char text[200];
    std::snprintf(text, sizeof text, pattern, args...);
    return text;
}

// Batching should make the server nearly as fast as the model at its best: the best batch size
// under the best thread setting (the server's may be the unstable one).
TargetCheck throughputVsRaw(const BenchReport& report, const std::string& model) {
    TargetCheck check{.name = model + " @64 req/s vs raw best",
                      .formula = "n/a",
                      .value = std::nullopt,
                      .target = 0.90};
    const auto* server = findHttp(report, model, 64);
    const auto [raw, best] = bestRaw(report, model);
    if (server && best && best->samplesPerSecond > 0) {
        check.value = server->load.requestsPerSecond / best->samplesPerSecond;
        check.formula = format(
            "%.0f req/s / %.0f samples/s (raw best: batch %d, %s threads: intra-op %d, BLAS %d)",
            server->load.requestsPerSecond, best->samplesPerSecond, best->batchSize,
            raw->threads == RawThreads::One ? "one" : "server", raw->intraOpThreads,
            raw->blasThreads);
    }
    return check;
}

// A cheap model should cost little more per request than the cheapest route does.
TargetCheck throughputVsHealthz(const BenchReport& report, const std::string& model) {
    TargetCheck check{.name = model + " @64 req/s vs healthz",
                      .formula = "n/a",
                      .value = std::nullopt,
                      .target = 0.40};
    const auto* server = findHttp(report, model, 64);
    const auto* healthz = findHttp(report, "healthz", 64);
    if (server && healthz && healthz->load.requestsPerSecond > 0) {
        check.value = server->load.requestsPerSecond / healthz->load.requestsPerSecond;
        check.formula = format("%.0f req/s / %.0f req/s (GET /healthz @64)",
                               server->load.requestsPerSecond, healthz->load.requestsPerSecond);
    }
    return check;
}

// What one lone request pays for HTTP, JSON and the hand-offs, over the forward pass itself.
TargetCheck overheadAtOne(const BenchReport& report, const std::string& model) {
    TargetCheck check{.name = model + " @1 overhead ms",
                      .formula = "n/a",
                      .value = std::nullopt,
                      .target = 0.30,
                      .atMost = true};
    // The server runs its forward passes with its own thread settings, so those are the baseline.
    const auto* server = findHttp(report, model, 1);
    const auto* raw = findRaw(report, model, RawThreads::Server);
    const auto* single = raw ? raw->atBatch(1) : nullptr;
    if (server && single && server->load.latency.count > 0) {
        check.value = server->load.latency.p50Ms - single->forward.p50Ms;
        check.formula = format("p50 %.3f ms (HTTP @1) - %.3f ms (raw batch-1 forward p50)",
                               server->load.latency.p50Ms, single->forward.p50Ms);
    }
    return check;
}

}  // namespace

std::vector<TargetCheck> evaluateTargets(const BenchReport& report) {
    std::vector<TargetCheck> checks{throughputVsRaw(report, "sentiment"),
                                    throughputVsHealthz(report, "credit-risk")};
    for (const auto& raw : report.raw) {
        if (raw.threads == RawThreads::Server)
            checks.push_back(overheadAtOne(report, raw.model));
    }
    return checks;
}

}  // namespace atalaya::bench
