#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya::traffic {

struct TrafficShift;

// One synthetic product review per call, written by the grammar that made the sentiment demo
// model's training data (tools/models/sentiment.py: 1-3 clauses of the review's polarity,
// sometimes a "but" clause of the other, a few negated, padded with neutral clauses to a
// gamma-distributed length of 5-60 tokens; half the reviews positive). Brand and city names
// are made-up words from the same syllables, so most are unknown to the model, as its rare
// ones are. A shift makes reviews longer, swaps sentiment words for slang the model never saw,
// or changes the share of negative reviews.
// Seeded: the same seed gives the same reviews (with this standard library). Not thread-safe.
class ReviewSampler {
public:
    explicit ReviewSampler(std::uint64_t seed);
    std::string sample(const TrafficShift& shift);

private:
    std::string polarClause(bool positive, double novelShare);
    std::string neutralClause();
    std::vector<std::string> clauses(bool positive, double targetWords, double novelShare);
    std::string join(const std::vector<std::string>& clauses);

    double unit();
    int between(int low, int high);  // inclusive
    template <class List>
    std::string_view pick(const List& list);

    std::mt19937_64 m_random;
    std::vector<std::string> m_brands;
    std::vector<std::string> m_cities;
};

}  // namespace atalaya::traffic
