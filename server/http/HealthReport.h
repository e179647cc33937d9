#pragma once

#include <functional>
#include <nlohmann/json.hpp>
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

// A section another part of the server adds to /api/v1/health ("drift", "slo"), built on the
// IO thread when the route is called.
struct HealthSection {
    std::string name;
    std::function<nlohmann::json()> build;
};

// GET /api/v1/health (docs/api.md). `sink` is the inference log, or null when it is off.
std::string encodeHealth(const ModelRepository& models, const RuntimeReport& runtime,
                         const TrafficRouter& routing, const std::string& address,
                         double uptimeSeconds, const InferenceSink* sink,
                         const std::vector<HealthSection>& sections);

// GET /readyz: ready when every version meant to serve is READY.
std::string encodeReadiness(const ModelRepository& models, bool& ready);

}  // namespace atalaya::http
