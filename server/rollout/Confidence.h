#pragma once

#include <cstdint>
#include <utility>

namespace atalaya::rollout {

// 95% Wilson score interval of a proportion `successes / n` (stays inside [0, 1] and behaves
// at 0 and n, unlike the normal approximation). {0, 1} when n is 0.
std::pair<double, double> wilsonInterval(std::int64_t successes, std::int64_t n);

// 95% interval of the difference pA - pB (Newcombe's hybrid score method, from the two
// Wilson intervals).
std::pair<double, double> differenceInterval(std::int64_t successesA, std::int64_t nA,
                                             std::int64_t successesB, std::int64_t nB);

}  // namespace atalaya::rollout
