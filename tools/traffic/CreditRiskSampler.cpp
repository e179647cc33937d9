#include "CreditRiskSampler.h"

#include <algorithm>
#include <cmath>

#include "TrafficShift.h"

namespace atalaya::traffic {
namespace {

// Column order and declared ranges: credit_risk.py FEATURES.
constexpr std::array<CreditRiskSampler::Feature, CreditRiskSampler::kFeatureCount> kFeatures{{
    {"age", 18, 100},
    {"income", 0, 1000000},
    {"debt_ratio", 0, 2},
    {"credit_history_years", 0, 80},
    {"num_open_accounts", 0, 50},
    {"num_late_payments", 0, 50},
    {"loan_amount", 500, 500000},
    {"loan_term_months", 6, 360},
    {"employment_years", 0, 60},
    {"savings", 0, 5000000},
}};
enum Column {
    kAge,
    kIncome,
    kDebtRatio,
    kHistory,
    kOpenAccounts,
    kLatePayments,
    kLoanAmount,
    kTerm,
    kEmployment,
    kSavings
};

constexpr std::array<double, 11> kTerms{12, 24, 36, 48, 60, 72, 84, 120, 180, 240, 360};
constexpr std::array<double, 11> kTermWeights{0.08, 0.12, 0.2,  0.12, 0.18, 0.08,
                                              0.05, 0.07, 0.04, 0.03, 0.03};

// numpy's round(x, decimals): half to even, as nearbyint in the default rounding mode.
double roundTo(double value, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::nearbyint(value * scale) / scale;
}

}  // namespace

const std::array<CreditRiskSampler::Feature, CreditRiskSampler::kFeatureCount>&
CreditRiskSampler::features() {
    return kFeatures;
}

std::optional<std::size_t> CreditRiskSampler::featureIndex(std::string_view name) {
    for (std::size_t i = 0; i < kFeatures.size(); ++i) {
        if (kFeatures[i].name == name)
            return i;
    }
    return std::nullopt;
}

CreditRiskSampler::CreditRiskSampler(std::uint64_t seed) : m_random(seed) {}

CreditRiskSampler::Application CreditRiskSampler::sample(const TrafficShift& shift) {
    Application row = sampleUnshifted();
    for (const auto& [name, linear] : shift.features) {
        const auto column = featureIndex(name);
        if (!column)
            continue;
        const Feature& feature = kFeatures[*column];
        row[*column] =
            std::clamp(row[*column] * linear.scale + linear.offset, feature.min, feature.max);
    }
    return row;
}

// credit_risk.py generate(), one row at a time.
CreditRiskSampler::Application CreditRiskSampler::sampleUnshifted() {
    Application row{};
    row[kAge] = std::clamp(std::nearbyint(normal(42, 13)), 18.0, 90.0);
    const double adultYears = row[kAge] - 18;
    row[kIncome] = std::clamp(roundTo(lognormal(std::log(52000.0), 0.55), -2), 6000.0, 900000.0);
    row[kDebtRatio] = std::clamp(roundTo(beta(2, 5) * 1.2, 3), 0.0, 2.0);
    row[kHistory] = std::nearbyint(uniform(0, 0.9) * adultYears);
    row[kLatePayments] = std::clamp(poisson(0.8), 0.0, 50.0);
    row[kLoanAmount] = std::clamp(roundTo(lognormal(std::log(12000.0), 0.8), -2), 500.0, 500000.0);
    std::discrete_distribution<std::size_t> term(kTermWeights.begin(), kTermWeights.end());
    row[kTerm] = kTerms[term(m_random)];
    row[kEmployment] = roundTo(uniform(0, 1) * std::min(adultYears, 45.0), 1);
    row[kSavings] = std::clamp(roundTo(lognormal(std::log(8000.0), 1.2), -1), 0.0, 5000000.0);
    row[kOpenAccounts] = std::clamp(poisson(2 + row[kHistory] / 6), 0.0, 50.0);
    return row;
}

double CreditRiskSampler::normal(double mean, double stddev) {
    return std::normal_distribution<double>(mean, stddev)(m_random);
}

double CreditRiskSampler::lognormal(double logMean, double sigma) {
    return std::lognormal_distribution<double>(logMean, sigma)(m_random);
}

double CreditRiskSampler::uniform(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(m_random);
}

double CreditRiskSampler::poisson(double mean) {
    return static_cast<double>(std::poisson_distribution<int>(mean)(m_random));
}

// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
double CreditRiskSampler::beta(double a, double b) {
    const double x = std::gamma_distribution<double>(a, 1.0)(m_random);
    const double y = std::gamma_distribution<double>(b, 1.0)(m_random);
    return x / (x + y);
}

}  // namespace atalaya::traffic
