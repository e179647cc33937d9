#include "TrafficShift.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "CreditRiskSampler.h"

namespace atalaya::traffic {
namespace {

Status badShift(std::string_view argument, std::string_view why) {
    return invalidArgument("--shift " + std::string(argument) + ": " + std::string(why),
                           "bad_shift");
}

bool parseNumber(std::string_view text, double& out) {
    const auto* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(text.data(), end, out);
    return error == std::errc() && ptr == end && std::isfinite(out);
}

}  // namespace

bool TrafficShift::empty() const {
    return features.empty() && extraReviewWords == 0 && novelWordShare == 0 && negativeShare == 0.5;
}

std::string TrafficShift::describe() const {
    std::ostringstream out;
    const char* separator = "";
    for (const auto& [name, linear] : features) {
        out << separator << name;
        if (linear.scale != 1)
            out << " x" << linear.scale;
        if (linear.offset != 0)
            out << ' ' << (linear.offset > 0 ? "+" : "") << linear.offset;
        separator = ", ";
    }
    if (extraReviewWords != 0) {
        out << separator << "review_words " << (extraReviewWords > 0 ? "+" : "")
            << extraReviewWords;
        separator = ", ";
    }
    if (novelWordShare != 0) {
        out << separator << "review_vocabulary " << novelWordShare;
        separator = ", ";
    }
    if (negativeShare != 0.5)
        out << separator << "negative_share " << negativeShare;
    return out.str();
}

Status applyShiftArgument(std::string_view argument, TrafficShift& shift) {
    const auto equals = argument.find('=');
    if (equals == std::string_view::npos)
        return badShift(argument, "expected NAME=VALUE");
    const std::string_view name = argument.substr(0, equals);
    std::string_view value = argument.substr(equals + 1);
    // A leading sign means "add"; a bare number (or one after 'x') means "multiply".
    const bool additive = value.starts_with('+') || value.starts_with('-');
    if (value.starts_with('+') || value.starts_with('x'))
        value.remove_prefix(1);
    double number = 0;
    if (!parseNumber(value, number))
        return badShift(argument, "the value is not a number");

    if (CreditRiskSampler::featureIndex(name)) {
        auto& linear = shift.features[std::string(name)];
        if (additive)
            linear.offset += number;
        else
            linear.scale *= number;
        return Status::ok();
    }
    if (name == "review_words") {
        if (number != std::trunc(number) || std::fabs(number) > 40)
            return badShift(argument, "review_words takes a whole number of words up to 40");
        shift.extraReviewWords = static_cast<int>(number);
        return Status::ok();
    }
    if (name == "review_vocabulary" || name == "negative_share") {
        if (additive || number < 0 || number > 1)
            return badShift(argument, "a share between 0 and 1");
        (name == "negative_share" ? shift.negativeShare : shift.novelWordShare) = number;
        return Status::ok();
    }
    return badShift(argument,
                    "unknown name (a credit-risk feature, review_words, review_vocabulary or "
                    "negative_share)");
}

TrafficShift defaultShift() {
    TrafficShift shift;
    shift.features["income"].scale = 1.5;
    shift.extraReviewWords = 8;
    return shift;
}

}  // namespace atalaya::traffic
