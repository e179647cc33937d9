#pragma once

#include <atalaya/Status.h>

#include <filesystem>
#include <iosfwd>

namespace atalaya::bench {

struct BenchOptions {
    std::filesystem::path models;
    double seconds = 3.0;            // measured window of each HTTP point
    std::filesystem::path jsonFile;  // empty: no JSON
};

// The whole run: start the embedded server, raw measurements, HTTP measurements, stop, report.
// Progress goes to `progress`, the report to `out`. An error means no report (server did not
// start, a model is missing); a missed target is not an error.
Status runBenchmark(const BenchOptions& options, std::ostream& out, std::ostream& progress);

}  // namespace atalaya::bench
