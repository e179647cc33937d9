// Credit-risk-like applications. The distributions follow tools/models/credit_risk.py, so the
// server sees the kind of values it was trained on; features it does not know are uniform over
// their declared range. Every value is clipped to the declared range: a 400 is not a benchmark.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "Workload.h"

namespace atalaya::bench {
namespace {

using Rng = std::mt19937_64;

double roundTo(double value, double step) {
    return std::round(value / step) * step;
}

double lognormal(Rng& rng, double median, double sigma) {
    return std::lognormal_distribution<double>(std::log(median), sigma)(rng);
}

double uniform(Rng& rng, double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(rng);
}

double poisson(Rng& rng, double mean) {
    return static_cast<double>(std::poisson_distribution<int>(mean)(rng));
}

// Beta(a, b) from two gammas; <random> has no beta distribution.
double beta(Rng& rng, double a, double b) {
    const double x = std::gamma_distribution<double>(a, 1.0)(rng);
    const double y = std::gamma_distribution<double>(b, 1.0)(rng);
    return x / (x + y);
}

// One applicant; later features depend on earlier ones (history cannot exceed adult years).
std::map<std::string, double> applicant(Rng& rng) {
    static constexpr double kTerms[] = {12, 24, 36, 48, 60, 72, 84, 120, 180, 240, 360};
    std::map<std::string, double> row;
    const double age =
        std::clamp(std::round(std::normal_distribution<double>(42, 13)(rng)), 18.0, 90.0);
    const double adultYears = age - 18;
    row["age"] = age;
    row["income"] = std::clamp(roundTo(lognormal(rng, 52000, 0.55), 100), 6000.0, 900000.0);
    row["debt_ratio"] = roundTo(beta(rng, 2, 5) * 1.2, 0.001);
    row["credit_history_years"] = std::round(uniform(rng, 0, 0.9) * adultYears);
    row["num_open_accounts"] = poisson(rng, 2 + row["credit_history_years"] / 6);
    row["num_late_payments"] = poisson(rng, 0.8);
    row["loan_amount"] = std::clamp(roundTo(lognormal(rng, 12000, 0.8), 100), 500.0, 500000.0);
    row["loan_term_months"] = kTerms[std::uniform_int_distribution<std::size_t>(0, 10)(rng)];
    row["employment_years"] = roundTo(uniform(rng, 0, 1) * std::min(adultYears, 45.0), 0.1);
    row["savings"] = roundTo(lognormal(rng, 8000, 1.2), 10);
    return row;
}

// Whole numbers as JSON integers and the rest with the precision a form would carry, as real
// clients send them (the server's parser sees both kinds).
nlohmann::json jsonNumber(double value) {
    if (value == std::floor(value) && std::abs(value) < 1e15)
        return static_cast<std::int64_t>(value);
    return roundTo(value, 0.001);
}

}  // namespace

std::vector<std::string> makeTabularBodies(const std::string& model, const TensorSpec& input,
                                           std::size_t count, std::uint32_t seed) {
    Rng rng(seed);
    const auto& features = input.features;
    std::vector<std::string> bodies;
    bodies.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto known = applicant(rng);
        nlohmann::json instance = nlohmann::json::object();
        for (const FeatureSpec& feature : features) {
            const double low = feature.min.value_or(0.0);
            const double high = feature.max.value_or(low + 1.0);
            const auto it = known.find(feature.name);
            const double value = it != known.end() ? it->second : uniform(rng, low, high);
            instance[feature.name] = jsonNumber(std::clamp(value, low, high));
        }
        bodies.push_back(nlohmann::json{{"model", model}, {"instances", {instance}}}.dump());
    }
    return bodies;
}

HostTensor makeMidRangeRows(const TensorSpec& spec, int rows, std::uint32_t seed) {
    Rng rng(seed);
    const auto columns = static_cast<std::int64_t>(spec.features.size());
    auto tensor = HostTensor::zeros(DataType::Fp32, {rows, columns});
    auto values = tensor.values<float>();
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < columns; ++c) {
            const FeatureSpec& feature = spec.features[static_cast<std::size_t>(c)];
            const double low = feature.min.value_or(-1.0);
            const double high = feature.max.value_or(1.0);
            // Middle of the range, +-10 % of its width.
            const double value = (low + high) / 2 + uniform(rng, -0.1, 0.1) * (high - low);
            values[static_cast<std::size_t>(r * columns + c)] = static_cast<float>(value);
        }
    }
    return tensor;
}

}  // namespace atalaya::bench
