#include "telemetry/DriftReference.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/StrictJson.h"

namespace atalaya {
namespace {

using nlohmann::json;

// The exporter rounds fractions to 6 decimals, so ten of them may miss 1 by a few 1e-6.
constexpr double kSumTolerance = 1e-3;

Status bad(const std::string& where, const std::string& what) {
    return invalidArgument("reference." + where + ": " + what, "bad_reference");
}

Result<double> number(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number())
        return bad(where, std::string("\"") + key + "\" must be a number");
    const double value = it->get<double>();
    if (!std::isfinite(value))
        return bad(where, std::string("\"") + key + "\" is not finite");
    return value;
}

Result<std::vector<double>> numbers(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array())
        return bad(where, std::string("\"") + key + "\" must be an array of numbers");
    std::vector<double> values;
    values.reserve(it->size());
    for (const auto& item : *it) {
        if (!item.is_number() || !std::isfinite(item.get<double>()))
            return bad(where, std::string("\"") + key + "\" must be an array of numbers");
        values.push_back(item.get<double>());
    }
    return values;
}

Status checkFractions(const std::vector<double>& fractions, const std::string& where) {
    for (const double f : fractions) {
        if (f < 0 || f > 1)
            return bad(where, "a fraction is outside [0, 1]");
    }
    const double sum = std::accumulate(fractions.begin(), fractions.end(), 0.0);
    if (std::fabs(sum - 1.0) > kSumTolerance)
        return bad(where, "fractions sum to " + std::to_string(sum) + ", not 1");
    return Status::ok();
}

Result<ReferenceBins> parseBins(const json& object, const std::string& where) {
    if (!object.is_object())
        return bad(where, "must be an object");
    ReferenceBins bins;
    ATALAYA_ASSIGN_OR_RETURN(bins.edges, numbers(object, "bin_edges", where));
    ATALAYA_ASSIGN_OR_RETURN(bins.fractions, numbers(object, "bin_fractions", where));
    if (bins.edges.size() < 2 || bins.fractions.size() + 1 != bins.edges.size())
        return bad(where, "needs n + 1 bin_edges for n >= 1 bin_fractions");
    if (!std::is_sorted(bins.edges.begin(), bins.edges.end()))
        return bad(where, "bin_edges must be non-decreasing");
    ATALAYA_RETURN_IF_ERROR(checkFractions(bins.fractions, where));
    return bins;
}

Result<NumericFeatureReference> parseFeature(const std::string& name, const json& object) {
    const std::string where = "features." + name;
    if (!object.is_object())
        return bad(where, "must be an object");
    if (const auto type = object.find("type");
        type != object.end() && (!type->is_string() || *type != "numeric")) {
        return bad(where, "only \"numeric\" features are supported");
    }
    NumericFeatureReference feature;
    feature.name = name;
    ATALAYA_ASSIGN_OR_RETURN(feature.bins, parseBins(object, where));
    ATALAYA_ASSIGN_OR_RETURN(feature.mean, number(object, "mean", where));
    ATALAYA_ASSIGN_OR_RETURN(feature.std, number(object, "std", where));
    if (feature.std < 0)
        return bad(where, "\"std\" is negative");
    return feature;
}

Result<PredictionReference> parsePredictions(const json& object) {
    if (!object.is_object())
        return bad("predictions", "must be an object");
    PredictionReference predictions;
    const auto classes = object.find("class_fractions");
    if (classes == object.end() || !classes->is_object() || classes->size() < 2)
        return bad("predictions", "\"class_fractions\" must map two or more labels to fractions");
    for (const auto& [label, fraction] : classes->items()) {
        if (!fraction.is_number())
            return bad("predictions.class_fractions", "\"" + label + "\" is not a number");
        predictions.classes.push_back(label);
        predictions.classFractions.push_back(fraction.get<double>());
    }
    ATALAYA_RETURN_IF_ERROR(
        checkFractions(predictions.classFractions, "predictions.class_fractions"));
    if (const auto score = object.find("score"); score != object.end()) {
        ATALAYA_ASSIGN_OR_RETURN(predictions.score, parseBins(*score, "predictions.score"));
    }
    return predictions;
}

Result<TextReference> parseText(const json& object) {
    if (!object.is_object())
        return bad("text", "must be an object");
    const auto length = object.find("length");
    if (length == object.end())
        return bad("text", "\"length\" is missing");
    TextReference text;
    ATALAYA_ASSIGN_OR_RETURN(text.length, parseBins(*length, "text.length"));
    if (object.contains("oov_rate")) {
        ATALAYA_ASSIGN_OR_RETURN(text.oovRate, number(object, "oov_rate", "text"));
    }
    return text;
}

}  // namespace

std::size_t ReferenceBins::binOf(double x) const {
    const auto upper = std::upper_bound(edges.begin(), edges.end(), x);
    const auto index = static_cast<std::ptrdiff_t>(upper - edges.begin()) - 1;
    return static_cast<std::size_t>(
        std::clamp<std::ptrdiff_t>(index, 0, static_cast<std::ptrdiff_t>(fractions.size()) - 1));
}

const NumericFeatureReference* DriftReference::feature(std::string_view name) const {
    const auto it = std::find_if(features.begin(), features.end(),
                                 [&](const auto& feature) { return feature.name == name; });
    return it == features.end() ? nullptr : &*it;
}

std::optional<DriftReference::WindowFeature> DriftReference::windowFeature(
    std::string_view name) const {
    for (std::size_t index = 0; index < features.size(); ++index) {
        if (features[index].name == name)
            return WindowFeature{.index = index, .bins = &features[index].bins};
    }
    if (features.empty() && text && name == "text.length")
        return WindowFeature{.index = 0, .bins = &text->length};
    return std::nullopt;
}

Result<DriftReference> parseDriftReference(std::string_view text) {
    ATALAYA_ASSIGN_OR_RETURN(const json doc, parseStrictJson(text, {.maxDepth = 8}));
    if (!doc.is_object())
        return bad("", "must be an object");
    DriftReference reference;
    if (const auto samples = doc.find("samples"); samples != doc.end()) {
        if (!samples->is_number_integer() || samples->get<std::int64_t>() < 0)
            return bad("samples", "must be a non-negative integer");
        reference.samples = samples->get<std::int64_t>();
    }
    if (const auto features = doc.find("features"); features != doc.end()) {
        if (!features->is_object())
            return bad("features", "must be an object");
        for (const auto& [name, object] : features->items()) {
            ATALAYA_ASSIGN_OR_RETURN(auto feature, parseFeature(name, object));
            reference.features.push_back(std::move(feature));
        }
    }
    if (const auto textRef = doc.find("text"); textRef != doc.end()) {
        ATALAYA_ASSIGN_OR_RETURN(reference.text, parseText(*textRef));
    }
    if (const auto predictions = doc.find("predictions"); predictions != doc.end()) {
        ATALAYA_ASSIGN_OR_RETURN(reference.predictions, parsePredictions(*predictions));
    }
    if (reference.features.empty() && !reference.text)
        return bad("", "has neither \"features\" nor \"text\"");
    return reference;
}

}  // namespace atalaya
