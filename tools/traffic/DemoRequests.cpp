#include "DemoRequests.h"

#include <nlohmann/json.hpp>

namespace atalaya::traffic {

DemoRequests::DemoRequests(std::uint64_t seed, int instances)
    // Two streams from one seed, so the reviews do not depend on how many applications were drawn.
    : m_creditRisk(seed), m_reviews(seed ^ 0x9e3779b97f4a7c15ULL), m_instances(instances) {}

DemoRequest DemoRequests::next(const TrafficShift& shift) {
    const std::uint64_t turn = m_count++ % 3;
    nlohmann::json instances = nlohmann::json::array();
    for (int i = 0; i < m_instances; ++i) {
        if (turn == 2) {
            instances.push_back(m_reviews.sample(shift));
            continue;
        }
        const auto row = m_creditRisk.sample(shift);
        nlohmann::json instance = nlohmann::json::object();
        const auto& features = CreditRiskSampler::features();
        for (std::size_t c = 0; c < features.size(); ++c)
            instance[std::string(features[c].name)] = row[c];
        instances.push_back(std::move(instance));
    }
    const nlohmann::json body = {{"model", turn == 2 ? "sentiment" : "credit-risk"},
                                 {"instances", std::move(instances)}};
    return {turn == 0 ? "/api/v1/ia/predict" : "/api/v2/ia/predict", body.dump()};
}

}  // namespace atalaya::traffic
