#pragma once

#include <atalaya/Result.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "inference/HostTensor.h"
#include "inference/ModelMetadata.h"
#include "inference/WordTokenizer.h"

namespace atalaya::bench {

// What the benchmark sends one model, built once before any timing starts so that generating
// data never shows up in a measured figure.
struct ModelWorkload {
    std::string model;
    std::int64_t version = 0;
    ModelMetadata metadata;
    std::optional<WordTokenizer> tokenizer;  // text models only
    std::vector<std::string> sentences;      // text models: the pool the bodies are made of
    std::vector<std::string> predictBodies;  // {"model": ..., "instances": [one instance]}
};

// Reads the version's model.json and generates `poolSize` realistic, valid request bodies:
// tabular models get instances drawn from plausible distributions clipped to each feature's
// declared range, text models get sentences of 5-60 words. Deterministic for a given seed.
Result<ModelWorkload> makeWorkload(const std::filesystem::path& repository, std::string model,
                                   std::int64_t version, std::size_t poolSize, std::uint32_t seed);

// Inputs of one forward pass of `batchSize` rows, as the batcher would hand them to the runner.
// `variant` picks a different slice of data, so repeated runs do not see one constant batch.
std::vector<HostTensor> makeRawInputs(const ModelWorkload& workload, int batchSize, int variant);

// Generators behind makeWorkload, one file each.
std::vector<std::string> makeTabularBodies(const std::string& model, const TensorSpec& input,
                                           std::size_t count, std::uint32_t seed);
HostTensor makeMidRangeRows(const TensorSpec& spec, int rows, std::uint32_t seed);
std::vector<std::string> makeSentences(std::size_t count, std::uint32_t seed);

}  // namespace atalaya::bench
