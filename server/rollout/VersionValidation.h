#pragma once

#include <atalaya/Config.h>

#include "inference/ModelRepository.h"

namespace atalaya::rollout {

// Whether `candidate` can take the traffic of `current` unchanged: same input names, types,
// shapes and feature columns, same outputs and class labels. InvalidArgument
// "breaking_change" naming the first difference otherwise.
Status checkSchemaCompatible(const ModelMetadata& current, const ModelMetadata& candidate);

// Runs the smoke set of the candidate's model.json ("smoke": [{"instance": ..., "label": ...}])
// through its batcher and compares each answer's label. InvalidArgument "validation_failed"
// naming the first mismatch; Ok (0 of 0) for a model without a smoke set.
Status runSmokeSet(ModelVersion& candidate, const JsonLimits& limits,
                   ModelVersion::Validation& validation);

// The repository's validator (docs/rollout.md, "Version lifecycle"): schema, then smoke set.
ModelRepository::Validator makeVersionValidator(JsonLimits limits);

}  // namespace atalaya::rollout
