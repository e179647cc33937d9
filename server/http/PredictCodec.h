#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "inference/HostTensor.h"
#include "inference/InferenceRequest.h"
#include "inference/ModelMetadata.h"
#include "inference/WordTokenizer.h"

namespace atalaya::http {

// JSON of POST /api/vN/ia/predict  <->  typed tensors (docs/api.md):
//   {"model": "credit-risk", "instances": [{"age": 41, "income": 52000, ...}, ...]}
//   {"model": "sentiment",   "instances": ["a great film", ...]}

struct PredictEnvelope {
    std::string model;
    const nlohmann::json* instances = nullptr;  // points into the parsed body
};

Result<PredictEnvelope> decodePredictEnvelope(const nlohmann::json& body, const JsonLimits& limits);

// Validates every instance against the model's declared input (names, types, ranges, finite
// numbers, string sizes) and builds the model's input tensors. Nothing invalid reaches a batch.
Result<std::vector<HostTensor>> decodeInstances(const nlohmann::json& instances,
                                                const ModelMetadata& metadata,
                                                const WordTokenizer* tokenizer,
                                                const JsonLimits& limits);

struct PredictReply {
    std::string requestId;
    std::string apiVersion;
    std::string model;
    std::int64_t version = 0;
    std::chrono::microseconds total{0};
};

// The "predictions" array of an answer as JSON text: a classifier's row becomes
// {"label", "score", "scores": {label: p}}, other outputs {"output": [values]}. With the first
// row's label and score (empty label when not a classifier). Encoded once: the answer embeds
// the text and the inference log stores it.
struct EncodedPredictions {
    struct Instance {
        std::string label;
        double score = 0;
    };
    std::string json;
    std::string label;
    double score = 0;
    std::vector<Instance> instances;  // a classifier's label and score per row; else empty
};
EncodedPredictions encodePredictions(const ModelMetadata& metadata, const InferenceResult& result);

// {"request_id", "model", "version", "api_version", "batch_size", "timing_us", "predictions"}
std::string encodePredictResponse(const PredictReply& reply, const EncodedPredictions& predictions,
                                  const InferenceResult& result);

}  // namespace atalaya::http
