#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "CpuMeter.h"
#include "LatencySummary.h"

namespace atalaya::bench {

struct LoadOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int connections = 1;
    std::chrono::duration<double> warmUp{1.0};
    std::chrono::duration<double> measure{3.0};
    // A request (or connect) that takes longer is counted as an error and its connection is
    // closed and reopened, so a hung server cannot stall the benchmark.
    std::chrono::milliseconds requestTimeout{5000};
};

struct LoadResult {
    double seconds = 0;         // length of the measured window
    std::int64_t answered = 0;  // 2xx answers completed inside the window
    std::int64_t errors = 0;    // non-2xx, timeouts, connection failures: whole run, warm-up too
    std::int64_t timeouts = 0;  // part of errors
    std::string firstError;     // what the first error was, for the report
    double requestsPerSecond = 0;
    LatencySummary latency;  // client-side: request written .. answer fully read
    // From predict answers (0 when the answers carry none, e.g. /healthz). Request-weighted:
    // each answer contributes the batch it rode in.
    double meanBatchSize = 0;
    double meanQueueUs = 0;
    double meanComputeUs = 0;
    double meanServerTotalUs = 0;  // server's own receive-to-encode time
    // During the measured window. threadCores is the client's IO thread; the rest of this
    // process's use (selfCores - threadCores) is the server's.
    CpuShare cpu;
    double clientCpuUsPerRequest = 0;
    double serverCpuUsPerRequest = 0;  // every server thread: IO, batcher, model, telemetry
};

// A complete HTTP/1.1 request (keep-alive) ready to be written as it is; with a bearer token,
// it carries `Authorization: Bearer <token>`.
std::string serializeRequest(std::string_view method, std::string_view target,
                             std::string_view jsonBody = {}, std::string_view bearerToken = {});

// Closed-loop load: `connections` keep-alive connections, each sending its next request when
// the previous answer has arrived, cycling through `requests`. Runs one IO thread of its own
// (the benchmark shares the machine with the server, so the client is kept to one thread with
// pre-serialized requests and reused buffers) and returns when the run is over and every
// connection is closed.
LoadResult runClosedLoop(const std::vector<std::string>& requests, const LoadOptions& options);

}  // namespace atalaya::bench
