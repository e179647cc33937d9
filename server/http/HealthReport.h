#pragma once

#include <string>
#include <vector>

#include "http/TrafficRouter.h"
#include "inference/BlasInfo.h"
#include "inference/ModelRepository.h"
#include "telemetry/InferenceRecord.h"

namespace atalaya::http {

// What the server runs on, fixed at start-up and reported in /api/v1/health.
struct RuntimeReport {
    std::string device = "cpu";
    std::string torchVersion;
    BlasInfo blas;
    int intraOpThreads = 0;
    int inferenceWorkers = 0;
    std::vector<std::string> warnings;  // e.g. the reference BLAS is active
};

// GET /api/v1/health (docs/api.md). `sink` is the inference log, or null when it is off.
std::string encodeHealth(const ModelRepository& models, const RuntimeReport& runtime,
                         const TrafficRouter& routing, const std::string& address,
                         double uptimeSeconds, const InferenceSink* sink,
                         const std::string& driftJson = {}, const std::string& sloJson = {});

// GET /readyz: ready when every version in the repository is READY.
std::string encodeReadiness(const ModelRepository& models, bool& ready);

}  // namespace atalaya::http
