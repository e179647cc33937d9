#include "telemetry/DriftInputParser.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/StrictJson.h"
#include "core/TextTokens.h"
#include "telemetry/DriftReference.h"
#include "telemetry/InferenceRecord.h"

namespace atalaya {
namespace {

using nlohmann::json;

constexpr StrictJsonLimits kLimits{.maxDepth = 8};

// OIP logs {"<input>": data}; the predict routes log the instances array itself.
const json* instancesOf(const json& inputs) {
    if (inputs.is_array())
        return &inputs;
    if (inputs.is_object() && inputs.size() == 1 && inputs.begin()->is_array())
        return &*inputs.begin();
    return nullptr;
}

// Flat row-major numbers (OIP data) are cut into rows of `width`; anything else is left alone.
json rowsOf(const json& instances, std::size_t width) {
    const bool flat = width > 0 && !instances.empty() && instances.size() % width == 0 &&
                      std::all_of(instances.begin(), instances.end(),
                                  [](const json& v) { return v.is_number(); });
    if (!flat)
        return instances;
    json rows = json::array();
    for (std::size_t start = 0; start < instances.size(); start += width) {
        rows.push_back(json(instances.begin() + static_cast<std::ptrdiff_t>(start),
                            instances.begin() + static_cast<std::ptrdiff_t>(start + width)));
    }
    return rows;
}

struct Prediction {
    std::int32_t classIndex = DriftObservation::kMissing;
    std::int32_t scoreBin = DriftObservation::kMissing;
};

Prediction predictionOf(const PredictionReference& reference, std::string_view label,
                        std::optional<double> score) {
    Prediction prediction;
    const auto it = std::find(reference.classes.begin(), reference.classes.end(), label);
    if (it != reference.classes.end())
        prediction.classIndex = static_cast<std::int32_t>(it - reference.classes.begin());
    if (score && reference.score)
        prediction.scoreBin = static_cast<std::int32_t>(reference.score->binOf(*score));
    return prediction;
}

// instancePredictions in instance order, else predictionsJson ([{"label", "score", ...}, ...]);
// without either, the record's own label and score describe the first instance.
std::vector<Prediction> predictionsOf(const InferenceRecord& record,
                                      const PredictionReference& reference) {
    std::vector<Prediction> predictions;
    if (!record.instancePredictions.empty()) {
        predictions.reserve(record.instancePredictions.size());
        for (const auto& prediction : record.instancePredictions)
            predictions.push_back(predictionOf(reference, prediction.label, prediction.score));
        return predictions;
    }
    if (!record.predictionsJson.empty()) {
        auto parsed = parseStrictJson(record.predictionsJson, kLimits);
        if (parsed.isOk() && parsed->is_array()) {
            for (const auto& item : *parsed) {
                const auto label = item.find("label");
                const auto score = item.find("score");
                predictions.push_back(predictionOf(reference,
                                                   label != item.end() && label->is_string()
                                                       ? label->get_ref<const std::string&>()
                                                       : std::string_view{},
                                                   score != item.end() && score->is_number()
                                                       ? std::optional<double>(score->get<double>())
                                                       : std::nullopt));
            }
            return predictions;
        }
    }
    if (!record.label.empty())
        predictions.push_back(predictionOf(reference, record.label, record.score));
    return predictions;
}

}  // namespace

DriftInputParser::DriftInputParser(std::shared_ptr<const DriftReference> reference,
                                   const std::vector<std::string>& columns)
    : m_reference(std::move(reference)) {
    for (const auto& column : columns) {
        int index = -1;
        for (std::size_t f = 0; f < m_reference->features.size(); ++f) {
            if (m_reference->features[f].name == column)
                index = static_cast<int>(f);
        }
        m_featureOfColumn.push_back(index);
    }
}

DriftWindowLayout DriftInputParser::layout() const {
    DriftWindowLayout layout;
    for (const auto& feature : m_reference->features)
        layout.featureBins.push_back(feature.bins.size());
    if (m_reference->features.empty() && m_reference->text)
        layout.featureBins.push_back(m_reference->text->length.size());
    if (m_reference->predictions) {
        layout.classes = m_reference->predictions->classes.size();
        layout.scoreBins =
            m_reference->predictions->score ? m_reference->predictions->score->size() : 0;
    }
    return layout;
}

std::size_t DriftInputParser::countTokens(std::string_view text) {
    return countTextTokens(text);
}

Result<std::vector<DriftObservation>> DriftInputParser::parse(const InferenceRecord& record) const {
    if (!record.inputValues || !readsValues(*record.inputValues))
        return parseJson(record);
    const InstanceValues& values = *record.inputValues;
    const bool text = m_reference->features.empty();
    auto observations = blankObservations(
        text ? values.texts.size() : values.numbers.size() / values.columns, record);
    for (std::size_t i = 0; i < observations.size(); ++i) {
        if (text) {
            binText(values.texts[i], observations[i]);
        } else {
            binColumns(std::span(values.numbers).subspan(i * values.columns, values.columns),
                       observations[i]);
        }
    }
    return observations;
}

bool DriftInputParser::readsValues(const InstanceValues& values) const {
    if (m_reference->features.empty())
        return m_reference->text.has_value() && !values.texts.empty();
    return values.columns > 0 && values.columns == m_featureOfColumn.size() &&
           values.numbers.size() % values.columns == 0;
}

std::vector<DriftObservation> DriftInputParser::blankObservations(
    std::size_t rows, const InferenceRecord& record) const {
    const DriftReference& reference = *m_reference;
    const auto predictions = reference.predictions ? predictionsOf(record, *reference.predictions)
                                                   : std::vector<Prediction>{};
    const std::size_t features = reference.features.empty() ? 1 : reference.features.size();
    std::vector<DriftObservation> observations(rows);
    for (std::size_t i = 0; i < rows; ++i) {
        observations[i].featureBins.assign(features, DriftObservation::kMissing);
        if (i < predictions.size()) {
            observations[i].classIndex = predictions[i].classIndex;
            observations[i].scoreBin = predictions[i].scoreBin;
        }
    }
    return observations;
}

void DriftInputParser::binText(std::string_view text, DriftObservation& observation) const {
    observation.featureBins[0] = static_cast<std::int32_t>(
        m_reference->text->length.binOf(static_cast<double>(countTokens(text))));
}

void DriftInputParser::binColumns(std::span<const double> row,
                                  DriftObservation& observation) const {
    for (std::size_t c = 0; c < row.size(); ++c) {
        const int f = m_featureOfColumn[c];
        if (f >= 0 && std::isfinite(row[c])) {
            const auto feature = static_cast<std::size_t>(f);
            observation.featureBins[feature] =
                static_cast<std::int32_t>(m_reference->features[feature].bins.binOf(row[c]));
        }
    }
}

Result<std::vector<DriftObservation>> DriftInputParser::parseJson(
    const InferenceRecord& record) const {
    json parsed;
    if (record.instancesNode == nullptr) {
        ATALAYA_ASSIGN_OR_RETURN(parsed, parseStrictJson(record.inputsJson, kLimits));
    }
    const json& inputs = record.instancesNode != nullptr ? *record.instancesNode : parsed;
    const json* instances = instancesOf(inputs);
    if (instances == nullptr)
        return invalidArgument("inputs are neither an array nor {\"<input>\": array}");
    const DriftReference& reference = *m_reference;
    const bool text = reference.features.empty();
    const json rows = text ? *instances : rowsOf(*instances, m_featureOfColumn.size());
    auto observations = blankObservations(rows.size(), record);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const json& row = rows[i];
        DriftObservation& observation = observations[i];
        if (text) {
            if (row.is_string())
                binText(row.get_ref<const std::string&>(), observation);
        } else if (row.is_object()) {
            for (std::size_t f = 0; f < reference.features.size(); ++f) {
                const auto value = row.find(reference.features[f].name);
                if (value != row.end() && value->is_number()) {
                    observation.featureBins[f] = static_cast<std::int32_t>(
                        reference.features[f].bins.binOf(value->get<double>()));
                }
            }
        } else if (row.is_array() && row.size() == m_featureOfColumn.size()) {
            std::vector<double> numbers(row.size(), std::numeric_limits<double>::quiet_NaN());
            for (std::size_t c = 0; c < row.size(); ++c) {
                if (row[c].is_number())
                    numbers[c] = row[c].get<double>();
            }
            binColumns(numbers, observation);
        }
    }
    return observations;
}

}  // namespace atalaya
