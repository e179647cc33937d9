// atalaya-bench: one run measures the demo models raw (LibTorch in process) and through an
// embedded server over HTTP, then prints both and the target ratios. docs/benchmarks.md.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string_view>

#include "BenchRun.h"

namespace {

constexpr std::string_view kUsage =
    "usage: atalaya-bench --models DIR [--seconds N] [--json FILE]\n"
    "  --models DIR   model repository with the demo models (build/release/models)\n"
    "  --seconds N    measured seconds per HTTP point (default 3; raw points use N/2, 1..2 s)\n"
    "  --json FILE    also write every figure as JSON\n";

std::optional<atalaya::bench::BenchOptions> parseArguments(int argc, char** argv) {
    atalaya::bench::BenchOptions options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool hasValue = i + 1 < argc;
        if (arg == "--models" && hasValue) {
            options.models = argv[++i];
        } else if (arg == "--seconds" && hasValue) {
            char* end = nullptr;
            options.seconds = std::strtod(argv[++i], &end);
            if (*end != '\0' || options.seconds < 0.5 || options.seconds > 600)
                return std::nullopt;
        } else if (arg == "--json" && hasValue) {
            options.jsonFile = argv[++i];
        } else {
            return std::nullopt;
        }
    }
    if (options.models.empty())
        return std::nullopt;
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    const auto options = parseArguments(argc, argv);
    if (!options) {
        std::cerr << kUsage;
        return 2;
    }
    // The server's start-up lines would interleave with the progress; warnings still show. An
    // explicit QT_LOGGING_RULES wins (e.g. to measure the cost of debug logging).
    setenv("QT_LOGGING_RULES", "atalaya.*.info=false", 0);
    const atalaya::Status status = atalaya::bench::runBenchmark(*options, std::cout, std::cerr);
    if (!status.isOk()) {
        std::cerr << "atalaya-bench: " << status.toString() << '\n';
        return 1;
    }
    return 0;  // a missed target is a finding, not a failure
}
