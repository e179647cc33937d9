#include "inference/ModelMetadata.h"

#include "core/StrictJson.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace atalaya {
namespace {

using nlohmann::json;

Result<json> readJsonFile(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return notFound(file.string() + " is missing", "metadata_missing");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = parseStrictJson(text.str(), {.maxDepth = 32});
    if (!parsed.isOk()) {
        return invalidArgument(file.string() + ": " + parsed.status().message(), "bad_metadata");
    }
    if (!parsed->is_object()) return invalidArgument(file.string() + " is not a JSON object");
    return parsed;
}

Result<TensorSpec> parseTensor(const json& node, const std::filesystem::path& modelDir) {
    TensorSpec spec;
    spec.name = node.at("name").get<std::string>();
    const auto type = parseDataType(node.at("datatype").get<std::string>());
    if (!type) return invalidArgument("tensor " + spec.name + " has an unknown datatype");
    spec.type = *type;
    spec.shape = node.at("shape").get<std::vector<std::int64_t>>();
    if (spec.shape.empty() || spec.shape.front() != -1) {
        return invalidArgument("tensor " + spec.name + " must have -1 (batch) as its first dim");
    }
    for (std::size_t i = 1; i < spec.shape.size(); ++i) {
        if (spec.shape[i] < 1) {
            return invalidArgument("tensor " + spec.name + " may be variable only in dim 0");
        }
    }
    if (const auto it = node.find("features"); it != node.end()) {
        for (const auto& feature : *it) {
            FeatureSpec f;
            f.name = feature.at("name").get<std::string>();
            if (feature.contains("min")) f.min = feature.at("min").get<double>();
            if (feature.contains("max")) f.max = feature.at("max").get<double>();
            spec.features.push_back(std::move(f));
        }
        if (spec.shape.size() != 2 || static_cast<std::int64_t>(spec.features.size()) !=
                                          spec.shape[1]) {
            return invalidArgument("tensor " + spec.name +
                                   " declares features that do not match its shape [-1, N]");
        }
    }
    if (const auto it = node.find("preprocess"); it != node.end()) {
        if (it->value("type", "") != "word_tokenizer") {
            return invalidArgument("tensor " + spec.name + ": unknown preprocess type");
        }
        TokenizerSpec tokenizer;
        tokenizer.vocabFile = modelDir / it->at("vocab").get<std::string>();
        tokenizer.maxTokens = it->value("max_tokens", 64);
        tokenizer.lowercase = it->value("lowercase", true);
        tokenizer.padId = it->value("pad_id", std::int64_t{0});
        tokenizer.unkId = it->value("unk_id", std::int64_t{1});
        if (spec.type != DataType::Bytes || tokenizer.maxTokens < 1) {
            return invalidArgument("tensor " + spec.name + ": a tokenizer needs a BYTES input");
        }
        spec.tokenizer = std::move(tokenizer);
    }
    return spec;
}

Result<std::vector<TensorSpec>> parseTensors(const json& list, const std::filesystem::path& dir) {
    std::vector<TensorSpec> specs;
    for (const auto& node : list) {
        ATALAYA_ASSIGN_OR_RETURN(auto spec, parseTensor(node, dir));
        specs.push_back(std::move(spec));
    }
    if (specs.empty()) return invalidArgument("a model needs at least one input and output");
    return specs;
}

Result<ModelMetadata> parseMetadata(const json& doc, const std::filesystem::path& modelDir) {
    ModelMetadata meta;
    meta.name = doc.value("name", modelDir.filename().string());
    meta.description = doc.value("description", "");
    ATALAYA_ASSIGN_OR_RETURN(meta.inputs, parseTensors(doc.at("inputs"), modelDir));
    ATALAYA_ASSIGN_OR_RETURN(meta.outputs, parseTensors(doc.at("outputs"), modelDir));
    meta.labels = doc.value("labels", std::vector<std::string>{});
    if (const auto it = doc.find("batching"); it != doc.end()) {
        meta.batching.maxBatchSize = it->value("max_batch_size", meta.batching.maxBatchSize);
        meta.batching.maxQueueDelayUs =
            it->value("max_queue_delay_us", meta.batching.maxQueueDelayUs);
        meta.batching.maxQueueSize = it->value("max_queue_size", meta.batching.maxQueueSize);
    }
    if (meta.batching.maxBatchSize < 1 || meta.batching.maxQueueSize < 1 ||
        meta.batching.maxQueueDelayUs < 0) {
        return invalidArgument("batching settings must be positive");
    }
    if (const auto it = doc.find("reference"); it != doc.end()) meta.referenceJson = it->dump();
    if (const auto it = doc.find("smoke"); it != doc.end()) meta.smokeJson = it->dump();
    return meta;
}

}  // namespace

Result<ModelMetadata> loadModelMetadata(const std::filesystem::path& modelDir,
                                        std::int64_t version) {
    ATALAYA_ASSIGN_OR_RETURN(json doc, readJsonFile(modelDir / "model.json"));
    const auto versionFile = modelDir / std::to_string(version) / "model.json";
    if (std::filesystem::exists(versionFile)) {
        ATALAYA_ASSIGN_OR_RETURN(const json overrides, readJsonFile(versionFile));
        for (const auto& [key, value] : overrides.items()) doc[key] = value;
    }
    try {
        auto meta = parseMetadata(doc, modelDir);
        if (!meta.isOk()) {
            return invalidArgument((modelDir / "model.json").string() + ": " +
                                       meta.status().message(),
                                   "bad_metadata");
        }
        return meta;
    } catch (const json::exception& error) {
        return invalidArgument((modelDir / "model.json").string() +
                                   ": missing or mistyped field (" + error.what() + ")",
                               "bad_metadata");
    }
}

}  // namespace atalaya
