#pragma once

#include <atalaya/Result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atalaya {

// A distribution on fixed bins, as model.json's "reference" writes it (docs/models.md):
// edges.size() == fractions.size() + 1, edges non-decreasing, fractions summing to 1.
struct ReferenceBins {
    std::vector<double> edges;
    std::vector<double> fractions;

    // Bin i holds edges[i] <= x < edges[i+1]; values below edges[0] count in the first bin and
    // values >= the last edge in the last one, exactly as tools/models/atalaya_export.py bins
    // the training data. Repeated edges are zero-width bins that never receive a value.
    std::size_t binOf(double x) const;
    std::size_t size() const { return fractions.size(); }
};

struct NumericFeatureReference {
    std::string name;
    ReferenceBins bins;
    double mean = 0;
    double std = 0;  // population std of the training column; 0 for a constant feature
};

struct TextReference {
    ReferenceBins length;  // tokens per text before truncation (the server's tokenizer rule)
    std::optional<double> oovRate;
};

struct PredictionReference {
    std::vector<std::string> classes;  // label names, in the order classFractions uses
    std::vector<double> classFractions;
    std::optional<ReferenceBins> score;  // top probability, equal-width bins from 1/classes to 1
};

// The training statistics of one model version, typed. Immutable once parsed, so the drift
// monitor shares one between threads without a lock.
struct DriftReference {
    std::int64_t samples = 0;
    // In the order of the reference's "features" object as parsed: nlohmann::json keeps keys
    // sorted, so this is alphabetical, not the model's column order (ModelMetadata has that).
    std::vector<NumericFeatureReference> features;
    std::optional<TextReference> text;
    std::optional<PredictionReference> predictions;

    const NumericFeatureReference* feature(std::string_view name) const;

    // A drift window's feature by name: the numeric features in their order, or, for a text
    // reference without numeric features, "text.length" alone. Its index among the window's
    // features and its bins; nullopt when the window has no feature of that name.
    struct WindowFeature {
        std::size_t index = 0;
        const ReferenceBins* bins = nullptr;
    };
    std::optional<WindowFeature> windowFeature(std::string_view name) const;
};

// Parses ModelMetadata::referenceJson (strict JSON: no duplicate keys, no NaN). Every set of
// bins is checked (edge count, order, finite values, fractions in [0, 1] summing to 1 within
// rounding), because a malformed reference would silently turn into false alarms. A reference
// with neither "features" nor "text" is refused. Reasons: "invalid_json", "bad_reference".
Result<DriftReference> parseDriftReference(std::string_view json);

}  // namespace atalaya
