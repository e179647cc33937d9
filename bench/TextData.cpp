// Product-review-like sentences of 5-60 words. Most words are in the demo sentiment model's
// vocabulary, a few are not (they become <unk>), as in real traffic.
#include <algorithm>
#include <array>
#include <cctype>
#include <random>
#include <sstream>

#include "Workload.h"

namespace atalaya::bench {
namespace {

using Rng = std::mt19937;

constexpr std::array kProducts = {"phone",  "laptop",   "blender", "camera",  "headphones",
                                  "kettle", "keyboard", "monitor", "speaker", "watch",
                                  "lamp",   "tent",     "chair",   "printer", "router",
                                  "tablet", "jacket",   "backpack"};
constexpr std::array kAspects = {"battery", "screen",  "sound", "price",    "delivery", "packaging",
                                 "quality", "design",  "size",  "material", "setup",    "warranty",
                                 "handle",  "buttons", "app",   "cable",    "display",  "motor"};
constexpr std::array kPositive = {
    "great",   "excellent", "amazing", "reliable", "sturdy", "solid",  "comfortable", "quiet",
    "durable", "good",      "nice",    "fast",     "bright", "smooth", "lovely",      "handy"};
constexpr std::array kNegative = {"terrible", "awful", "poor",   "broken",  "flimsy", "cheap",
                                  "noisy",    "slow",  "faulty", "fragile", "bad",    "weak",
                                  "annoying", "dull",  "loud",   "ugly"};
constexpr std::array kIntensifiers = {"very", "really", "quite", "extremely", "pretty", "so"};
constexpr std::array kFillers = {"i bought this {p} last week",
                                 "my sister uses the {p} at work",
                                 "it arrived on monday in a plain box",
                                 "we tried it over the holidays",
                                 "honestly the {p} from zorblex was a gift",
                                 "after a long search i picked this one",
                                 "i would buy it again",
                                 "would not recommend",
                                 "works like a charm",
                                 "waste of money"};

template <std::size_t N>
const char* pick(Rng& rng, const std::array<const char*, N>& words) {
    return words[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

std::string clause(Rng& rng) {
    std::string text;
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
        case 0:
            text = std::string("the ") + pick(rng, kAspects) + " is " + pick(rng, kIntensifiers) +
                   " " + (rng() % 2 ? pick(rng, kPositive) : pick(rng, kNegative));
            break;
        case 1:
            text = std::string("this ") + pick(rng, kProducts) + " feels " +
                   (rng() % 2 ? pick(rng, kPositive) : pick(rng, kNegative));
            break;
        case 2:
            text =
                std::string("but the ") + pick(rng, kAspects) + " is not " + pick(rng, kPositive);
            break;
        default: {
            text = pick(rng, kFillers);
            const auto at = text.find("{p}");
            if (at != std::string::npos)
                text.replace(at, 3, pick(rng, kProducts));
        }
    }
    return text;
}

// The first `words` words of `text`.
std::string firstWords(const std::string& text, int words) {
    std::istringstream in(text);
    std::string word;
    std::string out;
    for (int i = 0; i < words && in >> word; ++i)
        out += (out.empty() ? "" : " ") + word;
    return out;
}

}  // namespace

std::vector<std::string> makeSentences(std::size_t count, std::uint32_t seed) {
    Rng rng(seed);
    std::vector<std::string> sentences;
    sentences.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const int target = std::uniform_int_distribution<int>(5, 60)(rng);
        std::string text = clause(rng);
        int words = 1 + static_cast<int>(std::count(text.begin(), text.end(), ' '));
        while (words < target) {
            const std::string next = clause(rng);
            text += ", " + next;
            words += 1 + static_cast<int>(std::count(next.begin(), next.end(), ' '));
        }
        std::string sentence = firstWords(text, target);
        if (sentence.back() == ',')
            sentence.pop_back();
        sentence.front() =
            static_cast<char>(std::toupper(static_cast<unsigned char>(sentence.front())));
        sentences.push_back(sentence + ".");
    }
    return sentences;
}

}  // namespace atalaya::bench
