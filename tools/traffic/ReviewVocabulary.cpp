#include "ReviewVocabulary.h"

namespace atalaya::traffic::vocabulary {

const std::vector<std::string_view> kProducts{
    "phone",    "laptop", "blender",  "camera",   "headphones", "charger",  "jacket",
    "backpack", "kettle", "toaster",  "keyboard", "mouse",      "monitor",  "speaker",
    "watch",    "lamp",   "vacuum",   "drill",    "tent",       "mattress", "pillow",
    "chair",    "desk",   "printer",  "router",   "tablet",     "stroller", "microwave",
    "fan",      "heater", "umbrella", "wallet",   "suitcase",   "bicycle",  "helmet",
    "sneakers", "boots",  "sweater",  "scarf",    "novel",      "cookbook", "puzzle",
    "guitar",   "pan",    "grill",    "juicer",   "scooter",    "drone",    "projector",
    "thermos",
};
const std::vector<std::string_view> kAspects{
    "battery", "screen", "sound",  "price",    "delivery",     "packaging", "quality", "design",
    "fit",     "size",   "color",  "material", "instructions", "setup",     "service", "warranty",
    "smell",   "weight", "handle", "buttons",  "app",          "cable",     "zipper",  "stitching",
    "finish",  "motor",  "lid",    "strap",    "display",      "speed",
};
const std::vector<std::string_view> kPositive{
    "great",      "excellent",  "amazing",     "wonderful",   "fantastic",  "perfect",
    "superb",     "reliable",   "sturdy",      "comfortable", "impressive", "solid",
    "lovely",     "brilliant",  "outstanding", "pleasant",    "smooth",     "quiet",
    "durable",    "beautiful",  "good",        "nice",        "awesome",    "flawless",
    "handy",      "convenient", "elegant",     "fast",        "accurate",   "sharp",
    "bright",     "cozy",       "fabulous",    "terrific",    "charming",   "delightful",
    "responsive",
};
const std::vector<std::string_view> kNegative{
    "terrible",    "awful",         "poor",     "broken",     "flimsy", "disappointing",
    "useless",     "cheap",         "horrible", "noisy",      "slow",   "faulty",
    "defective",   "uncomfortable", "fragile",  "mediocre",   "bad",    "weak",
    "annoying",    "overpriced",    "dreadful", "unreliable", "clunky", "sticky",
    "dull",        "leaky",         "wobbly",   "scratched",  "dim",    "inaccurate",
    "frustrating", "rough",         "loud",     "shoddy",     "lousy",  "pathetic",
    "worthless",   "unusable",      "ugly",
};
const std::vector<std::string_view> kPositivePhrases{
    "i love it",
    "i would buy it again",
    "highly recommend",
    "works like a charm",
    "my kids love it",
    "worth every penny",
    "it exceeded my expectations",
    "i'm very happy with it",
    "five stars",
    "does exactly what it says",
};
const std::vector<std::string_view> kNegativePhrases{
    "i want a refund",
    "i returned it",
    "would not recommend",
    "waste of money",
    "it stopped working",
    "i regret buying it",
    "one star",
    "it fell apart after a week",
    "don't buy this",
    "never again",
};
const std::vector<std::string_view> kIntensifiers{
    "very",       "really", "quite", "extremely", "super",
    "incredibly", "pretty", "so",    "totally",   "rather",
};
const std::vector<std::string_view> kPeople{
    "wife",    "husband", "son",      "daughter", "mother",   "father",      "sister",
    "brother", "friend",  "roommate", "boss",     "neighbor", "grandmother", "grandfather",
    "kids",    "partner", "uncle",    "aunt",     "cousin",   "coworker",
};
const std::vector<std::string_view> kPlaces{
    "home",      "work",       "the office", "school",       "the gym",     "the cabin",
    "the beach", "the garage", "the studio", "the campsite", "the kitchen", "the car",
};
const std::vector<std::string_view> kWhen{
    "last week", "yesterday",        "a month ago", "two weeks ago", "over the holidays",
    "on sale",   "for black friday", "this spring", "last summer",   "after a long search",
};
const std::vector<std::string_view> kDays{
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
};
const std::vector<std::string_view> kColors{
    "black",  "white", "red",    "blue",   "green",  "grey",
    "silver", "pink",  "orange", "yellow", "purple", "beige",
};
const std::vector<std::string_view> kNeutralTemplates{
    "i bought this {product} from {brand} {when}",
    "it arrived in {city} after {n} days",
    "i got it for my {person}",
    "we use it every {day} at {place}",
    "the {brand} {product} comes in {color}",
    "ordered the {color} one {when}",
    "my {person} in {city} has the same one",
    "it is the {brand} model {code}",
    "i have had it for {n} months",
    "it replaced my old {brand} {product}",
    "we took it to {city} on {day}",
    "i mostly use it at {place} with my {person}",
};
const std::vector<std::string_view> kSyllables{
    "ba", "be", "bi", "bo", "bu", "ka",  "ke",  "ki",  "ko",  "ku",  "la",  "le", "li",
    "lo", "lu", "ma", "me", "mi", "mo",  "mu",  "na",  "ne",  "ni",  "no",  "nu", "ra",
    "re", "ri", "ro", "ru", "sa", "se",  "si",  "so",  "su",  "ta",  "te",  "ti", "to",
    "tu", "va", "ve", "vi", "vo", "zor", "vak", "rin", "tal", "dor", "mek",
};
const std::vector<std::string_view> kNovelPositive{
    "bussin",  "goated", "slaps", "immaculate", "elite",
    "cracked", "dope",   "primo", "stellar",    "gucci",
};
const std::vector<std::string_view> kNovelNegative{
    "mid", "janky", "busted", "trash", "sus", "meh", "scuffed", "cursed", "bootleg", "garbo",
};

}  // namespace atalaya::traffic::vocabulary
