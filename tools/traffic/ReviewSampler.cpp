#include "ReviewSampler.h"

#include <algorithm>

#include "ReviewVocabulary.h"
#include "TrafficShift.h"
#include "core/TextTokens.h"

namespace atalaya::traffic {
namespace {

using namespace vocabulary;

// Tokens by the server's rule (docs/models.md): ASCII-lowercase, maximal runs of [a-z0-9'].
std::size_t countTokens(std::string_view text) {
    return countTextTokens(text);  // the model's own rule (core/TextTokens.h)
}

std::size_t countWords(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), ' ')) + 1;
}

void replace(std::string& text, std::string_view key, std::string_view value) {
    const auto at = text.find(key);
    if (at != std::string::npos)
        text.replace(at, key.size(), value);
}

}  // namespace

ReviewSampler::ReviewSampler(std::uint64_t seed) : m_random(seed) {
    // sentiment.py pseudo_words(): distinct names of 2-3 syllables, 500 brands and 400 cities.
    auto pseudoWords = [this](std::size_t count) {
        std::vector<std::string> words;
        while (words.size() < count) {
            std::string word;
            for (int i = between(2, 3); i > 0; --i)
                word += pick(kSyllables);
            if (std::find(words.begin(), words.end(), word) == words.end())
                words.push_back(std::move(word));
        }
        return words;
    };
    m_brands = pseudoWords(500);
    m_cities = pseudoWords(400);
}

std::string ReviewSampler::sample(const TrafficShift& shift) {
    const bool positive = unit() >= shift.negativeShare;
    const std::size_t maxTokens =
        static_cast<std::size_t>(60 + std::max(0, shift.extraReviewWords));
    while (true) {
        // sentiment.py review(): mean ~17 words, long tail, 5-60 tokens.
        const double target =
            std::min(5 + std::gamma_distribution<double>(2.0, 6.0)(m_random), 55.0) +
            shift.extraReviewWords;
        std::string text = join(clauses(positive, target, shift.novelWordShare));
        const std::size_t tokens = countTokens(text);
        if (tokens >= 5 && tokens <= maxTokens)
            return text;
    }
}

std::string ReviewSampler::polarClause(bool positive, double novelShare) {
    if (unit() < 0.2)
        return std::string(pick(positive ? kPositivePhrases : kNegativePhrases));
    const bool negated = unit() < 0.1;
    const bool praise = positive != negated;
    std::string adjective(unit() < novelShare ? pick(praise ? kNovelPositive : kNovelNegative)
                                              : pick(praise ? kPositive : kNegative));
    if (unit() < 0.4)
        adjective = std::string(pick(kIntensifiers)) + " " + adjective;
    const std::string subject = unit() < 0.6 ? "the " + std::string(pick(kAspects))
                                             : "this " + std::string(pick(kProducts));
    return subject + " is " + (negated ? "not " : "") + adjective;
}

std::string ReviewSampler::neutralClause() {
    std::string clause(pick(kNeutralTemplates));
    // A random product code ("xk4821"): almost never repeats, so the model never knows it.
    const std::string code = std::string(1, "xzqk"[between(0, 3)]) +
                             std::string(1, "abcdefgh"[between(0, 7)]) +
                             std::to_string(between(1000, 9999));
    replace(clause, "{product}", pick(kProducts));
    replace(clause, "{brand}", pick(m_brands));
    replace(clause, "{city}", pick(m_cities));
    replace(clause, "{person}", pick(kPeople));
    replace(clause, "{place}", pick(kPlaces));
    replace(clause, "{when}", pick(kWhen));
    replace(clause, "{day}", pick(kDays));
    replace(clause, "{color}", pick(kColors));
    replace(clause, "{n}", std::to_string(between(2, 14)));
    replace(clause, "{code}", code);
    return clause;
}

// sentiment.py clauses_for().
std::vector<std::string> ReviewSampler::clauses(bool positive, double targetWords,
                                                double novelShare) {
    const int major = between(1, 3);
    std::vector<std::string> out;
    for (int i = 0; i < major; ++i)
        out.push_back(polarClause(positive, novelShare));
    if (major >= 2 && unit() < 0.3)
        out.push_back("but " + polarClause(!positive, novelShare));
    std::size_t words = 0;
    for (const auto& clause : out)
        words += countWords(clause);
    while (static_cast<double>(words) < targetWords) {
        std::string clause = neutralClause();
        words += countWords(clause);
        const auto at = static_cast<std::ptrdiff_t>(between(0, static_cast<int>(out.size())));
        out.insert(out.begin() + at, std::move(clause));
    }
    return out;
}

// sentiment.py join_clauses().
std::string ReviewSampler::join(const std::vector<std::string>& clauses) {
    static const std::vector<std::string_view> kSeparators{", ", ". ", " and ", "! ", "; "};
    static const std::vector<std::string_view> kEndings{".", "!", "", "..."};
    std::string text = clauses.front();
    for (std::size_t i = 1; i < clauses.size(); ++i) {
        text += clauses[i].starts_with("but ") ? std::string_view(", ") : pick(kSeparators);
        text += clauses[i];
    }
    text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    return text + std::string(pick(kEndings));
}

double ReviewSampler::unit() {
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
}

int ReviewSampler::between(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(m_random);
}

template <class List>
std::string_view ReviewSampler::pick(const List& list) {
    return list[static_cast<std::size_t>(between(0, static_cast<int>(list.size()) - 1))];
}

}  // namespace atalaya::traffic
