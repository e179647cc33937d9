#include "Report.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace atalaya::bench {
namespace {

using nlohmann::json;

// printf into a stream: the tables are column-aligned text.
void line(std::ostream& out, const char* pattern, ...) __attribute__((format(printf, 2, 3)));
void line(std::ostream& out, const char* pattern, ...) {
    char text[512];
    va_list args;
    va_start(args, pattern);
    std::vsnprintf(text, sizeof text, pattern, args);
    va_end(args);
    out << text << '\n';
}

// A raw point whose mean is this far above its median had slow runs: a thread descheduled, or
// the multi-threaded loop's instability (docs/benchmarks.md, "Known limits").
constexpr double kUnstableMeanOverP50 = 1.2;

bool isUnstable(const RawPoint& p) {
    return p.forward.meanMs > kUnstableMeanOverP50 * p.forward.p50Ms;
}

std::string modelLabel(const std::string& model, std::int64_t version) {
    return version > 0 ? model + " v" + std::to_string(version) : model;
}

void printSetup(const RunSetup& s, std::ostream& out) {
    line(out, "Atalaya benchmark: %d cores, LibTorch %s", s.cores, s.torchVersion.c_str());
    line(out, "BLAS: %s (%s), BLAS threads %d", s.blasKind.c_str(), s.blasLibrary.c_str(),
         s.blasThreads);
    line(out, "Server: intra-op threads %d, inference workers %d, HTTP IO threads %d",
         s.intraOpThreads, s.inferenceWorkers, s.httpIoThreads);
    line(out, "Authentication: %s", s.authentication ? "on" : "OFF (no tokens are verified)");
    line(out, "Client: %d load-generator thread in this process, on the same %d cores as the",
         s.clientThreads, s.cores);
    line(out, "        server: HTTP figures include the client's CPU use and are a lower bound.");
    line(out, "Server logging: QT_LOGGING_RULES=\"%s\"", s.loggingRules.c_str());
    line(out, "Timing: HTTP %.1f s warm-up + %.1f s measured per point; raw %.1f s + %.1f s.",
         s.httpWarmUpSeconds, s.httpMeasureSeconds, s.rawWarmUpSeconds, s.rawMeasureSeconds);
}

// "intra-op/BLAS" threads of a raw row, and whose settings they are.
std::string threadsLabel(const RawModelResult& raw) {
    const std::string blas = raw.blasThreads > 0 ? std::to_string(raw.blasThreads) : "?";
    return std::to_string(raw.intraOpThreads) + "/" + blas +
           (raw.threads == RawThreads::One ? " one" : " server");
}

// Every raw point whose mean runs away from its median, under one warning.
void printUnstableRaw(const BenchReport& report, std::ostream& out) {
    bool warned = false;
    for (const auto& raw : report.raw) {
        for (const auto& p : raw.points) {
            if (!isUnstable(p))
                continue;
            if (!warned) {
                line(out,
                     "WARNING: raw points with mean > %.1f x p50 (slow runs: an unstable loop or a",
                     kUnstableMeanOverP50);
                line(out, "descheduled thread; their samples/s understate the model):");
                warned = true;
            }
            line(out, "  %s, threads %s, batch %d: mean %.3f ms, p50 %.3f ms",
                 modelLabel(raw.model, raw.version).c_str(), threadsLabel(raw).c_str(), p.batchSize,
                 p.forward.meanMs, p.forward.p50Ms);
        }
    }
}

void printRaw(const BenchReport& report, std::ostream& out) {
    line(out, "\nRaw LibTorch forward, in process, no HTTP (runner->run() on one thread)");
    line(out, "%-16s %-10s %6s %12s %10s %10s %9s %6s %6s", "model", "threads", "batch",
         "samples/s", "p50 ms", "mean ms", "runs", "cores", "other");
    for (const auto& raw : report.raw) {
        for (const auto& p : raw.points) {
            line(out, "%-16s %-10s %6d %12.0f %10.3f %10.3f %9lld %6.2f %6.2f",
                 modelLabel(raw.model, raw.version).c_str(), threadsLabel(raw).c_str(), p.batchSize,
                 p.samplesPerSecond, p.forward.p50Ms, p.forward.meanMs,
                 static_cast<long long>(p.iterations), p.cpu.selfCores, p.cpu.otherCores);
        }
    }
    line(out, "threads: LibTorch intra-op / BLAS threads, the server's settings or one of each.");
    line(out, "cores: this process's CPU use while timing (the forward's threads); other: other");
    line(out, "processes. The server is idle meanwhile.");
    printUnstableRaw(report, out);
}

std::string targetLabel(const HttpPoint& point) {
    return point.target == "healthz" ? std::string("GET /healthz")
                                     : modelLabel(point.target, point.version);
}

void printHttp(const BenchReport& report, std::ostream& out) {
    line(out, "\nHTTP closed loop, keep-alive (POST /api/v1/ia/predict, 1 instance per request)");
    line(out, "%-16s %5s %9s %8s %8s %6s %9s %9s %9s %7s", "target", "conc", "req/s", "p50 ms",
         "p99 ms", "batch", "queue us", "comp us", "srv us", "errors");
    for (const auto& point : report.http) {
        const auto& l = point.load;
        line(out, "%-16s %5d %9.0f %8.3f %8.3f %6.1f %9.0f %9.0f %9.0f %7lld",
             targetLabel(point).c_str(), point.concurrency, l.requestsPerSecond, l.latency.p50Ms,
             l.latency.p99Ms, l.meanBatchSize, l.meanQueueUs, l.meanComputeUs, l.meanServerTotalUs,
             static_cast<long long>(l.errors));
        if (!l.firstError.empty())
            line(out, "  first error: %s", l.firstError.c_str());
    }
    line(out,
         "p50, p99: client-side, request written .. answer read. batch, queue, comp, srv: means");
    line(out, "of the answers' batch_size and timing_us (srv = server receive .. answer encoded).");

    line(out, "\nCPU during the measured windows (cores = CPU seconds per second)");
    line(out, "%-16s %5s %12s %12s %12s %14s %14s", "target", "conc", "server cores",
         "client cores", "other cores", "server us/req", "client us/req");
    for (const auto& point : report.http) {
        const auto& l = point.load;
        line(out, "%-16s %5d %12.2f %12.2f %12.2f %14.1f %14.1f", targetLabel(point).c_str(),
             point.concurrency, l.cpu.selfCores - l.cpu.threadCores, l.cpu.threadCores,
             l.cpu.otherCores, l.serverCpuUsPerRequest, l.clientCpuUsPerRequest);
    }
    line(out, "server = every server thread; client = the load generator's one thread; other =");
    line(out, "other processes. us/req = CPU time per answered request, the figure least affected");
    line(out, "by sharing the cores.");
}

// Another process on the cores invalidates a comparison between points, so say so loudly.
void printNoiseWarning(const BenchReport& report, std::ostream& out) {
    constexpr double kNoisyCores = 0.15;
    double worst = 0;
    for (const auto& raw : report.raw) {
        for (const auto& p : raw.points)
            worst = std::max(worst, p.cpu.otherCores);
    }
    for (const auto& point : report.http)
        worst = std::max(worst, point.load.cpu.otherCores);
    if (worst > kNoisyCores) {
        line(out, "\nWARNING: other processes used up to %.2f cores during a measurement (column",
             worst);
        line(out, "\"other\"): those figures are distorted; rerun on a quiet machine.");
    }
}

void printTargets(const BenchReport& report, std::ostream& out) {
    line(out, "\nTargets (each from figures of this run)");
    for (const auto& t : report.targets) {
        const std::string value = t.value ? std::to_string(*t.value).substr(0, 6) : "n/a";
        line(out, "  %-34s %8s  (target %s %.2f)  %s", t.name.c_str(), value.c_str(),
             t.atMost ? "<=" : ">=", t.target, t.pass() ? "PASS" : "MISS");
        line(out, "      = %s", t.formula.c_str());
    }
    line(out, "\nTotal wall time %.1f s", report.wallSeconds);
}

json latencyJson(const LatencySummary& l) {
    return {{"count", l.count}, {"mean_ms", l.meanMs}, {"p50_ms", l.p50Ms}, {"p99_ms", l.p99Ms}};
}

json cpuJson(const CpuShare& cpu) {
    return {{"process", cpu.selfCores},
            {"measuring_thread", cpu.threadCores},
            {"other_processes", cpu.otherCores}};
}

}  // namespace

