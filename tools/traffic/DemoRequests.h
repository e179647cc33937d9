#pragma once

#include <cstdint>
#include <string>

#include "CreditRiskSampler.h"
#include "ReviewSampler.h"

namespace atalaya::traffic {

struct TrafficShift;

struct DemoRequest {
    std::string path;  // e.g. "/api/v1/ia/predict"
    std::string body;  // JSON
};

// The demo's request mix, in a fixed rotation: credit-risk through /api/v1 (version 1),
// credit-risk through /api/v2 (version 2), sentiment through /api/v2; each request carries
// `instances` instances (credit-risk ones as objects of named features, as docs/api.md shows).
// Seeded: the same seed and calls give the same bodies. Not thread-safe.
class DemoRequests {
public:
    DemoRequests(std::uint64_t seed, int instances);
    DemoRequest next(const TrafficShift& shift);

private:
    CreditRiskSampler m_creditRisk;
    ReviewSampler m_reviews;
    int m_instances;
    std::uint64_t m_count = 0;
};

}  // namespace atalaya::traffic
