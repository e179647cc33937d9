#include "telemetry/DriftStatistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace atalaya::drift {
namespace {

double entropyTerm(double p, double m) {
    return p > 0 ? p * std::log2(p / m) : 0.0;
}

// Regularized lower incomplete gamma P(a, x) by its series, and the upper Q(a, x) by Lentz's
// continued fraction; each is used where it converges fast (x < a + 1 and beyond).
double lowerGammaSeries(double a, double x) {
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < 1000; ++n) {
        term *= x / (a + n);
        sum += term;
        if (std::fabs(term) < std::fabs(sum) * 1e-15)
            break;
    }
    return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

double upperGammaFraction(double a, double x) {
    constexpr double kTiny = 1e-300;
    double b = x + 1.0 - a;
    double c = 1.0 / kTiny;
    double d = 1.0 / b;
    double h = d;
    for (int i = 1; i < 1000; ++i) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (std::fabs(d) < kTiny)
            d = kTiny;
        c = b + an / c;
        if (std::fabs(c) < kTiny)
            c = kTiny;
        d = 1.0 / d;
        const double delta = d * c;
        h *= delta;
        if (std::fabs(delta - 1.0) < 1e-15)
            break;
    }
    return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

std::vector<double> cumulative(std::span<const double> fractions) {
    std::vector<double> cdf(fractions.size());
    std::partial_sum(fractions.begin(), fractions.end(), cdf.begin());
    return cdf;
}

}  // namespace

std::vector<double> normalize(std::span<const std::int64_t> counts) {
    const double total =
        static_cast<double>(std::accumulate(counts.begin(), counts.end(), std::int64_t{0}));
    std::vector<double> fractions(counts.size(), 0.0);
    if (total <= 0)
        return fractions;
    for (std::size_t i = 0; i < counts.size(); ++i)
        fractions[i] = static_cast<double>(counts[i]) / total;
    return fractions;
}

double populationStabilityIndex(std::span<const double> expected, std::span<const double> actual,
                                double epsilon) {
    double psi = 0;
    for (std::size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
        const double e = std::max(expected[i], epsilon);
        const double a = std::max(actual[i], epsilon);
        psi += (a - e) * std::log(a / e);
    }
    return psi;
}

double jensenShannon(std::span<const double> p, std::span<const double> q) {
    double divergence = 0;
    for (std::size_t i = 0; i < p.size() && i < q.size(); ++i) {
        const double m = (p[i] + q[i]) / 2;
        divergence += 0.5 * entropyTerm(p[i], m) + 0.5 * entropyTerm(q[i], m);
    }
    return std::clamp(divergence, 0.0, 1.0);
}

double kolmogorovSurvival(double lambda) {
    if (lambda < 0.2)
        return 1.0;  // the series converges slowly there and the value is ~1
    double sum = 0;
    for (int k = 1; k <= 100; ++k) {
        const double term = std::exp(-2.0 * k * k * lambda * lambda);
        sum += (k % 2 == 1 ? term : -term);
        if (term < 1e-16)
            break;
    }
    return std::clamp(2.0 * sum, 0.0, 1.0);
}

TestResult kolmogorovSmirnov(std::span<const double> reference,
                             std::span<const std::int64_t> counts) {
    const auto current = normalize(counts);
    const auto refCdf = cumulative(reference);
    const auto curCdf = cumulative(current);
    double d = 0;
    for (std::size_t i = 0; i < refCdf.size() && i < curCdf.size(); ++i) {
        d = std::max(d, std::fabs(refCdf[i] - curCdf[i]));
    }
    const double n =
        static_cast<double>(std::accumulate(counts.begin(), counts.end(), std::int64_t{0}));
    if (n <= 0)
        return {};
    return {.statistic = d, .pValue = kolmogorovSurvival(std::sqrt(n) * d)};
}

double wasserstein1(std::span<const double> reference, std::span<const double> current,
                    std::span<const double> edges) {
    const auto refCdf = cumulative(reference);
    const auto curCdf = cumulative(current);
    double distance = 0;
    for (std::size_t i = 0; i + 1 < edges.size() && i < refCdf.size() && i < curCdf.size(); ++i) {
        distance += std::fabs(refCdf[i] - curCdf[i]) * (edges[i + 1] - edges[i]);
    }
    return distance;
}

double chiSquareSurvival(double x, double df) {
    if (x <= 0)
        return 1.0;
    const double a = df / 2.0;
    const double half = x / 2.0;
    return half < a + 1.0 ? 1.0 - lowerGammaSeries(a, half) : upperGammaFraction(a, half);
}

TestResult chiSquare(std::span<const double> reference, std::span<const std::int64_t> counts,
                     double epsilon) {
    const double n =
        static_cast<double>(std::accumulate(counts.begin(), counts.end(), std::int64_t{0}));
    if (n <= 0 || reference.size() < 2)
        return {};
    double statistic = 0;
    for (std::size_t i = 0; i < reference.size() && i < counts.size(); ++i) {
        const double expected = n * std::max(reference[i], epsilon);
        const double diff = static_cast<double>(counts[i]) - expected;
        statistic += diff * diff / expected;
    }
    const double df = static_cast<double>(reference.size() - 1);
    return {.statistic = statistic, .pValue = chiSquareSurvival(statistic, df)};
}

std::vector<bool> benjaminiHochberg(std::span<const double> pValues, double alpha) {
    const std::size_t m = pValues.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return pValues[a] < pValues[b]; });
    // The largest rank k with p_(k) <= k/m * alpha; every hypothesis up to it is rejected.
    std::size_t cutoff = 0;
    for (std::size_t k = 1; k <= m; ++k) {
        if (pValues[order[k - 1]] <= static_cast<double>(k) / static_cast<double>(m) * alpha)
            cutoff = k;
    }
    std::vector<bool> rejected(m, false);
    for (std::size_t k = 0; k < cutoff; ++k)
        rejected[order[k]] = true;
    return rejected;
}

std::vector<bool> bonferroni(std::span<const double> pValues, double alpha) {
    std::vector<bool> rejected(pValues.size());
    const double threshold = alpha / static_cast<double>(std::max<std::size_t>(1, pValues.size()));
    for (std::size_t i = 0; i < pValues.size(); ++i)
        rejected[i] = pValues[i] <= threshold;
    return rejected;
}

}  // namespace atalaya::drift