void printReport(const BenchReport& report, std::ostream& out) {
    printSetup(report.setup, out);
    printRaw(report, out);
    printHttp(report, out);
    printNoiseWarning(report, out);
    printTargets(report, out);
}

std::string reportJson(const BenchReport& report) {
    const RunSetup& s = report.setup;
    json doc = {
        {"setup",
         {{"cores", s.cores},
          {"blas", s.blasKind},
          {"blas_library", s.blasLibrary},
          {"blas_threads", s.blasThreads},
          {"torch_version", s.torchVersion},
          {"intra_op_threads", s.intraOpThreads},
          {"inference_workers", s.inferenceWorkers},
          {"http_io_threads", s.httpIoThreads},
          {"authentication", s.authentication},
          {"client_threads", s.clientThreads},
          {"client_on_same_machine", true},
          {"logging_rules", s.loggingRules},
          {"http_warm_up_s", s.httpWarmUpSeconds},
          {"http_measure_s", s.httpMeasureSeconds},
          {"raw_warm_up_s", s.rawWarmUpSeconds},
          {"raw_measure_s", s.rawMeasureSeconds}}},
        {"raw", json::array()},
        {"http", json::array()},
        {"targets", json::array()},
        {"wall_s", report.wallSeconds},
    };
    for (const auto& raw : report.raw) {
        for (const auto& p : raw.points) {
            doc["raw"].push_back({{"model", raw.model},
                                  {"version", raw.version},
                                  {"threads", raw.threads == RawThreads::One ? "one" : "server"},
                                  {"intra_op_threads", raw.intraOpThreads},
                                  {"blas_threads", raw.blasThreads},
                                  {"unstable", isUnstable(p)},
                                  {"batch_size", p.batchSize},
                                  {"iterations", p.iterations},
                                  {"samples_per_s", p.samplesPerSecond},
                                  {"forward", latencyJson(p.forward)},
                                  {"cpu_cores", cpuJson(p.cpu)}});
        }
    }
    for (const auto& point : report.http) {
        const auto& l = point.load;
        doc["http"].push_back({{"target", point.target},
                               {"version", point.version},
                               {"concurrency", point.concurrency},
                               {"seconds", l.seconds},
                               {"answered", l.answered},
                               {"requests_per_s", l.requestsPerSecond},
                               {"latency", latencyJson(l.latency)},
                               {"mean_batch_size", l.meanBatchSize},
                               {"server_timing_us",
                                {{"queue", l.meanQueueUs},
                                 {"compute", l.meanComputeUs},
                                 {"total", l.meanServerTotalUs}}},
                               {"errors", l.errors},
                               {"timeouts", l.timeouts},
                               {"cpu_cores", cpuJson(l.cpu)},
                               {"server_cpu_us_per_request", l.serverCpuUsPerRequest},
                               {"client_cpu_us_per_request", l.clientCpuUsPerRequest},
                               {"first_error", l.firstError}});
    }
    for (const auto& t : report.targets) {
        doc["targets"].push_back({{"name", t.name},
                                  {"formula", t.formula},
                                  {"value", t.value ? json(*t.value) : json(nullptr)},
                                  {"target", t.target},
                                  {"comparison", t.atMost ? "<=" : ">="},
                                  {"pass", t.pass()}});
    }
    return doc.dump(2);
}

}  // namespace atalaya::bench
