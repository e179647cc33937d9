#pragma once

#include <atalaya/Result.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/DriftWindow.h"

namespace atalaya {

struct DriftReference;
struct InferenceRecord;
struct InstanceValues;

// Turns one logged request into one DriftObservation per instance, binned on a version's
// reference: the record's inputValues and instancePredictions when it has them (no parsing),
// otherwise the route's "instances" as sent (objects keyed by feature name, arrays in column
// order, or strings for a text model; OIP's {"<input>": data} is unwrapped, flat row-major data
// is cut into rows) and the predictions' label and score.
// Immutable after construction; parse() may run on any thread.
class DriftInputParser {
public:
    // `columns`: the model's feature names in column order (model.json inputs[0].features), to
    // read array instances; empty when unknown, and then array instances are not read.
    DriftInputParser(std::shared_ptr<const DriftReference> reference,
                     const std::vector<std::string>& columns);

    // Window features: the reference's numeric features in its order, or "text.length".
    DriftWindowLayout layout() const;

    // InvalidArgument when the inputs are not JSON or not a shape this reads.
    Result<std::vector<DriftObservation>> parse(const InferenceRecord& record) const;

    // Tokens in `text` by the server's tokenizer rule (docs/models.md): ASCII-lowercase, then
    // a token is a maximal run of [a-z0-9']. Counted before truncation, as the reference is.
    static std::size_t countTokens(std::string_view text);

private:
    bool readsValues(const InstanceValues& values) const;
    // One observation per instance, every feature missing, each with its prediction's bins.
    std::vector<DriftObservation> blankObservations(std::size_t rows,
                                                    const InferenceRecord& record) const;
    void binText(std::string_view text, DriftObservation& observation) const;
    // `row`: one instance's numbers in column order (NaN where absent).
    void binColumns(std::span<const double> row, DriftObservation& observation) const;
    Result<std::vector<DriftObservation>> parseJson(const InferenceRecord& record) const;

    std::shared_ptr<const DriftReference> m_reference;
    std::vector<int> m_featureOfColumn;  // column -> index in m_reference->features, or -1
};

}  // namespace atalaya
