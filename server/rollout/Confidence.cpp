#include "rollout/Confidence.h"

#include <algorithm>
#include <cmath>

namespace atalaya::rollout {
namespace {
constexpr double kZ = 1.959963984540054;  // two-sided 95%
}

std::pair<double, double> wilsonInterval(std::int64_t successes, std::int64_t n) {
    if (n <= 0)
        return {0.0, 1.0};
    const double nn = static_cast<double>(n);
    const double p = static_cast<double>(successes) / nn;
    const double z2 = kZ * kZ;
    const double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    const double half = kZ * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::pair<double, double> differenceInterval(std::int64_t successesA, std::int64_t nA,
                                             std::int64_t successesB, std::int64_t nB) {
    if (nA <= 0 || nB <= 0)
        return {-1.0, 1.0};
    const double pA = static_cast<double>(successesA) / static_cast<double>(nA);
    const double pB = static_cast<double>(successesB) / static_cast<double>(nB);
    const auto [lA, uA] = wilsonInterval(successesA, nA);
    const auto [lB, uB] = wilsonInterval(successesB, nB);
    const double d = pA - pB;
    const double lower = d - std::sqrt((pA - lA) * (pA - lA) + (uB - pB) * (uB - pB));
    const double upper = d + std::sqrt((uA - pA) * (uA - pA) + (pB - lB) * (pB - lB));
    return {std::max(-1.0, lower), std::min(1.0, upper)};
}

}  // namespace atalaya::rollout
