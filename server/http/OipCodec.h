#pragma once

#include <atalaya/Config.h>
#include <atalaya/Result.h>

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "inference/HostTensor.h"
#include "inference/InferenceRequest.h"
#include "inference/ModelMetadata.h"
#include "inference/WordTokenizer.h"

namespace atalaya::http {

// Open Inference Protocol (KServe v2) REST JSON <-> typed tensors.
// https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/

struct OipInferCall {
    std::optional<std::string> id;              // echoed in the response
    std::vector<HostTensor> inputs;             // in the model's declared input order
    std::vector<std::string> requestedOutputs;  // empty: all
};

// Inputs are matched by name; datatype and non-batch dims must equal the declared ones; `data`
// may be flat or nested (row-major). A BYTES input of a text model is tokenized here.
Result<OipInferCall> decodeOipInfer(const nlohmann::json& body, const ModelMetadata& metadata,
                                    const WordTokenizer* tokenizer, const JsonLimits& limits);

std::string encodeOipInferResponse(const std::string& model, std::int64_t version,
                                   const OipInferCall& call, const ModelMetadata& metadata,
                                   const InferenceResult& result);

// GET /v2/models/{m}[/versions/{v}]
std::string encodeOipModelMetadata(const ModelMetadata& metadata,
                                   const std::vector<std::int64_t>& versions);

}  // namespace atalaya::http
