#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace atalaya::traffic {

struct TrafficShift;

// One synthetic loan application per call, drawn from the process that made the credit-risk
// demo model's training data (tools/models/credit_risk.py, generate(): the same distributions,
// clipping and rounding), so unshifted traffic matches the reference statistics in its
// model.json. A shift then moves the named features (clipped to their declared range).
// Seeded: the same seed gives the same applications (with this standard library).
// Not thread-safe.
class CreditRiskSampler {
public:
    struct Feature {
        std::string_view name;
        double min;  // the declared range of model.json inputs[0].features
        double max;
    };
    static constexpr std::size_t kFeatureCount = 10;
    using Application = std::array<double, kFeatureCount>;  // in column order

    static const std::array<Feature, kFeatureCount>& features();
    static std::optional<std::size_t> featureIndex(std::string_view name);

    explicit CreditRiskSampler(std::uint64_t seed);
    Application sample(const TrafficShift& shift);

private:
    Application sampleUnshifted();
    double normal(double mean, double stddev);
    double lognormal(double logMean, double sigma);
    double uniform(double low, double high);
    double poisson(double mean);
    double beta(double a, double b);

    std::mt19937_64 m_random;
};

}  // namespace atalaya::traffic
