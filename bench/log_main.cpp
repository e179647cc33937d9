// atalaya-log-bench: the inference log's sustained write rate, and the time to answer a 24-hour
// chart query over a (synthetic) log of 10 million requests. docs/benchmarks.md.
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "ChartQueryBench.h"
#include "LogWriterBench.h"
#include "telemetry/InferenceLog.h"

namespace {

constexpr std::string_view kUsage =
    "usage: atalaya-log-bench [--records N] [--requests N] [--runs N] [--dir DIR]\n"
    "  --records N   records pushed through the writer (default 1000000)\n"
    "  --requests N  synthetic logged requests for the chart query (default 10000000)\n"
    "  --runs N      chart queries timed (default 9; the median is reported)\n"
    "  --dir DIR     where the databases go (default: a temporary directory, removed after)\n";

struct Options {
    std::uint64_t records = 1'000'000;
    std::uint64_t requests = 10'000'000;
    int runs = 9;
    std::string dir;
};

bool parse(int argc, char** argv, Options& options) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view arg = argv[i];
        char* end = nullptr;
        const unsigned long long value = std::strtoull(argv[i + 1], &end, 10);
        const bool number = *end == '\0' && value > 0;
        if (arg == "--records" && number) {
            options.records = value;
        } else if (arg == "--requests" && number) {
            options.requests = value;
        } else if (arg == "--runs" && number && value < 1000) {
            options.runs = static_cast<int>(value);
        } else if (arg == "--dir") {
            options.dir = argv[i + 1];
        } else {
            return false;
        }
    }
    return argc % 2 == 1;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, options)) {
        std::cerr << kUsage;
        return 2;
    }
    QTemporaryDir temporary;
    const std::filesystem::path dir = options.dir.empty()
                                          ? std::filesystem::path(temporary.path().toStdString())
                                          : std::filesystem::path(options.dir);

    // measureWriter runs the log at its defaults: print those, not a copy of them.
    const atalaya::InferenceLogOptions defaults;
    std::printf("Inference log writer: %llu records, one producer, flush %lld ms, queue %zu\n",
                static_cast<unsigned long long>(options.records),
                static_cast<long long>(defaults.flushInterval.count()), defaults.queueCapacity);
    const auto writer = atalaya::bench::measureWriter(dir, options.records);
    if (!writer.isOk()) {
        std::cerr << "atalaya-log-bench: " << writer.status().toString() << '\n';
        return 1;
    }
    std::printf("  committed %llu rows in %.2f s: %.0f rows/s (%llu flushes), dropped %llu\n\n",
                static_cast<unsigned long long>(writer->committed), writer->seconds,
                writer->rowsPerSecond, static_cast<unsigned long long>(writer->flushes),
                static_cast<unsigned long long>(writer->dropped));

    std::printf(
        "24-hour chart query over SYNTHETIC data: %llu requests bulk-inserted over the last "
        "24 h\n(raw rows without inputs/predictions JSON, plus their per-minute rollups)\n",
        static_cast<unsigned long long>(options.requests));
    const auto chart = atalaya::bench::measureChartQuery(dir, options.requests, options.runs);
    if (!chart.isOk()) {
        std::cerr << "atalaya-log-bench: " << chart.status().toString() << '\n';
        return 1;
    }
    std::printf("  generated in %.1f s: %llu rollup rows, file %.0f MiB\n", chart->generateSeconds,
                static_cast<unsigned long long>(chart->rollupRows),
                static_cast<double>(chart->fileBytes) / (1024.0 * 1024.0));
    std::printf(
        "  query: model credit-risk, all versions, 24 h at 60 s step -> %zu points, "
        "%llu requests counted (%s)\n",
        chart->points, static_cast<unsigned long long>(chart->answeredRequests),
        chart->answeredRequests == chart->requests ? "matches" : "MISMATCH");
    std::printf("  %d runs: first %.2f ms, median %.2f ms, max %.2f ms\n", options.runs,
                chart->queryMs.front(), median(chart->queryMs),
                *std::max_element(chart->queryMs.begin(), chart->queryMs.end()));
    return chart->answeredRequests == chart->requests ? 0 : 1;
}
