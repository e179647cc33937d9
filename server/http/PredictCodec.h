#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "inference/HostTensor.h"
#include "inference/InferenceRequest.h"
#include "inference/InstancePrediction.h"
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
// {"label", "score", "scores": {label: p}}, other outputs {"output": [values]}, with each
// classifier row's label and score as values. Encoded once: the answer embeds the text and the
// inference log stores it.
struct EncodedPredictions {
    std::string json;
    std::vector<InstancePrediction>
        instances;  // a classifier's label and score per row; else empty

    // The first row's, as the log's label and score columns keep them; empty / 0 when none.
    std::string_view label() const {
        return instances.empty() ? std::string_view{} : instances.front().label;
    }
    double score() const { return instances.empty() ? 0 : instances.front().score; }
};
EncodedPredictions encodePredictions(const ModelMetadata& metadata, const InferenceResult& result);

// {"request_id", "model", "version", "api_version", "batch_size", "timing_us", "predictions"}
std::string encodePredictResponse(const PredictReply& reply, const EncodedPredictions& predictions,
                                  const InferenceResult& result);

}  // namespace atalaya::http
