#pragma once

#include <atalaya/Status.h>

#include <map>
#include <string>
#include <string_view>

namespace atalaya::traffic {

// How shifted traffic differs from the training data (`--shift NAME=VALUE`, repeatable).
//   credit-risk features:  income=1.5 (times 1.5), age=+10 or age=-5 (plus/minus), clipped to
//                          the feature's declared range so every request stays valid;
//   review_words=+N        reviews N words longer (neutral clauses added);
//   review_vocabulary=P    a share P of the sentiment words replaced by slang the model never
//                          saw (its vocabulary changed: words become <unk>);
//   negative_share=P       a share P of the reviews negative (0.5 in training).
struct TrafficShift {
    struct Linear {
        double scale = 1;
        double offset = 0;
    };
    std::map<std::string, Linear, std::less<>> features;
    int extraReviewWords = 0;
    double novelWordShare = 0;
    double negativeShare = 0.5;

    bool empty() const;
    // "income x1.5, review_words +8", for the tool's output.
    std::string describe() const;
};

// Adds one NAME=VALUE to `shift`. InvalidArgument "bad_shift" for an unknown name, a value
// that is not a number, or a share outside [0, 1].
Status applyShiftArgument(std::string_view argument, TrafficShift& shift);

// What --shift-after without --shift applies: incomes inflate and reviews grow longer.
TrafficShift defaultShift();

}  // namespace atalaya::traffic
