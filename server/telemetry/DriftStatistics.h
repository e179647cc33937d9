#pragma once

#include <cstdint>
#include <span>
#include <vector>

// Two-sample drift statistics over FIXED reference bins (the training statistics shipped in each
// model version's model.json), so a score does not depend on the size of the live window.
// Pure functions: thread-safe, no allocation beyond their results.
namespace atalaya::drift {

// Fractions from counts; an all-zero histogram gives all zeros.
std::vector<double> normalize(std::span<const std::int64_t> counts);

// Population Stability Index: sum (a - e) * ln(a / e) over bins, both fractions floored at
// `epsilon` so an empty bin does not make it infinite. Rule of thumb: < 0.1 stable, > 0.25 drift.
double populationStabilityIndex(std::span<const double> expected, std::span<const double> actual,
                                double epsilon = 1e-4);

// Jensen-Shannon divergence in bits: 0 for equal distributions, 1 for disjoint ones.
double jensenShannon(std::span<const double> p, std::span<const double> q);

struct TestResult {
    double statistic = 0;
    double pValue = 1;
};

// Kolmogorov-Smirnov of a live sample of size `n` against the reference distribution, both
// binned on the same edges: D = max |F_ref - F_cur| at the bin edges, p from the asymptotic
// Kolmogorov distribution at sqrt(n) * D (the reference is large; binning makes D a lower
// bound of the continuous statistic, so the test errs towards "no drift").
TestResult kolmogorovSmirnov(std::span<const double> reference,
                             std::span<const std::int64_t> counts);

// Wasserstein-1 distance between two binned distributions on `edges` (bins.size() + 1 edges),
// in the feature's own unit: sum over bins of |F_ref - F_cur| times the bin width.
double wasserstein1(std::span<const double> reference, std::span<const double> current,
                    std::span<const double> edges);

// Pearson chi-square goodness of fit of live `counts` to the reference fractions; df = bins - 1
// (bins with reference fraction 0 are pooled into their neighbour's expectation by the floor).
TestResult chiSquare(std::span<const double> reference, std::span<const std::int64_t> counts,
                     double epsilon = 1e-4);

// Upper tail of the chi-square distribution with `df` degrees of freedom at `x`.
double chiSquareSurvival(double x, double df);
// Upper tail of the Kolmogorov distribution at lambda: 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2
// lambda^2).
double kolmogorovSurvival(double lambda);

// Multiple-testing control over one dataset's per-feature p-values.
// Benjamini-Hochberg keeps the false discovery rate at `alpha`; Bonferroni the family-wise error.
std::vector<bool> benjaminiHochberg(std::span<const double> pValues, double alpha);
std::vector<bool> bonferroni(std::span<const double> pValues, double alpha);

}  // namespace atalaya::drift
