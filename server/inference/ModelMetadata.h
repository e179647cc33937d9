#pragma once

#include "inference/HostTensor.h"

#include <atalaya/Result.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace atalaya {

struct FeatureSpec {
    std::string name;
    std::optional<double> min;  // inclusive allowed range; a value outside is rejected (400)
    std::optional<double> max;
};

struct TokenizerSpec {
    std::filesystem::path vocabFile;
    int maxTokens = 64;
    bool lowercase = true;
    std::int64_t padId = 0;
    std::int64_t unkId = 1;
};

struct TensorSpec {
    std::string name;
    DataType type = DataType::Fp32;
    std::vector<std::int64_t> shape;    // -1 marks the batch dimension (always dim 0)
    std::vector<FeatureSpec> features;  // named columns of a [-1, N] input
    std::optional<TokenizerSpec> tokenizer;  // BYTES input turned into INT64 [-1, maxTokens]
};

struct BatchingSpec {
    int maxBatchSize = 32;
    int maxQueueDelayUs = 1000;
    int maxQueueSize = 1024;
};

// model.json of one model version (model-level file shallow-merged with the version's own).
// docs/models.md documents the format; tools/models/ writes it for the demo models.
struct ModelMetadata {
    std::string name;
    std::string description;
    std::vector<TensorSpec> inputs;
    std::vector<TensorSpec> outputs;
    std::vector<std::string> labels;  // class names of a classifier's probability output
    BatchingSpec batching;
    std::string referenceJson;  // training-data statistics, kept verbatim for drift detection
    std::string smokeJson;      // requests with expected labels, kept verbatim for rollout checks
};

// Reads <modelDir>/model.json and, when present, <modelDir>/<version>/model.json over it.
Result<ModelMetadata> loadModelMetadata(const std::filesystem::path& modelDir,
                                        std::int64_t version);

}  // namespace atalaya
