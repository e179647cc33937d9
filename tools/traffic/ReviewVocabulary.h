#pragma once

#include <string_view>
#include <vector>

namespace atalaya::traffic::vocabulary {

// The word lists of tools/models/sentiment.py (tst_trafficsamplers fails when they drift apart
// from the trained model's vocabulary), and the slang of a shifted vocabulary, which appears
// nowhere in the training data.
extern const std::vector<std::string_view> kProducts;
extern const std::vector<std::string_view> kAspects;
extern const std::vector<std::string_view> kPositive;
extern const std::vector<std::string_view> kNegative;
extern const std::vector<std::string_view> kPositivePhrases;
extern const std::vector<std::string_view> kNegativePhrases;
extern const std::vector<std::string_view> kIntensifiers;
extern const std::vector<std::string_view> kPeople;
extern const std::vector<std::string_view> kPlaces;
extern const std::vector<std::string_view> kWhen;
extern const std::vector<std::string_view> kDays;
extern const std::vector<std::string_view> kColors;
extern const std::vector<std::string_view> kNeutralTemplates;
extern const std::vector<std::string_view> kSyllables;
extern const std::vector<std::string_view> kNovelPositive;
extern const std::vector<std::string_view> kNovelNegative;

}  // namespace atalaya::traffic::vocabulary
