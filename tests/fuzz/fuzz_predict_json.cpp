// libFuzzer target: the JSON request decoders on hostile bodies. Each input is parsed by
// parseStrictJson with the server's default limits, then decoded as a predict body (envelope,
// then instances for each demo model) and as an Open Inference Protocol infer body (for each
// demo model): credit-risk has named, bounded FP32 features, sentiment a BYTES input through its
// word tokenizer. The metadata is the demo repository's: $ATALAYA_FUZZ_MODELS, else the one
// this build trains (ATALAYA_DEMO_MODELS).
//
// Invariants: every refusal is InvalidArgument with a reason; a decoded tensor has the model's
// type and shape with one row per instance, tabular values lie in their declared ranges and
// token ids in the vocabulary.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "FuzzCheck.h"
#include "core/StrictJson.h"
#include "http/OipCodec.h"
#include "http/PredictCodec.h"

using namespace atalaya;
using namespace atalaya::fuzz;
using namespace atalaya::http;

namespace {

struct DemoModel {
    ModelMetadata metadata;
    std::optional<WordTokenizer> tokenizer;
};

std::vector<DemoModel> loadDemoModels() {
    const char* fromEnv = std::getenv("ATALAYA_FUZZ_MODELS");
    const std::filesystem::path repository = fromEnv != nullptr ? fromEnv : ATALAYA_DEMO_MODELS;
    std::vector<DemoModel> models;
    for (const char* name : {"credit-risk", "sentiment"}) {
        auto metadata = loadModelMetadata(repository / name, 1);
        if (!metadata.isOk()) {
            std::fprintf(stderr, "fuzz_predict_json: %s (set ATALAYA_FUZZ_MODELS)\n",
                         metadata.status().toString().c_str());
            std::abort();
        }
        DemoModel model{std::move(metadata).value(), std::nullopt};
        if (const auto& spec = model.metadata.inputs.front().tokenizer) {
            auto tokenizer = WordTokenizer::load(*spec);
            fuzzCheck(tokenizer.isOk(), "the demo vocabulary does not load");
            model.tokenizer = std::move(tokenizer).value();
        }
        models.push_back(std::move(model));
    }
    return models;
}

void checkRefusal(const Status& status) {
    fuzzCheck(status.code() == StatusCode::InvalidArgument, "a refusal is not InvalidArgument");
    fuzzCheck(!status.reason().empty(), "a refusal has no reason");
}

void checkTensor(const HostTensor& tensor, const TensorSpec& spec, const DemoModel& model,
                 std::int64_t rows) {
    fuzzCheck(tensor.shape.size() == spec.shape.size() || spec.tokenizer.has_value(),
              "a decoded tensor has the wrong rank");
    fuzzCheck(!tensor.shape.empty() && tensor.shape[0] == rows,
              "a decoded tensor has a row count other than the instances'");
    fuzzCheck(tensor.data.size() ==
                  static_cast<std::size_t>(tensor.elementCount()) * dataTypeSize(tensor.type),
              "a decoded tensor's bytes disagree with its shape");
    if (spec.tokenizer) {
        fuzzCheck(tensor.type == DataType::Int64 && tensor.shape.size() == 2 &&
                      tensor.shape[1] == spec.tokenizer->maxTokens,
                  "tokenized text is not INT64 [n, max_tokens]");
        const auto vocabulary = static_cast<std::int64_t>(model.tokenizer->vocabularySize());
        for (const std::int64_t id : tensor.values<std::int64_t>())
            fuzzCheck(id >= 0 && id < vocabulary, "a token id lies outside the vocabulary");
        return;
    }
    fuzzCheck(tensor.type == spec.type, "a decoded tensor has the wrong datatype");
    for (std::size_t i = 1; i < spec.shape.size(); ++i)
        fuzzCheck(tensor.shape[i] == spec.shape[i], "a decoded tensor has the wrong shape");
    if (spec.features.empty() || spec.type != DataType::Fp32)
        return;
    const auto values = tensor.values<float>();
    for (std::size_t i = 0; i < values.size(); ++i) {
        const FeatureSpec& feature = spec.features[i % spec.features.size()];
        fuzzCheck(!feature.min || values[i] >= static_cast<float>(*feature.min),
                  "a decoded value lies below its feature's minimum");
        fuzzCheck(!feature.max || values[i] <= static_cast<float>(*feature.max),
                  "a decoded value lies above its feature's maximum");
    }
}

void decodePredict(const nlohmann::json& body, const std::vector<DemoModel>& models,
                   const JsonLimits& limits) {
    const auto envelope = decodePredictEnvelope(body, limits);
    if (!envelope.isOk())
        return checkRefusal(envelope.status());
    fuzzCheck(!envelope->model.empty() && envelope->instances != nullptr &&
                  envelope->instances->is_array() && !envelope->instances->empty() &&
                  envelope->instances->size() <= limits.maxInstances,
              "an accepted envelope breaks its contract");
    for (const DemoModel& model : models) {
        const auto tokenizer = model.tokenizer ? &*model.tokenizer : nullptr;
        const auto tensors =
            decodeInstances(*envelope->instances, model.metadata, tokenizer, limits);
        if (!tensors.isOk()) {
            checkRefusal(tensors.status());
            continue;
        }
        fuzzCheck(tensors->size() == 1, "a single-input model got several tensors");
        checkTensor(tensors->front(), model.metadata.inputs.front(), model,
                    static_cast<std::int64_t>(envelope->instances->size()));
    }
}

void decodeOip(const nlohmann::json& body, const std::vector<DemoModel>& models,
               const JsonLimits& limits) {
    for (const DemoModel& model : models) {
        const auto tokenizer = model.tokenizer ? &*model.tokenizer : nullptr;
        const auto call = decodeOipInfer(body, model.metadata, tokenizer, limits);
        if (!call.isOk()) {
            checkRefusal(call.status());
            continue;
        }
        fuzzCheck(call->inputs.size() == model.metadata.inputs.size(),
                  "an infer call has a tensor count other than the model's inputs");
        const std::int64_t rows = call->inputs.front().rows();
        fuzzCheck(rows >= 1 && static_cast<std::size_t>(rows) <= limits.maxInstances,
                  "an infer call's batch is outside 1..max_instances");
        for (std::size_t i = 0; i < call->inputs.size(); ++i)
            checkTensor(call->inputs[i], model.metadata.inputs[i], model, rows);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<DemoModel> models = loadDemoModels();
    static const JsonLimits limits;  // the server's defaults
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto parsed = parseStrictJson(body, {.maxDepth = limits.maxDepth});
    if (!parsed.isOk()) {
        checkRefusal(parsed.status());
        return 0;
    }
    decodePredict(*parsed, models, limits);
    decodeOip(*parsed, models, limits);
    return 0;
}
