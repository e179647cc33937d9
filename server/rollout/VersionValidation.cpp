#include "rollout/VersionValidation.h"

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "http/PredictCodec.h"

namespace atalaya::rollout {

using nlohmann::json;

namespace {

std::string describeShape(const std::vector<std::int64_t>& shape) {
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? "," : "") + std::to_string(shape[i]);
    return text + "]";
}

Status compareTensors(const std::vector<TensorSpec>& current, const std::vector<TensorSpec>& next,
                      const char* what) {
    auto breaking = [](const std::string& message) {
        return invalidArgument(message, "breaking_change");
    };
    if (current.size() != next.size()) {
        return breaking(std::string(what) + " count changes from " +
                        std::to_string(current.size()) + " to " + std::to_string(next.size()));
    }
    for (std::size_t i = 0; i < current.size(); ++i) {
        const TensorSpec& a = current[i];
        const TensorSpec& b = next[i];
        if (a.name != b.name)
            return breaking(std::string(what) + " " + a.name + " is renamed " + b.name);
        if (a.type != b.type || a.shape != b.shape ||
            a.tokenizer.has_value() != b.tokenizer.has_value()) {
            return breaking(std::string(what) + " " + a.name + " changes type or shape (" +
                            describeShape(a.shape) + " to " + describeShape(b.shape) + ")");
        }
        if (a.features.size() != b.features.size()) {
            return breaking(std::string(what) + " " + a.name + " changes its feature columns");
        }
        for (std::size_t f = 0; f < a.features.size(); ++f) {
            if (a.features[f].name != b.features[f].name) {
                return breaking(std::string(what) + " " + a.name + " column " + std::to_string(f) +
                                " changes from " + a.features[f].name + " to " +
                                b.features[f].name);
            }
        }
    }
    return Status::ok();
}

}  // namespace

Status checkSchemaCompatible(const ModelMetadata& current, const ModelMetadata& candidate) {
    ATALAYA_RETURN_IF_ERROR(compareTensors(current.inputs, candidate.inputs, "input"));
    ATALAYA_RETURN_IF_ERROR(compareTensors(current.outputs, candidate.outputs, "output"));
    if (current.labels != candidate.labels) {
        return invalidArgument("the class labels change", "breaking_change");
    }
    return Status::ok();
}

Status runSmokeSet(ModelVersion& candidate, const JsonLimits& limits,
                   ModelVersion::Validation& validation) {
    const std::string& smokeJson = candidate.metadata().smokeJson;
    if (smokeJson.empty())
        return Status::ok();
    const json smoke = json::parse(smokeJson, nullptr, false);
    if (!smoke.is_array())
        return invalidArgument("model.json: \"smoke\" must be an array", "validation_failed");
    json instances = json::array();
    std::vector<std::string> expected;
    for (const auto& example : smoke) {
        if (!example.is_object() || !example.contains("instance") || !example.contains("label") ||
            !example["label"].is_string()) {
            return invalidArgument(
                "model.json: each smoke example needs \"instance\" and \"label\"",
                "validation_failed");
        }
        const json& instance = example["instance"];
        // Text models take bare strings; their smoke examples name the field ({"text": ...}).
        const bool textModel = candidate.tokenizer() != nullptr;
        if (textModel && instance.is_object() && instance.size() == 1 &&
            instance.begin()->is_string()) {
            instances.push_back(*instance.begin());
        } else {
            instances.push_back(instance);
        }
        expected.push_back(example["label"].get<std::string>());
    }
    validation.smokeTotal = static_cast<int>(expected.size());
    JsonLimits smokeLimits = limits;
    smokeLimits.maxInstances = std::max(smokeLimits.maxInstances, expected.size());
    auto inputs =
        http::decodeInstances(instances, candidate.metadata(), candidate.tokenizer(), smokeLimits);
    if (!inputs.isOk()) {
        return invalidArgument(
            "smoke set does not fit the model's inputs: " + inputs.status().message(),
            "validation_failed");
    }
    // Through the batcher, as live traffic will go (never on the IO thread: this is the loader).
    std::promise<InferenceResult> done;
    auto answer = done.get_future();
    InferenceRequest request;
    request.inputs = std::move(inputs).value();
    request.deadline = SteadyClock::now() + std::chrono::seconds(60);
    request.onDone = [&done](InferenceResult&& result) { done.set_value(std::move(result)); };
    ATALAYA_RETURN_IF_ERROR(candidate.batcher().submit(std::move(request)));
    InferenceResult result = answer.get();
    if (!result.status.isOk()) {
        return invalidArgument("smoke set failed: " + result.status.message(), "validation_failed");
    }
    const auto predictions =
        json::parse(http::encodePredictions(candidate.metadata(), result).json, nullptr, false);
    if (!predictions.is_array() || predictions.size() != expected.size()) {
        return invalidArgument("smoke set: the model returned another number of predictions",
                               "validation_failed");
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto label = predictions[i].value("label", std::string());
        if (label != expected[i]) {
            return invalidArgument("smoke example " + std::to_string(i) + ": expected \"" +
                                       expected[i] + "\", the model answered \"" + label + "\"",
                                   "validation_failed");
        }
        ++validation.smokePassed;
    }
    return Status::ok();
}

ModelRepository::Validator makeVersionValidator(JsonLimits limits) {
    return [limits](ModelVersion& candidate, const ModelVersion* current,
                    const ModelRepository::LoadOptions& options) -> Status {
        ModelVersion::Validation validation;
        if (current != nullptr) {
            Status compatible = checkSchemaCompatible(current->metadata(), candidate.metadata());
            if (!compatible.isOk()) {
                if (!options.confirmBreaking) {
                    return Status(
                        compatible.code(),
                        compatible.message() +
                            " (confirm the breaking change to load it for a new API version)",
                        "breaking_change");
                }
                validation.breaking = true;
            }
        }
        Status smoke = runSmokeSet(candidate, limits, validation);
        candidate.setValidation(validation);
        return smoke;
    };
}

}  // namespace atalaya::rollout
