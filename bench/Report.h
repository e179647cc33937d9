#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "LoadGenerator.h"
#include "RawBenchmark.h"

namespace atalaya::bench {

// What the figures were measured on; printed first because they explain the rest.
struct RunSetup {
    int cores = 0;
    std::string blasKind;
    std::string blasLibrary;
    int blasThreads = 0;
    std::string torchVersion;
    int intraOpThreads = 0;
    int inferenceWorkers = 0;
    int httpIoThreads = 0;
    bool authentication = false;  // security.enabled of the embedded server
    int clientThreads = 1;
    std::string loggingRules;  // QT_LOGGING_RULES the server ran with
    double httpWarmUpSeconds = 0;
    double httpMeasureSeconds = 0;
    double rawWarmUpSeconds = 0;
    double rawMeasureSeconds = 0;
};

struct HttpPoint {
    std::string target;        // a model name, or "healthz"
    std::int64_t version = 0;  // the version the predict route served (0 for healthz)
    int concurrency = 0;
    LoadResult load;
};

struct TargetCheck {
    std::string name;
    std::string formula;          // the figures it was computed from
    std::optional<double> value;  // nullopt when a figure is missing
    double target = 0;
    bool atMost = false;  // "<= target" rather than ">= target"

    bool pass() const { return value && (atMost ? *value <= target : *value >= target); }
};

struct BenchReport {
    RunSetup setup;
    std::vector<RawModelResult> raw;
    std::vector<HttpPoint> http;
    std::vector<TargetCheck> targets;
    double wallSeconds = 0;
};

// The three ratios, each from figures of this same run.
std::vector<TargetCheck> evaluateTargets(const BenchReport& report);

void printReport(const BenchReport& report, std::ostream& out);
std::string reportJson(const BenchReport& report);

}  // namespace atalaya::bench
